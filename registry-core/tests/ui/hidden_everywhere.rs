use registry_core::api_function;

#[api_function(hidden_from = ["mcp", "rest"])]
fn unreachable_fn() -> u8 {
    1
}

#[api_function(hidden_from = ["grpc"])]
fn other() -> u8 {
    2
}

fn main() {}
