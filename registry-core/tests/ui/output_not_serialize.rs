use registry_core::api_function;

struct Secret(u64);

#[api_function]
fn reveal() -> Secret {
    Secret(1)
}

fn main() {}
