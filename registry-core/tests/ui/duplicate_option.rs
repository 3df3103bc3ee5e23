use registry_core::api_function;

#[api_function(method = "GET", method = "POST")]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {}
