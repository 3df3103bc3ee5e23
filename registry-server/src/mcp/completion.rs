//! The completions capability: `completion/complete` for prompt arguments
//! and resource-template variables. An argument with a provider
//! (`#[arg(complete = path)]`) is completed by calling it through
//! [`Registry::call`]; one of an enum or `bool` type by its values. At most
//! [`MAX_VALUES`] values are returned, with `total` and `hasMore`.
//! Advertised only when some argument can be completed.

use registry_core::{Call, Entry, Protocol, Registry, complete_from_schema};
use serde_json::{Map, Value, json};

use super::dispatch::RequestEnv;
use super::jsonrpc::{Id, Reply, RpcError};
use super::request::Message;
use super::tools::rpc_error;
use super::version::{self, Era};

/// The most values one answer carries (the MCP limit).
pub(crate) const MAX_VALUES: usize = 100;

/// The completions capability of one registry.
#[derive(Debug)]
pub(crate) struct Completions {
    registry: Registry,
    debug_errors: bool,
    present: bool,
}

impl Completions {
    /// `registry`'s completable arguments. Deciding whether there are any
    /// builds the input schemas of its prompts and templates (a tools-only
    /// registry builds none).
    pub(crate) fn new(registry: &Registry, debug_errors: bool) -> Self {
        let present = targets(registry).any(|entry| {
            entry.function().params().iter().any(|p| {
                entry.completer(p.name).is_some() || complete_from_schema(&property(entry, p.name), "").is_some()
            })
        });
        Completions {
            registry: registry.clone(),
            debug_errors,
            present,
        }
    }

    /// Its entry in `capabilities`, when something can be completed.
    pub(crate) fn capability(&self) -> Option<(&'static str, Value)> {
        self.present.then(|| ("completions", json!({})))
    }

    /// `completion/complete`.
    pub(crate) async fn complete(
        &self,
        id: Option<Id>,
        message: Message,
        env: RequestEnv,
        era: Era,
    ) -> Result<Reply, RpcError> {
        let params = &message.params;
        let ctx = env.call.context(Protocol::Mcp);
        let entry = self.target(params.get("ref"))?;
        if !self.registry.visible(entry, &ctx) {
            return Err(RpcError::invalid_params(
                "Unknown completion reference: it names nothing this caller can see",
            ));
        }
        let argument = params.get("argument").and_then(Value::as_object);
        let (Some(name), Some(prefix)) = (
            argument.and_then(|a| a.get("name")).and_then(Value::as_str),
            argument.and_then(|a| a.get("value")).and_then(Value::as_str),
        ) else {
            return Err(RpcError::invalid_params(
                "`params.argument` must be {\"name\": ..., \"value\": ...} with string values",
            ));
        };
        if !entry.function().params().iter().any(|p| p.name == name) {
            return Err(RpcError::invalid_params(format!(
                "`{}` has no argument `{name}`",
                entry.name()
            )));
        }
        let mut values = match entry.completer(name) {
            Some(completer) => {
                let value = self
                    .registry
                    .call(Call::new(&completer, json!({ "prefix": prefix }), ctx))
                    .await
                    .map_err(|err| rpc_error(&err, self.debug_errors))?;
                serde_json::from_value::<Vec<String>>(value).unwrap_or_default()
            }
            None => complete_from_schema(&property(entry, name), prefix).unwrap_or_default(),
        };
        let total = values.len();
        values.truncate(MAX_VALUES);
        let mut result = Map::new();
        result.insert(
            "completion".into(),
            json!({ "values": values, "total": total, "hasMore": total > MAX_VALUES }),
        );
        if era == Era::Modern {
            version::modern_result(&mut result, None);
        }
        Ok(Reply::result(id, &result))
    }

    /// The prompt (`ref/prompt`, by name) or resource template
    /// (`ref/resource`, by its URI template) a request completes.
    fn target(&self, reference: Option<&Value>) -> Result<&Entry, RpcError> {
        let kind = reference.and_then(|r| r.get("type")).and_then(Value::as_str);
        match kind {
            Some("ref/prompt") => {
                let name = reference
                    .and_then(|r| r.get("name"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                targets(&self.registry)
                    .find(|e| e.function().prompt().is_some() && e.name() == name)
                    .ok_or_else(|| RpcError::invalid_params(format!("Unknown prompt: {name}")))
            }
            Some("ref/resource") => {
                let uri = reference
                    .and_then(|r| r.get("uri"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                targets(&self.registry)
                    .find(|e| e.function().resource().is_some_and(|spec| spec.uri == uri))
                    .ok_or_else(|| RpcError::invalid_params(format!("Unknown resource template: {uri}")))
            }
            _ => Err(RpcError::invalid_params(
                "`params.ref` must be {\"type\": \"ref/prompt\", \"name\": ...} or {\"type\": \"ref/resource\", \"uri\": ...}",
            )),
        }
    }
}

/// Prompts and resource templates exposed on MCP.
fn targets(registry: &Registry) -> impl Iterator<Item = &Entry> {
    registry.exposed(Protocol::Mcp).filter(|entry| {
        let function = entry.function();
        function.prompt().is_some() || function.resource().is_some_and(|spec| spec.is_template())
    })
}

/// The input-schema property of argument `name`.
fn property(entry: &Entry, name: &str) -> Value {
    entry
        .schemas()
        .input
        .get("properties")
        .and_then(|p| p.get(name))
        .cloned()
        .unwrap_or(Value::Null)
}
