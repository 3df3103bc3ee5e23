//! The standard `format` values of JSON Schema 2020-12: the only ones a
//! published schema keeps, each checked by the registry. Shared with the
//! macro (by `#[path]`), which refuses any other `#[arg(format = "...")]`.

/// The standard `format` values, in the specification's order.
pub(crate) const STANDARD: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];
