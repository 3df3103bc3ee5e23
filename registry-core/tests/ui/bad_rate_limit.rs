use registry_core::api_function;

#[api_function(rate_limit = "10 per second")]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[api_function(rate_limit = "0/min")]
fn sub(a: i64, b: i64) -> i64 {
    a - b
}

#[api_function(rate_limit = 10)]
fn mul(a: i64, b: i64) -> i64 {
    a * b
}

fn main() {}
