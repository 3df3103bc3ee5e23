//! Test utilities for application authors: call any registered function
//! through REST and through MCP in-process (no socket), and assert that both
//! protocols agree.
//!
//! ```
//! use registry_core::{api_function, Registry};
//! use registry_server::testing::TestClient;
//! use serde_json::json;
//!
//! /// Add two integers.
//! #[api_function]
//! fn add_for_docs(a: i64, b: i64) -> i64 {
//!     a + b
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let client = TestClient::new(Registry::builder().name("add_for_docs").build().unwrap());
//! let sum = client.assert_parity("add_for_docs", json!({"a": 2, "b": 3})).await;
//! assert_eq!(sum, Ok(json!(5)));
//! # }
//! ```

use std::fmt;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use registry_core::Registry;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::errors::MCP_ERROR_META;
use crate::rest::Routes;
use crate::{Server, ServerConfig};

/// What one protocol answered, reduced to what both protocols share.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The function's JSON value (REST body, MCP `structuredContent` unwrapped).
    Value(Value),
    /// An error, by its [`ErrorKind`](registry_core::ErrorKind) code such as `"invalid_arguments"`.
    Error(String),
}

impl Outcome {
    /// The value, or the error code as `Err`.
    pub fn into_result(self) -> Result<Value, String> {
        match self {
            Outcome::Value(value) => Ok(value),
            Outcome::Error(code) => Err(code),
        }
    }
}

/// An in-process client over the application's real router.
#[derive(Clone)]
pub struct TestClient {
    registry: Registry,
    router: Router,
    routes: Arc<Routes>,
}

impl fmt::Debug for TestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestClient")
            .field("registry", &self.registry)
            .finish_non_exhaustive()
    }
}

impl TestClient {
    /// A client for `registry` with the default configuration.
    ///
    /// # Panics
    ///
    /// If the router cannot be built (the server would refuse to start too).
    pub fn new(registry: Registry) -> Self {
        Self::with_config(registry, ServerConfig::default())
    }

    /// A client for `registry` with `config`.
    ///
    /// # Panics
    ///
    /// If the router cannot be built.
    pub fn with_config(registry: Registry, config: ServerConfig) -> Self {
        // The router and the REST description it was built from.
        let (router, routes) = Server::new(registry.clone(), config)
            .router_and_routes()
            .unwrap_or_else(|err| panic!("{err}"));
        TestClient {
            registry,
            router,
            routes,
        }
    }

    /// Sends any request to the router and returns the status and the body as JSON
    /// (`Value::Null` for an empty body, a string for a non-JSON one).
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|never| match never {});
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        (status, body)
    }

    /// Calls `name` through its REST route, arguments placed the way the route takes them.
    pub async fn rest(&self, name: &str, args: Value) -> Outcome {
        let Some(request) = self.rest_request(name, args) else {
            return Outcome::Error("not_found".into());
        };
        let (status, body) = self.send(request).await;
        rest_outcome(status, body)
    }

    /// The REST request for calling `name` with `args`: method and path from
    /// the function, arguments in the path, the query string or a JSON body.
    /// `None` when the function has no REST route.
    pub fn rest_request(&self, name: &str, args: Value) -> Option<Request<Body>> {
        let route = self.routes.get(name)?;
        let method = Method::from_bytes(route.method.as_str().as_bytes()).unwrap_or(Method::POST);
        let (target, body) = route.request(args);
        let request = Request::builder().method(method).uri(target);
        let request = match body {
            None => request.body(Body::empty()),
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
        };
        request.ok()
    }

    /// Calls `name` with MCP `tools/call` over Streamable HTTP (2025-11-25 era).
    pub async fn mcp(&self, name: &str, args: Value) -> Outcome {
        let (_, body) = self.send(Self::mcp_request(name, args)).await;
        self.mcp_outcome(name, &body)
    }

    /// The Streamable HTTP request for MCP `tools/call` of `name` with `args`.
    pub fn mcp_request(name: &str, args: Value) -> Request<Body> {
        Self::mcp_method_request("tools/call", json!({"name": name, "arguments": args}))
    }

    /// Sends any MCP request (`resources/read`, `prompts/get`, ...) with
    /// `params` (2025-11-25 era) and returns the JSON-RPC response.
    ///
    /// ```
    /// # use registry_core::Registry;
    /// # use registry_server::testing::TestClient;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = TestClient::new(Registry::builder().build().unwrap());
    /// let answer = client.mcp_method("ping", serde_json::json!({})).await;
    /// assert_eq!(answer["result"], serde_json::json!({}));
    /// # }
    /// ```
    pub async fn mcp_method(&self, method: &str, params: Value) -> Value {
        self.send(Self::mcp_method_request(method, params)).await.1
    }

    /// The Streamable HTTP request for the MCP `method` with `params`.
    pub fn mcp_method_request(method: &str, params: Value) -> Request<Body> {
        let body = json!({
            "jsonrpc": "2.0",
            "id": 1,
            "method": method,
            "params": params,
        });
        Request::post("/mcp")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-11-25")
            .body(Body::from(body.to_string()))
            .expect("a valid request")
    }

    /// Reduces a JSON-RPC response to `tools/call` of `name` to an [`Outcome`].
    pub fn mcp_outcome(&self, name: &str, response: &Value) -> Outcome {
        if let Some(error) = response.get("error") {
            return Outcome::Error(match error["code"].as_i64() {
                Some(-32602) => "not_found".into(),
                Some(-32603) => "internal".into(),
                other => format!("jsonrpc_{}", other.unwrap_or_default()),
            });
        }
        let result = &response["result"];
        if result["isError"] == json!(true) {
            let code = result["_meta"][MCP_ERROR_META]["kind"].as_str().unwrap_or("unknown");
            return Outcome::Error(code.to_owned());
        }
        let structured = result.get("structuredContent").cloned().unwrap_or(Value::Null);
        let wraps = self.registry.get(name).is_some_and(|e| e.schemas().wraps_output);
        Outcome::Value(if wraps {
            structured.get("result").cloned().unwrap_or(Value::Null)
        } else {
            structured
        })
    }

    /// Calls `name` through both protocols and asserts they agree.
    ///
    /// Returns the shared value, or the shared error code as `Err`.
    ///
    /// # Panics
    ///
    /// When REST and MCP disagree, showing both answers.
    pub async fn assert_parity(&self, name: &str, args: Value) -> Result<Value, String> {
        let rest = self.rest(name, args.clone()).await;
        let mcp = self.mcp(name, args.clone()).await;
        assert_eq!(rest, mcp, "REST and MCP disagree on `{name}` with {args}");
        rest.into_result()
    }
}

/// Reduces a REST response to an [`Outcome`]: the body on success, the
/// problem's `code` otherwise.
pub fn rest_outcome(status: StatusCode, body: Value) -> Outcome {
    if status.is_success() {
        Outcome::Value(body)
    } else {
        Outcome::Error(body.get("code").and_then(Value::as_str).unwrap_or("unknown").to_owned())
    }
}
