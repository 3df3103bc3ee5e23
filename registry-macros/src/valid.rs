//! Validate step: the options and the parsed function checked against each
//! other and turned into a typed [`Model`], plus the error accumulator.
//!
//! Every check records its error and carries on, so one compile shows the
//! user every problem at once (serde's `Ctxt` habit). The rules that need the
//! options together with the signature or the doc comment (path parameters,
//! the `# Arguments` names) are here, as in serde's `internals/check.rs`;
//! the ones that need only the syntax reject while parsing (`attr.rs`,
//! `ast.rs`). `expand.rs` generates from a [`Model`] and rejects nothing.
//!
//! Each option's rule is its own function, so another attribute (such as a
//! resource or a prompt) can build its own model from the same parse and the
//! same rules.

use proc_macro2::Span;
use syn::{LitStr, Path};

use crate::ast::{Constraint, Function};
use crate::attr::{Attribute, Attrs};
use crate::docs::Docs;
use crate::uri_template::UriTemplate;
/// Collects errors; dropping it without calling [`Errors::finish`] is a bug.
pub(crate) struct Errors {
    errors: Option<Vec<syn::Error>>,
}

impl Errors {
    pub(crate) fn new() -> Self {
        Errors {
            errors: Some(Vec::new()),
        }
    }

    pub(crate) fn push(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push_error(syn::Error::new(span, message));
    }

    pub(crate) fn push_error(&mut self, error: syn::Error) {
        self.errors.as_mut().expect("errors already finished").push(error);
    }

    /// All recorded errors combined into one, or `Ok` when there were none.
    pub(crate) fn finish(mut self) -> syn::Result<()> {
        let mut errors = self.errors.take().expect("errors already finished").into_iter();
        let Some(mut first) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            first.combine(error);
        }
        Err(first)
    }
}

impl Drop for Errors {
    fn drop(&mut self) {
        if self.errors.is_some() && !std::thread::panicking() {
            panic!("Errors dropped without calling finish()");
        }
    }
}

/// `#[api_function]` after validation: every value typed, every rule checked.
pub(crate) struct Model<'a> {
    pub(crate) function: Function<'a>,
    /// The runtime crate: `crate = "..."` or `::registry_core`.
    pub(crate) krate: Path,
    /// The tool name: `name = "..."` or the function's own, without `r#`.
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    /// `description = "..."` or the doc comment without its `# Arguments`.
    pub(crate) description: String,
    pub(crate) tags: Vec<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) method: Method,
    pub(crate) path: Option<String>,
    pub(crate) timeout_ms: Option<u64>,
    pub(crate) annotations: Annotations,
    /// The protocols the function is exposed on, in [`Surface::ALL`] order.
    pub(crate) surfaces: Vec<Surface>,
    /// `rate_limit = "10/s"` as (calls, seconds per window).
    pub(crate) rate_limit: Option<(u32, u64)>,
    /// `max_concurrency = 4`.
    pub(crate) max_concurrency: Option<u32>,
    /// `task = "optional"` or `task = "required"`.
    pub(crate) task: Option<TaskMode>,
    /// Tool, resource or prompt, with what each declares.
    pub(crate) primitive: Primitive,
    /// `icon = "..."`: the file's contents as a `data:` URI, and its absolute path.
    pub(crate) icon: Option<Icon>,
}

/// What the attribute made of the function.
pub(crate) enum Primitive {
    Tool,
    Resource {
        uri: String,
        mime_type: Option<String>,
        audience: Vec<Role>,
        priority: Option<f64>,
        size: Option<u64>,
    },
    Prompt,
}

/// MCP `Role` in `audience = [..]`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Role {
    User,
    Assistant,
}

/// An icon read at compile time.
pub(crate) struct Icon {
    pub(crate) data_uri: String,
    pub(crate) file: String,
}

/// The MCP hints, as written.
pub(crate) struct Annotations {
    pub(crate) read_only: Option<bool>,
    pub(crate) destructive: Option<bool>,
    pub(crate) idempotent: Option<bool>,
    pub(crate) open_world: Option<bool>,
}

/// HTTP method of the REST route; `POST` unless `method = "..."` says otherwise.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// Every method a route may declare, with its name.
    const ALL: [(&'static str, Method); 5] = [
        ("GET", Method::Get),
        ("POST", Method::Post),
        ("PUT", Method::Put),
        ("PATCH", Method::Patch),
        ("DELETE", Method::Delete),
    ];
}

/// A protocol a function can be exposed on (`hidden_from = [..]` names them).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Surface {
    Mcp,
    Rest,
}

impl Surface {
    /// Every surface, in the order the runtime's `Surfaces` lists them.
    pub(crate) const ALL: [Surface; 2] = [Surface::Mcp, Surface::Rest];

    /// The name `hidden_from` uses.
    fn name(self) -> &'static str {
        match self {
            Surface::Mcp => "mcp",
            Surface::Rest => "rest",
        }
    }
}

/// Checks the options against the function and its docs, recording every
/// problem in `errors`. The model is complete even when errors were found;
/// the caller must not generate from it then ([`Errors::finish`] says).
pub(crate) fn check<'a>(
    attribute: Attribute,
    attrs: &Attrs,
    function: Function<'a>,
    docs: Docs,
    errors: &mut Errors,
) -> Model<'a> {
    let name = match &attrs.name {
        Some(lit) => {
            if let Err(message) = tool_name(&lit.value()) {
                errors.push(lit.span(), message);
            }
            lit.value()
        }
        None => crate::ast::unraw(function.ident),
    };
    let primitive = match attribute {
        Attribute::Function => Primitive::Tool,
        Attribute::Resource => resource(attrs, &function, errors),
        Attribute::Prompt => Primitive::Prompt,
    };
    completers_allowed(attribute, &function, errors);
    constraints(&function, errors);
    let method = match attribute {
        Attribute::Function => attrs
            .method
            .as_ref()
            .and_then(|lit| method(lit, errors))
            .unwrap_or(Method::Post),
        Attribute::Resource => Method::Get,
        Attribute::Prompt => Method::Post,
    };
    let path_value = match (&attrs.path, &primitive) {
        (Some(lit), _) => Some(lit.value()),
        // An invalid template has its own error already.
        (None, Primitive::Resource { uri, .. }) if UriTemplate::parse(uri).is_ok() => {
            derived_path(uri, attrs.uri.as_ref(), errors)
        }
        (None, Primitive::Resource { .. }) => None,
        (None, Primitive::Prompt) => Some(format!("/api/prompts/{name}")),
        (None, Primitive::Tool) => None,
    };
    let icon = attrs.icon.as_ref().and_then(|lit| icon(lit, errors));
    let path_params = attrs.path.as_ref().map(|lit| path(lit, errors)).unwrap_or_default();
    let timeout_ms = attrs.timeout.as_ref().and_then(|lit| timeout(lit, errors));
    let rate_limit = attrs.rate_limit.as_ref().and_then(|lit| rate_limit(lit, errors));
    let max_concurrency = attrs
        .max_concurrency
        .as_ref()
        .and_then(|lit| max_concurrency(lit, errors));
    let task = attrs.task.as_ref().and_then(|lit| task(lit, errors));
    let surfaces = attrs
        .hidden_from
        .as_deref()
        .map_or_else(|| Surface::ALL.to_vec(), |items| surfaces(items, errors));
    let tags = attrs
        .tags
        .as_deref()
        .map(|items| words(items, "tags", errors))
        .unwrap_or_default();
    let scopes = attrs
        .scopes
        .as_deref()
        .map(|items| words(items, "scopes", errors))
        .unwrap_or_default();
    let krate = krate(attrs.krate.as_ref(), errors);
    if let Some(lit) = &attrs.path {
        path_params_are_arguments(lit, &path_params, &function, errors);
    }
    documented_names_are_arguments(&docs, &function, errors);
    property_names_are_unique(&function, errors);

    Model {
        krate,
        name,
        title: attrs.title.as_ref().map(LitStr::value),
        description: attrs.description.as_ref().map_or(docs.description, LitStr::value),
        tags,
        scopes,
        method,
        path: path_value,
        timeout_ms,
        annotations: Annotations {
            read_only: attrs.read_only.map(|flag| flag.value),
            destructive: attrs.destructive.map(|flag| flag.value),
            idempotent: attrs.idempotent.map(|flag| flag.value),
            open_world: attrs.open_world.map(|flag| flag.value),
        },
        surfaces,
        rate_limit,
        max_concurrency,
        task,
        function,
        primitive,
        icon,
    }
}

/// `#[api_resource]`: the URI (or template) against the arguments, and the
/// resource's own options.
fn resource(attrs: &Attrs, function: &Function<'_>, errors: &mut Errors) -> Primitive {
    let fn_ident = function.ident;
    let uri = match &attrs.uri {
        Some(lit) => {
            let value = lit.value();
            match UriTemplate::parse(&value) {
                Ok(template) => {
                    for variable in template.variables() {
                        if !function.args().any(|arg| arg.name == variable) {
                            errors.push(
                                lit.span(),
                                format!("the URI template variable `{{{variable}}}` names no argument of `{fn_ident}`; add an argument `{variable}: String` (or another type that reads from text) or remove `{{{variable}}}` from the URI"),
                            );
                        }
                    }
                    for arg in function.args() {
                        if !template.variables().any(|variable| variable == arg.name) {
                            let name = &arg.name;
                            errors.push(
                                arg.ident.span(),
                                if template.is_fixed() {
                                    format!("the argument `{name}` is not in the URI `{value}`: a resource's arguments are its URI template variables; write the URI as a template such as \"{value}/{{{name}}}\" or remove the argument")
                                } else {
                                    format!("the argument `{name}` is not in the URI template `{value}`: a resource's arguments are its template variables; add `{{{name}}}` to the URI or remove the argument")
                                },
                            );
                        }
                    }
                }
                Err(message) => errors.push(lit.span(), format!("invalid URI template: {message}")),
            }
            value
        }
        None => {
            errors.push(
                Span::call_site(),
                "#[api_resource] needs a URI: write `#[api_resource(uri = \"myapp://things/{id}\")]`",
            );
            String::new()
        }
    };
    let mime_type = attrs.mime_type.as_ref().map(|lit| {
        let value = lit.value();
        let well_formed = value
            .split_once('/')
            .is_some_and(|(kind, sub)| !kind.is_empty() && !sub.is_empty() && !value.contains(char::is_whitespace));
        if !well_formed {
            errors.push(
                lit.span(),
                format!("`{value}` is not a MIME type; write one such as \"application/json\" or \"image/png\""),
            );
        }
        value
    });
    let audience = attrs
        .audience
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter_map(|lit| match lit.value().as_str() {
            "user" => Some(Role::User),
            "assistant" => Some(Role::Assistant),
            other => {
                errors.push(
                    lit.span(),
                    format!("unknown audience `{other}`; write \"user\" or \"assistant\""),
                );
                None
            }
        })
        .collect();
    let priority = attrs.priority.as_ref().and_then(|lit| {
        let parsed = match lit {
            syn::Lit::Float(f) => f.base10_parse::<f64>().ok(),
            syn::Lit::Int(i) => i.base10_parse::<f64>().ok(),
            _ => None,
        };
        let valid = parsed.filter(|p| (0.0..=1.0).contains(p));
        if valid.is_none() {
            errors.push(lit.span(), "priority is a number from 0.0 (optional) to 1.0 (required)");
        }
        valid
    });
    let size = attrs.size.as_ref().and_then(|lit| match lit.base10_parse::<u64>() {
        Ok(size) => Some(size),
        Err(err) => {
            errors.push(lit.span(), format!("size is a whole number of bytes: {err}"));
            None
        }
    });
    Primitive::Resource {
        uri,
        mime_type,
        audience,
        priority,
        size,
    }
}

/// The REST path of a resource without `path = "..."`: `/api/resources/`
/// and the URI after its scheme (`myapp://blocks/{height}` →
/// `/api/resources/blocks/{height}`), which must be a valid route.
fn derived_path(uri: &str, lit: Option<&LitStr>, errors: &mut Errors) -> Option<String> {
    let lit = lit?;
    let rest = match uri.split_once("://") {
        Some((_, rest)) => rest,
        None => uri.split_once(':').map_or(uri, |(_, rest)| rest),
    };
    let rest = rest.trim_matches('/');
    let derived = if rest.is_empty() {
        "/api/resources".to_owned()
    } else {
        format!("/api/resources/{rest}")
    };
    let mut inner = Errors::new();
    path(&LitStr::new(&derived, lit.span()), &mut inner);
    if let Err(err) = inner.finish() {
        errors.push(
            lit.span(),
            format!("the REST path derived from this URI, `{derived}`, is not a valid route ({err}); set `path = \"/api/resources/...\"` with each `{{variable}}` as a whole segment"),
        );
        return None;
    }
    Some(derived)
}

/// `#[arg(complete = ...)]` is for prompt arguments and template variables.
fn completers_allowed(attribute: Attribute, function: &Function<'_>, errors: &mut Errors) {
    if attribute != Attribute::Function {
        return;
    }
    for arg in function.args() {
        if let Some(path) = &arg.complete {
            errors.push(
                syn::spanned::Spanned::span(path),
                "`#[arg(complete = ...)]` completes #[api_prompt] arguments and #[api_resource] template variables; MCP has no completion for tool arguments, so remove it",
            );
        }
    }
}

/// `icon = "assets/x.svg"`: read relative to the crate (`CARGO_MANIFEST_DIR`), SVG or PNG.
pub(crate) fn icon(lit: &LitStr, errors: &mut Errors) -> Option<Icon> {
    use base64::Engine as _;
    let relative = lit.value();
    let mime = match relative.rsplit('.').next().map(str::to_ascii_lowercase).as_deref() {
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => {
            errors.push(
                lit.span(),
                "an icon is an SVG or PNG file: write `icon = \"assets/icon.svg\"`",
            );
            return None;
        }
    };
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let file = std::path::Path::new(&dir).join(&relative);
    match std::fs::read(&file) {
        Ok(bytes) => Some(Icon {
            data_uri: format!(
                "data:{mime};base64,{}",
                base64::engine::general_purpose::STANDARD.encode(bytes)
            ),
            file: file.to_string_lossy().into_owned(),
        }),
        Err(err) => {
            errors.push(
                lit.span(),
                format!("cannot read the icon `{relative}` (a path relative to the crate's Cargo.toml): {err}"),
            );
            None
        }
    }
}

/// MCP tool-name rule (2025-11-25): 1 to 128 of `[A-Za-z0-9_.-]`.
pub(crate) fn tool_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 128 {
        return Err(format!(
            "tool name must be 1 to 128 characters long, this one has {}; choose a shorter `name = \"...\"`",
            name.chars().count()
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(format!(
            "tool name `{name}` contains {bad:?}; MCP tool names use only ASCII letters, digits, `_`, `.` and `-` (for example `get_quote`)"
        ));
    }
    Ok(())
}

/// `method = "get"` in any case.
pub(crate) fn method(lit: &LitStr, errors: &mut Errors) -> Option<Method> {
    let upper = lit.value().to_ascii_uppercase();
    let found = Method::ALL
        .iter()
        .find(|(name, _)| *name == upper)
        .map(|&(_, method)| method);
    if found.is_none() {
        let names: Vec<&str> = Method::ALL.iter().map(|(name, _)| *name).collect();
        errors.push(
            lit.span(),
            format!(
                "unsupported method `{}`; write one of {}",
                lit.value(),
                names.join(", ")
            ),
        );
    }
    found
}

/// Checks a route path and returns the names of its `{param}` segments: the
/// macro's one reading of a path template. The reserved paths (`/mcp`,
/// `/docs`, ...) are the server's to refuse, when it builds its routes.
pub(crate) fn path(lit: &LitStr, errors: &mut Errors) -> Vec<String> {
    let value = lit.value();
    let mut params = Vec::new();
    if !value.starts_with('/') {
        errors.push(
            lit.span(),
            format!("path must start with `/`, as in \"/{}\"", value.trim_start_matches('/')),
        );
        return params;
    }
    for segment in value.split('/').skip(1) {
        if segment.is_empty() && value != "/" {
            errors.push(
                lit.span(),
                "path has an empty segment (`//` or a trailing `/`); remove it",
            );
            break;
        }
        if let Some(name) = segment.strip_prefix(':') {
            errors.push(
                lit.span(),
                format!("write path parameters as `{{{name}}}`, not `:{name}`"),
            );
            continue;
        }
        if segment.starts_with('{') || segment.ends_with('}') {
            let inner = segment.trim_start_matches('{').trim_end_matches('}');
            let well_formed = segment.starts_with('{')
                && segment.ends_with('}')
                && !inner.is_empty()
                && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !well_formed || inner.starts_with('*') {
                errors.push(
                    lit.span(),
                    format!("path segment `{segment}` must be a whole `{{name}}` with a plain argument name"),
                );
                continue;
            }
            if params.iter().any(|p| p == inner) {
                errors.push(lit.span(), format!("path parameter `{{{inner}}}` appears twice"));
            }
            params.push(inner.to_owned());
        } else if segment.contains(['{', '}', '?', '#', ' ']) {
            errors.push(
                lit.span(),
                format!("path segment `{segment}` contains a character that is not allowed in a route"),
            );
        }
    }
    params
}

/// `timeout = "5s"`: a positive whole number of milliseconds, read by
/// `humantime` in the grammar the server's duration flags share
/// (`registry-server/src/cli.rs`): whole numbers with `ms`, `s` or `m`
/// (`min`), such as "250ms", "5s" or "1m 30s".
pub(crate) fn timeout(lit: &LitStr, errors: &mut Errors) -> Option<u64> {
    let value = lit.value();
    let millis = duration(&value)
        .and_then(|duration| u64::try_from(duration.as_millis()).ok())
        .filter(|&ms| ms > 0);
    if millis.is_none() {
        errors.push(
            lit.span(),
            format!("invalid timeout `{value}`; write a positive whole number followed by `ms`, `s` or `m`, such as \"5s\" or \"250ms\""),
        );
    }
    millis
}

/// The shared duration grammar. humantime reads more units (`h`, `d`, `us`)
/// and fractions; the error messages promise whole numbers of `ms`, `s` or
/// `m`, so anything else is refused before humantime reads it.
fn duration(text: &str) -> Option<std::time::Duration> {
    let plain = text.chars().all(|c| c.is_ascii_alphanumeric() || c.is_whitespace());
    let units_known = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|unit| !unit.is_empty())
        .all(|unit| matches!(unit, "ms" | "s" | "m" | "min"));
    if !(plain && units_known) {
        return None;
    }
    humantime::parse_duration(text).ok()
}

/// `rate_limit = "10/s"`: a positive whole number of calls per `s`, `min`
/// or `h`, as (calls, seconds). The grammar of `registry_core::Quota`'s
/// `FromStr` (`registry-core/src/quota.rs`), whose tests read the same cases.
pub(crate) fn rate_limit(lit: &LitStr, errors: &mut Errors) -> Option<(u32, u64)> {
    let value = lit.value();
    let parsed = crate::quota_grammar::parse(&value);
    if parsed.is_none() {
        errors.push(
            lit.span(),
            format!("invalid rate limit `{value}`; write a positive whole number of calls, `/` and `s`, `min` or `h`, such as \"10/s\" or \"100/min\""),
        );
    }
    parsed
}

/// How a function runs as a long-running task (`task = "..."`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TaskMode {
    Optional,
    Required,
}

/// `task = "optional"` or `task = "required"`.
pub(crate) fn task(lit: &LitStr, errors: &mut Errors) -> Option<TaskMode> {
    match lit.value().as_str() {
        "optional" => Some(TaskMode::Optional),
        "required" => Some(TaskMode::Required),
        other => {
            errors.push(
                lit.span(),
                format!(
                    "invalid task `{other}`; write `task = \"optional\"` (a task when the client asks) or `task = \"required\"` (always a task), or leave it out"
                ),
            );
            None
        }
    }
}

/// `max_concurrency = 4`: a whole number from 1 to `u32::MAX`.
pub(crate) fn max_concurrency(lit: &syn::LitInt, errors: &mut Errors) -> Option<u32> {
    let parsed = lit.base10_parse::<u32>().ok().filter(|&n| n > 0);
    if parsed.is_none() {
        errors.push(
            lit.span(),
            format!("invalid max_concurrency `{lit}`; write how many calls may run at once, a whole number of at least 1, such as `max_concurrency = 4`"),
        );
    }
    parsed
}

/// `hidden_from = ["mcp"]`: the surfaces left, in [`Surface::ALL`] order.
pub(crate) fn surfaces(items: &[LitStr], errors: &mut Errors) -> Vec<Surface> {
    let mut hidden = Vec::new();
    for item in items {
        match Surface::ALL.into_iter().find(|surface| item.value() == surface.name()) {
            Some(surface) => hidden.push(surface),
            None => errors.push(
                item.span(),
                format!(
                    "unknown protocol `{}` in `hidden_from`; write \"mcp\" or \"rest\"",
                    item.value()
                ),
            ),
        }
    }
    let left: Vec<Surface> = Surface::ALL
        .into_iter()
        .filter(|surface| !hidden.contains(surface))
        .collect();
    if left.is_empty()
        && let Some(first) = items.first()
    {
        errors.push(
            first.span(),
            "a function hidden from both protocols is never reachable; remove #[api_function] instead",
        );
    }
    left
}

/// `tags` and `scopes`: non-empty text, returned as written.
pub(crate) fn words(items: &[LitStr], what: &str, errors: &mut Errors) -> Vec<String> {
    items
        .iter()
        .map(|item| {
            let value = item.value();
            if value.trim().is_empty() || value.contains(char::is_control) {
                errors.push(
                    item.span(),
                    format!("{what} must be non-empty text without control characters"),
                );
            }
            value
        })
        .collect()
}

/// `crate = "path"`, or `::registry_core`.
pub(crate) fn krate(lit: Option<&LitStr>, errors: &mut Errors) -> Path {
    let Some(lit) = lit else {
        return syn::parse_quote!(::registry_core);
    };
    lit.parse().unwrap_or_else(|err| {
        errors.push(
            lit.span(),
            format!("`crate` takes a path such as \"::registry_core\": {err}"),
        );
        syn::parse_quote!(::registry_core)
    })
}

/// Every `{param}` of the path names an argument (the server checks again,
/// for descriptors built without the macro).
pub(crate) fn path_params_are_arguments(lit: &LitStr, params: &[String], function: &Function<'_>, errors: &mut Errors) {
    let fn_ident = function.ident;
    for param in params {
        if !function.args().any(|arg| arg.name == *param) {
            errors.push(lit.span(), format!("path parameter `{{{param}}}` does not name an argument of `{fn_ident}`; add an argument `{param}` or rename the segment"));
        }
    }
}

/// No two arguments share a JSON property (`#[arg(rename = "...")]`).
fn property_names_are_unique(function: &Function<'_>, errors: &mut Errors) {
    let args: Vec<_> = function.args().collect();
    for (i, arg) in args.iter().enumerate() {
        if let Some(first) = args[..i].iter().find(|earlier| earlier.name == arg.name) {
            errors.push(
                arg.ident.span(),
                format!(
                    "`{}` and `{}` are both the property `{}`; rename one with `#[arg(rename = \"...\")]`",
                    first.rust_name, arg.rust_name, arg.name
                ),
            );
        }
    }
}

/// Every name in the `# Arguments` list is an argument (or the context).
pub(crate) fn documented_names_are_arguments(docs: &Docs, function: &Function<'_>, errors: &mut Errors) {
    let fn_ident = function.ident;
    let context = function.context_name();
    for (documented, _, span) in &docs.arguments {
        if !function
            .args()
            .any(|arg| arg.rust_name == *documented || arg.name == *documented)
            && context.as_deref() != Some(documented.as_str())
        {
            errors.push(*span, format!("the `# Arguments` list documents `{documented}`, which is not an argument of `{fn_ident}`; fix the name or remove the line"));
        }
    }
}

/// Each `#[arg]` constraint is well formed: bounds that are number literals
/// in order, whole lengths, a pattern that parses, a standard format, and
/// each kind once. Whether the argument's type takes it is the compiler's
/// check (`__private::number_arg` and its kin, in generated code).
fn constraints(function: &Function<'_>, errors: &mut Errors) {
    use syn::spanned::Spanned;
    for arg in function.args() {
        let mut seen: Vec<&str> = Vec::new();
        for constraint in &arg.constraints {
            let keyword = constraint.keyword();
            let span = match constraint {
                Constraint::Range { keyword, .. }
                | Constraint::Length { keyword, .. }
                | Constraint::MultipleOf { keyword, .. } => keyword.span(),
                Constraint::Pattern(lit) | Constraint::Format(lit) => lit.span(),
            };
            if seen.contains(&keyword) {
                errors.push(
                    span,
                    format!("duplicate `{keyword}` on argument `{}`; write it once", arg.rust_name),
                );
                continue;
            }
            seen.push(keyword);
            match constraint {
                Constraint::Range {
                    min,
                    max,
                    exclusive_min,
                    exclusive_max,
                    ..
                } => {
                    let read = |bound: &Option<syn::Expr>, errors: &mut Errors| {
                        let bound = bound.as_ref()?;
                        let value = number_literal(bound);
                        if value.is_none() {
                            errors.push(
                                bound.span(),
                                "a `range` bound is a number literal: write `min = 1` or `max = 0.5`",
                            );
                        }
                        Some((value?, bound.span()))
                    };
                    let lows = [read(min, errors), read(exclusive_min, errors)];
                    let highs = [read(max, errors), read(exclusive_max, errors)];
                    for (i, low) in lows.iter().enumerate() {
                        for (j, high) in highs.iter().enumerate() {
                            let (Some((low, _)), Some((high, span))) = (low, high) else {
                                continue;
                            };
                            if low > high || ((i == 1 || j == 1) && low == high) {
                                errors.push(*span, format!("the upper bound ({high}) is not above the lower bound ({low}): no value would be allowed"));
                            }
                        }
                    }
                }
                Constraint::Length { min, max, .. } => {
                    let read = |bound: &syn::Expr, errors: &mut Errors| match bound {
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Int(int),
                            ..
                        }) => int.base10_parse::<u64>().ok(),
                        _ => {
                            errors.push(bound.span(), "a `length` bound is a whole number: write `min = 1`");
                            None
                        }
                    };
                    let low = min.as_ref().and_then(|e| read(e, errors));
                    let high = max.as_ref().and_then(|e| read(e, errors));
                    if let (Some(low), Some(high), Some(max)) = (low, high, max)
                        && low > high
                    {
                        errors.push(
                            max.span(),
                            format!("`max` ({high}) is below `min` ({low}): no value would be allowed"),
                        );
                    }
                }
                Constraint::Pattern(lit) => {
                    if let Err(err) = regex_syntax::ast::parse::Parser::new().parse(&lit.value()) {
                        errors.push(
                            lit.span(),
                            format!("`pattern` is not a valid regular expression: {}", err.kind()),
                        );
                    }
                }
                Constraint::Format(lit) => {
                    let format = lit.value();
                    if !crate::format_names::STANDARD.contains(&format.as_str()) {
                        errors.push(
                            lit.span(),
                            format!(
                                "`{format}` is not a standard JSON Schema format; write one of: {}",
                                crate::format_names::STANDARD.join(", ")
                            ),
                        );
                    }
                }
                Constraint::MultipleOf { value, .. } => {
                    if !number_literal(value).is_some_and(|v| v > 0.0) {
                        errors.push(
                            value.span(),
                            "`multiple_of` is a number literal above zero: write `multiple_of = 5`",
                        );
                    }
                }
            }
        }
    }
}

/// The value of `1`, `-2`, `0.5` or `-1e3`.
fn number_literal(expr: &syn::Expr) -> Option<f64> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) => int.base10_parse::<f64>().ok(),
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(float),
            ..
        }) => float.base10_parse::<f64>().ok(),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => number_literal(expr).map(|v| -v),
        syn::Expr::Group(group) => number_literal(&group.expr),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names() {
        assert!(tool_name("get_quote.v2-beta").is_ok());
        assert!(tool_name("").is_err());
        assert!(tool_name(&"a".repeat(129)).is_err());
        assert!(tool_name("has space").is_err());
    }

    #[test]
    fn timeouts() {
        let mut errors = Errors::new();
        let lit = |s: &str| LitStr::new(s, Span::call_site());
        assert_eq!(timeout(&lit("250ms"), &mut errors), Some(250));
        assert_eq!(timeout(&lit("5s"), &mut errors), Some(5_000));
        assert_eq!(timeout(&lit("2m"), &mut errors), Some(120_000));
        assert_eq!(timeout(&lit("2min"), &mut errors), Some(120_000));
        assert_eq!(timeout(&lit(" 5 s "), &mut errors), Some(5_000));
        assert_eq!(timeout(&lit("1m 30s"), &mut errors), Some(90_000));
        assert!(errors.finish().is_ok());
        for bad in [
            "5x",
            "0s",
            "5",
            "",
            "1.5s",
            "2h",
            "500us",
            "-1s",
            "5 parsecs",
            "99999999999999999999s",
        ] {
            let mut errors = Errors::new();
            assert_eq!(timeout(&lit(bad), &mut errors), None, "{bad}");
            assert!(errors.finish().is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn rate_limits() {
        let mut errors = Errors::new();
        let lit = |s: &str| LitStr::new(s, Span::call_site());
        assert_eq!(rate_limit(&lit("10/s"), &mut errors), Some((10, 1)));
        assert_eq!(rate_limit(&lit(" 100 / min "), &mut errors), Some((100, 60)));
        assert_eq!(rate_limit(&lit("1/h"), &mut errors), Some((1, 3600)));
        assert!(errors.finish().is_ok());
        // The same refusals as `registry_core::Quota`'s tests.
        for bad in crate::quota_grammar::REFUSED {
            let mut errors = Errors::new();
            assert_eq!(rate_limit(&lit(bad), &mut errors), None, "{bad}");
            assert!(errors.finish().is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn paths() {
        let mut errors = Errors::new();
        let lit = |s: &str| LitStr::new(s, Span::call_site());
        assert_eq!(path(&lit("/api/quotes/{symbol}"), &mut errors), ["symbol"]);
        // The server, not the macro, refuses its own paths.
        assert!(path(&lit("/mcp"), &mut errors).is_empty());
        assert!(errors.finish().is_ok());
        for bad in ["api/x", "/a/:id", "/a/{id", "/a//b", "/a/{x}/{x}"] {
            let mut errors = Errors::new();
            path(&lit(bad), &mut errors);
            assert!(errors.finish().is_err(), "{bad} should be rejected");
        }
    }
}
