//! Instructions per `Registry::invoke` with and without a no-op hook, for
//! callgrind (`scripts/callgrind.sh` measures whole requests; this isolates
//! the hook chain): `hook-cost none|async|before N` runs N calls of `add`
//! on a current-thread runtime.

use registry_benches as _;
use registry_core::hook::{Hook, Next, before};
use registry_core::{Call, CallResult, Context, Protocol, Registry};
use serde_json::json;

/// Does nothing but go on.
struct Noop;

impl Hook for Noop {
    async fn call(&self, call: &mut Call<'_>, next: Next<'_>) -> CallResult {
        next.run(call).await
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let variant = args.next().unwrap_or_else(|| "none".into());
    let calls: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let builder = Registry::builder().name("add");
    let registry = match variant.as_str() {
        "none" => builder.build(),
        "async" => builder.hook(Noop).build(),
        "before" => builder.hook(before(|_: &mut Call<'_>| Ok(()))).build(),
        other => panic!("unknown variant {other}"),
    }
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    if std::env::var_os("HOOK_COST_SIZES").is_some() {
        let future = registry.invoke("add", json!({}), Context::new(Protocol::Direct));
        eprintln!("invoke future: {} bytes", std::mem::size_of_val(&future));
        eprintln!(
            "Context: {} bytes, Arguments: {} bytes",
            std::mem::size_of::<Context>(),
            std::mem::size_of::<registry_core::Arguments>()
        );
    }
    rt.block_on(async {
        let args = json!({"a": 1, "b": 2});
        for _ in 0..calls {
            let out = registry
                .invoke("add", args.clone(), Context::new(Protocol::Direct))
                .await;
            std::hint::black_box(out.unwrap());
        }
    });
}
