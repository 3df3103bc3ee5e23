//! Every hashstats function, called in-process against the offline upstream.

use hashstats::{FUNCTION_COUNT, Upstream};
use registry_core::{Context, ErrorKind, Protocol, Registry};
use serde_json::{Value, json};

async fn registry() -> Registry {
    let base = hashstats::offline::spawn().await.unwrap();
    hashstats::registry(Upstream::new(base)).unwrap()
}

async fn call(registry: &Registry, name: &str, args: Value) -> Result<Value, registry_core::ApiError> {
    registry.invoke(name, args, Context::new(Protocol::Direct)).await
}

#[tokio::test]
async fn every_function_is_registered() {
    let registry = registry().await;
    assert_eq!(registry.len(), FUNCTION_COUNT);
    assert!(registry.warnings().is_empty(), "{:?}", registry.warnings());
}

#[tokio::test]
async fn compute_functions() {
    let r = registry().await;
    assert_eq!(
        call(&r, "block_subsidy", json!({"height": 840_000})).await.unwrap()["btc"],
        json!(3.125)
    );
    let halvings = call(&r, "halving_schedule", json!({"from_height": 840_000, "count": 2}))
        .await
        .unwrap();
    assert_eq!(halvings[0]["height"], json!(1_050_000));
    assert_eq!(halvings[1]["subsidy_btc"], json!(0.78125));
    let rate = call(&r, "difficulty_to_hashrate", json!({"difficulty": 1.0}))
        .await
        .unwrap();
    assert_eq!(rate["display"], json!("7.16 MH/s"));
    assert_eq!(
        call(&r, "convert_amount", json!({"amount": 1, "from": "btc", "to": "sats"}))
            .await
            .unwrap(),
        json!(1e8)
    );
    assert_eq!(
        call(
            &r,
            "convert_hashrate",
            json!({"value": 2, "from": "EH/s", "to": "PH/s"})
        )
        .await
        .unwrap(),
        json!(2000.0)
    );
    assert_eq!(
        call(&r, "next_retarget", json!({"height": 925_000})).await.unwrap()["height"],
        json!(925_344)
    );
    let genesis = call(&r, "bits_to_target", json!({"bits": "1d00ffff"})).await.unwrap();
    assert_eq!(genesis["difficulty"], json!(1.0));
    let revenue = call(
        &r,
        "mining_revenue",
        json!({"miner_ths": 1000, "network_ehs": 1000, "height": 925_000}),
    )
    .await;
    assert!(revenue.unwrap()["btc_per_day"].as_f64().unwrap() > 0.0);
}

#[tokio::test]
async fn compute_functions_reject_bad_input_by_field() {
    let r = registry().await;
    for (name, args, field) in [
        ("difficulty_to_hashrate", json!({"difficulty": -1}), "difficulty"),
        ("halving_schedule", json!({"count": 0}), "count"),
        ("bits_to_target", json!({"bits": "zz"}), "bits"),
        (
            "estimate_fee",
            json!({"vbytes": 0, "priority": "hour", "rates": {"fastestFee": 1, "halfHourFee": 1, "hourFee": 1, "economyFee": 1, "minimumFee": 1}}),
            "vbytes",
        ),
        (
            "convert_amount",
            json!({"amount": 1, "from": "doge", "to": "sats"}),
            "from",
        ),
        (
            "mining_revenue",
            json!({"miner_ths": 1e9, "network_ehs": 1, "height": 1}),
            "miner_ths",
        ),
    ] {
        let err = call(&r, name, args).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArguments, "{name}");
        assert_eq!(err.fields()[0].field, field, "{name}: {err}");
    }
}

#[tokio::test]
async fn upstream_functions_against_the_snapshot() {
    let r = registry().await;
    let overview = call(&r, "network_overview", json!({})).await.unwrap();
    assert_eq!(overview["tip_height"], json!(925_000));
    assert_eq!(overview["adjustment"]["nextRetargetHeight"], json!(925_344));
    assert_eq!(call(&r, "tip_height", json!({})).await.unwrap(), json!(925_000));
    let blocks = call(&r, "recent_blocks", json!({"limit": 3})).await.unwrap();
    assert_eq!(blocks.as_array().unwrap().len(), 3);
    let block = call(&r, "block_at", json!({"height": 924_998})).await.unwrap();
    assert_eq!(block["height"], json!(924_998));
    let pools = call(&r, "pool_shares", json!({})).await.unwrap();
    assert_eq!(pools[0]["name"], json!("Foundry USA"));
    assert_eq!(
        call(&r, "recommended_fees", json!({})).await.unwrap()["fastestFee"],
        json!(6.0)
    );
    assert!(
        call(&r, "current_hashrate", json!({})).await.unwrap()["current"]["display"]
            .as_str()
            .unwrap()
            .ends_with("ZH/s")
    );
    assert_eq!(
        call(&r, "difficulty_adjustment", json!({})).await.unwrap()["remainingBlocks"],
        json!(344)
    );
    assert_eq!(
        call(&r, "mempool_summary", json!({})).await.unwrap()["count"],
        json!(41_230)
    );
}

#[tokio::test]
async fn upstream_failures_map_to_clear_errors() {
    let r = registry().await;
    for (name, args, kind) in [
        ("block_at", json!({"height": 1}), ErrorKind::NotFound),
        ("lightning_capacity", json!({}), ErrorKind::Upstream),
        ("btc_price", json!({}), ErrorKind::Timeout),
        ("projected_blocks", json!({}), ErrorKind::Upstream),
    ] {
        let err = call(&r, name, args).await.unwrap_err();
        assert_eq!(err.kind(), kind, "{name}: {err}");
        assert!(
            !err.message().contains("127.0.0.1"),
            "no upstream URL leaks: {}",
            err.message()
        );
        assert!(err.internal_detail().is_some(), "the detail is kept for logs");
    }
}

#[tokio::test]
async fn an_unreachable_upstream_is_an_upstream_error() {
    // A port nothing listens on: bind one, then drop it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = hashstats::registry(Upstream::new(format!("http://127.0.0.1:{port}"))).unwrap();
    let err = call(&r, "tip_height", json!({})).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Upstream);
    let err = call(&r, "mempool_summary", json!({})).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Upstream, "the blocking client maps the same way");
}

#[tokio::test]
async fn resources_prompts_and_the_chart() {
    let r = registry().await;
    let kinds = |f: fn(&registry_core::ApiFunction) -> bool| r.entries().iter().filter(|e| f(e.function())).count();
    assert_eq!(kinds(|f| f.resource().is_some()), 4);
    assert_eq!(kinds(|f| f.prompt().is_some()), 2);
    let (entry, vars) = r.resource_for_uri("hashstats://blocks/924995", Protocol::Mcp).unwrap();
    assert_eq!(
        (entry.name(), vars),
        ("block_resource", vec![("height".to_owned(), "924995".to_owned())])
    );
    let chart = call(&r, "difficulty_chart_resource", json!({})).await.unwrap();
    assert_eq!(chart["mimeType"], "image/svg+xml");
    let image = call(&r, "difficulty_chart", json!({"limit": 5})).await.unwrap();
    assert_eq!(image["type"], "image");
    assert_eq!(
        call(&r, "difficulty_chart", json!({"limit": 1}))
            .await
            .unwrap_err()
            .fields()[0]
            .field,
        "limit"
    );
    let svg = hashstats::primitives::chart_svg(&[(1, 1.0), (2, 3.0), (3, 2.0)]);
    assert!(svg.starts_with("<svg") && svg.contains("polyline points=\"10.0,110.0 160.0,10.0 310.0,60.0\""));
    let report = call(&r, "mining_report", json!({"period": "1w"})).await.unwrap();
    assert_eq!(report[0]["role"], "user");
    assert!(report[0]["content"]["text"].as_str().unwrap().contains("last 1w"));
    let explained = call(&r, "explain_block", json!({"height": 924_995})).await.unwrap();
    assert_eq!(explained[0]["content"]["resource"]["uri"], "hashstats://blocks/924995");
}

#[tokio::test]
async fn difficulty_scan_reads_pages_and_reports_progress() {
    let r = registry().await;
    assert_eq!(
        r.get("difficulty_scan").unwrap().function().task_support(),
        registry_core::TaskSupport::Optional
    );
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&seen);
    let ctx = Context::new(Protocol::Direct).with_progress(move |p| sink.lock().unwrap().push(p.progress));
    let scan = r
        .invoke("difficulty_scan", json!({"pages": 2, "pause_ms": 0}), ctx)
        .await
        .unwrap();
    assert_eq!(scan["pages_read"], json!(2));
    assert!(scan["blocks_seen"].as_u64().unwrap() > 0, "{scan}");
    assert!(!scan["difficulties"].as_array().unwrap().is_empty(), "{scan}");
    assert_eq!(*seen.lock().unwrap(), [1.0, 2.0]);
    let refused = call(&r, "difficulty_scan", json!({"pages": 21})).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidArguments);
    assert_eq!(refused.fields()[0].field, "pages");
}
