use registry_core::api_resource;

/// A block by height.
#[api_resource(uri = "myapp://blocks/{height}")]
fn block(number: u64) -> String {
    number.to_string()
}

fn main() {}
