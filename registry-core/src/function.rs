//! [`ApiFunction`]: the descriptor `#[api_function]` registers for each function.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use schemars::{Schema, SchemaGenerator};
use serde_json::Value;

use crate::quota::{Policy, TaskSupport};
use crate::{ApiError, Arguments, Context, Quota};

/// The result of one call, as JSON.
pub type CallResult = Result<Value, ApiError>;

/// A boxed, `Send` future borrowing the context for `'a`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How a function is called; chosen by the macro from `fn` or `async fn`.
///
/// Reached only through `__private`: generated code builds it, the registry calls it.
#[derive(Clone, Copy)]
pub enum Handler {
    /// A plain `fn`: run on tokio's blocking pool.
    Sync(fn(Arguments, &Context) -> CallResult),
    /// An `async fn`: awaited on the caller's task.
    Async(for<'a> fn(Arguments, &'a Context) -> BoxFuture<'a, CallResult>),
}

impl fmt::Debug for Handler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Handler::Sync(_) => "Handler::Sync",
            Handler::Async(_) => "Handler::Async",
        })
    }
}

/// Whether a function is a plain `fn` or an `async fn`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunctionKind {
    /// `fn`, run on the blocking pool.
    Sync,
    /// `async fn`, awaited on the caller's task.
    Async,
}

impl FunctionKind {
    /// `"sync"` or `"async"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            FunctionKind::Sync => "sync",
            FunctionKind::Async => "async",
        }
    }
}

/// HTTP method of a function's REST route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// `GET`: arguments come from the query string and path.
    Get,
    /// `POST` (the default): arguments are the JSON body.
    Post,
    /// `PUT`: arguments are the JSON body.
    Put,
    /// `PATCH`: arguments are the JSON body.
    Patch,
    /// `DELETE`: arguments come from the query string and path.
    Delete,
}

impl Method {
    /// The method's name in upper case.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Whether arguments travel in the query string rather than a body.
    pub const fn uses_query(self) -> bool {
        matches!(self, Method::Get | Method::Delete)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// MCP tool annotations; `None` leaves the hint unset (clients assume the spec's default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Annotations {
    /// `readOnlyHint`: the function does not modify anything.
    pub read_only: Option<bool>,
    /// `destructiveHint`: updates may destroy data.
    pub destructive: Option<bool>,
    /// `idempotentHint`: repeating a call has no further effect.
    pub idempotent: Option<bool>,
    /// `openWorldHint`: the function reaches outside systems.
    pub open_world: Option<bool>,
}

/// One documented argument, from the rustdoc `# Arguments` list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamDoc {
    /// The argument's name, which is its JSON property.
    pub name: &'static str,
    /// Its description (empty when undocumented).
    pub description: &'static str,
}

/// Where a function is defined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    /// Source file, as `file!()` gives it.
    pub file: &'static str,
    /// Line of the function's name.
    pub line: u32,
    /// The module path of the function.
    pub module: &'static str,
}

impl Location {
    /// Used by generated code.
    #[doc(hidden)]
    pub const fn new(file: &'static str, line: u32, module: &'static str) -> Self {
        Location { file, line, module }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// The protocols a function is exposed on, as a set; built by generated code
/// (`#[api_function(hidden_from = [..])]` removes members).
///
/// A new protocol is one more constant here and in the macro, not a field.
#[doc(hidden)]
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Surfaces(u8);

impl Surfaces {
    /// MCP tools.
    pub const MCP: Surfaces = Surfaces(1);
    /// REST routes.
    pub const REST: Surfaces = Surfaces(1 << 1);
    /// Every protocol: the default.
    pub const ALL: Surfaces = Surfaces(Self::MCP.0 | Self::REST.0);

    /// Both sets together.
    pub const fn union(self, other: Surfaces) -> Surfaces {
        Surfaces(self.0 | other.0)
    }

    /// Whether every member of `other` is in `self`.
    pub const fn contains(self, other: Surfaces) -> bool {
        self.0 & other.0 == other.0
    }
}

impl fmt::Debug for Surfaces {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut set = f.debug_set();
        if self.contains(Surfaces::MCP) {
            set.entry(&"mcp");
        }
        if self.contains(Surfaces::REST) {
            set.entry(&"rest");
        }
        set.finish()
    }
}

/// What a function is for MCP: a tool (the default), a resource or
/// resource template, or a prompt. Every kind is called the same way,
/// through [`Registry::call`](crate::Registry::call).
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Primitive {
    /// `#[api_function]`: an MCP tool.
    Tool,
    /// `#[api_resource]`: a fixed resource (no arguments) or a resource
    /// template (its URI's `{variables}` are the arguments).
    Resource(&'static ResourceSpec),
    /// `#[api_prompt]`: a prompt whose arguments are the function's.
    Prompt(&'static PromptSpec),
    /// A completion provider (`#[arg(complete = path)]`) of another
    /// function's argument: never listed, reached through
    /// [`Entry::completer`](crate::Entry::completer).
    Completion,
}

impl Primitive {
    /// `"tool"`, `"resource"`, `"prompt"` or `"completion"`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Primitive::Tool => "tool",
            Primitive::Resource(_) => "resource",
            Primitive::Prompt(_) => "prompt",
            Primitive::Completion => "completion",
        }
    }
}

/// Who a resource is meant for, and how much it matters (MCP `annotations`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ResourceAnnotations {
    /// `audience`: `"user"`, `"assistant"` or both; empty leaves it unset.
    pub audience: &'static [crate::content::Role],
    /// `priority`, from 0 (optional) to 1 (required).
    pub priority: Option<f64>,
}

/// A completion provider for one argument: a hidden function taking
/// `{"prefix": "..."}` and returning the candidate values.
#[derive(Clone, Copy, Debug)]
pub struct Completer {
    /// The argument (template variable or prompt argument) it completes.
    pub argument: &'static str,
    /// The provider, called through [`Registry::call`](crate::Registry::call).
    pub function: &'static ApiFunction,
}

/// What `#[api_resource]` declares besides the common options.
#[derive(Clone, Copy, Debug)]
pub struct ResourceSpec {
    /// The URI, or an RFC 6570 level 1 template (`scheme://things/{id}`).
    pub uri: &'static str,
    /// The declared MIME type, when given.
    pub mime_type: Option<&'static str>,
    /// Audience and priority.
    pub annotations: ResourceAnnotations,
    /// The size in bytes, when known.
    pub size: Option<u64>,
    /// Completion providers of template variables.
    pub completers: &'static [Completer],
}

impl ResourceSpec {
    /// Whether the URI has `{variables}`: a resource template.
    pub fn is_template(&self) -> bool {
        self.uri.contains('{')
    }
}

/// What `#[api_prompt]` declares besides the common options.
#[derive(Clone, Copy, Debug)]
pub struct PromptSpec {
    /// Completion providers of arguments.
    pub completers: &'static [Completer],
}

/// Everything the macro knows about a function; constructed by generated code only.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub name: &'static str,
    pub title: Option<&'static str>,
    pub description: &'static str,
    pub params: &'static [ParamDoc],
    pub tags: &'static [&'static str],
    pub method: Method,
    pub path: Option<&'static str>,
    pub timeout: Option<Duration>,
    pub annotations: Annotations,
    pub surfaces: Surfaces,
    pub scopes: &'static [&'static str],
    pub policy: Policy,
    pub location: Location,
    pub input_schema: fn(&mut SchemaGenerator) -> Schema,
    pub output_schema: fn(&mut SchemaGenerator) -> Schema,
    pub handler: Handler,
    pub primitive: Primitive,
    /// A `data:` URI (`icon = "..."`, embedded at compile time).
    pub icon: Option<&'static str>,
}

/// The descriptor `#[api_function]` registers for one function.
///
/// Read-only: the registry collects these through `inventory` and builds its
/// entries from them.
#[derive(Clone, Copy, Debug)]
pub struct ApiFunction {
    spec: Spec,
}

inventory::collect!(ApiFunction);

impl ApiFunction {
    #[doc(hidden)]
    pub const fn __new(spec: Spec) -> Self {
        ApiFunction { spec }
    }

    /// Every function linked into this binary, in link order.
    pub fn linked() -> impl Iterator<Item = &'static ApiFunction> {
        inventory::iter::<ApiFunction>.into_iter()
    }

    /// The name: the function's own, or the `name = "..."` override.
    pub fn name(&self) -> &'static str {
        self.spec.name
    }

    /// The `title = "..."` option.
    pub fn title(&self) -> Option<&'static str> {
        self.spec.title
    }

    /// The doc comment without its `# Arguments` section (or `description = "..."`).
    pub fn description(&self) -> &'static str {
        self.spec.description
    }

    /// The first paragraph of the description, on one line.
    pub fn summary(&self) -> String {
        let first = self.spec.description.split("\n\n").next().unwrap_or_default();
        first.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// Per-argument docs, in declaration order (the context excluded).
    pub fn params(&self) -> &'static [ParamDoc] {
        self.spec.params
    }

    /// Tags, in the order written.
    pub fn tags(&self) -> &'static [&'static str] {
        self.spec.tags
    }

    /// The REST method.
    pub fn method(&self) -> Method {
        self.spec.method
    }

    /// The REST path: the `path = "..."` option or `/api/{name}`.
    pub fn path(&self) -> String {
        match self.spec.path {
            Some(path) => path.to_owned(),
            None => format!("/api/{}", self.spec.name),
        }
    }

    /// The per-function timeout, when one was declared.
    pub fn timeout(&self) -> Option<Duration> {
        self.spec.timeout
    }

    /// MCP annotations.
    pub fn annotations(&self) -> Annotations {
        self.spec.annotations
    }

    /// Whether the function is exposed as an MCP tool.
    pub fn on_mcp(&self) -> bool {
        self.spec.surfaces.contains(Surfaces::MCP)
    }

    /// Whether the function is exposed as a REST route.
    pub fn on_rest(&self) -> bool {
        self.spec.surfaces.contains(Surfaces::REST)
    }

    /// Scopes a caller must hold.
    pub fn scopes(&self) -> &'static [&'static str] {
        self.spec.scopes
    }

    /// The `rate_limit = "10/s"` option: calls allowed per caller and window,
    /// enforced by `registry_server::hooks::RateLimit` when the application
    /// registers it.
    pub fn rate_limit(&self) -> Option<Quota> {
        self.spec.policy.rate_limit
    }

    /// The `max_concurrency = 4` option: calls allowed to run at once,
    /// enforced by `registry_server::hooks::ConcurrencyLimit` when the
    /// application registers it.
    pub fn max_concurrency(&self) -> Option<u32> {
        self.spec.policy.max_concurrency
    }

    /// The `task = "optional"` / `task = "required"` option: whether the
    /// server may answer a call with a task handle (MCP Tasks extension,
    /// REST `202 Accepted`) instead of waiting for the result.
    pub fn task_support(&self) -> TaskSupport {
        self.spec.policy.task
    }

    /// The arguments marked `#[arg(sensitive)]`, by JSON name: never logged
    /// by the framework, redacted by the audit hook, and shown without a
    /// real-looking example on the docs page.
    pub fn sensitive(&self) -> &'static [&'static str] {
        self.spec.policy.sensitive
    }

    /// Whether the argument named `name` is marked `#[arg(sensitive)]`.
    pub fn is_sensitive(&self, name: &str) -> bool {
        self.spec.policy.sensitive.contains(&name)
    }

    /// Where the function is defined.
    pub fn location(&self) -> Location {
        self.spec.location
    }

    /// Sync or async.
    pub fn kind(&self) -> FunctionKind {
        match self.spec.handler {
            Handler::Sync(_) => FunctionKind::Sync,
            Handler::Async(_) => FunctionKind::Async,
        }
    }

    /// Tool, resource, prompt or completion provider.
    pub fn primitive(&self) -> Primitive {
        self.spec.primitive
    }

    /// Whether this is an MCP tool (`#[api_function]`).
    pub fn is_tool(&self) -> bool {
        matches!(self.spec.primitive, Primitive::Tool)
    }

    /// The resource declaration, for `#[api_resource]`.
    pub fn resource(&self) -> Option<&'static ResourceSpec> {
        match self.spec.primitive {
            Primitive::Resource(spec) => Some(spec),
            _ => None,
        }
    }

    /// The prompt declaration, for `#[api_prompt]`.
    pub fn prompt(&self) -> Option<&'static PromptSpec> {
        match self.spec.primitive {
            Primitive::Prompt(spec) => Some(spec),
            _ => None,
        }
    }

    /// The completion providers of its arguments (resources and prompts only).
    pub fn completers(&self) -> &'static [Completer] {
        match self.spec.primitive {
            Primitive::Resource(spec) => spec.completers,
            Primitive::Prompt(spec) => spec.completers,
            Primitive::Tool | Primitive::Completion => &[],
        }
    }

    /// The icon, as a `data:` URI.
    pub fn icon(&self) -> Option<&'static str> {
        self.spec.icon
    }

    /// The handler the registry calls.
    pub(crate) fn handler(&self) -> Handler {
        self.spec.handler
    }

    /// The input schema (an object, one property per argument) generated with `generator`.
    pub fn input_schema_with(&self, generator: &mut SchemaGenerator) -> Schema {
        (self.spec.input_schema)(generator)
    }

    /// The output schema generated with `generator` (a `$ref` for named types
    /// unless the generator inlines them).
    pub fn output_schema_with(&self, generator: &mut SchemaGenerator) -> Schema {
        (self.spec.output_schema)(generator)
    }
}
