//! [`RoutePlan`]: what each REST route needs at request time, checked once at startup.
//!
//! Planning fails, naming the function, when a route cannot work: a path that
//! is not a valid route, a `{segment}` that names no argument or names an
//! array, a `GET`/`DELETE` argument that cannot come from a query string, or
//! two paths the router cannot tell apart.

use std::collections::HashMap;

use registry_core::{Entry, Method};
use serde_json::Value;

use super::coerce::{ArgKind, classify};
use crate::ServerError;

/// Paths the server itself answers; no function may take them.
pub(crate) const RESERVED_PATHS: &[&str] = &["/mcp", "/openapi.json", "/docs", "/healthz"];

/// One REST route, ready to serve.
#[derive(Debug)]
pub(crate) struct RoutePlan {
    /// The function's name, passed to `Registry::invoke`.
    pub(crate) name: &'static str,
    /// The method.
    pub(crate) method: Method,
    /// The path as the router sees it (`/api/items/{id}`).
    pub(crate) path: String,
    /// The `{segment}` names, in path order.
    pub(crate) path_params: Vec<String>,
    /// How each argument reads from text (query and path arguments).
    pub(crate) kinds: Vec<(String, ArgKind)>,
    /// Whether arguments come from the query string (else from a JSON body).
    pub(crate) uses_query: bool,
}

impl RoutePlan {
    /// How the argument `name` reads from text, if it is one.
    pub(crate) fn kind_of(&self, name: &str) -> Option<&ArgKind> {
        self.kinds.iter().find(|(n, _)| n == name).map(|(_, k)| k)
    }
}

fn route_error(function: &str, reason: String) -> ServerError {
    ServerError::Route {
        function: function.to_owned(),
        protocol: "REST",
        reason,
    }
}

/// Plans the route of `entry`.
pub(crate) fn plan(entry: &Entry) -> Result<RoutePlan, ServerError> {
    let function = entry.function();
    let name = function.name();
    let path = entry.path().to_owned();
    let path_params = path_params(&path).map_err(|reason| route_error(name, reason))?;
    if RESERVED_PATHS.contains(&path.as_str()) {
        return Err(route_error(
            name,
            format!("the path `{path}` is the server's own; declare another `path`"),
        ));
    }

    let uses_query = function.method().uses_query();
    let kinds = if path_params.is_empty() && !uses_query {
        // A JSON body carries every argument: nothing to read from text, and
        // no schema to build yet.
        Vec::new()
    } else {
        text_kinds(entry, &path_params)?
    };
    Ok(RoutePlan {
        name,
        method: function.method(),
        path,
        path_params,
        kinds,
        uses_query,
    })
}

/// How each argument that comes from the path or the query string reads
/// from text; fails naming the argument that cannot.
fn text_kinds(entry: &Entry, path_params: &[String]) -> Result<Vec<(String, ArgKind)>, ServerError> {
    let function = entry.function();
    let name = function.name();
    let path = entry.path();
    let uses_query = function.method().uses_query();
    let input = &entry.schemas().input;
    let properties = input.get("properties").and_then(Value::as_object);
    let property = |arg: &str| properties.and_then(|p| p.get(arg));
    let mut kinds = Vec::new();

    for param in path_params {
        let Some(schema) = property(param) else {
            return Err(route_error(
                name,
                format!("the path `{path}` names `{{{param}}}`, but the function has no argument `{param}`"),
            ));
        };
        match classify(schema) {
            Some(kind @ ArgKind::One(_)) => kinds.push((param.clone(), kind)),
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
    if uses_query && let Some(properties) = properties {
        for (arg, schema) in properties {
            if path_params.contains(arg) {
                continue;
            }
            match classify(schema) {
                Some(kind) => kinds.push((arg.clone(), kind)),
                None => {
                    return Err(route_error(
                        name,
                        format!(
                            "`{arg}` is an object or nested array, which a {} query string cannot carry; use `method = \"POST\"` (a JSON body) or make `{arg}` a scalar or an array of scalars",
                            function.method()
                        ),
                    ));
                }
            }
        }
    }
    Ok(kinds)
}

/// The `{name}` segments of `path`, validated.
pub(crate) fn path_params(path: &str) -> Result<Vec<String>, String> {
    if !path.starts_with('/') {
        return Err(format!("the path `{path}` must start with `/`"));
    }
    let mut names: Vec<String> = Vec::new();
    for segment in path.split('/').skip(1) {
        if !segment.contains(['{', '}']) {
            continue;
        }
        let inner = segment
            .strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .ok_or_else(|| {
                format!("the path segment `{segment}` in `{path}` must be a whole segment `{{argument}}`")
            })?;
        if names.iter().any(|n| n == inner) {
            return Err(format!("the path `{path}` names `{{{inner}}}` twice"));
        }
        names.push(inner.to_owned());
    }
    Ok(names)
}

/// Fails when two paths put differently named parameters at the same place
/// after the same prefix (`/a/{id}` and `/a/{name}/b`): the router cannot have both.
pub(crate) fn check_conflicts(plans: &[RoutePlan]) -> Result<(), ServerError> {
    // Two paths that agree up to a segment must name a parameter there alike:
    // keyed by the text before each parameter, one pass over every path.
    let mut named: HashMap<&str, (&str, &RoutePlan)> = HashMap::new();
    for plan in plans {
        let mut start = 0;
        for segment in plan.path.split('/') {
            if segment.starts_with('{') {
                let prefix = &plan.path[..start];
                let (name, first) = *named.entry(prefix).or_insert((segment, plan));
                if name != segment {
                    return Err(route_error(
                        plan.name,
                        format!(
                            "its path `{}` names the segment `{segment}` where `{}` (path `{}`) names it `{name}`; use one name for the same position",
                            plan.path, first.name, first.path
                        ),
                    ));
                }
            }
            start += segment.len() + 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_path_params() {
        assert_eq!(path_params("/api/add"), Ok(vec![]));
        assert_eq!(path_params("/api/items/{id}"), Ok(vec!["id".to_owned()]));
        assert_eq!(path_params("/a/{x}/b/{y}"), Ok(vec!["x".to_owned(), "y".to_owned()]));
        assert!(path_params("api").is_err());
        assert!(path_params("/a/{x}.json").is_err());
        assert!(path_params("/a/{*rest}").is_err());
        assert!(path_params("/a/{x}/{x}").is_err());
        assert!(path_params("/a/{}").is_err());
    }
}
