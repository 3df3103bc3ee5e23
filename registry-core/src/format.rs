//! The standard `format`s of JSON Schema 2020-12, checked.
//!
//! Only these survive in published schemas ([`crate::schema`]), and each is
//! enforced: a string argument declared `format = "email"` (or a field with
//! schemars' `#[schemars(email)]`) is checked before the function runs.
//! The checks follow the RFCs each format names, without the corners no
//! client sends (quoted local parts in e-mail addresses, IPv6 zone ids).

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use regex::Regex;

pub(crate) use crate::format_names::STANDARD;

/// Whether `text` is a valid `format`; `None` for a format that is not standard.
pub(crate) fn check(format: &str, text: &str) -> Option<bool> {
    Some(match format {
        "date-time" => date_time(text),
        "date" => date(text),
        "time" => time(text),
        "duration" => duration(text),
        "email" => email(text, false),
        "idn-email" => email(text, true),
        "hostname" => hostname(text, false),
        "idn-hostname" => hostname(text, true),
        "ipv4" => text.parse::<Ipv4Addr>().is_ok(),
        "ipv6" => text.parse::<Ipv6Addr>().is_ok(),
        "uri" => uri(text, false),
        "iri" => uri(text, true),
        "uri-reference" => reference(text, false),
        "iri-reference" => reference(text, true),
        "uuid" => uuid(text),
        "uri-template" => uri_template(text),
        "json-pointer" => json_pointer(text),
        "relative-json-pointer" => relative_json_pointer(text),
        "regex" => Regex::new(text).is_ok(),
        _ => return None,
    })
}

/// What a value of `format` looks like, for error messages.
pub(crate) fn describe(format: &str) -> &'static str {
    match format {
        "date-time" => "an RFC 3339 date and time such as `2026-12-02T10:00:00Z`",
        "date" => "an RFC 3339 date such as `2026-12-02`",
        "time" => "an RFC 3339 time with an offset such as `10:00:00Z`",
        "duration" => "an ISO 8601 duration such as `P1DT2H`",
        "email" | "idn-email" => "an email address such as `name@example.com`",
        "hostname" | "idn-hostname" => "a host name such as `example.com`",
        "ipv4" => "an IPv4 address such as `192.0.2.1`",
        "ipv6" => "an IPv6 address such as `2001:db8::1`",
        "uri" | "iri" => "an absolute URI such as `https://example.com/a`",
        "uri-reference" | "iri-reference" => "a URI or relative reference",
        "uuid" => "a UUID such as `123e4567-e89b-12d3-a456-426614174000`",
        "uri-template" => "an RFC 6570 URI template",
        "json-pointer" => "a JSON Pointer such as `/a/0`",
        "relative-json-pointer" => "a relative JSON Pointer such as `1/a`",
        "regex" => "a regular expression",
        _ => "a value of this format",
    }
}

fn digits(text: &str, n: usize) -> Option<u32> {
    (text.len() == n && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok())?
}

fn date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts.as_slice() else { return false };
    let (Some(year), Some(month), Some(day)) = (digits(y, 4), digits(m, 2), digits(d, 2)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

fn time(text: &str) -> bool {
    let (clock, offset) = if let Some(clock) = text.strip_suffix(['Z', 'z']) {
        (clock, None)
    } else if text.len() > 6 && matches!(text.as_bytes()[text.len() - 6], b'+' | b'-') {
        let (clock, offset) = text.split_at(text.len() - 6);
        (clock, Some(&offset[1..]))
    } else {
        return false;
    };
    if let Some(offset) = offset {
        let Some((h, m)) = offset.split_once(':') else {
            return false;
        };
        if !matches!((digits(h, 2), digits(m, 2)), (Some(h), Some(m)) if h < 24 && m < 60) {
            return false;
        }
    }
    let (whole, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let parts: Vec<&str> = whole.split(':').collect();
    let [h, m, s] = parts.as_slice() else { return false };
    matches!((digits(h, 2), digits(m, 2), digits(s, 2)), (Some(h), Some(m), Some(s)) if h < 24 && m < 60 && s <= 60)
}

fn date_time(text: &str) -> bool {
    match text.split_once(['T', 't']) {
        Some((day, clock)) => date(day) && time(clock),
        None => false,
    }
}

fn cached(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("the format patterns are valid"))
}

fn duration(text: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = cached(
        &RE,
        r"^P(?:\d+W|(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?)$",
    );
    // The pattern also matches `P` and `P1DT`: at least one number, and one after any `T`.
    re.is_match(text) && text.len() > 1 && !text.ends_with('T')
}

fn email(text: &str, international: bool) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| {
            c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c) || (international && !c.is_ascii())
        });
    let domain_ok = match domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        Some(literal) => {
            literal.parse::<Ipv4Addr>().is_ok()
                || literal
                    .strip_prefix("IPv6:")
                    .is_some_and(|ip| ip.parse::<Ipv6Addr>().is_ok())
        }
        None => hostname(domain, international),
    };
    local_ok && domain_ok
}

fn hostname(text: &str, international: bool) -> bool {
    let text = text.strip_suffix('.').unwrap_or(text);
    !text.is_empty()
        && text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| {
                    c.is_ascii_alphanumeric() || c == '-' || (international && !c.is_ascii() && c.is_alphanumeric())
                })
        })
}

/// No spaces, controls, or characters RFC 3986 never allows; non-ASCII only in IRIs.
fn uri_chars(text: &str, international: bool) -> bool {
    text.chars().all(|c| {
        if c.is_ascii() {
            c.is_ascii_graphic() && !"<>\"{}|\\^`".contains(c)
        } else {
            international && !c.is_control() && !c.is_whitespace()
        }
    }) && percent_encodings_ok(text)
}

fn percent_encodings_ok(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%' || (bytes.len() > i + 2 && bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit())
    })
}

fn uri(text: &str, international: bool) -> bool {
    let Some((scheme, _)) = text.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && uri_chars(text, international)
}

fn reference(text: &str, international: bool) -> bool {
    uri_chars(text, international)
}

fn uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn uri_template(text: &str) -> bool {
    let mut open = false;
    for c in text.chars() {
        match c {
            '{' if open => return false,
            '{' => open = true,
            '}' if !open => return false,
            '}' => open = false,
            c if c.is_whitespace() || c.is_control() => return false,
            _ => {}
        }
    }
    !open
}

fn json_pointer(text: &str) -> bool {
    (text.is_empty() || text.starts_with('/')) && escapes_ok(text)
}

fn escapes_ok(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes
        .iter()
        .enumerate()
        .all(|(i, &b)| b != b'~' || matches!(bytes.get(i + 1), Some(b'0' | b'1')))
}

fn relative_json_pointer(text: &str) -> bool {
    let end = text.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(text.len());
    let (number, rest) = text.split_at(end);
    !number.is_empty() && (number == "0" || !number.starts_with('0')) && (rest == "#" || json_pointer(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_accepts_and_refuses() {
        let cases: &[(&str, &[&str], &[&str])] = &[
            (
                "date-time",
                &["2026-12-02T10:00:00Z", "2024-02-29t23:59:60.5+01:00"],
                &["2026-12-02", "2023-02-29T00:00:00Z", "2026-12-02T25:00:00Z"],
            ),
            ("date", &["2026-12-02"], &["2026-13-01", "26-12-02"]),
            ("time", &["10:00:00Z", "10:00:00.123-05:30"], &["10:00:00", "10:00Z"]),
            (
                "duration",
                &["P1D", "PT1.5S", "P2W", "P1Y2M3DT4H5M6S"],
                &["P", "P1DT", "1D", "PT"],
            ),
            (
                "email",
                &["a.b+c@example.com", "x@[192.0.2.1]"],
                &["a@", "@b.c", "a..b@c.d", "a b@c.d"],
            ),
            ("hostname", &["example.com", "a-b.c."], &["-a.com", "a..b", "a_b.com"]),
            ("ipv4", &["192.0.2.1"], &["256.0.0.1", "1.2.3"]),
            ("ipv6", &["2001:db8::1", "::"], &["2001:db8:::1", "g::1"]),
            (
                "uri",
                &["https://example.com/a?b=c", "urn:isbn:123"],
                &["/relative", "http://a b", "1http://x"],
            ),
            ("uri-reference", &["/relative?x", "#frag", ""], &["a b", "%zz"]),
            (
                "uuid",
                &["123e4567-e89b-12d3-a456-426614174000"],
                &["123e4567e89b12d3a456426614174000"],
            ),
            ("uri-template", &["/a/{b}{?c,d}"], &["/a/{b", "/a/}"]),
            ("json-pointer", &["", "/a/0", "/a~1b"], &["a", "/a~2"]),
            ("relative-json-pointer", &["0", "1/a", "2#"], &["-1", "01", "/a"]),
            ("regex", &["^[a-z]+$"], &["("]),
        ];
        for (format, good, bad) in cases {
            for text in *good {
                assert_eq!(check(format, text), Some(true), "{format}: {text:?}");
            }
            for text in *bad {
                assert_eq!(check(format, text), Some(false), "{format}: {text:?}");
            }
        }
        assert_eq!(check("uint8", "1"), None);
        for format in STANDARD {
            assert!(check(format, "").is_some(), "{format}");
        }
    }
}
