//! The resources capability: `resources/list` (fixed resources),
//! `resources/templates/list` (templates) and `resources/read` (the entry
//! the URI names, called through [`Registry::call`] with the template's
//! variables as arguments). Advertised only when the registry has resources;
//! `subscribe` and `listChanged` are `false` (the registry is static).

use registry_core::{Call, Entry, Protocol, Registry};
use serde_json::{Map, Value, json};

use super::dispatch::RequestEnv;
use super::jsonrpc::{Id, Payload, Reply, RpcError};
use super::paged::PagedList;
use super::request::Message;
use super::tools::{humanize, rpc_error};
use super::version::{self, Era};
use crate::render;
use crate::rest::coerce::{self, ArgKind};

/// The resources capability of one registry.
#[derive(Debug)]
pub(crate) struct Resources {
    registry: Registry,
    resources: PagedList,
    templates: PagedList,
    debug_errors: bool,
    present: bool,
}

impl Resources {
    /// `registry`'s resources and templates.
    pub(crate) fn new(registry: &Registry, server_info: Value, page_size: usize, debug_errors: bool) -> Self {
        let present = resources(registry).next().is_some();
        Resources {
            registry: registry.clone(),
            resources: PagedList::new("resources", page_size, server_info.clone()),
            templates: PagedList::new("resourceTemplates", page_size, server_info),
            debug_errors,
            present,
        }
    }

    /// Its entry in `capabilities`, when the registry has resources.
    pub(crate) fn capability(&self) -> Option<(&'static str, Value)> {
        self.present
            .then(|| ("resources", json!({ "listChanged": false, "subscribe": false })))
    }

    /// `resources/list` or `resources/templates/list`; with visibility
    /// filters, those the caller may see (built for this request, as for tools).
    pub(crate) fn list(
        &self,
        id: Option<Id>,
        message: &Message,
        env: RequestEnv,
        era: Era,
        templates: bool,
    ) -> Result<Reply, RpcError> {
        let list = if templates { &self.templates } else { &self.resources };
        let definitions = |entries: &mut dyn Iterator<Item = &Entry>| -> Vec<Value> {
            entries
                .filter(|entry| {
                    entry
                        .function()
                        .resource()
                        .is_some_and(|spec| spec.is_template() == templates)
                })
                .map(definition)
                .collect()
        };
        let page = if self.registry.filters_by_caller() {
            let ctx = env.call.context(Protocol::Mcp);
            let items = definitions(&mut self.registry.visible_to(&ctx));
            list.page_for_caller(era, &message.params, items)?
        } else {
            list.page(era, &message.params, || {
                definitions(&mut self.registry.exposed(Protocol::Mcp))
            })?
        };
        Ok(Reply {
            id,
            payload: Payload::Shared(page),
        })
    }

    /// `resources/read`: the URI resolved to an entry and its template
    /// variables, each read from text as its argument's type, then called.
    pub(crate) async fn read(
        &self,
        id: Option<Id>,
        message: Message,
        env: RequestEnv,
        era: Era,
    ) -> Result<Reply, RpcError> {
        let uri = match message.params.get("uri") {
            Some(Value::String(uri)) => uri.as_str(),
            _ => return Err(RpcError::invalid_params("`params.uri` must be the resource's URI")),
        };
        let ctx = env.call.context(Protocol::Mcp);
        // A resource hidden from this caller is as unknown as one never registered.
        let found = self
            .registry
            .resource_for_uri(uri, Protocol::Mcp)
            .filter(|(entry, _)| self.registry.visible(entry, &ctx));
        let Some((entry, variables)) = found else {
            return Err(RpcError::invalid_params(format!("Resource not found: {uri}")).data(json!({ "uri": uri })));
        };
        #[cfg(feature = "otel")]
        crate::telemetry::record_function(entry.name());
        let args = text_arguments(
            entry,
            variables.into_iter().map(|(k, v)| (k, Value::String(v))),
            self.debug_errors,
        )?;
        let value = self
            .registry
            .call(Call::new(entry, Value::Object(args), ctx))
            .await
            .map_err(|err| rpc_error(&err, self.debug_errors))?;
        let body = render::body(entry, value).map_err(|err| rpc_error(&err, self.debug_errors))?;
        let mut result = Map::new();
        result.insert("contents".into(), json!([body.into_contents(uri)]));
        if era == Era::Modern {
            version::modern_result(&mut result, None);
        }
        Ok(Reply::result(id, &result))
    }
}

/// Every resource exposed on MCP, fixed and templates, in name order.
fn resources(registry: &Registry) -> impl Iterator<Item = (&Entry, &'static registry_core::ResourceSpec)> {
    registry
        .exposed(Protocol::Mcp)
        .filter_map(|entry| entry.function().resource().map(|spec| (entry, spec)))
}

/// One `Resource` or `ResourceTemplate` definition.
fn definition(entry: &Entry) -> Value {
    let function = entry.function();
    let spec = function.resource().expect("only resources are listed");
    let mut definition = Map::new();
    let key = if spec.is_template() { "uriTemplate" } else { "uri" };
    definition.insert(key.into(), json!(spec.uri));
    definition.insert("name".into(), json!(function.name()));
    let title = function
        .title()
        .map_or_else(|| humanize(function.name()), str::to_owned);
    definition.insert("title".into(), json!(title));
    if !function.description().trim().is_empty() {
        definition.insert("description".into(), json!(function.description().trim()));
    }
    if let Some(mime) = spec.mime_type {
        definition.insert("mimeType".into(), json!(mime));
    }
    let mut annotations = Map::new();
    if !spec.annotations.audience.is_empty() {
        let audience: Vec<&str> = spec.annotations.audience.iter().map(|r| r.as_str()).collect();
        annotations.insert("audience".into(), json!(audience));
    }
    if let Some(priority) = spec.annotations.priority {
        annotations.insert("priority".into(), json!(priority));
    }
    if !annotations.is_empty() {
        definition.insert("annotations".into(), Value::Object(annotations));
    }
    if let Some(size) = spec.size {
        definition.insert("size".into(), json!(size));
    }
    render::insert_icons(entry, &mut definition);
    Value::Object(definition)
}

/// Arguments that arrive as text (template variables, prompt arguments),
/// each read as its declared type the way REST reads a query string
/// ([`coerce`]); a value that does not read is an invalid-arguments error
/// naming the argument (-32602 through [`rpc_error`], like every other).
/// Names the schema does not know pass through, so the call reports them.
pub(crate) fn text_arguments(
    entry: &Entry,
    given: impl IntoIterator<Item = (String, Value)>,
    debug_errors: bool,
) -> Result<Map<String, Value>, RpcError> {
    let properties = entry.schemas().input.get("properties").and_then(Value::as_object);
    let mut args = Map::new();
    for (name, value) in given {
        let kind = properties.and_then(|p| p.get(&name)).and_then(coerce::classify);
        let value = match (value, kind) {
            (Value::String(text), Some(ArgKind::One(types))) => coerce::coerce(&text, &types).map_err(|reason| {
                rpc_error(
                    &registry_core::ApiError::invalid_field(name.clone(), reason),
                    debug_errors,
                )
            })?,
            (value, _) => value,
        };
        args.insert(name, value);
    }
    Ok(args)
}
