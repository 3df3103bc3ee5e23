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
pub mod content;
mod context;
mod error;
mod finite;
mod format;
mod format_names;
mod function;
pub mod hook;
mod invoke;
mod quota;
mod quota_grammar;
mod registry;
mod request_id;
mod resource;
pub mod schema;
mod uri_template;
mod validate;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use args::Arguments;
pub use context::{Context, MetadataSource, Principal, Progress, Protocol};
pub use error::{ApiError, ErrorKind, FieldError, RateLimitStatus};
pub use function::{
    Annotations, ApiFunction, BoxFuture, CallResult, Completer, FunctionKind, Location, Method, ParamDoc, Primitive,
    PromptSpec, ResourceAnnotations, ResourceSpec,
};
pub use quota::{Quota, QuotaParseError, TaskSupport};
pub use registry::{Call, DEFAULT_TIMEOUT, Entry, Registry, RegistryBuilder, RegistryError};
pub use request_id::RequestId;
pub use resource::{UriTemplate, complete_from_schema};
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
/// | `icon` | `icon = "assets/add.svg"` | an SVG or PNG file, relative to the crate's `Cargo.toml`, embedded at compile time as a `data:` URI (MCP `icons`, the docs page) |
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

/// Registers a free `fn` or `async fn` as an MCP resource or resource template.
///
/// `uri` is a fixed URI (the function then takes no arguments: `resources/list`)
/// or an RFC 6570 level 1 template such as `"myapp://blocks/{height}"`
/// (`resources/templates/list`) whose `{variables}` are exactly the
/// function's arguments, decoded and validated like tool arguments. A read
/// is a call through [`Registry::call`], with the same timeouts, panics,
/// cancellation, scopes and errors as a tool.
///
/// What `resources/read` answers depends on the return type:
///
/// | returns | contents |
/// | --- | --- |
/// | `String` | `text`, MIME type `mime_type` (default `text/plain`) |
/// | `Vec<u8>`, [`content::Bytes`] | base64 `blob`, MIME type `mime_type` (default `application/octet-stream`) |
/// | [`content::Blob`], [`content::Image`], [`content::Audio`] | base64 `blob` with the value's own MIME type |
/// | [`content::EmbeddedResource`] | its contents as they are |
/// | anything else `Serialize + JsonSchema` | its JSON as `text`, MIME type `mime_type` (default `application/json`) |
///
/// Each resource is also a REST `GET` route: `/api/resources/` followed by
/// the URI without its scheme (`myapp://blocks/{height}` →
/// `/api/resources/blocks/{height}`), or `path = "..."`. It answers the
/// contents' bytes with their MIME type.
///
/// # Options
///
/// | option | example | meaning |
/// | --- | --- | --- |
/// | `uri` | `uri = "myapp://blocks/{height}"` | required: the URI or URI template |
/// | `mime_type` | `mime_type = "application/json"` | the contents' MIME type (defaults above) |
/// | `name`, `title`, `description` | | as for [`api_function`]; the name shares the registry's one namespace |
/// | `audience` | `audience = ["user", "assistant"]` | MCP `annotations.audience` |
/// | `priority` | `priority = 0.8` | MCP `annotations.priority`, 0.0 to 1.0 |
/// | `size` | `size = 1024` | the size in bytes, when known |
/// | `tags`, `path`, `timeout`, `hidden_from`, `scopes`, `icon`, `crate` | | as for [`api_function`] |
///
/// `#[arg(complete = path::to_fn)]` on a template variable names its
/// completion provider, a `fn` or `async fn` `(prefix: String, ctx: &Context) -> Vec<String>`;
/// variables of enum and `bool` types complete without one. Subscriptions
/// (`resources/subscribe`) are not supported: the registry is static.
///
/// ```
/// use registry_core::{api_resource, ApiError, Context};
///
/// /// The current mempool summary.
/// #[api_resource(uri = "myapp://mempool", mime_type = "application/json")]
/// fn mempool() -> Vec<u32> {
///     vec![3, 1]
/// }
///
/// /// One block by height.
/// #[api_resource(uri = "myapp://blocks/{height}")]
/// async fn block(ctx: &Context, #[arg(complete = heights)] height: u64) -> Result<String, ApiError> {
///     Ok(format!("block {height}"))
/// }
///
/// fn heights(prefix: String, _ctx: &Context) -> Vec<String> {
///     ["100", "101"].into_iter().filter(|h| h.starts_with(&prefix)).map(String::from).collect()
/// }
/// # fn main() {}
/// ```
///
/// A template variable that names no argument fails to compile:
///
/// ```compile_fail
/// use registry_core::api_resource;
///
/// /// A block.
/// #[api_resource(uri = "myapp://blocks/{height}")]
/// fn block(number: u64) -> String { number.to_string() }
/// # fn main() {}
/// ```
pub use registry_macros::api_resource;

/// Registers a free `fn` or `async fn` as an MCP prompt.
///
/// The function's arguments are the prompt's arguments (required unless
/// `Option` or defaulted; described by the `# Arguments` list). MCP sends
/// them as strings; each is converted into its declared type (a number, a
/// `bool`, an enum, ...) and one that does not parse is an error naming it.
/// The function returns `Vec<`[`content::PromptMessage`]`>` (or a `Result` of it).
/// Arguments of enum and `bool` types complete automatically;
/// `#[arg(complete = path::to_fn)]` names a provider for the rest.
///
/// On REST a prompt is `POST /api/prompts/{name}` (or `path = "..."`) with a
/// JSON body of typed arguments, answering the messages as a JSON array.
///
/// Options: `name`, `title`, `description`, `tags`, `path`, `timeout`,
/// `hidden_from`, `scopes`, `icon`, `crate`, as for [`api_function`].
///
/// ```
/// use registry_core::{api_prompt, content::PromptMessage};
/// use serde::Deserialize;
///
/// #[derive(Debug, Deserialize, schemars::JsonSchema)]
/// #[serde(rename_all = "lowercase")]
/// enum Tone { Brief, Detailed }
///
/// /// Ask for a summary of a block.
/// ///
/// /// # Arguments
/// /// * `height` - the block's height
/// /// * `tone` - how much detail
/// #[api_prompt]
/// fn summarize_block(height: u64, tone: Tone) -> Vec<PromptMessage> {
///     vec![PromptMessage::user(format!("Summarize block {height}, {tone:?}."))]
/// }
/// # fn main() {}
/// ```
///
/// A prompt must return messages:
///
/// ```compile_fail
/// use registry_core::api_prompt;
///
/// /// Not a prompt.
/// #[api_prompt]
/// fn greeting() -> String { "hi".into() }
/// # fn main() {}
/// ```
pub use registry_macros::api_prompt;

/// An SVG or PNG file, relative to the calling crate's `Cargo.toml`, as a
/// `data:` URI `&'static str` embedded at compile time (the same rule as the
/// attributes' `icon = "..."`); for the server's own icon:
/// `registry_server::app!().icon(registry_core::icon!("assets/logo.svg"))` (or `AppInfo::icon`).
///
/// A missing file or another type is a compile error:
///
/// ```compile_fail
/// let icon: &str = registry_core::icon!("assets/no-such-file.svg");
/// ```
pub use registry_macros::icon;
