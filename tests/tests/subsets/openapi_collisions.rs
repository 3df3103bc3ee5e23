//! Component names in the OpenAPI document: two types with one name, a type
//! whose input and output shapes differ, generics and recursion. None may
//! silently overwrite another.

use registry_core::{Registry, api_function};
use registry_server::{ServerConfig, openapi};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

mod north {
    use super::*;

    /// An item of the north warehouse.
    #[derive(Debug, Serialize, Deserialize, JsonSchema)]
    pub(crate) struct Item {
        /// Shelf number.
        pub(crate) shelf: u32,
    }
}

mod south {
    use super::*;

    /// An item of the south warehouse.
    #[derive(Debug, Serialize, Deserialize, JsonSchema)]
    pub(crate) struct Item {
        /// Barcode.
        pub(crate) barcode: String,
    }
}

/// A page whose `count` defaults on input but is always present on output.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Page {
    /// The entries.
    pub entries: Vec<u32>,
    /// How many; optional on input.
    #[serde(default)]
    pub count: u32,
}

/// A generic wrapper.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Wrapper<T> {
    /// The wrapped value.
    pub inner: T,
}

/// A recursive tree.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Tree {
    /// The label.
    pub label: String,
    /// Subtrees.
    pub children: Vec<Tree>,
}

/// North item.
#[api_function(tags = ["collisions"])]
fn north_item(item: north::Item) -> north::Item {
    item
}

/// South item.
#[api_function(tags = ["collisions"])]
fn south_item(item: south::Item) -> south::Item {
    item
}

/// Page round trip.
#[api_function(tags = ["collisions"])]
fn echo_page(page: Page) -> Page {
    page
}

/// Two instantiations of one generic.
#[api_function(tags = ["collisions"])]
fn wrapped(a: Wrapper<u32>) -> Wrapper<String> {
    Wrapper {
        inner: a.inner.to_string(),
    }
}

/// A recursive argument.
#[api_function(tags = ["collisions"])]
fn depth(tree: Tree) -> u32 {
    1 + tree.children.into_iter().map(depth).max().unwrap_or(0)
}

fn document() -> Value {
    let registry = Registry::builder().tag("collisions").build().expect("registry");
    openapi::document(&registry, &ServerConfig::default())
}

/// Follows a `{"$ref": ...}` to its component.
fn resolve<'a>(document: &'a Value, schema: &Value) -> &'a Value {
    let reference = schema["$ref"]
        .as_str()
        .unwrap_or_else(|| panic!("not a $ref: {schema}"));
    document
        .pointer(reference.trim_start_matches('#'))
        .unwrap_or_else(|| panic!("{reference} does not resolve"))
}

fn body_property<'a>(document: &'a Value, path: &str, property: &str) -> &'a Value {
    &document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"][property]
}

fn result<'a>(document: &'a Value, path: &str) -> &'a Value {
    &document["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
}

#[test]
fn two_types_with_one_name_get_two_components() {
    let document = document();
    let north_in = resolve(&document, body_property(&document, "/api/north_item", "item"));
    let south_in = resolve(&document, body_property(&document, "/api/south_item", "item"));
    assert!(north_in["properties"].get("shelf").is_some(), "{north_in}");
    assert!(south_in["properties"].get("barcode").is_some(), "{south_in}");
    let north_out = resolve(&document, result(&document, "/api/north_item"));
    let south_out = resolve(&document, result(&document, "/api/south_item"));
    assert_eq!(north_out, north_in, "equal input and output shapes share a component");
    assert_eq!(south_out, south_in);
}

#[test]
fn input_and_output_shapes_that_differ_get_two_components() {
    let document = document();
    let input = body_property(&document, "/api/echo_page", "page");
    let output = result(&document, "/api/echo_page");
    assert_ne!(input["$ref"], output["$ref"]);
    assert_eq!(input["$ref"], "#/components/schemas/Page");
    assert_eq!(output["$ref"], "#/components/schemas/PageOutput");
    assert_eq!(resolve(&document, input)["required"], json!(["entries"]));
    assert_eq!(resolve(&document, output)["required"], json!(["entries", "count"]));
}

#[test]
fn generics_and_recursion_resolve() {
    let document = document();
    let a = resolve(&document, body_property(&document, "/api/wrapped", "a"));
    let out = resolve(&document, result(&document, "/api/wrapped"));
    assert_eq!(a["properties"]["inner"]["type"], "integer");
    assert_eq!(out["properties"]["inner"]["type"], "string");

    let tree = resolve(&document, body_property(&document, "/api/depth", "tree"));
    let child = &tree["properties"]["children"]["items"];
    assert_eq!(
        resolve(&document, child),
        tree,
        "the recursion points at the component itself"
    );
    let mut names: Vec<&str> = document["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    assert_eq!(names.len(), 9, "{names:?}");
}
