//! The OpenAPI 3.1 document, generated from the registry and served at `GET /openapi.json`
//! (and, converted to 3.0.3 by [`v30`], at `GET /openapi-3.0.json`).
//!
//! - One operation per REST route; `operationId` is the function's name (also
//!   its MCP tool name), `summary` its first doc paragraph, `description` the
//!   whole doc comment, `tags` its tags.
//! - `GET`/`DELETE` arguments are query `parameters` (arrays as repeated keys,
//!   `style: form, explode: true`); other methods take a JSON `requestBody`;
//!   `{segment}`s are `in: path` parameters either way.
//! - Responses: `200` with the output schema (`204` for functions returning
//!   `()`), and RFC 9457 problem responses shared through `components/responses`.
//! - With tasks on and some function task-capable (`crate::rest::tasks`): a `202`
//!   (`TaskStatus`, `Location`, `Retry-After`) on task-capable operations, a
//!   `Prefer` header on optional ones, and `getTask` / `cancelTask` at
//!   `/api/tasks/{id}` under the tag `tasks`.
//! - The root: `servers` (the public URL, else `/`,
//!   then the path prefix or API Gateway stage), `security` at the root and
//!   on every operation (`[]` when the server is open, else each credential
//!   the authorizer reads, with the function's scopes as role names, and
//!   `401`/`403` responses), `tags` with descriptions
//!   ([`ServerConfig::tag`], else generated), `info.license` and
//!   `info.contact` from [`AppInfo`](crate::AppInfo); components nothing
//!   refers to are dropped.
//! - Schemas come from two schemars generators, one per serde contract
//!   (arguments are deserialized, results serialized), with
//!   `definitions_path = /components/schemas`: every named type lands in
//!   `components/schemas` once. Two types with one name inside a contract are
//!   told apart by schemars (`Item`, `Item2`); a name whose input and output
//!   shapes differ gets a second component (`ItemOutput`), never an overwrite.
//!   Names outside `[A-Za-z0-9._-]` are sanitized and every `$ref` rewritten.
//! - Deterministic: functions are visited in name order and maps are sorted,
//!   so the bytes are identical across runs.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use registry_core::Registry;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::ServerConfig;
use crate::rest::{Location, Route, Routes};

mod root;
mod tasks;
pub mod v30;

const SCHEMAS: &str = "#/components/schemas/";

/// What the document takes from the server's settings.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    /// `info.title`.
    pub(crate) title: String,
    /// `info.version`.
    pub(crate) version: String,
    /// `info.description`, when the application has one.
    pub(crate) description: Option<String>,
    /// `info.license`, an SPDX expression.
    pub(crate) license: Option<String>,
    /// `info.contact`, whose URL falls back to `website`.
    pub(crate) contact: Option<crate::Contact>,
    /// The application's home page.
    pub(crate) website: Option<String>,
    /// The URL clients reach the server at (the `servers` entry, else `/`).
    pub(crate) public_url: Option<String>,
    /// [`ServerConfig::path_prefix`], appended to the `servers` entry.
    pub(crate) path_prefix: Option<String>,
    /// What the configured authorizer reads on every operation; empty: open.
    pub(crate) credentials: Vec<crate::auth::Credential>,
    /// Tag descriptions from [`ServerConfig::tag`], in their order.
    pub(crate) tags: Vec<(String, String)>,
    /// Whether the server runs tasks (off on Lambda): task-capable
    /// operations get their `202` and the task routes are described.
    pub(crate) tasks: bool,
    /// The OAuth resource server, for its security scheme and the operations' scopes.
    #[cfg(feature = "oauth")]
    pub(crate) oauth: Option<crate::oauth::OAuth>,
}

impl Settings {
    /// The document's settings out of `config`.
    pub(crate) fn of(config: &ServerConfig) -> Settings {
        Settings {
            title: config.app.display_title().to_owned(),
            version: config.app.version.clone(),
            description: config.app.description.clone(),
            license: config.app.license.clone(),
            contact: config.app.contact.clone(),
            website: config.app.website.clone(),
            public_url: config.public_url.clone(),
            path_prefix: config.path_prefix.clone(),
            credentials: config
                .authorizer
                .as_ref()
                .map(|authorizer| authorizer.credentials().to_vec())
                .unwrap_or_default(),
            tags: config.tags.clone(),
            tasks: !config.tasks_off,
            #[cfg(feature = "oauth")]
            oauth: config.oauth.clone(),
        }
    }
}

/// The OpenAPI 3.1 document for `registry`, deterministic byte for byte.
///
/// # Panics
///
/// If a REST route of `registry` cannot be built (the server would refuse
/// to start, with the same message).
pub fn document(registry: &Registry, config: &ServerConfig) -> Value {
    try_document(registry, config).unwrap_or_else(|err| panic!("{err}"))
}

/// [`document`], or why the REST routes cannot be built.
pub(crate) fn try_document(registry: &Registry, config: &ServerConfig) -> Result<Value, crate::ServerError> {
    Ok(build(&Routes::new(registry)?, &Settings::of(config)))
}

/// The OpenAPI 3.0.3 down-level of [`document`], served at
/// `GET /openapi-3.0.json`, for generators that do not read 3.1 (see [`v30`]).
///
/// # Panics
///
/// As [`document`].
pub fn document_v30(registry: &Registry, config: &ServerConfig) -> Value {
    v30::convert(&document(registry, config))
}

/// The document for `routes`.
fn build(routes: &Routes, settings: &Settings) -> Value {
    let schema_settings = || {
        SchemaSettings::draft2020_12().with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
    };
    let mut input_gen = schema_settings().for_deserialize().into_generator();
    let mut output_gen = schema_settings().for_serialize().into_generator();
    let mut operations: Vec<(&Route, Value, Value)> = Vec::new();
    for route in routes.iter() {
        let function = routes.entry(route).function();
        let input = function.input_schema_with(&mut input_gen).to_value();
        let output = function.output_schema_with(&mut output_gen).to_value();
        operations.push((route, input, output));
    }
    let mut components = Components::default();
    components.add_contract(input_gen.take_definitions(true), Contract::Input);
    components.add_contract(output_gen.take_definitions(true), Contract::Output);
    // The registry's dialect, as on MCP: standard formats, integer bounds,
    // no type arrays, unit enums as `enum`, optional arguments without `null`.
    for (_, input, output) in &mut operations {
        components.rewrite(input, Contract::Input);
        components.rewrite(output, Contract::Output);
        registry_core::__private::normalize_input(input);
        registry_core::__private::normalize_common(output);
    }
    let problem = components.own("Problem", problem_schema());
    let field = components.own("ProblemField", field_schema());
    if let Some(Value::Object(schema)) = components.schemas.get_mut(&problem) {
        schema["properties"]["errors"]["items"] = json!({ "$ref": format!("{SCHEMAS}{field}") });
    }

    let task_status = tasks::documented(routes, settings).then(|| components.own("TaskStatus", tasks::status_schema()));

    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut tags = BTreeSet::new();
    for (route, input, output) in operations {
        let function = routes.entry(route).function();
        tags.extend(function.tags().iter().copied());
        let method = route.method.as_str().to_ascii_lowercase();
        let mut op = operation(routes, route, input, output);
        if let Some(status) = &task_status {
            tasks::amend(&mut op, function.task_support(), status);
        }
        root::secure(&mut op, function.scopes(), settings);
        paths.entry(route.path.clone()).or_default().insert(method, op);
    }
    if let Some(status) = &task_status {
        tags.insert(tasks::TAG);
        let (path, item) = tasks::path_item(status, &problem, settings);
        paths.entry(path).or_default().extend(item);
    }

    let mut document = json!({
        "openapi": "3.1.0",
        "info": root::info(settings, description(settings)),
        "servers": root::servers(settings, None),
        "security": root::security(settings, &[]),
        "tags": root::tags(settings, &tags),
        "paths": paths,
        "components": {
            "schemas": sorted(components.schemas),
            "responses": shared_responses(&problem),
        },
    });
    root::finish(&mut document, settings, &problem);
    #[cfg(feature = "oauth")]
    crate::oauth::document_security(&mut document, routes, settings.oauth.as_ref());
    document
}

/// `GET /openapi.json` and `GET /openapi-3.0.json` (the [`v30`] down-level
/// document): built and serialized once, on the first request, so a large
/// registry starts without paying for a document nobody asked for. With
/// OAuth, the request first awaits the issuer's metadata for the scheme's
/// flows (`crate::oauth`'s OpenAPI part); while it cannot be had, the
/// serialized document is not kept, so a later request can still get the flows.
///
/// Behind a path prefix (a [`BasePath`](crate::BasePath) extension, such as an
/// API Gateway stage) the document names it in `servers`, so clients built
/// from it call `/Prod/api/...`; that variant is serialized per request. So
/// is the document of a registry with visibility filters: it lists what the
/// caller (their principal, their headers) may see.
pub(crate) fn router(routes: Arc<Routes>, settings: Settings) -> Router {
    struct Lazy {
        routes: Arc<Routes>,
        settings: Settings,
        built: OnceLock<Value>,
        /// The serialized 3.1 and 3.0 documents.
        bodies: [OnceLock<Bytes>; 2],
    }
    let lazy = Arc::new(Lazy {
        routes,
        settings,
        built: OnceLock::new(),
        bodies: [OnceLock::new(), OnceLock::new()],
    });
    let serve = |down_level: bool| {
        let lazy = Arc::clone(&lazy);
        get(
            move |base: Option<axum::Extension<crate::BasePath>>,
                  principal: Option<axum::Extension<registry_core::Principal>>,
                  headers: axum::http::HeaderMap| {
                let lazy = Arc::clone(&lazy);
                async move {
                    // The OAuth flows need the issuer's metadata: awaited
                    // here (cached, else fetched once), so the cached bodies
                    // are kept only once it is known; until then (the
                    // `openIdConnect` fallback) each request serializes its
                    // own and a later one may fetch again.
                    #[cfg(feature = "oauth")]
                    let metadata = match &lazy.settings.oauth {
                        Some(oauth) => Some(oauth.flow_metadata().await),
                        None => None,
                    };
                    #[cfg(feature = "oauth")]
                    let settled = metadata.as_ref().is_none_or(Option::is_some);
                    #[cfg(not(feature = "oauth"))]
                    let settled = true;
                    let finish = |document: &mut Value, routes: &Routes| {
                        #[cfg(feature = "oauth")]
                        if let Some(metadata) = &metadata {
                            crate::oauth::set_scheme(
                                document,
                                routes,
                                lazy.settings.oauth.as_ref(),
                                metadata.as_deref(),
                            );
                        }
                        #[cfg(not(feature = "oauth"))]
                        let _ = (document, routes);
                    };
                    let version = |document: Value| if down_level { v30::convert(&document) } else { document };
                    let serialize =
                        |document: Value| Bytes::from(serde_json::to_vec_pretty(&document).unwrap_or_default());
                    let shared = || lazy.built.get_or_init(|| build(&lazy.routes, &lazy.settings));
                    let filtered = lazy.routes.registry().filters_by_caller();
                    let body = if filtered || base.is_some() || !settled {
                        // With visibility filters the document is the caller's own, built per request.
                        let (mut document, visible) = if filtered {
                            let viewer = crate::call_env::viewer(headers, principal.map(|axum::Extension(p)| p));
                            let visible = lazy.routes.visible_to(&viewer);
                            (build(&visible, &lazy.settings), Some(visible))
                        } else {
                            (shared().clone(), None)
                        };
                        finish(&mut document, visible.as_ref().unwrap_or(&lazy.routes));
                        if let Some(axum::Extension(crate::BasePath(prefix))) = &base {
                            document["servers"] = root::servers(&lazy.settings, Some(prefix));
                        }
                        serialize(version(document))
                    } else {
                        lazy.bodies[usize::from(down_level)]
                            .get_or_init(|| {
                                let mut document = shared().clone();
                                finish(&mut document, &lazy.routes);
                                serialize(version(document))
                            })
                            .clone()
                    };
                    (
                        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
                        body,
                    )
                }
            },
        )
    };
    Router::new()
        .route("/openapi.json", serve(false))
        .route("/openapi-3.0.json", serve(true))
}

/// `info.description`: the application's own paragraph, then what the
/// document is.
fn description(settings: &Settings) -> String {
    const GENERATED: &str = "Generated from the function registry: every operation here runs the same function as the \
        MCP tool of the same name (`POST /mcp`, `tools/call`). Errors are RFC 9457 problem details. \
        A readable page with a form per function is at `/docs`.";
    match &settings.description {
        Some(own) => format!("{own}\n\n{GENERATED}"),
        None => GENERATED.to_owned(),
    }
}

fn operation(routes: &Routes, route: &Route, input: Value, output: Value) -> Value {
    let function = routes.entry(route).function();
    let properties = input
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let required: Vec<&str> = input
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();

    let mut parameters = Vec::new();
    for name in route.path_params() {
        if let Some(schema) = properties.get(name) {
            parameters.push(parameter(name, Location::Path, true, schema));
        }
    }
    for (name, schema) in &properties {
        if route.location(name) == Location::Query {
            parameters.push(parameter(
                name,
                Location::Query,
                required.contains(&name.as_str()),
                schema,
            ));
        }
    }

    let mut op = Map::new();
    op.insert("operationId".into(), json!(function.name()));
    let summary = function.title().map_or_else(|| function.summary(), str::to_owned);
    if !summary.is_empty() {
        op.insert("summary".into(), json!(summary));
    }
    if !function.description().trim().is_empty() {
        op.insert("description".into(), json!(function.description().trim()));
    }
    if !function.tags().is_empty() {
        op.insert("tags".into(), json!(function.tags()));
    }
    if !parameters.is_empty() {
        op.insert("parameters".into(), Value::Array(parameters));
    }
    crate::fingerprint::insert_extension(&mut op, routes.entry(route));
    // Which MCP primitive the operation is, besides a tool.
    if let Some(spec) = function.resource() {
        op.insert("x-mcp-resource".into(), json!(spec.uri));
    } else if function.prompt().is_some() {
        op.insert("x-mcp-prompt".into(), json!(function.name()));
    }
    if let Some(quota) = function.rate_limit() {
        // The function's declared limit, per caller, in the fields of the
        // `RateLimit-Policy` header (`q` calls per `w` seconds); enforced
        // when the application registers `hooks::RateLimit`.
        op.insert(
            "x-rate-limit".into(),
            json!({ "quota": quota.calls(), "window": quota.per().as_secs(), "per": "caller" }),
        );
    }
    if route.body {
        let mut body = input;
        if let Value::Object(root) = &mut body {
            if let Some(Value::Object(props)) = root.get_mut("properties") {
                props.retain(|name, _| route.location(name) == Location::Body);
            }
            if let Some(Value::Array(req)) = root.get_mut("required") {
                req.retain(|name| !name.as_str().is_some_and(|n| route.location(n) == Location::Path));
                if req.is_empty() {
                    root.remove("required");
                }
            }
        }
        let body_required = body.get("required").is_some();
        let mut media = json!({ "schema": body });
        if let Some(example) = crate::docs::valid_example(routes.entry(route)) {
            let mut example = example;
            example.retain(|name, _| route.location(name) == Location::Body);
            media["example"] = Value::Object(example);
        }
        op.insert(
            "requestBody".into(),
            json!({
                "required": body_required,
                "content": { "application/json": media },
            }),
        );
    }

    let mut responses = Map::new();
    if route.no_content(routes.registry()) {
        responses.insert(
            "204".into(),
            json!({ "description": "Done; the function returns nothing." }),
        );
    } else if crate::rest::renders_as_body(routes.entry(route)) {
        responses.insert(
            "200".into(),
            json!({
                "description": "The result's own bytes, with its MIME type.",
                "content": body_content(routes.entry(route), output),
            }),
        );
    } else {
        responses.insert(
            "200".into(),
            json!({
                "description": "The function's result.",
                "content": { "application/json": { "schema": output } },
            }),
        );
    }
    let reference = |name: &str| json!({ "$ref": format!("#/components/responses/{name}") });
    if route.body {
        responses.insert("400".into(), reference("MalformedJson"));
        responses.insert("413".into(), reference("PayloadTooLarge"));
        responses.insert("415".into(), reference("UnsupportedMediaType"));
    }
    if route.has_path_params() {
        responses.insert("404".into(), reference("NotFound"));
    }
    responses.insert("422".into(), reference("InvalidArguments"));
    responses.insert("default".into(), reference("Error"));
    op.insert("responses".into(), Value::Object(responses));
    Value::Object(op)
}

/// The `content` of a route that answers its result's own bytes
/// ([`crate::rest::renders_as_body`]): text and JSON resources under their
/// declared (or default) MIME type with a schema; media and blobs under
/// their family (`image/*`, `audio/*`, `*/*`) without one, as OpenAPI 3.1
/// describes raw binary bodies.
fn body_content(entry: &registry_core::Entry, output: Value) -> Value {
    use registry_core::content::OutputKind;
    let declared = entry.function().resource().and_then(|spec| spec.mime_type);
    let mut content = Map::new();
    match entry.schemas().output_kind {
        OutputKind::Text => {
            content.insert(
                declared.unwrap_or("text/plain").into(),
                json!({"schema": {"type": "string"}}),
            );
        }
        OutputKind::Bytes => {
            content.insert(declared.unwrap_or("application/octet-stream").into(), json!({}));
        }
        OutputKind::Image => {
            content.insert("image/*".into(), json!({}));
        }
        OutputKind::Audio => {
            content.insert("audio/*".into(), json!({}));
        }
        OutputKind::Blob | OutputKind::Resource => {
            content.insert("*/*".into(), json!({}));
        }
        _ => {
            let mime = declared.unwrap_or("application/json");
            let media = if mime.ends_with("json") {
                json!({ "schema": output })
            } else {
                json!({"schema": {"type": "string"}})
            };
            content.insert(mime.into(), media);
        }
    }
    Value::Object(content)
}

fn parameter(name: &str, location: Location, required: bool, schema: &Value) -> Value {
    let mut schema = schema.clone();
    let description = schema
        .as_object_mut()
        .and_then(|s| s.remove("description"))
        .and_then(|d| d.as_str().map(str::to_owned));
    // A query string cannot say `null`; an absent parameter is the `None`.
    registry_core::__private::strip_null(&mut schema);
    let mut param = json!({ "name": name, "in": location.as_str(), "required": required, "schema": schema });
    if let Some(description) = description {
        param["description"] = json!(description);
    }
    if schema_is_array(&param["schema"]) {
        param["style"] = json!("form");
        param["explode"] = json!(true);
    }
    param
}

fn schema_is_array(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "array",
        Some(Value::Array(types)) => types.iter().any(|t| t == "array"),
        _ => false,
    }
}

fn problem_schema() -> Value {
    json!({
        "type": "object",
        "description": "An RFC 9457 problem details object.",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": { "type": "string", "format": "uri-reference", "description": "The problem type: a section of `/docs`." },
            "title": { "type": "string", "description": "A short summary of the problem type." },
            "status": { "type": "integer", "minimum": 100, "maximum": 599, "description": "The HTTP status." },
            "detail": { "type": "string", "description": "What went wrong in this occurrence." },
            "code": { "type": "string", "description": "A stable code for the error kind, such as `not_found`." },
            "request_id": { "type": "string", "description": "The request id, also in the `x-request-id` header." },
            "errors": { "type": "array", "description": "Each invalid argument.", "items": {} },
        },
    })
}

fn field_schema() -> Value {
    json!({
        "type": "object",
        "description": "One invalid argument.",
        "required": ["field", "pointer", "reason"],
        "properties": {
            "field": { "type": "string", "description": "Dotted path to the argument; empty for the whole object." },
            "pointer": { "type": "string", "description": "JSON Pointer to the argument within the arguments object." },
            "reason": { "type": "string", "description": "Why it was rejected." },
        },
    })
}

fn shared_responses(problem: &str) -> Value {
    let response = |description: &str| {
        json!({
            "description": description,
            "content": { "application/problem+json": { "schema": { "$ref": format!("{SCHEMAS}{problem}") } } },
        })
    };
    json!({
        "MalformedJson": response("The body is not valid JSON."),
        "PayloadTooLarge": response("The body is larger than the server's limit."),
        "UnsupportedMediaType": response("The body is not sent as `application/json`."),
        "NotFound": response("The thing looked up does not exist."),
        "InvalidArguments": response("The arguments do not match the function's input schema; `errors` lists each bad one."),
        "Error": response("Any other error: 401, 403, 409, 500 (details masked), 502, 503, 504 (the call timed out)."),
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Contract {
    Input,
    Output,
}

/// `components/schemas`, merged from both contracts without overwriting.
#[derive(Default)]
struct Components {
    schemas: Map<String, Value>,
    /// (contract, schemars name) → component name.
    names: HashMap<(Contract, String), String>,
    /// Input definitions as schemars made them, to compare output ones against.
    raw_input: Map<String, Value>,
}

impl Components {
    /// Adds one contract's definitions. An output definition equal to the
    /// input one of the same name (and referring only to shared definitions)
    /// shares its component; any other clash gets a new name.
    fn add_contract(&mut self, definitions: Map<String, Value>, contract: Contract) {
        let shared: BTreeSet<String> = if contract == Contract::Output {
            let mut shared: BTreeSet<String> = definitions
                .iter()
                .filter(|(name, schema)| {
                    self.names.contains_key(&(Contract::Input, (*name).clone()))
                        && self.raw_input.get(*name) == Some(*schema)
                })
                .map(|(name, _)| name.clone())
                .collect();
            // Shared only if everything it refers to is shared too.
            loop {
                let unshared: Vec<String> = shared
                    .iter()
                    .filter(|name| !refs(&definitions[*name]).iter().all(|r| shared.contains(r)))
                    .cloned()
                    .collect();
                if unshared.is_empty() {
                    break;
                }
                for name in unshared {
                    shared.remove(&name);
                }
            }
            shared
        } else {
            BTreeSet::new()
        };
        let mut added = Vec::new();
        for (name, schema) in definitions {
            if shared.contains(&name) {
                let component = self.names[&(Contract::Input, name.clone())].clone();
                self.names.insert((contract, name), component);
                continue;
            }
            let base = sanitize(&name);
            let preferred = if contract == Contract::Output && self.schemas.contains_key(&base) {
                format!("{base}Output")
            } else {
                base
            };
            let component = self.unique(&preferred);
            if contract == Contract::Input {
                self.raw_input.insert(name.clone(), schema.clone());
            }
            self.schemas.insert(component.clone(), schema);
            self.names.insert((contract, name), component.clone());
            added.push(component);
        }
        for component in added {
            let mut schema = self.schemas.remove(&component).unwrap_or_default();
            self.rewrite(&mut schema, contract);
            registry_core::__private::normalize_common(&mut schema);
            if contract == Contract::Input {
                registry_core::__private::optional_without_null(&mut schema);
            }
            self.schemas.insert(component, schema);
        }
    }

    /// Adds a schema of the server's own under `name` or, if a user type holds it, a free variant.
    fn own(&mut self, name: &str, schema: Value) -> String {
        let component = self.unique(name);
        self.schemas.insert(component.clone(), schema);
        component
    }

    fn unique(&self, base: &str) -> String {
        if !self.schemas.contains_key(base) {
            return base.to_owned();
        }
        (2..)
            .map(|n| format!("{base}{n}"))
            .find(|candidate| !self.schemas.contains_key(candidate))
            .unwrap_or_default()
    }

    /// Points every `#/components/schemas/...` reference in `schema` at its final component name.
    fn rewrite(&self, schema: &mut Value, contract: Contract) {
        match schema {
            Value::Object(object) => {
                for (key, value) in object.iter_mut() {
                    if key == "$ref"
                        && let Value::String(reference) = value
                        && let Some(name) = reference.strip_prefix(SCHEMAS).map(decode_ref)
                        && let Some(component) = self.names.get(&(contract, name))
                    {
                        *reference = format!("{SCHEMAS}{component}");
                    } else {
                        self.rewrite(value, contract);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.rewrite(v, contract)),
            _ => {}
        }
    }
}

/// The schemars names `schema` refers to.
fn refs(schema: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![schema];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(object) => {
                for (key, value) in object {
                    match (key.as_str(), value) {
                        ("$ref", Value::String(r)) => {
                            if let Some(name) = r.strip_prefix(SCHEMAS) {
                                found.push(decode_ref(name));
                            }
                        }
                        _ => stack.push(value),
                    }
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    found
}

/// Undoes schemars' reference encoding: percent-escapes, then `~1` → `/`, `~0` → `~`.
fn decode_ref(encoded: &str) -> String {
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = encoded.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).replace("~1", "/").replace("~0", "~")
}

/// A component name OpenAPI accepts: `[A-Za-z0-9._-]`, anything else as `_`.
fn sanitize(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.is_empty() { "_".to_owned() } else { clean }
}

/// `map` with its keys in order: components are listed by name.
fn sorted(map: Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> = map.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_refs() {
        assert_eq!(sanitize("Wrapper<Item>"), "Wrapper_Item_");
        assert_eq!(decode_ref("Wrapper%3CItem%3E"), "Wrapper<Item>");
        assert_eq!(decode_ref("a~1b~0c"), "a/b~c");
    }

    #[test]
    fn clashing_contracts_get_two_components() {
        let mut components = Components::default();
        let mut input = Map::new();
        input.insert("Item".into(), json!({"type": "object", "required": ["id"]}));
        input.insert("Tag".into(), json!({"type": "string"}));
        components.add_contract(input, Contract::Input);
        let mut output = Map::new();
        output.insert("Item".into(), json!({"type": "object"}));
        output.insert("Tag".into(), json!({"type": "string"}));
        output.insert("Wrap".into(), json!({"items": {"$ref": "#/components/schemas/Item"}}));
        components.add_contract(output, Contract::Output);
        let names: Vec<String> = sorted(components.schemas.clone()).keys().cloned().collect();
        assert_eq!(names, ["Item", "ItemOutput", "Tag", "Wrap"]);
        assert_eq!(
            components.schemas["Wrap"]["items"]["$ref"],
            json!("#/components/schemas/ItemOutput")
        );
    }
}
