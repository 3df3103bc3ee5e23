use std::rc::Rc;

use registry_core::api_function;

#[api_function]
async fn count() -> usize {
    let shared = Rc::new(5);
    tokio::task::yield_now().await;
    *shared
}

fn main() {}
