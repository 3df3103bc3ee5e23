use registry_core::api_function;

/// Two arguments, one property.
#[api_function]
fn clash(#[arg(rename = "id")] key: u32, id: u32) -> u32 {
    key + id
}

/// An empty property name.
#[api_function]
fn empty(#[arg(rename = "")] key: u32) -> u32 {
    key
}

/// Not a string.
#[api_function]
fn not_a_string(#[arg(rename = id)] key: u32) -> u32 {
    key
}

fn main() {}
