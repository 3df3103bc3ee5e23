//! [`read_json`]: the one reader of JSON request bodies, for REST and `/mcp`
//! alike: the size limit, the content type and the nesting depth, checked
//! before anything is decoded.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};

/// How a surface reads a JSON body.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BodyRules {
    /// The largest body accepted, in bytes.
    pub(crate) max_bytes: usize,
    /// The deepest nesting of arrays and objects accepted.
    pub(crate) max_depth: usize,
    /// Which bodies must say they are JSON.
    pub(crate) content_types: ContentTypes,
}

/// Which bodies must carry a JSON `Content-Type`. Both surfaces accept the
/// same types ([`is_json_type`]); they differ in what an empty body and a
/// missing header mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ContentTypes {
    /// REST: a body, when there is one, must be declared JSON; an empty body
    /// (a call without arguments) may carry any type or none. The size limit
    /// is checked before the type.
    ForAnyBody,
    /// MCP: a declared type must be JSON, checked first of all; a body
    /// without `Content-Type` is read as JSON.
    WhenDeclared,
}

/// Why a body was not taken.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// 413: longer than [`BodyRules::max_bytes`] (declared or read).
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// 415: a type that is not JSON, or none for a non-empty REST body.
    UnsupportedType {
        /// The `Content-Type` sent, when it is text.
        found: Option<String>,
    },
    /// 400: nested deeper than [`BodyRules::max_depth`].
    TooDeep {
        /// The limit, in levels.
        limit: usize,
    },
    /// 400: the body stream failed (the connection broke, a bad chunk).
    Unreadable {
        /// The size limit the read ran under (MCP names it in its answer).
        limit: usize,
        /// What failed.
        source: axum::Error,
    },
}

impl BodyError {
    pub(super) fn status(&self) -> StatusCode {
        match self {
            BodyError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::UnsupportedType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            BodyError::TooDeep { .. } | BodyError::Unreadable { .. } => StatusCode::BAD_REQUEST,
        }
    }
}

/// The whole body under `rules`: at most `max_bytes`, of a JSON type as
/// [`ContentTypes`] says, nested at most `max_depth` levels. The body is
/// not parsed; an empty one comes back empty.
pub(crate) async fn read_json(rules: &BodyRules, headers: &HeaderMap, body: Body) -> Result<Bytes, BodyError> {
    let content_type = headers.get(header::CONTENT_TYPE);
    let is_json = content_type.is_some_and(|t| is_json_type(t.as_bytes()));
    let foreign = content_type.is_some() && !is_json;
    let unsupported = || BodyError::UnsupportedType {
        found: content_type.and_then(|t| t.to_str().ok()).map(str::to_owned),
    };
    if foreign && rules.content_types == ContentTypes::WhenDeclared {
        return Err(unsupported());
    }
    let limit = rules.max_bytes;
    let declared = content_length(headers);
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    // REST refuses a foreign type before reading, unless the body is declared empty.
    if foreign && declared != Some(0) {
        return Err(unsupported());
    }
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|source| {
        let limited = std::error::Error::source(&source).is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        if limited {
            BodyError::TooLarge { limit }
        } else {
            BodyError::Unreadable { limit, source }
        }
    })?;
    if rules.content_types == ContentTypes::ForAnyBody && !is_json && !bytes.is_empty() {
        return Err(unsupported());
    }
    if json_too_deep(&bytes, rules.max_depth) {
        return Err(BodyError::TooDeep { limit: rules.max_depth });
    }
    Ok(bytes)
}

/// The `Content-Length` header, when it is a number.
fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

/// Whether a `Content-Type` is JSON: `application/json` or any
/// `application/*+json`, with any parameters, in any case: axum's rule
/// (`axum/src/json.rs`, `json_content_type`).
///
/// Before the body reader was shared, `/mcp` accepted only
/// `application/json`; it now accepts the `+json` types REST always did.
/// That is the one deliberate change of behaviour in this module.
pub(crate) fn is_json_type(content_type: &[u8]) -> bool {
    if content_type == b"application/json" {
        return true;
    }
    let essence = content_type
        .split(|&b| b == b';')
        .next()
        .expect("split yields at least one part")
        .trim_ascii();
    let Some(slash) = essence.iter().position(|&b| b == b'/') else {
        return false;
    };
    let (kind, subtype) = (&essence[..slash], &essence[slash + 1..]);
    kind.eq_ignore_ascii_case(b"application")
        && (subtype.eq_ignore_ascii_case(b"json")
            || subtype.len() > 5 && subtype[subtype.len() - 5..].eq_ignore_ascii_case(b"+json"))
}

/// Whether `bytes`, read as JSON, nests arrays and objects deeper than
/// `max` levels. One pass, no allocation; brackets inside strings (escapes
/// included) are not counted. Malformed input is left to the decoder.
///
/// Public (hidden, as `registry_server::limits::json_too_deep`) for the fuzz targets.
pub fn json_too_deep(bytes: &[u8], max: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn depth_counts_only_structure() {
        assert!(!json_too_deep(b"", 1));
        assert!(!json_too_deep(b"{}", 1));
        assert!(json_too_deep(b"{\"a\":{}}", 1));
        assert!(!json_too_deep(br#"{"a":"{{{{\"{{{{"}"#, 1));
        assert!(!json_too_deep(br#"{"a": [1, {"b": "[[[["}]}"#, 3));
        assert!(json_too_deep(b"[[[[1]]]]", 3));
        assert!(!json_too_deep(br#"["\\", []]"#, 2));
        assert!(json_too_deep(br#"["\\", [[]]]"#, 2));
        let deep = "[".repeat(100_000);
        assert!(json_too_deep(deep.as_bytes(), 64));
        let wide = "[]".repeat(100_000);
        assert!(!json_too_deep(wide.as_bytes(), 1));
    }

    #[test]
    fn json_content_types() {
        for json in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            " application/json ;charset=utf-8",
            "application/merge-patch+json",
            "application/vnd.api+JSON; v=1",
        ] {
            assert!(is_json_type(json.as_bytes()), "{json}");
        }
        for other in [
            "text/plain",
            "text/json",
            "application/x-www-form-urlencoded",
            "application/+json",
            "application/jsonx",
            "json",
            "",
            "application / json",
        ] {
            assert!(!is_json_type(other.as_bytes()), "{other}");
        }
        assert!(!is_json_type(b"application/json\xff"));
    }

    const REST: BodyRules = BodyRules {
        max_bytes: 16,
        max_depth: 2,
        content_types: ContentTypes::ForAnyBody,
    };
    const MCP: BodyRules = BodyRules {
        content_types: ContentTypes::WhenDeclared,
        ..REST
    };

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|&(name, value)| (header::HeaderName::from_static(name), HeaderValue::from_static(value)))
            .collect()
    }

    fn read(rules: &BodyRules, pairs: &[(&'static str, &'static str)], body: &'static str) -> Result<Bytes, BodyError> {
        futures_util::FutureExt::now_or_never(read_json(rules, &headers(pairs), Body::from(body)))
            .expect("a buffered body is read at once")
    }

    const JSON: (&str, &str) = ("content-type", "application/json");

    #[test]
    fn reads_json_bodies_on_both_surfaces() {
        for rules in [&REST, &MCP] {
            assert_eq!(read(rules, &[JSON], r#"{"a":1}"#).expect("JSON"), r#"{"a":1}"#);
            let suffixed = [("content-type", "application/problem+json; charset=utf-8")];
            assert!(read(rules, &suffixed, "{}").is_ok(), "{rules:?}");
            assert_eq!(read(rules, &[JSON], "").expect("empty").len(), 0);
        }
    }

    #[test]
    fn the_size_limit_holds_declared_or_not() {
        for rules in [&REST, &MCP] {
            let long = r#"{"a":"0123456789abcdef"}"#;
            assert!(matches!(
                read(rules, &[JSON], long),
                Err(BodyError::TooLarge { limit: 16 })
            ));
            let declared = [JSON, ("content-length", "17")];
            let error = read(rules, &declared, "{}").expect_err("declared too long");
            assert!(matches!(error, BodyError::TooLarge { .. }));
            assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
        }
    }

    #[test]
    fn nesting_over_the_depth_is_refused() {
        for rules in [&REST, &MCP] {
            assert!(read(rules, &[JSON], "[[1]]").is_ok());
            let error = read(rules, &[JSON], "[[[1]]]").expect_err("too deep");
            assert!(matches!(error, BodyError::TooDeep { limit: 2 }));
            assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        }
    }

    #[test]
    fn rest_wants_a_json_type_for_any_body_and_none_for_an_empty_one() {
        let text = [("content-type", "text/plain")];
        let error = read(&REST, &text, "{}").expect_err("foreign type");
        assert!(matches!(&error, BodyError::UnsupportedType { found: Some(t) } if t == "text/plain"));
        assert_eq!(error.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(matches!(
            read(&REST, &[], "{}"),
            Err(BodyError::UnsupportedType { found: None })
        ));
        let empty = [("content-type", "text/plain"), ("content-length", "0")];
        assert_eq!(read(&REST, &empty, "").expect("an empty body needs no type").len(), 0);
        assert!(read(&REST, &[], "").is_ok());
        // The size limit comes first.
        let both = [("content-type", "text/plain"), ("content-length", "17")];
        assert!(matches!(read(&REST, &both, ""), Err(BodyError::TooLarge { .. })));
    }

    #[test]
    fn mcp_checks_a_declared_type_first_and_reads_an_undeclared_body_as_json() {
        let text = [("content-type", "text/plain")];
        assert!(matches!(read(&MCP, &text, ""), Err(BodyError::UnsupportedType { .. })));
        let both = [("content-type", "text/plain"), ("content-length", "17")];
        assert!(matches!(read(&MCP, &both, ""), Err(BodyError::UnsupportedType { .. })));
        assert_eq!(read(&MCP, &[], "{}").expect("undeclared is JSON"), "{}");
    }
}
