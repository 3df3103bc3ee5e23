//! Call hooks: code around every call, on every protocol.
//!
//! A [`Hook`] sees one [`Call`] (the function's [`Entry`], its arguments and
//! its [`Context`]) and a [`Next`] that runs the rest of the chain: the
//! hooks registered after it, then the function. It decides whether and when
//! to call `next.run(call)`, and may change the call before and the outcome
//! after, so one shape covers checks, timing, caching and auditing.
//!
//! Hooks are registered on the registry
//! ([`RegistryBuilder::hook`](crate::RegistryBuilder::hook)) and run inside
//! [`Registry::call`](crate::Registry::call), the one call path, so REST,
//! MCP (HTTP and stdio), Lambda, the CLI's `call` and `TestClient` run the
//! same hooks through the same code.
//!
//! # Where hooks run
//!
//! - A hook is awaited on the call's own task: no spawn, no thread pool, no
//!   runtime of its own. An async hook may await I/O there; a hook's
//!   synchronous code (and [`before`] and [`after`] closures) runs inline on
//!   that task and **must not block**: do blocking I/O in an async hook
//!   through an async client, or `tokio::task::spawn_blocking` yourself.
//! - Registration order on the way in, reverse order on the way out: the first
//!   hook registered is the outermost.
//! - The function's timeout and the caller's cancellation cover the hooks and
//!   the function together: when either fires, the whole chain is dropped.
//! - A panic in a hook is contained like a panic in a function: that call
//!   answers [`ErrorKind::Internal`](crate::ErrorKind::Internal), the next
//!   call runs normally.
//! - Hooks see only calls the caller may make: the function's protocol
//!   exposure, its `scopes` and the registry's [`Visibility`] filters are
//!   checked first.
//!
//! ```
//! use registry_core::hook::{Hook, Next};
//! use registry_core::{api_function, Call, CallResult, Context, Protocol, Registry};
//! use serde_json::json;
//!
//! /// The tenant a call runs for, set by a hook, read by functions.
//! #[derive(Clone, Debug, PartialEq)]
//! struct Tenant(String);
//!
//! /// Finds the tenant in the `x-tenant` metadata; calls without one fail.
//! struct TenantHook;
//!
//! impl Hook for TenantHook {
//!     async fn call(&self, mut call: Call<'_>, next: Next<'_>) -> CallResult {
//!         let Some(tenant) = call.context().metadata("x-tenant").map(str::to_owned) else {
//!             return Err(registry_core::ApiError::forbidden("set the x-tenant header"));
//!         };
//!         call.context_mut().insert_extension(Tenant(tenant));
//!         next.run(call).await
//!     }
//! }
//!
//! /// Greet the caller's tenant.
//! #[api_function]
//! fn whoami(ctx: &Context) -> String {
//!     format!("tenant {}", ctx.extension::<Tenant>().map_or("?", |t| t.0.as_str()))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let registry = Registry::builder().name("whoami").hook(TenantHook).build().unwrap();
//! let ctx = Context::new(Protocol::Direct).with_metadata("x-tenant", "acme");
//! assert_eq!(registry.invoke("whoami", json!({}), ctx).await.unwrap(), json!("tenant acme"));
//! let refused = registry.invoke("whoami", json!({}), Context::new(Protocol::Direct)).await;
//! assert_eq!(refused.unwrap_err().message(), "set the x-tenant header");
//! # }
//! ```
//!
//! # An async hook with shared state (the README's example)
//!
//! ```
//! use std::collections::HashMap;
//!
//! use registry_core::hook::{Hook, Next};
//! use registry_core::{api_function, ApiError, Call, CallResult, Context, Protocol, Registry};
//! use serde_json::json;
//! use tokio::sync::RwLock;
//!
//! /// The plans of known tenants, shared state loaded at startup.
//! struct Tenants(RwLock<HashMap<String, Plan>>);
//!
//! #[derive(Clone, Debug)]
//! struct Plan {
//!     name: String,
//!     admin: bool,
//! }
//!
//! /// Finds the caller's tenant (header `x-tenant`), refuses unknown tenants and
//! /// admin functions for tenants whose plan does not include them, and hands
//! /// the plan to the function.
//! struct TenantPlans;
//!
//! impl Hook for TenantPlans {
//!     async fn call(&self, mut call: Call<'_>, next: Next<'_>) -> CallResult {
//!         let ctx = call.context();
//!         let tenant = ctx.metadata("x-tenant").ok_or_else(|| ApiError::unauthorized("send x-tenant"))?;
//!         // An async hook may await: it runs on the call's own task.
//!         let plan = ctx.state::<Tenants>()?.0.read().await.get(tenant).cloned();
//!         let plan = plan.ok_or_else(|| ApiError::forbidden(format!("unknown tenant `{tenant}`")))?;
//!         if call.entry().function().tags().contains(&"admin") && !plan.admin {
//!             return Err(ApiError::forbidden(format!("the {} plan has no admin functions", plan.name)));
//!         }
//!         call.context_mut().insert_extension(plan);
//!         next.run(call).await
//!     }
//! }
//!
//! /// Which plan am I on?
//! #[api_function]
//! fn my_plan(ctx: &Context) -> String {
//!     ctx.extension::<Plan>().map(|plan| plan.name.clone()).unwrap_or_default()
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let tenants = HashMap::from([("acme".to_owned(), Plan { name: "pro".into(), admin: true })]);
//! let registry = Registry::builder()
//!     .name("my_plan")
//!     .state(Tenants(RwLock::new(tenants)))
//!     .hook(TenantPlans)
//!     .build()?;
//! let acme = Context::new(Protocol::Direct).with_metadata("x-tenant", "acme");
//! assert_eq!(registry.invoke("my_plan", json!({}), acme).await?, json!("pro"));
//! let stranger = Context::new(Protocol::Direct).with_metadata("x-tenant", "initech");
//! let refused = registry.invoke("my_plan", json!({}), stranger).await.unwrap_err();
//! assert_eq!(refused.message(), "unknown tenant `initech`");
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use crate::function::{BoxFuture, CallResult};
use crate::{ApiError, Call, Context, Entry};

/// Code around every call; see the [module documentation](self).
///
/// Implement [`Hook::call`] with `async fn` (the future must be `Send`).
/// Call `next.run(call)` to go on, or return without calling it to answer
/// yourself (a refusal, a cached result).
pub trait Hook: Send + Sync + 'static {
    /// Runs around one call: everything before `next.run(call).await` runs
    /// on the way in, everything after it on the way out.
    fn call(&self, call: Call<'_>, next: Next<'_>) -> impl Future<Output = CallResult> + Send;
}

/// Decides which functions a caller can see (a "list hook").
///
/// A function a filter hides from a caller behaves as absent for that caller
/// everywhere: left out of `tools/list` (whose result then says
/// `cacheScope: "private"`), of the OpenAPI document and the docs page served
/// to them, and answered as unknown (`404`, "Unknown tool") when called.
/// Filters run inline and must be quick; a panicking filter hides the
/// function (and logs the panic).
///
/// Any `Fn(&Entry, &Context) -> bool` is a filter:
///
/// ```
/// use registry_core::{api_function, Context, Entry, Protocol, Registry};
///
/// /// Internal maintenance.
/// #[api_function(tags = ["admin"])]
/// fn vacuum() {}
///
/// let registry = Registry::builder()
///     .name("vacuum")
///     .visibility(|entry: &Entry, ctx: &Context| {
///         !entry.function().tags().contains(&"admin") || ctx.principal().is_some_and(|p| p.has_scope("admin"))
///     })
///     .build()
///     .unwrap();
/// let anonymous = Context::new(Protocol::Rest);
/// assert!(!registry.visible(registry.get("vacuum").unwrap(), &anonymous));
/// ```
pub trait Visibility: Send + Sync + 'static {
    /// Whether the caller `ctx` describes may see `entry`.
    fn visible(&self, entry: &Entry, ctx: &Context) -> bool;
}

impl<F> Visibility for F
where
    F: Fn(&Entry, &Context) -> bool + Send + Sync + 'static,
{
    fn visible(&self, entry: &Entry, ctx: &Context) -> bool {
        self(entry, ctx)
    }
}

/// The object-safe form of [`Hook`] the registry stores.
pub(crate) trait DynHook: Send + Sync {
    fn call<'a>(&'a self, call: Call<'a>, next: Next<'a>) -> BoxFuture<'a, CallResult>;
}

impl<H: Hook> DynHook for H {
    fn call<'a>(&'a self, call: Call<'a>, next: Next<'a>) -> BoxFuture<'a, CallResult> {
        Box::pin(Hook::call(self, call, next))
    }
}

/// The registry's hooks and filters, in registration order.
#[derive(Default, Clone)]
pub(crate) struct Hooks {
    pub(crate) around: Vec<Arc<dyn DynHook>>,
    pub(crate) filters: Vec<Arc<dyn Visibility>>,
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("around", &self.around.len())
            .field("filters", &self.filters.len())
            .finish()
    }
}

/// The rest of the chain after one hook: the later hooks, then the function.
///
/// Consumed by [`Next::run`]; a hook that never calls it answers the call itself.
pub struct Next<'a> {
    hooks: &'a [Arc<dyn DynHook>],
}

impl<'a> Next<'a> {
    pub(crate) fn new(hooks: &'a [Arc<dyn DynHook>]) -> Self {
        Next { hooks }
    }

    /// Runs the later hooks and the function with `call`, and returns their outcome.
    pub async fn run(self, call: Call<'a>) -> CallResult {
        match self.hooks.split_first() {
            Some((hook, rest)) => hook.call(call, Next { hooks: rest }).await,
            None => crate::invoke::run(call).await,
        }
    }
}

impl fmt::Debug for Next<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Next").field("hooks", &self.hooks.len()).finish()
    }
}

/// A hook from a synchronous closure run before the call, inline on the call's
/// task: it may change the call (arguments, [context extensions](Context::insert_extension))
/// or refuse it with an error. It must not block.
///
/// ```
/// use registry_core::hook::before;
/// use registry_core::{api_function, ApiError, Call, Context, Protocol, Registry};
/// use serde_json::json;
///
/// /// Say hi.
/// #[api_function]
/// fn hi() -> &'static str {
///     "hi"
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let registry = Registry::builder()
///     .name("hi")
///     .hook(before(|call: &mut Call<'_>| {
///         if call.context().metadata("x-deny").is_some() {
///             return Err(ApiError::forbidden("denied"));
///         }
///         Ok(())
///     }))
///     .build()
///     .unwrap();
/// let denied = Context::new(Protocol::Direct).with_metadata("x-deny", "1");
/// assert!(registry.invoke("hi", json!({}), denied).await.is_err());
/// assert!(registry.invoke("hi", json!({}), Context::new(Protocol::Direct)).await.is_ok());
/// # }
/// ```
pub fn before<F>(check: F) -> Before<F>
where
    F: Fn(&mut Call<'_>) -> Result<(), ApiError> + Send + Sync + 'static,
{
    Before(check)
}

/// The hook [`before`] builds.
#[derive(Clone, Copy, Debug)]
pub struct Before<F>(F);

impl<F> Hook for Before<F>
where
    F: Fn(&mut Call<'_>) -> Result<(), ApiError> + Send + Sync + 'static,
{
    async fn call(&self, mut call: Call<'_>, next: Next<'_>) -> CallResult {
        (self.0)(&mut call)?;
        next.run(call).await
    }
}

/// A hook from a synchronous closure run after the call, inline on the call's
/// task, with the function's entry, the call's context and its outcome,
/// which it may replace. It must not block.
///
/// The context it sees is a clone taken before the call (cheap: a few
/// reference counts), so extensions that later hooks or the function added
/// are not in it.
///
/// ```
/// use registry_core::hook::after;
/// use registry_core::{api_function, CallResult, Context, Entry, Protocol, Registry};
/// use serde_json::json;
///
/// /// Count to three.
/// #[api_function]
/// fn three() -> u32 {
///     3
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let registry = Registry::builder()
///     .name("three")
///     .hook(after(|_: &Entry, _: &Context, outcome: &mut CallResult| {
///         if let Ok(value) = outcome {
///             *value = json!({ "wrapped": value.take() });
///         }
///     }))
///     .build()
///     .unwrap();
/// let out = registry.invoke("three", json!({}), Context::new(Protocol::Direct)).await;
/// assert_eq!(out.unwrap(), json!({"wrapped": 3}));
/// # }
/// ```
pub fn after<F>(inspect: F) -> After<F>
where
    F: Fn(&Entry, &Context, &mut CallResult) + Send + Sync + 'static,
{
    After(inspect)
}

/// The hook [`after`] builds.
#[derive(Clone, Copy, Debug)]
pub struct After<F>(F);

impl<F> Hook for After<F>
where
    F: Fn(&Entry, &Context, &mut CallResult) + Send + Sync + 'static,
{
    async fn call(&self, call: Call<'_>, next: Next<'_>) -> CallResult {
        let entry = call.entry();
        let ctx = call.context().clone();
        let mut outcome = next.run(call).await;
        (self.0)(entry, &ctx, &mut outcome);
        outcome
    }
}
