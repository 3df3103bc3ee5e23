//! Resources, templates and completions: the lookups adapters need beyond
//! "the entry named X" — which entry a URI names ([`Registry::resource_for_uri`]),
//! what a URI template looks like ([`UriTemplate`]), and which function
//! completes an argument ([`Entry::completer`], [`complete_from_schema`]).
//!
//! Every one of them ends in an [`Entry`] that is called through
//! [`Registry::call`], like a tool.

use serde_json::Value;

/// A URI template as `#[api_resource(uri = ...)]` writes it.
///
/// ```
/// use registry_core::UriTemplate;
///
/// let template = UriTemplate::parse("test://template/{id}/data").unwrap();
/// assert_eq!(template.variables().collect::<Vec<_>>(), ["id"]);
/// let found = template.matches("test://template/12%20b/data").unwrap();
/// assert_eq!(found, [("id", "12 b".to_owned())]);
/// assert!(template.matches("test://template/1/2/data").is_none());
/// assert!(UriTemplate::parse("test://{+path}").is_err());
/// ```
pub use crate::uri_template::UriTemplate;
use crate::{Entry, Protocol, Registry};

impl Registry {
    /// The resource `uri` names on `protocol`, with its template variables:
    /// a fixed resource whose URI is `uri`, else the first template (in
    /// name order) that matches it.
    ///
    /// ```
    /// use registry_core::{api_resource, Protocol, Registry};
    ///
    /// /// A block by height.
    /// #[api_resource(uri = "doc://blocks/{height}")]
    /// fn doc_block(height: u64) -> String {
    ///     format!("block {height}")
    /// }
    ///
    /// let registry = Registry::builder().name("doc_block").build().unwrap();
    /// let (entry, variables) = registry.resource_for_uri("doc://blocks/7", Protocol::Mcp).unwrap();
    /// assert_eq!(entry.name(), "doc_block");
    /// assert_eq!(variables, [("height".to_owned(), "7".to_owned())]);
    /// assert!(registry.resource_for_uri("doc://blocks/7/extra", Protocol::Mcp).is_none());
    /// ```
    pub fn resource_for_uri(&self, uri: &str, protocol: Protocol) -> Option<(&Entry, Vec<(String, String)>)> {
        let resources = || {
            self.exposed(protocol)
                .filter_map(|entry| entry.function().resource().map(|spec| (entry, spec)))
        };
        if let Some((entry, _)) = resources().find(|(_, spec)| !spec.is_template() && spec.uri == uri) {
            return Some((entry, Vec::new()));
        }
        resources()
            .filter(|(_, spec)| spec.is_template())
            .find_map(|(entry, spec)| {
                let template = UriTemplate::parse(spec.uri).ok()?;
                let found = template.matches(uri)?;
                Some((entry, found.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
            })
    }
}

impl Entry {
    /// The completion provider declared for `argument` (`#[arg(complete =
    /// path)]`), as an entry to call through [`Registry::call`] with
    /// `{"prefix": "..."}`; it answers a JSON array of strings.
    ///
    /// ```
    /// use registry_core::content::PromptMessage;
    /// use registry_core::{api_prompt, Call, Context, Protocol, Registry};
    /// use serde_json::json;
    ///
    /// fn colours(prefix: String, _ctx: &Context) -> Vec<String> {
    ///     ["red", "green", "grey"].into_iter().filter(|c| c.starts_with(&prefix)).map(String::from).collect()
    /// }
    ///
    /// /// Paint something.
    /// #[api_prompt]
    /// fn doc_paint(#[arg(complete = colours)] colour: String) -> Vec<PromptMessage> {
    ///     vec![PromptMessage::user(format!("Paint it {colour}."))]
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let registry = Registry::builder().name("doc_paint").build().unwrap();
    /// let completer = registry.get("doc_paint").unwrap().completer("colour").unwrap();
    /// let values = registry
    ///     .call(Call::new(&completer, json!({"prefix": "gr"}), Context::new(Protocol::Mcp)))
    ///     .await
    ///     .unwrap();
    /// assert_eq!(values, json!(["green", "grey"]));
    /// # }
    /// ```
    pub fn completer(&self, argument: &str) -> Option<Entry> {
        self.function()
            .completers()
            .iter()
            .find(|c| c.argument == argument)
            .map(|c| Entry::detached(c.function))
    }
}

/// The values an argument of property schema `schema` can take, when the
/// schema says (an enum, a `oneOf`/`anyOf` of constants, a boolean),
/// keeping those that start with `prefix`; `None` when the schema does not list them.
///
/// ```
/// use registry_core::complete_from_schema;
/// use serde_json::json;
///
/// let schema = json!({"type": "string", "enum": ["daily", "weekly", "monthly"]});
/// assert_eq!(complete_from_schema(&schema, "w").unwrap(), ["weekly"]);
/// assert_eq!(complete_from_schema(&json!({"type": "boolean"}), "").unwrap(), ["true", "false"]);
/// assert!(complete_from_schema(&json!({"type": "string"}), "").is_none());
/// ```
pub fn complete_from_schema(schema: &Value, prefix: &str) -> Option<Vec<String>> {
    let values = listed_values(schema)?;
    Some(values.into_iter().filter(|value| value.starts_with(prefix)).collect())
}

fn listed_values(schema: &Value) -> Option<Vec<String>> {
    let object = schema.as_object()?;
    let text = |value: &Value| match value {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    };
    if let Some(values) = object.get("enum").and_then(Value::as_array) {
        return Some(values.iter().filter_map(text).collect());
    }
    if let Some(value) = object.get("const") {
        return Some(text(value).into_iter().collect());
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = object.get(key).and_then(Value::as_array) {
            let mut values = Vec::new();
            for branch in branches {
                if branch.get("type").and_then(Value::as_str) == Some("null") {
                    continue;
                }
                values.extend(listed_values(branch)?);
            }
            return Some(values);
        }
    }
    let is_bool = match object.get("type") {
        Some(Value::String(t)) => t == "boolean",
        Some(Value::Array(types)) => {
            types.iter().any(|t| t == "boolean") && types.iter().all(|t| t == "boolean" || t == "null")
        }
        _ => false,
    };
    is_bool.then(|| vec!["true".to_owned(), "false".to_owned()])
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn schema_values() {
        let one_of = json!({"oneOf": [{"const": "a", "description": "A"}, {"const": "b"}]});
        assert_eq!(complete_from_schema(&one_of, "").unwrap(), ["a", "b"]);
        let optional = json!({"anyOf": [{"enum": ["x", "y"]}, {"type": "null"}]});
        assert_eq!(complete_from_schema(&optional, "y").unwrap(), ["y"]);
        assert_eq!(
            complete_from_schema(&json!({"type": ["boolean", "null"]}), "f").unwrap(),
            ["false"]
        );
        assert!(complete_from_schema(&json!({"oneOf": [{"type": "string"}]}), "").is_none());
    }
}
