use registry_core::{api_function, api_resource, Context};

fn names(_prefix: String, _ctx: &Context) -> Vec<String> {
    Vec::new()
}

/// Tools have no completions.
#[api_function]
fn greet(#[arg(complete = names)] name: String) -> String {
    name
}

/// Tools options are not resource options.
#[api_resource(uri = "myapp://x", method = "POST")]
fn x() -> String {
    String::new()
}

fn main() {}
