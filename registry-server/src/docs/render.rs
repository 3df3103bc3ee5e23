//! The HTML of the docs page: navigation, one section per function, the error table.

use std::fmt::Write as _;

use registry_core::{Entry, ErrorKind, Method, TaskSupport};
use serde_json::{Map, Value, json};

use super::Settings;
use super::example::{self, primary_type};
use crate::errors::http_status;
use crate::rest::{Location, Route, Routes};

const TEMPLATE: &str = include_str!("page.html");
const STYLE: &str = include_str!("style.css");
const SCRIPT: &str = include_str!("script.js");

/// Stands where the page's links need the path prefix the server is reached
/// under (a [`BasePath`](crate::BasePath)); [`esc`] keeps it out of any text.
pub(crate) const BASE: char = '\0';

/// The whole page, with [`BASE`] where the path prefix goes. URLs are
/// relative to the server: the script reads the origin from the address bar.
pub(crate) fn page(routes: &Routes, settings: &Settings) -> String {
    let groups = groups(routes);
    let mut functions = String::new();
    for (tag, entries) in &groups {
        let _ = write!(functions, "<h2 class=\"group\" id=\"tag-{0}\">{0}</h2>", esc(tag));
        for entry in entries {
            let task = if settings.tasks {
                entry.function().task_support()
            } else {
                TaskSupport::Forbidden
            };
            function(&mut functions, entry, routes.get(entry.name()).map(AsRef::as_ref), task);
        }
    }
    let rest = routes.entries().filter(|e| e.function().on_rest()).count();
    let on_mcp = |f: fn(&registry_core::ApiFunction) -> bool| {
        routes
            .entries()
            .filter(|e| e.function().on_mcp() && f(e.function()))
            .count()
    };
    let mcp = on_mcp(|f| f.is_tool());
    let mut counts = format!(
        "{} functions · {rest} REST routes · {mcp} MCP tools",
        routes.entries().count()
    );
    // Only when present, so a tools-only page reads as it always did.
    for (count, what) in [
        (on_mcp(|f| f.resource().is_some()), "MCP resources"),
        (on_mcp(|f| f.prompt().is_some()), "MCP prompts"),
    ] {
        if count > 0 {
            let _ = write!(counts, " · {count} {what}");
        }
    }
    // Page-level values first; the style and script go in last so their text is never scanned.
    TEMPLATE
        .replace("{{base}}", &BASE.to_string())
        .replace(
            "{{brand_icon}}",
            &settings
                .icon
                .as_deref()
                .map(|icon| format!("<img class=\"brand-icon\" alt=\"\" src=\"{}\">", esc(icon)))
                .unwrap_or_default(),
        )
        .replace("{{title}}", &esc(&settings.title))
        .replace("{{version}}", &esc(&settings.version))
        .replace("{{counts}}", &esc(&counts))
        .replace("{{nav}}", &nav(&groups))
        .replace("{{functions}}", &functions)
        .replace("{{errors}}", &errors())
        .replace("{{style}}", STYLE)
        .replace("{{script}}", SCRIPT)
}

/// HTML-escapes text for element content and quoted attributes.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            BASE => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Escaped text with `` `code` `` spans and `[`links`]` shown as code.
fn inline(text: &str) -> String {
    let escaped = esc(text).replace("[`", "`").replace("`]", "`");
    let mut out = String::new();
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Paragraphs of a doc comment.
fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", inline(&p.split_whitespace().collect::<Vec<_>>().join(" "))))
        .collect()
}

fn method_class(method: Method) -> String {
    method.as_str().to_ascii_lowercase()
}

/// Functions grouped by their first tag (`other` when untagged), groups and names sorted.
fn groups(routes: &Routes) -> Vec<(&'static str, Vec<&Entry>)> {
    let mut groups: Vec<(&'static str, Vec<&Entry>)> = Vec::new();
    for entry in routes.entries() {
        let tag = entry.function().tags().first().copied().unwrap_or("other");
        match groups.iter_mut().find(|(t, _)| *t == tag) {
            Some((_, entries)) => entries.push(entry),
            None => groups.push((tag, vec![entry])),
        }
    }
    groups.sort_by_key(|(tag, _)| *tag);
    groups
}

fn nav(groups: &[(&'static str, Vec<&Entry>)]) -> String {
    let mut out = String::new();
    for (tag, entries) in groups {
        let _ = write!(
            out,
            "<div class=\"nav-group\"><h4><a href=\"#tag-{0}\">{0}</a></h4><ul>",
            esc(tag)
        );
        for entry in entries {
            let function = entry.function();
            let name = esc(function.name());
            let badge = if function.on_rest() {
                let m = function.method();
                format!("<span class=\"m m-{}\">{}</span>", method_class(m), m.as_str())
            } else {
                "<span class=\"m m-mcp\">MCP</span>".to_owned()
            };
            let _ = write!(
                out,
                "<li><a href=\"#fn-{name}\" data-filter=\"{} {}\">{badge}<span class=\"nav-name\">{name}</span></a></li>",
                name,
                esc(&function.summary().to_lowercase())
            );
        }
        out.push_str("</ul></div>");
    }
    out
}

/// One parameter as the page needs it.
struct Param<'a> {
    name: &'a str,
    schema: &'a Value,
    location: Location,
    required: bool,
    /// `#[arg(sensitive)]`: no example value, no default shown, a password field.
    sensitive: bool,
}

/// The parameters of `entry`, placed as its REST `route` takes them (an
/// MCP-only function's arguments all travel in one object, as a body's do).
fn params<'a>(entry: &'a Entry, route: Option<&Route>) -> Vec<Param<'a>> {
    let input = &entry.schemas().input;
    let required = example::required(input);
    let mut out = Vec::new();
    if let Some(Value::Object(properties)) = input.get("properties") {
        for (name, schema) in properties {
            let location = route.map_or(Location::Body, |route| route.location(name));
            out.push(Param {
                name,
                schema,
                location,
                required: required.contains(&name.as_str()) || location == Location::Path,
                sensitive: entry.function().is_sensitive(name),
            });
        }
    }
    // Declaration order reads better than alphabetical when the docs list it.
    let order: Vec<&str> = entry.function().params().iter().map(|p| p.name).collect();
    out.sort_by_key(|p| order.iter().position(|n| *n == p.name).unwrap_or(usize::MAX));
    out
}

/// A short human label for a schema: `integer`, `string[]`, `"red" | "green"`, `object`.
fn type_label(schema: &Value) -> String {
    let Value::Object(object) = schema else {
        return "any".to_owned();
    };
    if let Some(Value::Array(values)) = object.get("enum") {
        return values.iter().map(Value::to_string).collect::<Vec<_>>().join(" | ");
    }
    if let Some(value) = object.get("const") {
        return value.to_string();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(branches)) = object.get(key) {
            let consts: Vec<String> = branches
                .iter()
                .filter_map(|b| b.get("const").map(Value::to_string))
                .collect();
            if consts.len() == branches.len() {
                return consts.join(" | ");
            }
            if let Some(tag) = common_tag(branches) {
                let values: Vec<String> = branches
                    .iter()
                    .filter_map(|b| b["properties"][tag.as_str()]["const"].as_str().map(str::to_owned))
                    .collect();
                return format!("object by {tag}: {}", values.join(" | "));
            }
            return branches.iter().map(type_label).collect::<Vec<_>>().join(" | ");
        }
    }
    if object.contains_key("$ref") {
        return "object".to_owned();
    }
    match primary_type(object) {
        Some("array") => {
            let item = object.get("items").map_or_else(|| "any".to_owned(), type_label);
            if item.contains(' ') {
                format!("({item})[]")
            } else {
                format!("{item}[]")
            }
        }
        Some(name) => name.to_owned(),
        None => "any".to_owned(),
    }
}

/// The property every branch pins with a `const` (a serde tag such as `kind`).
fn common_tag(branches: &[Value]) -> Option<String> {
    let first = branches.first()?.get("properties")?.as_object()?;
    first
        .iter()
        .filter(|(_, schema)| schema.get("const").is_some())
        .map(|(name, _)| name)
        .find(|name| {
            branches
                .iter()
                .all(|b| b["properties"][name.as_str()].get("const").is_some())
        })
        .cloned()
}

/// How the form reads a parameter: `integer`, `number`, `boolean`, `string`,
/// `enum`, `list:<scalar>` or `json`.
fn field_kind(schema: &Value) -> (String, Vec<String>) {
    let Value::Object(object) = schema else {
        return ("json".into(), Vec::new());
    };
    let options: Vec<String> = if let Some(Value::Array(values)) = object.get("enum") {
        values.iter().filter_map(Value::as_str).map(str::to_owned).collect()
    } else if let Some(Value::Array(branches)) = object.get("oneOf").or_else(|| object.get("anyOf")) {
        branches
            .iter()
            .map(|b| b.get("const").and_then(Value::as_str).map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    if !options.is_empty() {
        return ("enum".into(), options);
    }
    fn scalar(object: &Map<String, Value>) -> Option<&str> {
        match primary_type(object) {
            Some(t @ ("integer" | "number" | "boolean" | "string")) if !object.contains_key("oneOf") => Some(t),
            _ => None,
        }
    }
    if let Some(t) = scalar(object) {
        return (t.to_owned(), Vec::new());
    }
    if primary_type(object) == Some("array")
        && let Some(Value::Object(items)) = object.get("items")
        && let Some(t) = scalar(items)
    {
        return (format!("list:{t}"), Vec::new());
    }
    ("json".into(), Vec::new())
}

fn function(out: &mut String, entry: &Entry, route: Option<&Route>, task: TaskSupport) {
    let function = entry.function();
    let name = esc(function.name());
    let method = function.method();
    let schemas = entry.schemas();
    let params = params(entry, route);
    let mut args = example::arguments(&schemas.input);
    // A sensitive argument's example is a placeholder naming it, never a
    // value that looks real (a schema's `default` or `examples` may).
    for name in function.sensitive() {
        if let Some(value) = args.get_mut(*name) {
            *value = Value::String(format!("<{name}>"));
        }
    }

    let _ = write!(
        out,
        "<section class=\"fn\" id=\"fn-{name}\" data-name=\"{name}\"><header class=\"fn-head\">"
    );
    if let Some(route) = route {
        let _ = write!(
            out,
            "<span class=\"m m-{}\">{}</span><code class=\"route\">{}</code>",
            method_class(method),
            method.as_str(),
            esc(&route.path)
        );
    } else {
        out.push_str("<span class=\"m m-mcp\">MCP</span><code class=\"route\">tools/call</code>");
    }
    if let Some(icon) = function.icon() {
        let _ = write!(out, "<img class=\"fn-icon\" alt=\"\" src=\"{}\">", esc(icon));
    }
    let _ = write!(out, "<h2><a href=\"#fn-{name}\">{name}</a></h2><div class=\"chips\">");
    let mut chips: Vec<(String, &str)> = vec![(function.kind().as_str().to_owned(), "kind")];
    if let Some(spec) = function.resource() {
        let what = if spec.is_template() {
            "MCP resource template"
        } else {
            "MCP resource"
        };
        chips.push((what.into(), "kind"));
        chips.push((spec.uri.to_owned(), "uri"));
        if let Some(mime) = spec.mime_type {
            chips.push((mime.to_owned(), "hint"));
        }
    } else if function.prompt().is_some() {
        chips.push(("MCP prompt".into(), "kind"));
    }
    if !function.on_mcp() {
        chips.push(("REST only".into(), "only"));
    }
    if !function.on_rest() {
        chips.push(("MCP only".into(), "only"));
    }
    let hints = function.annotations();
    if hints.read_only == Some(true) {
        chips.push(("read-only".into(), "hint"));
    }
    if hints.destructive == Some(true) {
        chips.push(("destructive".into(), "warn"));
    }
    if let Some(timeout) = function.timeout() {
        chips.push((format!("timeout {} ms", timeout.as_millis()), "hint"));
    }
    if let Some(quota) = function.rate_limit() {
        chips.push((format!("rate limit {quota} per caller"), "hint"));
    }
    if let Some(max) = function.max_concurrency() {
        chips.push((format!("at most {max} concurrent"), "hint"));
    }
    for scope in function.scopes() {
        chips.push((format!("scope {scope}"), "warn"));
    }
    for tag in function.tags() {
        chips.push(((*tag).to_owned(), "tag"));
    }
    for (label, class) in chips {
        let _ = write!(out, "<span class=\"chip chip-{class}\">{}</span>", esc(&label));
    }
    out.push_str("</div></header>");

    let description = function.description();
    if description.trim().is_empty() {
        out.push_str("<p class=\"muted\">No description.</p>");
    } else {
        let _ = write!(out, "<div class=\"desc\">{}</div>", paragraphs(description));
    }

    out.push_str("<h3>Parameters</h3>");
    if params.is_empty() {
        out.push_str("<p class=\"muted\">None. Call it with an empty object.</p>");
    } else {
        out.push_str(
            "<table class=\"params\"><thead><tr><th>Name</th><th>Type</th><th>In</th><th>Description</th></tr></thead><tbody>",
        );
        for p in &params {
            let description = p.schema.get("description").and_then(Value::as_str).unwrap_or_default();
            let default = p
                .schema
                .get("default")
                .filter(|_| !p.sensitive)
                .map(|d| {
                    format!(
                        " <span class=\"default\">default <code>{}</code></span>",
                        esc(&d.to_string())
                    )
                })
                .unwrap_or_default();
            let mut required = if p.required {
                "<span class=\"req\">required</span>".to_owned()
            } else {
                "<span class=\"opt\">optional</span>".to_owned()
            };
            if p.sensitive {
                required.push_str(" <span class=\"opt\">sensitive</span>");
            }
            let _ = write!(
                out,
                "<tr><td><code class=\"pname\">{}</code> {required}</td><td><code class=\"ptype\">{}</code></td><td>{}</td><td>{}{default}</td></tr>",
                esc(p.name),
                esc(&type_label(p.schema)),
                p.location.as_str(),
                inline(description),
            );
        }
        out.push_str("</tbody></table>");
    }

    out.push_str("<div class=\"panels\">");
    if let Some(route) = route {
        try_form(out, route, &params, &args, task);
    } else {
        out.push_str(
            "<div class=\"panel try\"><h3>Try it</h3><p class=\"muted\">Hidden from REST: call it over MCP (<code>POST /mcp</code>).</p></div>",
        );
    }
    out.push_str("<div class=\"panel usage\"><h3>Call it</h3>");
    if route.is_some() {
        // The script writes the line from the form (and the address bar's origin).
        out.push_str(
            "<div class=\"snippet\"><div class=\"snippet-head\"><span>REST · curl</span><button type=\"button\" class=\"copy\">Copy</button></div><pre><code data-curl></code></pre></div>",
        );
    }
    if function.on_mcp() {
        let (method, params) = mcp_request(entry, &args);
        let request = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        let _ = write!(
            out,
            "<div class=\"snippet\"><div class=\"snippet-head\"><span>MCP · POST /mcp · {method}</span><button type=\"button\" class=\"copy\">Copy</button></div><pre><code data-mcp{}>{}</code></pre></div>",
            mcp_attributes(function),
            esc(&serde_json::to_string_pretty(&request).unwrap_or_default())
        );
    }
    out.push_str("</div></div>");

    out.push_str("<div class=\"schemas\">");
    for (label, schema) in [("Input schema", &schemas.input), ("Output schema", &schemas.output)] {
        let _ = write!(
            out,
            "<details><summary>{label}</summary><pre><code>{}</code></pre></details>",
            esc(&serde_json::to_string_pretty(schema).unwrap_or_default())
        );
    }
    out.push_str("</div></section>");
}

/// What the script needs to rewrite a resource's or prompt's MCP request
/// from the form (a tool's needs nothing: its snippet is `tools/call`).
fn mcp_attributes(function: &registry_core::ApiFunction) -> String {
    if let Some(spec) = function.resource() {
        format!(" data-mcp-method=\"resources/read\" data-uri=\"{}\"", esc(spec.uri))
    } else if function.prompt().is_some() {
        " data-mcp-method=\"prompts/get\"".to_owned()
    } else {
        String::new()
    }
}

/// The MCP request that runs `entry` with the example `args`: `tools/call`,
/// `resources/read` (the URI with its variables filled) or `prompts/get`
/// (arguments as the strings MCP sends).
fn mcp_request(entry: &Entry, args: &Map<String, Value>) -> (&'static str, Value) {
    let function = entry.function();
    let text = |value: &Value| match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    if let Some(spec) = function.resource() {
        let mut uri = spec.uri.to_owned();
        for (name, value) in args {
            uri = uri.replace(&format!("{{{name}}}"), &text(value));
        }
        ("resources/read", json!({ "uri": uri }))
    } else if function.prompt().is_some() {
        let strings: Map<String, Value> = args.iter().map(|(k, v)| (k.clone(), Value::String(text(v)))).collect();
        ("prompts/get", json!({ "name": function.name(), "arguments": strings }))
    } else {
        ("tools/call", json!({ "name": function.name(), "arguments": args }))
    }
}

/// The try-it form of `route`. A task-capable function's form follows the
/// task it starts (polls, shows progress, offers Cancel); an optional one's
/// has a "run as a task" box that sends `Prefer: respond-async`.
fn try_form(out: &mut String, route: &Route, params: &[Param<'_>], args: &Map<String, Value>, task: TaskSupport) {
    let task_attr = match task {
        TaskSupport::Forbidden => String::new(),
        other => format!(" data-task=\"{}\"", other.as_str()),
    };
    let _ = write!(
        out,
        "<form class=\"panel try\" data-method=\"{}\" data-path=\"{}\" data-name=\"{}\"{task_attr} novalidate><h3>Try it</h3>",
        route.method.as_str(),
        esc(&route.path),
        esc(route.name)
    );
    for p in params {
        let (kind, options) = field_kind(p.schema);
        let id = format!("f-{}-{}", route.name, p.name);
        let value = args.get(p.name).filter(|_| !p.sensitive);
        let text = match value {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(items)) if kind.starts_with("list:") => items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(", "),
            Some(v) if kind == "json" => serde_json::to_string_pretty(v).unwrap_or_default(),
            Some(v) => v.to_string(),
            None => String::new(),
        };
        let placeholder = p
            .schema
            .get("default")
            .filter(|_| !p.sensitive)
            .map(|d| format!("default {d}"))
            .unwrap_or_else(|| {
                if p.sensitive {
                    "sensitive: not prefilled".to_owned()
                } else if p.required {
                    String::new()
                } else {
                    "optional".to_owned()
                }
            });
        let hint = if kind.starts_with("list:") {
            " · comma-separated"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<label for=\"{id}\"><span><code>{}</code>{}</span><small>{}{hint}</small></label>",
            esc(p.name),
            if p.required {
                " <b class=\"req-dot\" title=\"required\">*</b>"
            } else {
                ""
            },
            esc(&type_label(p.schema)),
        );
        let attrs = format!(
            "id=\"{id}\" name=\"{}\" data-kind=\"{kind}\" data-in=\"{}\" data-required=\"{}\"",
            esc(p.name),
            p.location.as_str(),
            p.required
        );
        match kind.as_str() {
            "boolean" | "enum" => {
                let choices: Vec<String> = if kind == "boolean" {
                    vec!["true".into(), "false".into()]
                } else {
                    options
                };
                let _ = write!(out, "<select {attrs}>");
                if !p.required || text.is_empty() {
                    let _ = write!(out, "<option value=\"\">{}</option>", esc(&placeholder));
                }
                for choice in choices {
                    let selected = if choice == text { " selected" } else { "" };
                    let _ = write!(out, "<option{selected}>{}</option>", esc(&choice));
                }
                out.push_str("</select>");
            }
            "json" => {
                let rows = text.lines().count().clamp(2, 10);
                let _ = write!(
                    out,
                    "<textarea {attrs} rows=\"{rows}\" spellcheck=\"false\" placeholder=\"{}\">{}</textarea>",
                    esc(&placeholder),
                    esc(&text)
                );
            }
            _ => {
                let input_type = if matches!(kind.as_str(), "integer" | "number") {
                    "number"
                } else if p.sensitive {
                    "password"
                } else {
                    "text"
                };
                let step = if kind == "number" { " step=\"any\"" } else { "" };
                let _ = write!(
                    out,
                    "<input type=\"{input_type}\"{step} {attrs} value=\"{}\" placeholder=\"{}\" autocomplete=\"off\">",
                    esc(&text),
                    esc(&placeholder)
                );
            }
        }
    }
    match task {
        TaskSupport::Optional => out.push_str(
            "<label class=\"as-task\"><input type=\"checkbox\" class=\"run-task\" checked> run as a task <small>Prefer: respond-async</small></label>",
        ),
        TaskSupport::Required => {
            out.push_str("<p class=\"muted as-task\">Always runs as a task: the form polls it to the end.</p>");
        }
        TaskSupport::Forbidden => {}
    }
    let cancel = if task == TaskSupport::Forbidden {
        ""
    } else {
        "<button type=\"button\" class=\"cancel-task\" hidden>Cancel task</button>"
    };
    let _ = write!(
        out,
        "<div class=\"actions\"><button type=\"submit\" class=\"send\">Send {}</button>{cancel}<span class=\"hint\">calls <code>{BASE}{}</code> on this server</span></div>",
        route.method.as_str(),
        esc(&route.path)
    );
    out.push_str(
        "<div class=\"result\" hidden><div class=\"result-head\"><span class=\"status\"></span><span class=\"meta\"></span></div><pre><code class=\"result-body\"></code></pre></div></form>",
    );
}

/// The error table: every problem `type` links to one of these rows.
fn errors() -> String {
    let mut rows: Vec<(u16, String, String)> = ErrorKind::ALL
        .iter()
        .map(|kind| {
            (
                http_status(*kind).as_u16(),
                kind.code().to_owned(),
                kind.title().to_owned(),
            )
        })
        .collect();
    for (status, code, title) in [
        (400, "malformed_json", "The body is not valid JSON"),
        (404, "no_route", "No route has this path"),
        (
            405,
            "method_not_allowed",
            "The path exists, the method does not (see `Allow`)",
        ),
        (413, "payload_too_large", "The body is over the server's limit"),
        (415, "unsupported_media_type", "The body is not `application/json`"),
    ] {
        if !rows.iter().any(|(_, c, _)| c == code) {
            rows.push((status, code.to_owned(), title.to_owned()));
        }
    }
    rows.sort();
    let mut out = String::new();
    for (status, code, title) in rows {
        let _ = write!(
            out,
            "<tr id=\"error-{code}\"><td><span class=\"status-pill s{}\">{status}</span></td><td><code>{code}</code></td><td>{}</td></tr>",
            status / 100,
            inline(&title)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_inlines() {
        assert_eq!(esc("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        // Only the renderer places `BASE`; text that holds one cannot move a link.
        assert_eq!(esc("a\0b"), "a\u{FFFD}b");
        assert_eq!(
            inline("see [`echo`] and `a<b`"),
            "see <code>echo</code> and <code>a&lt;b</code>"
        );
    }

    #[test]
    fn labels_types() {
        assert_eq!(type_label(&json!({"type": "integer"})), "integer");
        assert_eq!(
            type_label(&json!({"type": "array", "items": {"type": "string"}})),
            "string[]"
        );
        assert_eq!(
            type_label(&json!({"oneOf": [{"const": "red"}, {"const": "blue"}]})),
            "\"red\" | \"blue\""
        );
        let shape = json!({"oneOf": [
            {"type": "object", "properties": {"kind": {"const": "circle"}}},
            {"type": "object", "properties": {"kind": {"const": "rect"}}}
        ]});
        assert_eq!(type_label(&shape), "object by kind: circle | rect");
        assert_eq!(field_kind(&shape).0, "json");
        assert_eq!(
            field_kind(&json!({"type": "array", "items": {"type": "integer"}})).0,
            "list:integer"
        );
    }
}
