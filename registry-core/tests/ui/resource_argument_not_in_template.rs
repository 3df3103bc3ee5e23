use registry_core::api_resource;

/// A block by height.
#[api_resource(uri = "myapp://blocks/{height}")]
fn block(height: u64, verbose: bool) -> String {
    format!("{height} {verbose}")
}

/// The mempool, which takes no arguments.
#[api_resource(uri = "myapp://mempool")]
fn mempool(limit: u32) -> String {
    limit.to_string()
}

fn main() {}
