use registry_core::api_function;

#[api_function(path = "api/add")]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[api_function(method = "GET", path = "/api/items/:id")]
fn item(id: u32) -> u32 {
    id
}

#[api_function(method = "GET", path = "/api/blocks/{height}")]
fn block(hash: String) -> String {
    hash
}

fn main() {}
