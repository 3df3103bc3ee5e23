use registry_core::{api_function, api_resource};

/// A task mode that does not exist.
#[api_function(task = "sometimes")]
fn scan() -> u32 {
    1
}

/// Resources are read, never run as tasks.
#[api_resource(uri = "memo://today", task = "optional")]
fn today() -> String {
    String::new()
}

fn main() {}
