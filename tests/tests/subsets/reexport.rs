//! `crate = "..."`: generated code reaches the runtime through the path given,
//! so a crate that only sees `registry_core` re-exported (here as
//! `registry_server::core`) can still use the attribute.

use registry_server::core::{Context, Protocol, Registry, api_function};
use serde_json::json;

/// Double a number.
#[api_function(crate = "::registry_server::core", tags = ["reexport"])]
fn double(n: i64) -> i64 {
    n * 2
}

#[tokio::test]
async fn the_crate_option_names_the_runtime() {
    let registry = Registry::builder().tag("reexport").build().unwrap();
    let doubled = registry
        .invoke("double", json!({"n": 21}), Context::new(Protocol::Direct))
        .await
        .unwrap();
    assert_eq!(doubled, json!(42));
}
