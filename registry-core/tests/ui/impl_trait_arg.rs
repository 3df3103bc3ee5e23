use registry_core::api_function;

#[api_function]
fn show(value: impl std::fmt::Display) -> String {
    value.to_string()
}

fn main() {}
