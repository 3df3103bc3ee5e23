//! [`UriTemplate`]: RFC 6570 level 1 URI templates, read and matched.
//!
//! This file depends on nothing but `std`: `registry-macros` includes it
//! too (`#[path]`), so the attribute refuses at compile time exactly the
//! templates the runtime could not match.

use std::fmt;

/// An RFC 6570 level 1 URI template: literal text and `{name}` variables.
///
/// A variable matches one or more characters other than `/`, `?` and `#`
/// (percent-decoded), so `test://blocks/{height}` matches
/// `test://blocks/12` but not `test://blocks/12/extra`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UriTemplate {
    parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(String),
    Variable(String),
}

impl UriTemplate {
    /// Parses `template`, or says what is wrong with it.
    pub fn parse(template: &str) -> Result<UriTemplate, String> {
        if template.is_empty() {
            return Err("the URI is empty; write one such as \"myapp://things/{id}\"".into());
        }
        if template.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("a URI cannot contain whitespace or control characters".into());
        }
        let mut parts = Vec::new();
        let mut rest = template;
        while !rest.is_empty() {
            match rest.find(['{', '}']) {
                None => {
                    parts.push(Part::Literal(rest.to_owned()));
                    break;
                }
                Some(i) if rest.as_bytes()[i] == b'}' => {
                    return Err(format!(
                        "unmatched `}}` in `{template}`; variables are written `{{name}}`"
                    ));
                }
                Some(i) => {
                    if i > 0 {
                        parts.push(Part::Literal(rest[..i].to_owned()));
                    }
                    let after = &rest[i + 1..];
                    let Some(end) = after.find('}') else {
                        return Err(format!("unclosed `{{` in `{template}`; close it as in `{{name}}`"));
                    };
                    let name = &after[..end];
                    if let Some(op) = name.chars().next().filter(|c| "+#./;?&=,!@|".contains(*c)) {
                        return Err(format!(
                            "`{{{name}}}` uses the RFC 6570 operator `{op}`; only level 1 `{{name}}` variables are supported"
                        ));
                    }
                    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        return Err(format!(
                            "`{{{name}}}` is not a variable name; write `{{name}}` with letters, digits and `_`"
                        ));
                    }
                    if matches!(parts.last(), Some(Part::Variable(_))) {
                        return Err(format!(
                            "two variables touch in `{template}`; separate them with literal text such as `/`"
                        ));
                    }
                    if parts.iter().any(|p| *p == Part::Variable(name.to_owned())) {
                        return Err(format!("`{{{name}}}` appears twice in `{template}`"));
                    }
                    parts.push(Part::Variable(name.to_owned()));
                    rest = &after[end + 1..];
                }
            }
        }
        Ok(UriTemplate { parts })
    }

    /// The variable names, in order.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            Part::Variable(name) => Some(name.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// Whether the template has no variables (a fixed URI).
    pub fn is_fixed(&self) -> bool {
        self.variables().next().is_none()
    }

    /// The variables' values when `uri` matches, in template order.
    pub fn matches<'t>(&'t self, uri: &str) -> Option<Vec<(&'t str, String)>> {
        let mut found = Vec::new();
        match_parts(&self.parts, uri, &mut found).then(|| {
            found.reverse();
            found
        })
    }
}

impl fmt::Display for UriTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in &self.parts {
            match part {
                Part::Literal(text) => f.write_str(text)?,
                Part::Variable(name) => write!(f, "{{{name}}}")?,
            }
        }
        Ok(())
    }
}

/// Backtracking match; values are pushed innermost first.
fn match_parts<'t>(parts: &'t [Part], uri: &str, found: &mut Vec<(&'t str, String)>) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return uri.is_empty();
    };
    match first {
        Part::Literal(text) => uri
            .strip_prefix(text.as_str())
            .is_some_and(|tail| match_parts(rest, tail, found)),
        Part::Variable(name) => {
            let limit = uri.find(['/', '?', '#']).unwrap_or(uri.len());
            for end in (1..=limit).filter(|&end| uri.is_char_boundary(end)) {
                let Some(value) = percent_decode(&uri[..end]) else {
                    continue;
                };
                if match_parts(rest, &uri[end..], found) {
                    found.push((name.as_str(), value));
                    return true;
                }
            }
            false
        }
    }
}

fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return Some(text.to_owned());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse_and_refuse() {
        let t = UriTemplate::parse("hashstats://blocks/{height}").unwrap();
        assert_eq!(t.to_string(), "hashstats://blocks/{height}");
        assert!(!t.is_fixed());
        assert!(UriTemplate::parse("hashstats://mempool").unwrap().is_fixed());
        for bad in [
            "",
            "a://{",
            "a://}",
            "a://{a}{b}",
            "a://{a}/{a}",
            "a://{a-b}",
            "a://{?q}",
            "a b",
        ] {
            assert!(UriTemplate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn matching_backtracks_and_stops_at_slashes() {
        let t = UriTemplate::parse("x://files/{name}.json").unwrap();
        assert_eq!(t.matches("x://files/v1.2.json").unwrap(), [("name", "v1.2".to_owned())]);
        assert!(t.matches("x://files/.json").is_none());
        assert!(t.matches("x://files/a/b.json").is_none());
        let two = UriTemplate::parse("x://{a}/{b}").unwrap();
        assert_eq!(
            two.matches("x://1/2").unwrap(),
            [("a", "1".to_owned()), ("b", "2".to_owned())]
        );
        assert!(two.matches("x://1/2/3").is_none());
        assert!(two.matches("x://1/%zz").is_none());
    }
}
