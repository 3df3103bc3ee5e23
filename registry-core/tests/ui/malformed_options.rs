use registry_core::api_function;

#[api_function(tags = "math", name = add, read_only = "yes")]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {}
