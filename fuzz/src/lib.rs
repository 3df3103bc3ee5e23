//! The checks the fuzz targets run, shared with the corpus replay test.

use std::sync::OnceLock;

use registry_core::{ApiError, Context, ErrorKind, Protocol, Registry, api_function};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A point.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// x
    pub x: f64,
    /// y
    pub y: f64,
}

/// A tagged shape.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shape {
    /// A circle.
    Circle {
        /// centre
        center: Point,
        /// radius
        radius: f64,
    },
    /// A polygon.
    Polygon {
        /// corners
        points: Vec<Point>,
    },
}

/// A representative signature: integers, strings, options, defaults, lists,
/// nested structs and a tagged enum.
///
/// # Arguments
/// * `count` - a bounded integer
/// * `name` - a string
/// * `label` - optional text
/// * `tags` - a list with a default
/// * `shape` - a tagged enum holding structs
/// * `ratio` - a float
#[api_function]
pub async fn representative(
    count: u32,
    name: String,
    label: Option<String>,
    #[arg(default)] tags: Vec<String>,
    shape: Shape,
    ratio: Option<f64>,
) -> Result<usize, ApiError> {
    let points = match &shape {
        Shape::Circle { .. } => 1,
        Shape::Polygon { points } => points.len(),
    };
    let _ = ratio;
    Ok(count as usize % 7 + name.len() + label.map_or(0, |l| l.len()) + tags.len() + points)
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        Registry::builder()
            .name("representative")
            .build()
            .expect("the representative function is linked")
    })
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime")
    })
}

/// The JSON-RPC decoder never panics, and every rejection it writes is a
/// valid JSON-RPC error with a standard code.
pub fn jsonrpc_decode(data: &[u8]) {
    if let Err((code, reply)) = registry_server::mcp::decode_for_fuzzing(data) {
        let reply: Value = serde_json::from_slice(&reply).expect("the error reply is valid JSON");
        assert_eq!(reply["jsonrpc"], "2.0");
        assert_eq!(reply["error"]["code"], code);
        assert!(
            [-32700, -32600, -32602].contains(&code),
            "unexpected code {code} for {:?}",
            String::from_utf8_lossy(data)
        );
    }
}

/// Argument decoding into [`representative`] through `Registry::invoke`
/// never panics and answers either a value or `invalid_arguments` with a
/// message; bytes that are not a JSON value are skipped.
pub fn arguments(data: &[u8]) {
    if registry_server::limits::json_too_deep(data, 64) {
        return;
    }
    let Ok(args) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let outcome = runtime().block_on(registry().invoke("representative", args, Context::new(Protocol::Rest)));
    match outcome {
        Ok(value) => assert!(value.is_u64(), "{value}"),
        Err(err) => {
            assert_eq!(err.kind(), ErrorKind::InvalidArguments, "{err}");
            assert!(!err.message().is_empty());
        }
    }
}

/// `Authorization` header bytes through the OAuth authorizer
/// (`registry_server::oauth::authorize_for_fuzzing`) never panic; a refusal
/// carries a `Bearer` challenge naming the metadata document, and an
/// accepted token names its holder.
pub fn authorization(data: &[u8]) {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    });
    match runtime.block_on(registry_server::oauth::authorize_for_fuzzing(data)) {
        Ok(principal) => assert!(!principal.id.is_empty(), "an accepted token without a holder"),
        Err((_, challenge)) => {
            let text = challenge.to_str().expect("a visible-ASCII challenge");
            assert!(text.starts_with("Bearer "), "{text}");
            assert!(text.contains("resource_metadata=\""), "{text}");
        }
    }
}
