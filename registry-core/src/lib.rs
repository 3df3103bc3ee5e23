//! Plain Rust functions, annotated once, served through every protocol.
//!
//! `registry-core` holds the pieces every protocol shares: the
//! [`#[api_function]`](macro@api_function) attribute, the [`Registry`] that
//! collects annotated functions at startup, the one call path
//! [`Registry::invoke`], [`ApiError`] and [`Context`]. It knows nothing of
//! HTTP; `registry-server` adapts it to MCP, REST, OpenAPI and a docs page.
//!
//! ```
//! use registry_core::{api_function, ApiError, Context, Protocol, Registry};
//! use serde_json::json;
//!
//! /// Add two integers.
//! ///
//! /// # Arguments
//! /// * `a` - the first addend
//! /// * `b` - the second addend
//! #[api_function(tags = ["math"])]
//! fn add(a: i64, b: i64) -> i64 {
//!     a + b
//! }
//!
//! /// Divide, refusing zero.
//! #[api_function(tags = ["math"])]
//! async fn divide(ctx: &Context, a: f64, b: f64) -> Result<f64, ApiError> {
//!     if b == 0.0 {
//!         return Err(ApiError::invalid_field("b", "must not be zero"));
//!     }
//!     Ok(a / b)
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let registry = Registry::builder().tag("math").build().unwrap();
//! let ctx = || Context::new(Protocol::Direct);
//! assert_eq!(registry.invoke("add", json!({"a": 1, "b": 2}), ctx()).await.unwrap(), json!(3));
//! let err = registry.invoke("divide", json!({"a": 1, "b": 0}), ctx()).await.unwrap_err();
//! assert_eq!(err.fields()[0].field, "b");
//! # }
//! ```
//!
//! # Linking
//!
//! Functions register through `inventory`, which only sees crates the final
//! binary links. A binary (or an integration test) that uses functions from a
//! library crate must name it: `use my_functions as _;`. The server logs how
//! many functions it found; check that number.

mod args;
mod context;
mod error;
mod function;
pub mod hook;
mod invoke;
mod quota;
mod registry;
mod request_id;
pub mod schema;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use args::Arguments;
pub use context::{Context, MetadataSource, Principal, Progress, Protocol};
pub use error::{ApiError, ErrorKind, FieldError, RateLimitStatus};
pub use function::{Annotations, ApiFunction, BoxFuture, CallResult, FunctionKind, Location, Method, ParamDoc};
pub use quota::{Quota, QuotaParseError};
pub use registry::{Call, DEFAULT_TIMEOUT, Entry, Registry, RegistryBuilder, RegistryError};
pub use request_id::RequestId;
pub use tokio_util::sync::CancellationToken;

/// Registers a free `fn` or `async fn` as an API function.
///
/// The function stays an ordinary function you can call and unit-test; the
/// attribute adds a hidden descriptor (schemas, metadata, a call shim) that
/// [`Registry::from_inventory`] collects at startup.
///
/// # Arguments and return values
///
/// - Each argument becomes a property of the input object; its type must be
///   `Deserialize + JsonSchema` and owned (`String`, not `&str`).
///   `Option<T>` arguments are optional. `#[arg(default)]` (uses `Default`) or
///   `#[arg(default = expr)]` makes an argument optional with a default.
///   `#[arg(sensitive)]` marks an argument (a password, a token) that the
///   framework never logs, the audit hook redacts and the docs page shows
///   without a real-looking example; combine as `#[arg(sensitive, default)]`.
///   `#[arg(rename = "type")]` makes the JSON property differ from the Rust name.
/// - One `&Context` argument may appear in any position; it is not part of any schema.
/// - Return `T` or `Result<T, E>` with `T: Serialize + JsonSchema` (including
///   `()`), and `E: Into<ApiError>`.
/// - Not allowed, each with a compile error that says what to write instead:
///   methods (`self`), generics, `impl Trait`, destructuring patterns,
///   borrowed arguments other than `&Context`, two contexts, `unsafe fn`.
///
/// The doc comment is the description. A rustdoc `# Arguments` list
/// (`` * `name` - text ``) describes the arguments in the schema.
///
/// # Options
///
/// | option | example | meaning |
/// | --- | --- | --- |
/// | `name` | `name = "get_quote"` | tool and operation name; default: the function's name, verbatim. 1 to 128 of `[A-Za-z0-9_.-]` |
/// | `title` | `title = "Get a quote"` | human title (MCP `title`) |
/// | `description` | `description = "..."` | replaces the doc comment |
/// | `tags` | `tags = ["mining"]` | OpenAPI tags, docs grouping, registry selection |
/// | `method` | `method = "GET"` | REST method: `GET`, `POST` (default), `PUT`, `PATCH`, `DELETE`; `GET`/`DELETE` read arguments from the query string |
/// | `path` | `path = "/api/quotes/{symbol}"` | REST path (default `/api/{name}`); `{x}` segments fill argument `x` |
/// | `timeout` | `timeout = "5s"` | per-call timeout (`ms`, `s`, `m`); default: the registry's |
/// | `read_only`, `destructive`, `idempotent`, `open_world` | `read_only` or `destructive = false` | MCP tool annotations |
/// | `hidden_from` | `hidden_from = ["mcp"]` | keep the function off one protocol |
/// | `scopes` | `scopes = ["admin"]` | scopes the authenticated caller must hold |
/// | `rate_limit` | `rate_limit = "10/s"` | calls per caller and window (`/s`, `/min`, `/h`), enforced when the application registers `registry_server::hooks::RateLimit`; default: that hook's default |
/// | `max_concurrency` | `max_concurrency = 4` | calls running at once (at least 1), enforced when the application registers `registry_server::hooks::ConcurrencyLimit` |
/// | `crate` | `crate = "my_reexport::core"` | path to `registry_core` when re-exported |
///
/// ```
/// use registry_core::{api_function, ApiError, Context};
///
/// /// Fetch a quote.
/// ///
/// /// # Arguments
/// /// * `symbol` - ticker symbol such as "BTC"
/// #[api_function(method = "GET", path = "/api/quotes/{symbol}", timeout = "5s", read_only)]
/// async fn quote(ctx: &Context, symbol: String, #[arg(default = 1)] amount: u32) -> Result<String, ApiError> {
///     Ok(format!("{amount} {symbol} via {}", ctx.request_id()))
/// }
/// # fn main() {}
/// ```
///
/// Misuse fails to compile:
///
/// ```compile_fail
/// use registry_core::api_function;
///
/// #[api_function]
/// fn borrowed(name: &str) -> String { name.to_owned() }
/// # fn main() {}
/// ```
pub use registry_macros::api_function;
