//! [`Routes`]: the one description of every REST route, built once per
//! server and read by the router, the OpenAPI document, the docs page and
//! [`TestClient`](crate::testing::TestClient).
//!
//! Each [`Route`] holds the path template parsed into [`Segment`]s, where each
//! argument travels ([`Location`]) and how the ones from the path or the query
//! string read from text ([`ArgKind`]), the method, and whether a `null`
//! result answers `204`. Nothing else parses `{segment}`s or decides placement.
//!
//! Building fails, naming the function, when a route cannot work: a path that
//! is not a valid route or is the server's own, a `{segment}` that names no
//! argument or names an array, a `GET`/`DELETE` argument that cannot come from
//! a query string, or two routes the router cannot tell apart.
//!
//! Building stays cheap: only a route with path or query arguments reads its
//! input schema; a body route knows that every argument not in the path is in
//! the body without building it. The `204` decision reads the output schema
//! the first time it is needed.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use registry_core::{ApiFunction, Entry, Method, Protocol, Registry};
use serde_json::{Map, Value};

use super::coerce::{ArgKind, classify};
use crate::ServerError;

/// Paths the server itself answers; no function may take them (nor any
/// path under `/mcp/`, kept for the MCP transport).
pub(crate) const RESERVED_PATHS: &[&str] = &["/mcp", "/openapi.json", "/openapi-3.0.json", "/docs", "/healthz"];

/// Whether `path` is the server's own.
fn is_reserved(path: &str) -> bool {
    RESERVED_PATHS.contains(&path) || path.starts_with("/mcp/")
}

/// Every REST route of one registry, in name order.
#[derive(Debug)]
pub(crate) struct Routes {
    registry: Registry,
    routes: Vec<Arc<Route>>,
    /// For the pages of one caller ([`Routes::visible_to`]): which of the
    /// registry's entries they may see; `None`: all of them.
    shown: Option<Vec<bool>>,
}

/// One segment of a path template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Segment {
    /// Text matched as is (`api`).
    Literal(String),
    /// A `{name}` filled by the argument `name`.
    Param(String),
}

/// Where an argument travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Location {
    /// A `{segment}` of the path.
    Path,
    /// The query string (`GET`, `DELETE`).
    Query,
    /// The JSON object body (`POST`, `PUT`, `PATCH`).
    Body,
}

impl Location {
    /// `path`, `query` or `body`, as OpenAPI's `in` and the docs page name it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Body => "body",
        }
    }
}

/// One REST route, ready to serve.
#[derive(Debug)]
pub(crate) struct Route {
    /// The entry's index in [`Registry::entries`].
    entry: usize,
    /// The function's descriptor.
    function: &'static ApiFunction,
    /// The function's name.
    pub(crate) name: &'static str,
    /// The method.
    pub(crate) method: Method,
    /// The path template as declared (`/api/items/{id}`).
    pub(crate) path: String,
    /// The path template, parsed.
    pub(crate) segments: Vec<Segment>,
    /// The arguments that come from the path (in path order) or the query
    /// string, and how each reads from text.
    pub(crate) text_args: Vec<(String, Location, ArgKind)>,
    /// Whether every argument not in the path comes from a JSON body (else
    /// from the query string).
    pub(crate) body: bool,
    /// Whether a `null` result answers `204`: decided on first use.
    no_content: OnceLock<bool>,
}

impl Route {
    /// The `{segment}` names, in path order.
    pub(crate) fn path_params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|segment| match segment {
            Segment::Param(name) => Some(name.as_str()),
            Segment::Literal(_) => None,
        })
    }

    /// Whether the path has `{segment}`s.
    pub(crate) fn has_path_params(&self) -> bool {
        self.path_params().next().is_some()
    }

    /// Where the argument `arg` travels.
    pub(crate) fn location(&self, arg: &str) -> Location {
        match self.text_args.iter().find(|(name, ..)| name == arg) {
            Some((_, location, _)) => *location,
            None if self.body => Location::Body,
            None => Location::Query,
        }
    }

    /// How the argument `arg` reads from text, if it comes from the path or the query.
    pub(crate) fn kind_of(&self, arg: &str) -> Option<&ArgKind> {
        self.text_args
            .iter()
            .find(|(name, ..)| name == arg)
            .map(|(_, _, kind)| kind)
    }

    /// Whether the function returns `()` (its output schema is `null`), so a
    /// `null` result answers `204 No Content`. Reads the schema once, on first use.
    pub(crate) fn no_content(&self, registry: &Registry) -> bool {
        *self.no_content.get_or_init(|| {
            self.entry(registry)
                .schemas()
                .output
                .get("type")
                .and_then(Value::as_str)
                == Some("null")
        })
    }

    /// The route's function in `registry` (the one its [`Routes`] was built from).
    pub(crate) fn entry<'r>(&self, registry: &'r Registry) -> &'r Entry {
        &registry.entries()[self.entry]
    }

    /// The request target (path and query string) and the JSON body that
    /// call this route with `args`: each argument where the route takes it.
    /// A `{segment}` missing from `args` is left empty; `null`s stay out of
    /// the query string.
    pub(crate) fn request(&self, args: Value) -> (String, Option<Value>) {
        let mut args = match args {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let mut target = String::new();
        for segment in &self.segments {
            target.push('/');
            match segment {
                Segment::Literal(text) => target.push_str(text),
                Segment::Param(name) => match args.remove(name) {
                    Some(Value::String(text)) => target.push_str(&encode_segment(&text)),
                    Some(other) => target.push_str(&encode_segment(&other.to_string())),
                    None => {}
                },
            }
        }
        if self.body {
            return (target, Some(Value::Object(args)));
        }
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in args {
            let values = match value {
                Value::Array(items) => items,
                Value::Null => Vec::new(),
                other => vec![other],
            };
            for item in values {
                match item {
                    Value::String(text) => query.append_pair(&key, &text),
                    other => query.append_pair(&key, &other.to_string()),
                };
            }
        }
        let query = query.finish();
        if !query.is_empty() {
            target.push('?');
            target.push_str(&query);
        }
        (target, None)
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(byte as char),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

impl Routes {
    /// The routes of every function `registry` exposes on REST; fails naming
    /// the first function whose route cannot be built.
    pub(crate) fn new(registry: &Registry) -> Result<Routes, ServerError> {
        let routes = registry
            .entries()
            .iter()
            .enumerate()
            .filter(|(_, entry)| entry.exposed_on(Protocol::Rest))
            .map(|(index, entry)| route(index, entry).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()?;
        check_conflicts(&routes)?;
        Ok(Routes {
            registry: registry.clone(),
            routes,
            shown: None,
        })
    }

    /// The registry the routes call.
    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Every route, in name order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Arc<Route>> {
        self.routes.iter()
    }

    /// The route of the function `name`, if it has one.
    pub(crate) fn get(&self, name: &str) -> Option<&Arc<Route>> {
        self.routes
            .binary_search_by(|route| route.name.cmp(name))
            .ok()
            .map(|i| &self.routes[i])
    }

    /// The entry behind `route`.
    pub(crate) fn entry(&self, route: &Route) -> &Entry {
        route.entry(&self.registry)
    }

    /// The routes whose functions the caller `ctx` describes may see (the
    /// registry's visibility filters), for the pages served to that caller.
    pub(crate) fn visible_to(&self, ctx: &registry_core::Context) -> Routes {
        let shown: Vec<bool> = self
            .registry
            .entries()
            .iter()
            .map(|entry| self.registry.visible(entry, ctx))
            .collect();
        Routes {
            registry: self.registry.clone(),
            routes: self.routes.iter().filter(|route| shown[route.entry]).cloned().collect(),
            shown: Some(shown),
        }
    }

    /// The registry's entries these pages describe: all of them, or those
    /// the caller of [`Routes::visible_to`] may see.
    pub(crate) fn entries(&self) -> impl Iterator<Item = &Entry> {
        let shown = self.shown.as_deref();
        self.registry
            .entries()
            .iter()
            .enumerate()
            .filter(move |(index, _)| shown.is_none_or(|shown| shown[*index]))
            .map(|(_, entry)| entry)
    }
}

fn route_error(function: &str, reason: String) -> ServerError {
    ServerError::Route {
        function: function.to_owned(),
        protocol: "REST",
        reason,
    }
}

/// Describes the route of `entry`, the `index`th entry of its registry.
fn route(index: usize, entry: &Entry) -> Result<Route, ServerError> {
    let function = entry.function();
    let name = function.name();
    let path = entry.path().to_owned();
    let segments = segments(&path).map_err(|reason| route_error(name, reason))?;
    if is_reserved(&path) {
        return Err(route_error(
            name,
            format!("the path `{path}` is the server's own; declare another `path`, such as \"/api{path}\""),
        ));
    }
    let body = !function.method().uses_query();
    let mut route = Route {
        entry: index,
        function,
        name,
        method: function.method(),
        path,
        segments,
        text_args: Vec::new(),
        body,
        no_content: OnceLock::new(),
    };
    // A body that carries every argument leaves nothing to read from text,
    // and no schema to build yet.
    if route.has_path_params() || !body {
        route.text_args = text_args(entry, &route)?;
    }
    Ok(route)
}

/// How each argument that comes from the path or the query string reads
/// from text; fails naming the argument that cannot.
fn text_args(entry: &Entry, route: &Route) -> Result<Vec<(String, Location, ArgKind)>, ServerError> {
    let name = route.name;
    let path = &route.path;
    let input = &entry.schemas().input;
    let properties = input.get("properties").and_then(Value::as_object);
    let property = |arg: &str| properties.and_then(|p| p.get(arg));
    let mut args = Vec::new();

    for param in route.path_params() {
        let Some(schema) = property(param) else {
            return Err(route_error(
                name,
                format!("the path `{path}` names `{{{param}}}`, but the function has no argument `{param}`"),
            ));
        };
        match classify(schema) {
            Some(kind @ ArgKind::One(_)) => args.push((param.to_owned(), Location::Path, kind)),
            _ => {
                return Err(route_error(
                    name,
                    format!(
                        "the path segment `{{{param}}}` must be a number, boolean, string or enum argument; take `{param}` from the query or body instead"
                    ),
                ));
            }
        }
    }
    if !route.body
        && let Some(properties) = properties
    {
        for (arg, schema) in properties {
            if route.path_params().any(|p| p == arg) {
                continue;
            }
            match classify(schema) {
                Some(kind) => args.push((arg.clone(), Location::Query, kind)),
                None => {
                    return Err(route_error(
                        name,
                        format!(
                            "`{arg}` is an object or nested array, which a {} query string cannot carry; use `method = \"POST\"` (a JSON body) or make `{arg}` a scalar or an array of scalars",
                            route.method
                        ),
                    ));
                }
            }
        }
    }
    Ok(args)
}

/// The segments of `path`, validated.
fn segments(path: &str) -> Result<Vec<Segment>, String> {
    if !path.starts_with('/') {
        return Err(format!("the path `{path}` must start with `/`"));
    }
    let mut segments: Vec<Segment> = Vec::new();
    for segment in path.split('/').skip(1) {
        if !segment.contains(['{', '}']) {
            segments.push(Segment::Literal(segment.to_owned()));
            continue;
        }
        let inner = segment
            .strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .ok_or_else(|| {
                format!("the path segment `{segment}` in `{path}` must be a whole segment `{{argument}}`")
            })?;
        if segments.contains(&Segment::Param(inner.to_owned())) {
            return Err(format!("the path `{path}` names `{{{inner}}}` twice"));
        }
        segments.push(Segment::Param(inner.to_owned()));
    }
    Ok(segments)
}

/// Fails when the router cannot have two routes: the same method on the same
/// path shape (`/a/{x}` and `/a/{y}`), or differently named parameters at the
/// same place after the same prefix (`/a/{id}` and `/a/{name}/b`).
fn check_conflicts(routes: &[Arc<Route>]) -> Result<(), ServerError> {
    // One pass over every path: keyed by its shape (parameters unnamed), and
    // by the shape before each parameter, which must name it alike.
    let mut shapes: HashMap<(Method, String), &Route> = HashMap::new();
    let mut named: HashMap<String, (&str, &Route)> = HashMap::new();
    for route in routes {
        let mut shape = String::new();
        let mut params = Vec::new();
        for segment in &route.segments {
            shape.push('/');
            match segment {
                Segment::Literal(text) => shape.push_str(text),
                Segment::Param(param) => {
                    params.push((shape.clone(), param.as_str()));
                    shape.push_str("{}");
                }
            }
        }
        if let Some(first) = shapes.insert((route.method, shape), route) {
            return Err(route_error(
                route.name,
                format!(
                    "`{}` ({}) and `{}` ({}) both route {} {}; give one a different `path` or `method`",
                    first.name,
                    first.function.location(),
                    route.name,
                    route.function.location(),
                    route.method,
                    route.path
                ),
            ));
        }
        for (prefix, param) in params {
            let (name, first) = *named.entry(prefix).or_insert((param, route));
            if name != param {
                return Err(route_error(
                    route.name,
                    format!(
                        "its path `{}` names the segment `{{{param}}}` where `{}` (path `{}`) names it `{{{name}}}`; use one name for the same position",
                        route.path, first.name, first.path
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_paths_are_reserved() {
        for path in [
            "/mcp",
            "/mcp/x",
            "/docs",
            "/openapi.json",
            "/openapi-3.0.json",
            "/healthz",
        ] {
            assert!(is_reserved(path), "{path}");
        }
        for path in ["/api/mcp", "/mcpx", "/docs/x", "/api/docs"] {
            assert!(!is_reserved(path), "{path}");
        }
    }

    fn names(path: &str) -> Result<Vec<String>, String> {
        Ok(segments(path)?
            .into_iter()
            .filter_map(|s| match s {
                Segment::Param(name) => Some(name),
                Segment::Literal(_) => None,
            })
            .collect())
    }

    #[test]
    fn parses_path_templates() {
        assert_eq!(names("/api/add"), Ok(vec![]));
        assert_eq!(names("/api/items/{id}"), Ok(vec!["id".to_owned()]));
        assert_eq!(names("/a/{x}/b/{y}"), Ok(vec!["x".to_owned(), "y".to_owned()]));
        assert_eq!(
            segments("/a/{x}"),
            Ok(vec![Segment::Literal("a".to_owned()), Segment::Param("x".to_owned())])
        );
        assert!(segments("api").is_err());
        assert!(segments("/a/{x}.json").is_err());
        assert!(segments("/a/{*rest}").is_err());
        assert!(segments("/a/{x}/{x}").is_err());
        assert!(segments("/a/{}").is_err());
    }
}
