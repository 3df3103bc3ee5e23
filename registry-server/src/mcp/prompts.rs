//! The prompts capability: `prompts/list` (arguments from the function's
//! arguments) and `prompts/get` (string arguments read as their declared
//! types, then called through [`Registry::call`]). Advertised only when the
//! registry has prompts; `listChanged` is `false`.

use registry_core::{Call, Entry, Protocol, Registry};
use serde_json::{Map, Value, json};

use super::dispatch::RequestEnv;
use super::jsonrpc::{Id, Payload, Reply, RpcError};
use super::paged::PagedList;
use super::request::Message;
use super::resources::text_arguments;
use super::tools::{humanize, rpc_error};
use super::version::{self, Era};
use crate::render;

/// The prompts capability of one registry.
#[derive(Debug)]
pub(crate) struct Prompts {
    registry: Registry,
    list: PagedList,
    debug_errors: bool,
    present: bool,
}

impl Prompts {
    /// `registry`'s prompts.
    pub(crate) fn new(registry: &Registry, server_info: Value, page_size: usize, debug_errors: bool) -> Self {
        let present = prompts(registry).next().is_some();
        Prompts {
            registry: registry.clone(),
            list: PagedList::new("prompts", page_size, server_info),
            debug_errors,
            present,
        }
    }

    /// Its entry in `capabilities`, when the registry has prompts.
    pub(crate) fn capability(&self) -> Option<(&'static str, Value)> {
        self.present.then(|| ("prompts", json!({ "listChanged": false })))
    }

    /// `prompts/list`; with visibility filters, those the caller may see.
    pub(crate) fn list(&self, id: Option<Id>, message: &Message, env: RequestEnv, era: Era) -> Result<Reply, RpcError> {
        let page = if self.registry.filters_by_caller() {
            let ctx = env.call.context(Protocol::Mcp);
            let items = self
                .registry
                .visible_to(&ctx)
                .filter(|entry| entry.function().prompt().is_some())
                .map(definition)
                .collect();
            self.list.page_for_caller(era, &message.params, items)?
        } else {
            self.list.page(era, &message.params, || {
                prompts(&self.registry).map(definition).collect()
            })?
        };
        Ok(Reply {
            id,
            payload: Payload::Shared(page),
        })
    }

    /// `prompts/get`.
    pub(crate) async fn get(
        &self,
        id: Option<Id>,
        mut message: Message,
        env: RequestEnv,
        era: Era,
    ) -> Result<Reply, RpcError> {
        let name = match message.params.get("name") {
            Some(Value::String(name)) => name.clone(),
            _ => return Err(RpcError::invalid_params("`params.name` must be the prompt's name")),
        };
        let ctx = env.call.context(Protocol::Mcp);
        let entry = self
            .registry
            .lookup_for(&name, &ctx)
            .filter(|entry| entry.function().prompt().is_some())
            .ok_or_else(|| RpcError::invalid_params(format!("Unknown prompt: {name}")))?;
        let given = match message.arguments.take() {
            None => Map::new(),
            Some(raw) => match serde_json::from_str::<Value>(raw.get()) {
                Ok(Value::Object(map)) => map,
                Ok(Value::Null) => Map::new(),
                _ => {
                    return Err(RpcError::invalid_params(
                        "`params.arguments` must be an object of strings",
                    ));
                }
            },
        };
        let args = text_arguments(entry, given, self.debug_errors)?;
        let value = self
            .registry
            .call(Call::new(entry, Value::Object(args), ctx))
            .await
            .map_err(|err| rpc_error(&err, self.debug_errors))?;
        let messages = match value {
            Value::Array(messages) => messages,
            one => vec![one],
        };
        let mut result = Map::new();
        if !entry.function().description().trim().is_empty() {
            result.insert("description".into(), json!(entry.function().summary()));
        }
        result.insert("messages".into(), Value::Array(messages));
        if era == Era::Modern {
            version::modern_result(&mut result, None);
        }
        Ok(Reply::result(id, &result))
    }
}

fn prompts(registry: &Registry) -> impl Iterator<Item = &Entry> {
    registry
        .exposed(Protocol::Mcp)
        .filter(|entry| entry.function().prompt().is_some())
}

/// One `Prompt` definition: its arguments in declaration order, each
/// required unless the input schema says otherwise (`Option` or defaulted).
fn definition(entry: &Entry) -> Value {
    let function = entry.function();
    let required: Vec<&str> = entry
        .schemas()
        .input
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let arguments: Vec<Value> = function
        .params()
        .iter()
        .map(|param| {
            let mut argument = Map::new();
            argument.insert("name".into(), json!(param.name));
            if !param.description.is_empty() {
                argument.insert("description".into(), json!(param.description));
            }
            argument.insert("required".into(), json!(required.contains(&param.name)));
            Value::Object(argument)
        })
        .collect();
    let mut definition = Map::new();
    definition.insert("name".into(), json!(function.name()));
    let title = function
        .title()
        .map_or_else(|| humanize(function.name()), str::to_owned);
    definition.insert("title".into(), json!(title));
    if !function.description().trim().is_empty() {
        definition.insert("description".into(), json!(function.description().trim()));
    }
    definition.insert("arguments".into(), Value::Array(arguments));
    render::insert_icons(entry, &mut definition);
    Value::Object(definition)
}
