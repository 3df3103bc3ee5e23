//! Snapshots of the normalized input and output schemas for a representative
//! set of signatures, plus the normalization rules checked on each.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use registry_core::{ApiError, Context, Registry, api_function};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A unit-only enum.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// The main network.
    Mainnet,
    /// The test network.
    Testnet,
}

/// An internally tagged enum.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Target {
    /// By height.
    Height {
        /// Block height.
        height: u32,
    },
    /// By hash.
    Hash {
        /// Block hash.
        hash: String,
    },
}

/// An untagged enum.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Amount {
    /// Satoshis.
    Sats(u64),
    /// A decimal string.
    Text(String),
}

/// A nested struct.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Block {
    /// Height.
    pub height: u32,
    /// Header.
    pub header: Header,
    /// Optional miner tag.
    pub miner: Option<String>,
}

/// A block header.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Header {
    /// Version bits.
    pub version: i32,
    /// Seconds since the epoch.
    pub time: Timestamp,
}

/// A recursive type.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Tree {
    /// The value.
    pub value: i64,
    /// The children.
    pub children: Vec<Tree>,
}

/// A `chrono`-like timestamp newtype with its own schema.
#[derive(Debug, Serialize, Deserialize)]
pub struct Timestamp(pub String);

impl JsonSchema for Timestamp {
    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string", "format": "date-time"})
    }
}

/// A `uuid`-like newtype.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[schemars(transparent)]
pub struct RequestId(#[schemars(with = "String", extend("format" = "uuid"))] pub String);

/// Primitives, with an optional and a defaulted one.
///
/// # Arguments
/// * `count` - how many
/// * `ratio` - a float
/// * `flag` - optional flag
/// * `small` - a byte, defaulted
#[api_function]
fn primitives(count: u32, ratio: f64, flag: Option<bool>, #[arg(default = 8)] small: u8) -> i64 {
    i64::from(count) + i64::from(small) + ratio as i64 + i64::from(flag.unwrap_or(false))
}

/// Collections and maps.
#[api_function]
fn collections(list: Vec<String>, map: HashMap<String, u64>, sorted: BTreeMap<String, Vec<i32>>) -> Vec<u64> {
    let _ = (list, sorted);
    map.into_values().collect()
}

/// Enums of every serde shape.
#[api_function]
fn enums(network: Network, target: Target, amount: Amount, maybe: Option<Network>) -> Network {
    let _ = (target, amount, maybe);
    network
}

/// Nested structs and a newtype.
#[api_function]
async fn nested(ctx: &Context, block: Block, id: RequestId) -> Result<Block, ApiError> {
    let _ = (ctx, id);
    Ok(block)
}

/// A recursive type in and out.
#[api_function]
fn recursive(tree: Tree) -> Tree {
    tree
}

/// No arguments, no result.
#[api_function]
fn nothing() {}

/// A map result.
#[api_function]
fn map_result() -> BTreeMap<String, u32> {
    BTreeMap::new()
}

fn schemas(name: &str) -> Value {
    let registry = Registry::builder().name(name).build().unwrap();
    let schemas = registry.get(name).unwrap().schemas();
    check_rules(name, &schemas.input, true);
    check_rules(name, &schemas.mcp_output, false);
    json!({
        "input": schemas.input,
        "output": schemas.output,
        "mcp_output": schemas.mcp_output,
        "wraps_output": schemas.wraps_output,
    })
}

/// The rules MCP clients need, checked on every schema.
fn check_rules(name: &str, schema: &Value, input: bool) {
    let text = schema.to_string();
    assert!(schema.get("$schema").is_none(), "{name}: no $schema");
    assert_eq!(schema["type"], "object", "{name}: object root");
    for combinator in ["oneOf", "anyOf", "allOf"] {
        assert!(schema.get(combinator).is_none(), "{name}: no top-level {combinator}");
    }
    for format in ["uint8", "uint32", "uint64", "int32", "int64", "double", "float", "uint"] {
        assert!(
            !text.contains(&format!("\"format\":\"{format}\"")),
            "{name}: non-standard format {format}"
        );
    }
    if schema.get("$defs").is_none() {
        assert!(!text.contains("$ref"), "{name}: refs only for recursive types");
    }
    if input {
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (property, sub) in schema["properties"].as_object().unwrap() {
            if !required.contains(&property.as_str()) {
                let types = sub.get("type").map(Value::to_string).unwrap_or_default();
                assert!(
                    !types.contains("null"),
                    "{name}.{property}: optional arguments are plain types"
                );
            }
        }
    }
}

macro_rules! snapshot {
    ($($name:ident),* $(,)?) => {
        mod snapshot {
            $(
                #[test]
                fn $name() {
                    insta::assert_json_snapshot!(stringify!($name), super::schemas(stringify!($name)));
                }
            )*
        }
    };
}

snapshot!(primitives, collections, enums, nested, recursive, nothing, map_result);
