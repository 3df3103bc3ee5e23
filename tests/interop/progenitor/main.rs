//! A client progenitor generated from hashstats' `GET /openapi-3.0.json`,
//! calling functions of a live hashstats server (its base URL is the first
//! argument): a query-parameter GET (`block_subsidy`), a path-parameter GET
//! (`block_at`, after `tip_height`) and a POST with a JSON body
//! (`convert_hashrate`), then a call the server refuses with a 422 problem.
//! Each typed result is checked, then printed; any failure panics (exit 101).

#[allow(unreachable_patterns, dead_code)] // progenitor matches `4XX` before the codes it covers; types the test does not use.
mod client {
    include!(concat!(env!("OUT_DIR"), "/codegen.rs"));
}

use client::Client;
use futures::TryStreamExt as _;

#[tokio::main]
async fn main() {
    let base = std::env::args().nth(1).expect("usage: client BASE_URL");
    let client = Client::new(&base);

    // GET /api/block_subsidy?height=840000: a query parameter, a typed object result.
    let subsidy = client.block_subsidy(840_000).await.expect("block_subsidy").into_inner();
    assert_eq!(subsidy.height, 840_000, "{subsidy:?}");
    assert_eq!(subsidy.sats, 312_500_000, "{subsidy:?}");
    println!("block_subsidy(840000) = {subsidy:?}");

    // GET /api/tip_height, then GET /api/blocks/{height}: a path parameter, optional fields.
    let tip = client.tip_height().await.expect("tip_height").into_inner();
    let block = client.block_at(tip).await.expect("block_at").into_inner();
    assert_eq!(block.height, tip, "{block:?}");
    assert_eq!(block.hash.len(), 64, "{block:?}");
    println!("tip_height() = {tip}; block_at({tip}) = {block:?}");

    // POST /api/convert_hashrate with a JSON body (built from JSON, so the
    // test does not depend on the Rust names typify gives the unit variants).
    let body = serde_json::from_value(serde_json::json!({"value": 1.5, "from": "EH/s", "to": "TH/s"}))
        .expect("a body of the generated type");
    let converted = client.convert_hashrate(&body).await.expect("convert_hashrate").into_inner();
    assert!((converted - 1.5e6).abs() < 1e-6, "{converted}");
    println!("convert_hashrate(1.5 EH/s to TH/s) = {converted}");

    // A call the function refuses (progenitor orders the parameters by name:
    // `count`, then `from_height`) comes back as an error response whose
    // body is the problem (progenitor types `application/json` bodies only,
    // so it hands over the `application/problem+json` bytes).
    // `count` from JSON: typify picks its Rust type from the schema's bounds
    // (`u8`, or `NonZeroU64` once the schema says `minimum: 1`).
    let count = serde_json::from_value(serde_json::json!(200)).expect("200 fits the count type");
    match client.halving_schedule(Some(count), None).await {
        Err(progenitor_client::Error::ErrorResponse(response)) => {
            assert_eq!(response.status().as_u16(), 422);
            let bytes: Vec<u8> = response
                .into_inner_stream()
                .map_ok(|chunk| chunk.to_vec())
                .try_concat()
                .await
                .expect("the problem body");
            let problem: serde_json::Value = serde_json::from_slice(&bytes).expect("a JSON problem");
            assert_eq!(problem["status"], 422, "{problem}");
            assert_eq!(problem["errors"][0]["field"], "count", "{problem}");
            println!("halving_schedule(count = 200) = 422 {problem}");
        }
        other => panic!("expected a 422 problem, got {other:?}"),
    }
    println!("progenitor client: 4 functions called, 1 problem read");
}
