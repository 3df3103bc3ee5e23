use registry_core::api_function;

/// Add two integers.
///
/// # Arguments
/// * `a` - the first addend
/// * `c` - a typo for b
#[api_function]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {}
