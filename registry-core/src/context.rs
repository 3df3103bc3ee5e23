//! [`Context`]: what a function may know about the call besides its arguments.

use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::{ApiError, RequestId};

/// The protocol a call came through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// A REST route.
    Rest,
    /// An MCP `tools/call`, over HTTP or stdio.
    Mcp,
    /// A direct in-process call (tests, embedding code); scopes are checked
    /// as for any protocol unless the context is [`Context::trusted`].
    Direct,
}

impl Protocol {
    /// `"rest"`, `"mcp"` or `"direct"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Protocol::Rest => "rest",
            Protocol::Mcp => "mcp",
            Protocol::Direct => "direct",
        }
    }
}

/// Progress reported by a running function.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    /// Work done so far; increases with each report.
    pub progress: f64,
    /// Total work, when known.
    pub total: Option<f64>,
    /// A short human message.
    pub message: Option<String>,
}

type ProgressSink = Arc<dyn Fn(Progress) + Send + Sync>;

/// Metadata an adapter hands over without copying it (its request headers,
/// say); read only when a function asks. See [`Context::with_metadata_source`].
///
/// ```
/// use std::sync::Arc;
/// use registry_core::{Context, MetadataSource, Protocol};
///
/// struct Agent;
///
/// impl MetadataSource for Agent {
///     fn get(&self, name: &str) -> Option<&str> {
///         name.eq_ignore_ascii_case("user-agent").then_some("doc-test")
///     }
///
///     fn entries(&self) -> Vec<(&str, &str)> {
///         vec![("user-agent", "doc-test")]
///     }
/// }
///
/// let ctx = Context::new(Protocol::Direct).with_metadata_source(Arc::new(Agent));
/// assert_eq!(ctx.metadata("User-Agent"), Some("doc-test"));
/// ```
pub trait MetadataSource: Send + Sync + 'static {
    /// The first value named `name`, compared ASCII case-insensitively.
    fn get(&self, name: &str) -> Option<&str>;

    /// Every entry, names lower-cased.
    fn entries(&self) -> Vec<(&str, &str)>;
}

/// Entries given one by one, names lower-cased.
struct OwnedMetadata(Vec<(String, String)>);

impl MetadataSource for OwnedMetadata {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn entries(&self) -> Vec<(&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
    }
}

/// Typed values shared by every call, registered once when the registry is built.
#[derive(Default)]
pub(crate) struct StateMap {
    values: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
}

impl StateMap {
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.values.insert(TypeId::of::<T>(), Box::new(value));
    }

    fn get<T: 'static>(&self) -> Option<&T> {
        self.values.get(&TypeId::of::<T>()).and_then(|v| v.downcast_ref())
    }
}

/// Typed values a hook attaches to one call (see [`Context::insert_extension`]).
type Extensions = Vec<(TypeId, Arc<dyn Any + Send + Sync>)>;

/// The request's context: request id, metadata, protocol, caller, shared
/// state, per-call extensions, cancellation and progress.
///
/// A function takes it as `ctx: &Context` in any argument position; it is never
/// part of a schema. Adapters create one per call; cloning is cheap.
///
/// ```
/// use registry_core::{Context, Protocol};
///
/// let ctx = Context::new(Protocol::Direct)
///     .with_request_id("req-1")
///     .with_metadata("user-agent", "doc-test");
/// assert_eq!(ctx.request_id(), "req-1");
/// assert_eq!(ctx.metadata("User-Agent"), Some("doc-test"));
/// assert!(!ctx.is_cancelled());
/// ```
#[derive(Clone)]
pub struct Context {
    request_id: RequestId,
    protocol: Protocol,
    metadata: Option<Arc<dyn MetadataSource>>,
    state: Option<Arc<StateMap>>,
    cancel: CancellationToken,
    progress: Option<ProgressSink>,
    principal: Option<Arc<Principal>>,
    client_addr: Option<IpAddr>,
    extensions: Option<Arc<Extensions>>,
    trusted: bool,
}

impl Context {
    /// A fresh context for a call through `protocol`, with a generated request id.
    pub fn new(protocol: Protocol) -> Self {
        Context {
            request_id: RequestId::generate(),
            protocol,
            metadata: None,
            state: None,
            cancel: CancellationToken::new(),
            progress: None,
            principal: None,
            client_addr: None,
            extensions: None,
            trusted: false,
        }
    }

    /// A direct call from the process itself (the CLI's `call`): the one
    /// context that skips the functions' `scopes` checks. Never build one
    /// for a request that came from outside.
    ///
    /// ```
    /// use registry_core::{Context, Protocol};
    ///
    /// assert_eq!(Context::trusted().protocol(), Protocol::Direct);
    /// ```
    pub fn trusted() -> Self {
        Context {
            trusted: true,
            ..Context::new(Protocol::Direct)
        }
    }

    /// Sets the request id (adapters pass the caller's `x-request-id`).
    #[must_use]
    pub fn with_request_id(mut self, id: impl Into<RequestId>) -> Self {
        self.request_id = id.into();
        self
    }

    /// Adds one metadata entry (an HTTP header, say); names are case-insensitive.
    #[must_use]
    pub fn with_metadata(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let mut entries: Vec<(String, String)> = self
            .metadata_entries()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        entries.push((name.into(), value.into()));
        self.with_metadata_entries(entries)
    }

    /// Replaces all metadata with `entries` (names are lower-cased).
    #[must_use]
    pub fn with_metadata_entries(mut self, entries: impl IntoIterator<Item = (String, String)>) -> Self {
        let entries = entries
            .into_iter()
            .map(|(mut name, value)| {
                name.make_ascii_lowercase();
                (name, value)
            })
            .collect();
        self.metadata = Some(Arc::new(OwnedMetadata(entries)));
        self
    }

    /// Replaces all metadata with `source`, read only when a function asks
    /// (adapters hand over their request headers this way, without copying).
    #[must_use]
    pub fn with_metadata_source(mut self, source: Arc<dyn MetadataSource>) -> Self {
        self.metadata = Some(source);
        self
    }

    /// Routes [`Context::report_progress`] calls to `sink`.
    #[must_use]
    pub fn with_progress(mut self, sink: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(sink));
        self
    }

    /// Records who is calling (set by an authentication layer).
    #[must_use]
    pub fn with_principal(mut self, principal: Principal) -> Self {
        self.principal = Some(Arc::new(principal));
        self
    }

    /// Records the network address the call came from (set by the HTTP
    /// server from the connection's peer; `None` over stdio and in-process).
    #[must_use]
    pub fn with_client_addr(mut self, addr: IpAddr) -> Self {
        self.client_addr = Some(addr);
        self
    }

    /// Attaches a typed value for the function and later hooks; see
    /// [`Context::insert_extension`].
    #[must_use]
    pub fn with_extension<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.insert_extension(value);
        self
    }

    /// Attaches a typed value to this call, replacing any earlier value of
    /// the same type: a [hook](crate::hook) records what it found (a tenant,
    /// a verified claim set, a start time) and the function or a later hook
    /// reads it with [`Context::extension`].
    ///
    /// ```
    /// use registry_core::{Context, Protocol};
    ///
    /// #[derive(Debug, PartialEq)]
    /// struct Tenant(&'static str);
    ///
    /// let mut ctx = Context::new(Protocol::Direct);
    /// assert_eq!(ctx.extension::<Tenant>(), None);
    /// ctx.insert_extension(Tenant("acme"));
    /// assert_eq!(ctx.extension::<Tenant>(), Some(&Tenant("acme")));
    /// ```
    pub fn insert_extension<T: Send + Sync + 'static>(&mut self, value: T) {
        let extensions = Arc::make_mut(self.extensions.get_or_insert_with(Default::default));
        let value: Arc<dyn Any + Send + Sync> = Arc::new(value);
        match extensions.iter_mut().find(|(id, _)| *id == TypeId::of::<T>()) {
            Some(slot) => slot.1 = value,
            None => extensions.push((TypeId::of::<T>(), value)),
        }
    }

    /// The value of type `T` a hook attached with [`Context::insert_extension`].
    pub fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.extensions
            .as_deref()?
            .iter()
            .find(|(id, _)| *id == TypeId::of::<T>())
            .and_then(|(_, value)| value.downcast_ref())
    }

    /// Uses `token` as this call's cancellation signal (a transport cancels
    /// it when the caller goes away or sends a cancellation).
    #[must_use]
    pub fn with_cancel_token(mut self, token: CancellationToken) -> Self {
        self.cancel = token;
        self
    }

    /// The request id, echoed in logs and response headers.
    pub fn request_id(&self) -> &str {
        self.request_id.as_str()
    }

    /// The request id itself (cloned cheaply to outlive the context).
    pub(crate) fn request_id_handle(&self) -> &RequestId {
        &self.request_id
    }

    /// The protocol the call came through.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The first metadata value named `name` (case-insensitive).
    pub fn metadata(&self, name: &str) -> Option<&str> {
        self.metadata.as_deref()?.get(name)
    }

    /// All metadata entries, names lower-cased.
    pub fn metadata_entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.metadata
            .as_deref()
            .map(MetadataSource::entries)
            .unwrap_or_default()
            .into_iter()
    }

    /// The authenticated caller, when an authentication layer set one.
    pub fn principal(&self) -> Option<&Principal> {
        self.principal.as_deref()
    }

    /// The network address the call came from, when the transport knows it.
    pub fn client_addr(&self) -> Option<IpAddr> {
        self.client_addr
    }

    /// Shared state of type `T` registered with [`RegistryBuilder::state`](crate::RegistryBuilder::state).
    ///
    /// A missing registration is a programming error and answers an internal
    /// error naming the type, so a function can write `ctx.state::<Client>()?`.
    pub fn state<T: Send + Sync + 'static>(&self) -> Result<&T, ApiError> {
        self.state.as_deref().and_then(StateMap::get::<T>).ok_or_else(|| {
            ApiError::internal(format_args!(
                "no shared state of type `{}` was registered; add it with Registry::builder().state(...)",
                type_name::<T>()
            ))
        })
    }

    /// Whether the caller has cancelled (disconnect, `notifications/cancelled`, timeout).
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Completes when the call is cancelled; await it in a `select!` to stop early.
    pub async fn cancelled(&self) {
        self.cancel.cancelled().await;
    }

    /// The cancellation token of this call.
    pub fn cancel_token(&self) -> &CancellationToken {
        &self.cancel
    }

    /// Reports progress; a no-op unless the caller asked for progress.
    pub fn report_progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) {
        if let Some(sink) = &self.progress {
            sink(Progress {
                progress,
                total,
                message: message.map(str::to_owned),
            });
        }
    }

    /// Whether a progress sink is attached (the caller asked for progress).
    pub fn wants_progress(&self) -> bool {
        self.progress.is_some()
    }

    /// Whether this is a [`Context::trusted`] call.
    pub(crate) fn is_trusted(&self) -> bool {
        self.trusted
    }

    pub(crate) fn attach_state(&mut self, state: &Arc<StateMap>) {
        // An empty map answers like none, without the shared reference count.
        if self.state.is_none() && !state.values.is_empty() {
            self.state = Some(Arc::clone(state));
        }
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("request_id", &self.request_id.as_str())
            .field("protocol", &self.protocol)
            .field("metadata", &self.metadata_entries().collect::<Vec<_>>())
            .field("cancelled", &self.is_cancelled())
            .field("principal", &self.principal)
            .field("client_addr", &self.client_addr)
            .field("extensions", &self.extensions.as_deref().map_or(0, Vec::len))
            .field("trusted", &self.trusted)
            .finish_non_exhaustive()
    }
}

/// An authenticated caller.
///
/// ```
/// use registry_core::Principal;
///
/// let caller = Principal::new("alice", ["read"]);
/// assert!(caller.has_scope("read") && !caller.has_scope("admin"));
/// assert_eq!(caller.claim("email"), None);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Principal {
    /// A stable identifier (key id, subject).
    pub id: String,
    /// Scopes granted to the caller.
    pub scopes: Vec<String>,
    /// The verified claims of the credential, when it carried any: an OAuth
    /// access token's payload (JWT) or introspection answer (`None` for an
    /// API key).
    pub claims: Option<Arc<serde_json::Map<String, serde_json::Value>>>,
}

impl Principal {
    /// A caller called `id` holding `scopes`, without claims.
    pub fn new(id: impl Into<String>, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Principal {
            id: id.into(),
            scopes: scopes.into_iter().map(Into::into).collect(),
            claims: None,
        }
    }

    /// Whether the caller holds `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// One verified claim of the caller's credential (`email`, `client_id`, ...).
    pub fn claim(&self, name: &str) -> Option<&serde_json::Value> {
        self.claims.as_deref()?.get(name)
    }
}
