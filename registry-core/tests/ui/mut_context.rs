use registry_core::{Context, api_function};

#[api_function]
fn mutate(ctx: &mut Context) -> String {
    ctx.request_id().to_owned()
}

fn main() {}
