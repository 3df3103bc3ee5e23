//! The one dispatch function every transport calls: a decoded message and
//! what the transport knows about it in, at most one response out. Each
//! capability (tools today) lives in its own module and contributes its part
//! of `capabilities`; this module routes methods to them and answers the
//! lifecycle methods (`initialize`, `server/discover`, `ping`).

use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::call_env::CallEnv;

use super::Settings;
use super::completion::Completions;
use super::jsonrpc::{Kind, Payload, Reply, RpcError, code};
use super::prompts::Prompts;
use super::request::{Message, Method};
use super::resources::Resources;
use super::tools::Tools;
use super::version::{self, Era};

/// Receives serialized notifications (progress) for the transport to send.
pub(crate) type NotificationSink = Arc<dyn Fn(Vec<u8>) + Send + Sync>;

/// What a transport knows about one request besides the message itself.
#[derive(Default)]
pub(crate) struct RequestEnv {
    /// Request id, metadata, principal and cancellation, for the call's context.
    pub(crate) call: CallEnv,
    /// Where progress notifications go; `None` when the transport cannot stream them.
    pub(crate) notifications: Option<NotificationSink>,
}

/// The MCP server: its capabilities and the results fixed for its lifetime.
#[derive(Debug)]
pub(crate) struct Dispatcher {
    tools: Tools,
    resources: Resources,
    prompts: Prompts,
    completions: Completions,
    /// The `initialize` result for each legacy version, serialized once.
    initialize: Vec<(&'static str, Arc<str>)>,
    /// The `server/discover` result, serialized once.
    discover: Arc<str>,
    /// Whether internal error messages reach clients unmasked.
    debug_errors: bool,
}

impl Dispatcher {
    /// The dispatcher of `registry`'s tools; the `initialize` and
    /// `server/discover` results are serialized now, the tool list when
    /// first asked for.
    pub(crate) fn new(registry: &registry_core::Registry, settings: &Settings) -> Self {
        let app = &settings.info;
        let mut info = json!({ "name": app.name, "version": app.version });
        for (key, value) in [
            ("title", &app.title),
            ("description", &app.description),
            ("websiteUrl", &app.website),
        ] {
            if let Some(value) = value {
                info[key] = json!(value);
            }
        }
        if let Some(icon) = &app.icon {
            info["icons"] = crate::render::icon_list(icon);
        }
        let tools = Tools::new(registry, info.clone(), settings.page_size, settings.debug_errors)
            .security_schemes(settings.security_schemes)
            .with_tasks(settings.tasks.clone());
        let resources = Resources::new(registry, info.clone(), settings.page_size, settings.debug_errors);
        let prompts = Prompts::new(registry, info.clone(), settings.page_size, settings.debug_errors);
        let completions = Completions::new(registry, settings.debug_errors);
        // Each capability only when present: a tools-only server's answers
        // are what they were before the others existed.
        let mut capabilities: Map<String, Value> = [
            Some(tools.capability()),
            resources.capability(),
            prompts.capability(),
            completions.capability(),
        ]
        .into_iter()
        .flatten()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        let has_tasks = tools.tasks().is_some();
        let initialize = version::LEGACY
            .iter()
            .map(|&v| {
                let mut result = json!({
                    "protocolVersion": v,
                    "capabilities": capabilities,
                    "serverInfo": info,
                });
                // Tasks entered the core protocol in 2025-11-25.
                if has_tasks && v == "2025-11-25" {
                    result["capabilities"]["tasks"] = super::tasks::legacy_capability();
                }
                if let Some(instructions) = &app.instructions {
                    result["instructions"] = json!(instructions);
                }
                (v, Arc::from(result.to_string()))
            })
            .collect();
        if has_tasks {
            let (key, value) = super::tasks::modern_capability();
            capabilities.insert(key.to_owned(), value);
        }
        let mut discover = Map::new();
        discover.insert("supportedVersions".into(), json!(version::ALL));
        discover.insert("capabilities".into(), Value::Object(capabilities));
        if let Some(instructions) = &app.instructions {
            discover.insert("instructions".into(), json!(instructions));
        }
        version::modern_result(&mut discover, Some(&info));
        Dispatcher {
            tools,
            resources,
            prompts,
            completions,
            initialize,
            discover: Arc::from(Value::Object(discover).to_string()),
            debug_errors: settings.debug_errors,
        }
    }

    /// The registry served.
    pub(crate) fn registry(&self) -> &registry_core::Registry {
        self.tools.registry()
    }

    /// Answers one message: `None` for notifications and client responses.
    pub(crate) async fn dispatch(&self, message: Message, env: RequestEnv) -> Option<Reply> {
        match message.kind {
            Kind::Response => None,
            Kind::Notification => {
                // `notifications/initialized` needs nothing (no session); stdio handles
                // `notifications/cancelled` before dispatch, and so does the HTTP transport.
                tracing::debug!(method = %message.method, "notification accepted");
                None
            }
            // Inside the request's span, when telemetry is on (`crate::telemetry`).
            #[cfg(feature = "otel")]
            Kind::Request if crate::telemetry::active() => {
                let mut env = env;
                let call = super::telemetry::start(&message, &mut env);
                let id = message.id.clone();
                let reply = async move {
                    match self.request(message, env).await {
                        Ok(reply) => reply,
                        Err(error) => Reply::error(id, error),
                    }
                };
                Some(call.wrap(reply, super::telemetry::outcome).await)
            }
            Kind::Request => {
                let id = message.id.clone();
                Some(match self.request(message, env).await {
                    Ok(reply) => reply,
                    Err(error) => Reply::error(id, error),
                })
            }
        }
    }

    async fn request(&self, mut message: Message, env: RequestEnv) -> Result<Reply, RpcError> {
        let era = version::era(&message)?;
        let id = message.id.take();
        let shared = |json: &Arc<str>| Reply {
            id: id.clone(),
            payload: Payload::Shared(Arc::clone(json)),
        };
        match &message.method {
            Method::ToolsCall => self.tools.call(id, message, env, era).await,
            Method::ToolsList => self.tools.list(id, &message, env, era),
            Method::ResourcesList if self.resources.capability().is_some() => {
                self.resources.list(id, &message, env, era, false)
            }
            Method::ResourceTemplatesList if self.resources.capability().is_some() => {
                self.resources.list(id, &message, env, era, true)
            }
            Method::ResourcesRead if self.resources.capability().is_some() => {
                self.resources.read(id, message, env, era).await
            }
            Method::PromptsList if self.prompts.capability().is_some() => self.prompts.list(id, &message, env, era),
            Method::PromptsGet if self.prompts.capability().is_some() => self.prompts.get(id, message, env, era).await,
            Method::Complete if self.completions.capability().is_some() => {
                self.completions.complete(id, message, env, era).await
            }
            Method::TasksGet | Method::TasksUpdate | Method::TasksCancel | Method::TasksResult | Method::TasksList
                if self.tools.tasks().is_some() =>
            {
                let tasks = self.tools.tasks().expect("checked by the guard");
                super::tasks::answer(tasks, self.tools.registry(), id, message, env, era, self.debug_errors).await
            }
            Method::Initialize => {
                let requested = message.params.get("protocolVersion").and_then(Value::as_str);
                let chosen = version::negotiate_legacy(requested);
                let (_, result) = self
                    .initialize
                    .iter()
                    .find(|(v, _)| *v == chosen)
                    .unwrap_or(&self.initialize[0]);
                Ok(shared(result))
            }
            Method::ServerDiscover => match era {
                Era::Modern => Ok(shared(&self.discover)),
                Era::Legacy => Err(RpcError::invalid_params(format!(
                    "server/discover needs `_meta` with `{}` and `{}`",
                    version::META_VERSION,
                    version::META_CAPABILITIES
                ))
                .status(400)),
            },
            Method::Ping => {
                let mut result = Map::new();
                if era == Era::Modern {
                    version::modern_result(&mut result, None);
                }
                Ok(Reply::result(id, &result))
            }
            Method::ResourcesList
            | Method::ResourceTemplatesList
            | Method::ResourcesRead
            | Method::PromptsList
            | Method::PromptsGet
            | Method::Complete
            | Method::TasksGet
            | Method::TasksUpdate
            | Method::TasksCancel
            | Method::TasksResult
            | Method::TasksList
            | Method::Cancelled
            | Method::Other(_) => {
                let error = RpcError::new(code::METHOD_NOT_FOUND, format!("Method not found: {}", message.method));
                Err(match era {
                    Era::Modern => error.status(404),
                    Era::Legacy => error,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use registry_core::api_function;

    use registry_core::{Context, Registry};

    use super::*;
    use crate::mcp::request::decode;

    static SAW_CANCEL: AtomicBool = AtomicBool::new(false);

    /// Spins until its context is cancelled (at most five seconds).
    #[api_function]
    fn spin_until_cancelled(ctx: &Context) -> bool {
        for _ in 0..500 {
            if ctx.is_cancelled() {
                SAW_CANCEL.store(true, Ordering::SeqCst);
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    /// Does nothing.
    #[api_function]
    fn noop_a() {}

    /// Does nothing.
    #[api_function]
    fn noop_b() {}

    fn mcp(page_size: usize) -> Dispatcher {
        let registry = Registry::builder()
            .name("spin_until_cancelled")
            .name("noop_a")
            .name("noop_b")
            .build()
            .unwrap();
        let settings = Settings {
            page_size,
            ..Settings::default()
        };
        Dispatcher::new(&registry, &settings)
    }

    async fn ask(mcp: &Dispatcher, body: Value) -> Value {
        let message = decode(body.to_string().as_bytes()).unwrap();
        let reply = mcp.dispatch(message, RequestEnv::default()).await.unwrap();
        serde_json::from_slice(&reply.to_bytes()).unwrap()
    }

    #[tokio::test]
    async fn pages_follow_cursors_in_name_order() {
        let mcp = mcp(2);
        let mut names = Vec::new();
        let mut cursor = Value::Null;
        for _ in 0..5 {
            let page = ask(
                &mcp,
                json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"cursor": cursor}}),
            )
            .await;
            let result = &page["result"];
            names.extend(result["tools"].as_array().unwrap().iter().map(|t| t["name"].clone()));
            cursor = result.get("nextCursor").cloned().unwrap_or(Value::Null);
            if cursor.is_null() {
                break;
            }
        }
        assert_eq!(names, [json!("noop_a"), json!("noop_b"), json!("spin_until_cancelled")]);
        let bad = ask(
            &mcp,
            json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {"cursor": "page-9"}}),
        )
        .await;
        assert_eq!(bad["error"]["code"], code::INVALID_PARAMS);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dropping_a_call_cancels_a_sync_function() {
        let mcp = mcp(10);
        let body =
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "spin_until_cancelled"}});
        let message = decode(body.to_string().as_bytes()).unwrap();
        let call = mcp.dispatch(message, RequestEnv::default());
        assert!(tokio::time::timeout(Duration::from_millis(50), call).await.is_err());
        for _ in 0..200 {
            if SAW_CANCEL.load(Ordering::SeqCst) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the sync function never saw its context cancelled");
    }
}
