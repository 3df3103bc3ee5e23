use registry_core::{Context, api_function};

#[api_function]
fn twice(first: &Context, second: &Context) -> String {
    format!("{}{}", first.request_id(), second.request_id())
}

fn main() {}
