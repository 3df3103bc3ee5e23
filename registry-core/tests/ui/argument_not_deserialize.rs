use registry_core::api_function;

struct Opaque(u64);

#[api_function]
fn take(value: Opaque) -> u64 {
    value.0
}

fn main() {}
