//! Quickstart.
use registry_core::api_function;

/// Add two integers.
#[api_function]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {
    let registry = registry_core::Registry::from_inventory().unwrap();
    println!("{registry:?}");
}
