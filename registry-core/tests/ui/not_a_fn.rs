use registry_core::api_function;

#[api_function]
struct Quote {
    price: f64,
}

fn main() {}
