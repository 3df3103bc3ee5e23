use registry_core::{api_function, Context};

#[api_function]
fn who(ctx: Context) -> String {
    ctx.request_id().to_owned()
}

fn main() {}
