//! The rules that give the options meaning, and the error accumulator.
//!
//! Every check records its error and carries on, so one compile shows the
//! user every problem at once (serde's `Ctxt` habit).

use proc_macro2::Span;
use syn::LitStr;

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

/// HTTP methods a route may declare.
pub(crate) const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

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

pub(crate) fn method(lit: &LitStr, errors: &mut Errors) -> Option<String> {
    let upper = lit.value().to_ascii_uppercase();
    if METHODS.contains(&upper.as_str()) {
        Some(upper)
    } else {
        errors.push(
            lit.span(),
            format!(
                "unsupported method `{}`; write one of {}",
                lit.value(),
                METHODS.join(", ")
            ),
        );
        None
    }
}

/// Checks a route path and returns the names of its `{param}` segments.
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
    if matches!(value.as_str(), "/mcp" | "/docs" | "/openapi.json" | "/healthz") || value.starts_with("/mcp/") {
        errors.push(
            lit.span(),
            format!("path `{value}` is reserved by the server; choose another, such as \"/api{value}\""),
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

/// Parses `"500ms"`, `"5s"`, `"2m"` into milliseconds.
pub(crate) fn timeout(lit: &LitStr, errors: &mut Errors) -> Option<u64> {
    let value = lit.value();
    let text = value.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let millis = number.parse::<u64>().ok().and_then(|n| match unit.trim() {
        "ms" => Some(n),
        "s" => n.checked_mul(1_000),
        "m" | "min" => n.checked_mul(60_000),
        _ => None,
    });
    match millis {
        Some(ms) if ms > 0 => Some(ms),
        _ => {
            errors.push(
                lit.span(),
                format!("invalid timeout `{value}`; write a positive whole number followed by `ms`, `s` or `m`, such as \"5s\" or \"250ms\""),
            );
            None
        }
    }
}

/// Which protocols to hide from; returns `(hide_mcp, hide_rest)`.
pub(crate) fn hidden_from(items: &[LitStr], errors: &mut Errors) -> (bool, bool) {
    let (mut mcp, mut rest) = (false, false);
    for item in items {
        match item.value().as_str() {
            "mcp" => mcp = true,
            "rest" => rest = true,
            other => errors.push(
                item.span(),
                format!("unknown protocol `{other}` in `hidden_from`; write \"mcp\" or \"rest\""),
            ),
        }
    }
    if mcp
        && rest
        && let Some(first) = items.first()
    {
        errors.push(
            first.span(),
            "a function hidden from both protocols is never reachable; remove #[api_function] instead",
        );
    }
    (mcp, rest)
}

pub(crate) fn words(items: &[LitStr], what: &str, errors: &mut Errors) {
    for item in items {
        let value = item.value();
        if value.trim().is_empty() || value.contains(char::is_control) {
            errors.push(
                item.span(),
                format!("{what} must be non-empty text without control characters"),
            );
        }
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
        assert!(errors.finish().is_ok());
        let mut errors = Errors::new();
        assert_eq!(timeout(&lit("5x"), &mut errors), None);
        assert_eq!(timeout(&lit("0s"), &mut errors), None);
        assert!(errors.finish().is_err());
    }

    #[test]
    fn paths() {
        let mut errors = Errors::new();
        let lit = |s: &str| LitStr::new(s, Span::call_site());
        assert_eq!(path(&lit("/api/quotes/{symbol}"), &mut errors), ["symbol"]);
        assert!(errors.finish().is_ok());
        for bad in ["api/x", "/a/:id", "/a/{id", "/a//b", "/mcp", "/a/{x}/{x}"] {
            let mut errors = Errors::new();
            path(&lit(bad), &mut errors);
            assert!(errors.finish().is_err(), "{bad} should be rejected");
        }
    }
}
