use registry_core::api_resource;

/// Files by path.
#[api_resource(uri = "myapp://files/{+path}")]
fn file(path: String) -> String {
    path
}

/// Unclosed.
#[api_resource(uri = "myapp://blocks/{height")]
fn block(height: u64) -> String {
    height.to_string()
}

/// No URI at all.
#[api_resource(mime_type = "text/plain")]
fn nothing() -> String {
    String::new()
}

fn main() {}
