use registry_core::api_function;

#[api_function(name = "add numbers!")]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {}
