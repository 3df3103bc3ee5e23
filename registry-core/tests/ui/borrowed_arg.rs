use registry_core::api_function;

#[api_function]
fn greet(name: &str) -> String {
    format!("hello {name}")
}

fn main() {}
