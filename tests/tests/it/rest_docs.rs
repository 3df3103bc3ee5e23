//! `GET /docs` over loopback: one self-contained page naming every function.
//! (Rendering and the forms are exercised in Chromium by tests/interop/docs_browser.sh.)

use registry_core::{ErrorKind, Registry};
use registry_server::{Server, ServerConfig};
use registry_tests as _;

#[tokio::test]
async fn docs_page_is_self_contained_and_complete() {
    let registry = Registry::from_inventory().expect("registry");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(
        Server::new(registry.clone(), ServerConfig::default().info("Fixtures <&>", "9.9.9")).serve_on(listener),
    );

    let response = reqwest::get(format!("{base}/docs")).await.expect("GET /docs");
    assert_eq!(response.status(), 200);
    let header = |name: &str| response.headers()[name].to_str().expect("ASCII").to_owned();
    assert_eq!(header("content-type"), "text/html; charset=utf-8");
    let csp = header("content-security-policy");
    assert!(
        csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
    let html = response.text().await.expect("body");

    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("Fixtures &lt;&amp;&gt;"), "the title is escaped");
    for entry in registry.entries() {
        let name = entry.name();
        assert!(html.contains(&format!("id=\"fn-{name}\"")), "no section for {name}");
        assert!(html.contains(&format!("href=\"#fn-{name}\"")), "no link to {name}");
        if entry.function().on_rest() {
            assert!(
                html.contains(&format!("data-name=\"{name}\" novalidate")),
                "no form for {name}"
            );
        }
    }
    assert!(html.contains("tools/call") && html.contains("curl "));
    for kind in ErrorKind::ALL {
        assert!(
            html.contains(&format!("id=\"error-{}\"", kind.code())),
            "no row for {kind}"
        );
    }
    // Nothing is fetched from anywhere: no external scripts, styles, fonts or images.
    for needle in [
        "src=\"http",
        "href=\"http",
        "@import",
        "url(http",
        "<link rel=\"stylesheet\"",
    ] {
        assert!(!html.contains(needle), "the page loads `{needle}`");
    }
    assert!(!html.contains("{{"), "a template placeholder was left unfilled");
}
