use registry_core::api_function;

#[api_function(max_concurrency = 0)]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[api_function(max_concurrency = "4")]
fn sub(a: i64, b: i64) -> i64 {
    a - b
}

fn main() {}
