//! Cheap checks that run on raw request bytes before anything is decoded.

/// Whether `bytes`, read as JSON, nests arrays and objects deeper than
/// `max` levels. One pass, no allocation; brackets inside strings (escapes
/// included) are not counted. Malformed input is left to the decoder.
///
/// ```
/// use registry_server::limits::json_too_deep;
///
/// assert!(!json_too_deep(br#"{"a": [1, {"b": "[[[["}]}"#, 3));
/// assert!(json_too_deep(b"[[[[1]]]]", 3));
/// ```
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
    use super::json_too_deep;

    #[test]
    fn counts_only_structure() {
        assert!(!json_too_deep(b"", 1));
        assert!(!json_too_deep(b"{}", 1));
        assert!(json_too_deep(b"{\"a\":{}}", 1));
        assert!(!json_too_deep(br#"{"a":"{{{{\"{{{{"}"#, 1));
        assert!(!json_too_deep(br#"["\\", []]"#, 2));
        assert!(json_too_deep(br#"["\\", [[]]]"#, 2));
        let deep = "[".repeat(100_000);
        assert!(json_too_deep(deep.as_bytes(), 64));
        let wide = "[]".repeat(100_000);
        assert!(!json_too_deep(wide.as_bytes(), 1));
    }
}
