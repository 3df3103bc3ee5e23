use registry_core::api_prompt;

/// Greets, but returns a plain string.
#[api_prompt]
fn greeting(name: String) -> String {
    format!("Hello, {name}")
}

fn main() {}
