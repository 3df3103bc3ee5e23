//! [`Registry`]: every exposed function, validated once, and [`Registry::invoke`].

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::context::StateMap;
use crate::function::CallResult;
use crate::hook::{Hook, Hooks, Visibility};
use crate::schema::{self, Schemas};
use crate::{ApiError, ApiFunction, Arguments, Context, ErrorKind, Protocol};

/// The default timeout for functions that declare none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A registered function with its schemas, computed once, when first asked for.
#[derive(Debug)]
pub struct Entry {
    function: &'static ApiFunction,
    schemas: OnceLock<Schemas>,
    path: String,
}

impl Entry {
    /// An entry for a function outside the registry's list (a completion provider).
    pub(crate) fn detached(function: &'static ApiFunction) -> Entry {
        Entry {
            function,
            schemas: OnceLock::new(),
            path: function.path(),
        }
    }

    /// The function's descriptor.
    pub fn function(&self) -> &'static ApiFunction {
        self.function
    }

    /// The function's name.
    pub fn name(&self) -> &'static str {
        self.function.name()
    }

    /// Normalized schemas (see [`crate::schema`]), built the first time they
    /// are asked for: a process that only serves calls builds few of them.
    pub fn schemas(&self) -> &Schemas {
        self.schemas.get_or_init(|| schema::build(self.function))
    }

    /// The REST path (`/api/{name}` unless declared).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether the function is reachable through `protocol`.
    pub fn exposed_on(&self, protocol: Protocol) -> bool {
        match protocol {
            Protocol::Rest => self.function.on_rest(),
            Protocol::Mcp => self.function.on_mcp(),
            Protocol::Direct => true,
        }
    }
}

/// A registry build failure; the server refuses to start on any of these.
///
/// `Debug` prints what `Display` prints (one readable paragraph), so
/// `Registry::from_inventory().expect("...")` in `main` reports the problem,
/// not the descriptors' fields.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// Two functions share a name.
    #[error(
        "two functions are named `{}`: one at {}, one at {}; rename one or set `name = \"...\"` on it",
        first.name(), first.location(), second.location()
    )]
    DuplicateName {
        /// The first function.
        first: &'static ApiFunction,
        /// The second function.
        second: &'static ApiFunction,
    },
    /// A selected name matched no linked function.
    #[error(
        "no function named `{0}` is linked into this binary; check the name, and make sure the crate defining it is named in the binary (`use that_crate as _;`)"
    )]
    UnknownName(String),
    /// A selected tag matched no linked function.
    #[error("no linked function has the tag `{0}`")]
    UnknownTag(String),
}

impl fmt::Debug for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

struct Inner {
    entries: Vec<Entry>,
    hooks: Hooks,
    state: Arc<StateMap>,
    default_timeout: Duration,
    warnings: Vec<String>,
}

/// Every exposed function, sorted by name, with schemas built once (on first
/// use), and the [hooks](crate::hook) around every call.
///
/// Cloning is cheap (one `Arc`). Every protocol adapter calls
/// [`Registry::call`] (or [`Registry::invoke`], which looks the function up
/// first); there is no other call path.
///
/// ```
/// use registry_core::{api_function, Context, Protocol, Registry};
/// use serde_json::json;
///
/// /// Multiply two integers.
/// #[api_function]
/// fn multiply(a: i64, b: i64) -> i64 {
///     a * b
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let registry = Registry::builder().name("multiply").build().unwrap();
/// let product = registry.invoke("multiply", json!({"a": 2, "b": 3}), Context::new(Protocol::Direct)).await;
/// assert_eq!(product.unwrap(), json!(6));
/// # }
/// ```
#[derive(Clone)]
pub struct Registry {
    inner: Arc<Inner>,
}

impl Registry {
    /// Every `#[api_function]` linked into the binary, with no shared state.
    ///
    /// Functions defined in a library crate are linked only when the binary
    /// names that crate: add `use my_functions as _;` to `main.rs` (and to each
    /// integration test) or they are silently absent.
    pub fn from_inventory() -> Result<Registry, RegistryError> {
        Registry::builder().build()
    }

    /// A builder for a registry with state, a default timeout or a subset of functions.
    pub fn builder() -> RegistryBuilder {
        RegistryBuilder::default()
    }

    /// Calls `name` with `args` (a JSON object, parsed or as text), as `ctx.protocol()` would:
    /// [`Registry::lookup`], then [`Registry::call`].
    ///
    /// A function hidden from that protocol is [`ErrorKind::NotFound`](crate::ErrorKind::NotFound).
    /// A function that declares `scopes` needs a [`Principal`](crate::Principal)
    /// holding all of them, unless `ctx` is [`Context::trusted`].
    pub async fn invoke(&self, name: &str, args: impl Into<Arguments>, ctx: Context) -> CallResult {
        let entry = self.lookup(name, ctx.protocol())?;
        self.call(Call::new(entry, args, ctx)).await
    }

    /// Runs one call whose function an adapter has already looked up: the
    /// one place every protocol's calls go through.
    ///
    /// In order: the function must be exposed on the context's protocol,
    /// visible to the caller (every [`Visibility`] filter; a hidden function
    /// is [`NotFound`](crate::ErrorKind::NotFound), as if absent) and its
    /// `scopes` held by the principal; the registry's shared state is
    /// attached; then the [hooks](crate::hook), outermost first, and the
    /// function run under the function's timeout (see the README's "How calls run" for
    /// where code runs and what panics become). The context's cancellation
    /// token is cancelled if this future is dropped before it completes (the
    /// caller went away), so a sync function sees it. A failure is logged
    /// once, here, after the hooks: `ERROR` for faults of the server or what
    /// it depends on (internal, upstream, unavailable, timeout), `DEBUG` for
    /// the caller's mistakes.
    pub async fn call(&self, call: Call<'_>) -> CallResult {
        let Call { entry, args, mut ctx } = call;
        if let Err(err) = self.check_access(entry, &ctx) {
            log_failure(entry, ctx.protocol(), ctx.request_id(), &err);
            return Err(err);
        }
        ctx.attach_state(&self.inner.state);
        let timeout = entry.function.timeout().unwrap_or(self.inner.default_timeout);
        let hooks = &self.inner.hooks.around;
        if hooks.is_empty() {
            let guard = ctx.cancel_token().drop_guard_ref();
            let outcome = crate::invoke::call(entry, args, &ctx, timeout).await;
            guard.disarm();
            if let Err(err) = &outcome {
                log_failure(entry, ctx.protocol(), ctx.request_id(), err);
            }
            outcome
        } else {
            let (protocol, request_id) = (ctx.protocol(), ctx.request_id_handle().clone());
            let outcome = crate::invoke::call_with_hooks(hooks, Call { entry, args, ctx }, timeout).await;
            if let Err(err) = &outcome {
                log_failure(entry, protocol, request_id.as_str(), err);
            }
            outcome
        }
    }

    /// Checks `args` for `entry` as the call would, before anything runs:
    /// access (exposure, visibility, `scopes`) and the whole input schema
    /// (types, required and unknown fields, declared constraints), with the
    /// same field errors. For adapters that accept work now and run it later
    /// (tasks): bad input is refused at once, not reported by the task.
    pub fn check_call(&self, entry: &Entry, args: &Arguments, ctx: &Context) -> Result<(), ApiError> {
        self.check_access(entry, ctx)?;
        crate::invoke::check_whole_input(entry, args)
    }

    /// Whether the caller `ctx` describes may see `entry`: every
    /// [`Visibility`] filter agrees (a registry without filters shows
    /// everything). A panicking filter hides the function and logs the panic.
    pub fn visible(&self, entry: &Entry, ctx: &Context) -> bool {
        self.inner.hooks.filters.iter().all(|filter| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| filter.visible(entry, ctx))).unwrap_or_else(
                |payload| {
                    tracing::error!(
                        function = entry.name(),
                        "a visibility filter panicked: {}; the function is hidden from this caller",
                        crate::invoke::panic_message(&*payload)
                    );
                    false
                },
            )
        })
    }

    /// Whether what a caller sees can depend on who they are (the registry
    /// has [`Visibility`] filters): lists are then built per caller, and
    /// marked private to caches.
    pub fn filters_by_caller(&self) -> bool {
        !self.inner.hooks.filters.is_empty()
    }

    /// The entries exposed on `ctx`'s protocol that the caller may see, in name order.
    pub fn visible_to<'a>(&'a self, ctx: &'a Context) -> impl Iterator<Item = &'a Entry> + 'a {
        self.exposed(ctx.protocol())
            .filter(move |entry| self.visible(entry, ctx))
    }

    /// The entry named `name` if it is exposed on `protocol`, else `NotFound`.
    pub fn lookup(&self, name: &str, protocol: Protocol) -> Result<&Entry, ApiError> {
        match self.get(name) {
            Some(entry) if entry.exposed_on(protocol) => Ok(entry),
            _ => Err(ApiError::not_found(format!("no function named `{name}`"))),
        }
    }

    /// The entry named `name` as the caller `ctx` describes sees it: exposed
    /// on `ctx`'s protocol and visible to that caller (the [`Visibility`]
    /// filters); a hidden function is as absent as one never registered.
    pub fn lookup_for(&self, name: &str, ctx: &Context) -> Option<&Entry> {
        self.get(name)
            .filter(|entry| entry.exposed_on(ctx.protocol()) && self.visible(entry, ctx))
    }

    /// The entry named `name`, whatever its visibility.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        // Sorted by unique names: a binary search is cheaper than hashing the name.
        let entries = &self.inner.entries;
        entries
            .binary_search_by(|entry| entry.name().cmp(name))
            .ok()
            .map(|i| &entries[i])
    }

    /// All entries, sorted by name.
    pub fn entries(&self) -> &[Entry] {
        &self.inner.entries
    }

    /// Entries exposed on `protocol`, sorted by name.
    pub fn exposed(&self, protocol: Protocol) -> impl Iterator<Item = &Entry> {
        self.inner.entries.iter().filter(move |e| e.exposed_on(protocol))
    }

    /// Number of functions.
    pub fn len(&self) -> usize {
        self.inner.entries.len()
    }

    /// Whether the registry holds no function.
    pub fn is_empty(&self) -> bool {
        self.inner.entries.is_empty()
    }

    /// The timeout for functions that declare none.
    pub fn default_timeout(&self) -> Duration {
        self.inner.default_timeout
    }

    /// Problems worth logging that do not stop the server (undocumented functions).
    pub fn warnings(&self) -> &[String] {
        &self.inner.warnings
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field(
                "functions",
                &self.inner.entries.iter().map(Entry::name).collect::<Vec<_>>(),
            )
            .field("default_timeout", &self.inner.default_timeout)
            .finish_non_exhaustive()
    }
}

/// One call, described apart from any transport: the function (already
/// looked up), its arguments, and the [`Context`] an adapter built (request
/// id, metadata, principal, progress sink, cancellation).
///
/// ```
/// use registry_core::{api_function, Call, Context, Protocol, Registry};
/// use serde_json::json;
///
/// /// Negate an integer.
/// #[api_function]
/// fn negate(n: i64) -> i64 {
///     -n
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let registry = Registry::builder().name("negate").build().unwrap();
/// let entry = registry.lookup("negate", Protocol::Rest).unwrap();
/// let call = Call::new(entry, json!({"n": 2}), Context::new(Protocol::Rest));
/// assert_eq!(call.entry().name(), "negate");
/// assert_eq!(registry.call(call).await.unwrap(), json!(-2));
/// # }
/// ```
pub struct Call<'r> {
    entry: &'r Entry,
    args: Arguments,
    ctx: Context,
}

impl<'r> Call<'r> {
    /// A call to `entry` with `args` (a JSON object, parsed or as text) and `ctx`.
    pub fn new(entry: &'r Entry, args: impl Into<Arguments>, ctx: Context) -> Self {
        Call {
            entry,
            args: args.into(),
            ctx,
        }
    }

    /// The function called.
    pub fn entry(&self) -> &'r Entry {
        self.entry
    }

    /// The arguments, as the transport delivered them.
    pub fn args(&self) -> &Arguments {
        &self.args
    }

    /// The arguments, to change before the call goes on (a hook's business).
    pub fn args_mut(&mut self) -> &mut Arguments {
        &mut self.args
    }

    /// The call's context.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// The call's context, to attach [extensions](Context::insert_extension) to.
    pub fn context_mut(&mut self) -> &mut Context {
        &mut self.ctx
    }

    /// The arguments and the context, apart.
    pub fn into_parts(self) -> (Arguments, Context) {
        (self.args, self.ctx)
    }

    /// The arguments as compact JSON for a log line or an audit record, each
    /// one the function marks `#[arg(sensitive)]` replaced by `"[redacted]"`
    /// (arguments that are not a JSON object are replaced whole when the
    /// function has a sensitive argument). `Call`'s `Debug` shows this too.
    ///
    /// ```
    /// use registry_core::{api_function, Call, Context, Protocol, Registry};
    /// use serde_json::json;
    ///
    /// /// Log in.
    /// #[api_function]
    /// fn sign_in(user: String, #[arg(sensitive)] password: String) -> bool {
    ///     !user.is_empty() && !password.is_empty()
    /// }
    ///
    /// let registry = Registry::builder().name("sign_in").build().unwrap();
    /// let entry = registry.get("sign_in").unwrap();
    /// let call = Call::new(entry, json!({"user": "ada", "password": "hunter2"}), Context::new(Protocol::Direct));
    /// assert_eq!(call.redacted_arguments(), r#"{"user":"ada","password":"[redacted]"}"#);
    /// assert!(!format!("{call:?}").contains("hunter2"));
    /// ```
    pub fn redacted_arguments(&self) -> String {
        crate::args::redacted(&self.args, self.entry.function().sensitive())
    }
}

impl fmt::Debug for Call<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("function", &self.entry.name())
            .field("args", &self.redacted_arguments())
            .field("ctx", &self.ctx)
            .finish()
    }
}

impl Registry {
    /// Whether `ctx` may call `entry`: exposed on its protocol, visible to
    /// the caller, and every declared scope held (a [`Context::trusted`]
    /// call skips the scopes, not the filters).
    fn check_access(&self, entry: &Entry, ctx: &Context) -> Result<(), ApiError> {
        let function = entry.function;
        if !entry.exposed_on(ctx.protocol()) || !self.visible(entry, ctx) {
            return Err(ApiError::not_found(format!("no function named `{}`", function.name())));
        }
        check_scopes(function, ctx)
    }
}

/// Whether the caller holds every scope `function` declares.
fn check_scopes(function: &ApiFunction, ctx: &Context) -> Result<(), ApiError> {
    let scopes = function.scopes();
    if scopes.is_empty() || ctx.is_trusted() {
        return Ok(());
    }
    let Some(principal) = ctx.principal() else {
        return Err(ApiError::unauthorized(format!(
            "`{}` requires authentication with the scope(s) {}",
            function.name(),
            scopes.join(", ")
        )));
    };
    match scopes.iter().find(|s| !principal.has_scope(s)) {
        Some(missing) => Err(ApiError::forbidden(format!(
            "`{}` requires the scope `{missing}`",
            function.name()
        ))),
        None => Ok(()),
    }
}

/// Logs a failed call once, for every protocol.
fn log_failure(entry: &Entry, protocol: Protocol, request_id: &str, err: &ApiError) {
    let (function, protocol) = (entry.name(), protocol.as_str());
    if err.kind().is_fault() {
        let detail = err.internal_detail().unwrap_or(err.message());
        tracing::error!(function, protocol, request_id, kind = %err.kind(), "call failed: {detail}");
    } else if err.kind() == ErrorKind::InvalidArguments && !entry.function().sensitive().is_empty() {
        // serde's messages quote the offending value ("invalid type: string
        // \"hunter2\""), which may be a `#[arg(sensitive)]` one: the caller
        // gets the message, the log only the field names.
        let fields: Vec<&str> = err.fields().iter().map(|f| f.field.as_str()).collect();
        tracing::debug!(function, protocol, request_id, kind = %err.kind(), "call refused: invalid arguments (message withheld: the function has sensitive arguments) in field(s) {fields:?}");
    } else {
        tracing::debug!(function, protocol, request_id, kind = %err.kind(), "call refused: {}", err.message());
    }
}

/// Builds a [`Registry`] from all linked functions or a chosen subset.
#[derive(Default)]
pub struct RegistryBuilder {
    functions: Vec<&'static ApiFunction>,
    names: Vec<String>,
    tags: Vec<String>,
    state: StateMap,
    hooks: Hooks,
    default_timeout: Option<Duration>,
}

impl fmt::Debug for RegistryBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryBuilder")
            .field("names", &self.names)
            .field("tags", &self.tags)
            .field("hooks", &self.hooks)
            .finish_non_exhaustive()
    }
}

impl RegistryBuilder {
    /// Adds a [hook](crate::hook) around every call. Hooks run in the order
    /// added on the way in (the first added is outermost), in reverse on the
    /// way out.
    #[must_use]
    pub fn hook(mut self, hook: impl Hook) -> Self {
        self.hooks.around.push(Arc::new(hook));
        self
    }

    /// Adds a [`Visibility`] filter: a function it hides from a caller is
    /// absent for that caller on every protocol.
    #[must_use]
    pub fn visibility(mut self, filter: impl Visibility) -> Self {
        self.hooks.filters.push(Arc::new(filter));
        self
    }

    /// Includes the linked function called `name` (selecting nothing includes everything).
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.names.push(name.into());
        self
    }

    /// Includes every linked function tagged `tag`.
    #[must_use]
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Includes one descriptor directly.
    #[must_use]
    pub fn function(mut self, function: &'static ApiFunction) -> Self {
        self.functions.push(function);
        self
    }

    /// Registers shared state, reachable from functions as `ctx.state::<T>()`.
    #[must_use]
    pub fn state<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.state.insert(value);
        self
    }

    /// The timeout for functions that declare none ([`DEFAULT_TIMEOUT`] unless set).
    #[must_use]
    pub fn default_timeout(mut self, timeout: Duration) -> Self {
        self.default_timeout = Some(timeout);
        self
    }

    /// Selects the functions and checks that their names are unique; the
    /// schemas are built later, each the first time it is asked for.
    pub fn build(self) -> Result<Registry, RegistryError> {
        let mut selected = self.functions;
        let everything = selected.is_empty() && self.names.is_empty() && self.tags.is_empty();
        if everything {
            selected.extend(ApiFunction::linked());
        }
        for name in &self.names {
            let found: Vec<_> = ApiFunction::linked().filter(|f| f.name() == name).collect();
            if found.is_empty() {
                return Err(RegistryError::UnknownName(name.clone()));
            }
            selected.extend(found);
        }
        for tag in &self.tags {
            let found: Vec<_> = ApiFunction::linked()
                .filter(|f| f.tags().contains(&tag.as_str()))
                .collect();
            if found.is_empty() {
                return Err(RegistryError::UnknownTag(tag.clone()));
            }
            selected.extend(found);
        }
        selected.sort_by(|a, b| {
            a.name()
                .cmp(b.name())
                .then_with(|| a.location().line.cmp(&b.location().line))
        });
        selected.dedup_by(|a, b| std::ptr::eq(*a, *b));

        check_names(&selected)?;

        let mut warnings = Vec::new();
        let entries: Vec<Entry> = selected
            .into_iter()
            .map(|function| {
                if function.description().trim().is_empty() {
                    warnings.push(format!(
                        "`{}` ({}) has no doc comment; clients see no description",
                        function.name(),
                        function.location()
                    ));
                }
                Entry {
                    function,
                    schemas: OnceLock::new(),
                    path: function.path(),
                }
            })
            .collect();
        Ok(Registry {
            inner: Arc::new(Inner {
                entries,
                hooks: self.hooks,
                state: Arc::new(self.state),
                default_timeout: self.default_timeout.unwrap_or(DEFAULT_TIMEOUT),
                warnings,
            }),
        })
    }
}

fn check_names(sorted: &[&'static ApiFunction]) -> Result<(), RegistryError> {
    for pair in sorted.windows(2) {
        if pair[0].name() == pair[1].name() {
            return Err(RegistryError::DuplicateName {
                first: pair[0],
                second: pair[1],
            });
        }
    }
    Ok(())
}
