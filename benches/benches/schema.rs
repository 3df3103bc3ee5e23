//! Schema generation and normalization per function: a two-integer function
//! and one with a nested struct, an enum, an `Option` and a `Vec` result.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use registry_core::{ApiError, Registry, api_function};
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde::{Deserialize, Serialize};

/// Which items to list.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Filter {
    /// Substring of the name.
    pub name: Option<String>,
    /// Inclusive price bounds.
    pub price: Range,
    /// Sort order.
    pub order: Order,
}

/// A closed range.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Range {
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
}

/// Sort order.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Cheapest first.
    PriceAsc,
    /// Newest first.
    Newest,
}

/// One item.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Item {
    /// Its name.
    pub name: String,
    /// Its price.
    pub price: f64,
    /// Free-form labels.
    pub labels: Vec<String>,
}

/// List items matching a filter.
///
/// # Arguments
/// * `filter` - what to match
/// * `limit` - at most this many
#[api_function]
fn rich(filter: Filter, limit: Option<u32>) -> Result<Vec<Item>, ApiError> {
    let _ = (filter, limit);
    Ok(Vec::new())
}

/// Add two integers.
#[api_function]
fn plain(a: i64, b: i64) -> i64 {
    a + b
}

fn benches(c: &mut Criterion) {
    let registry = Registry::builder().name("rich").name("plain").build().unwrap();
    let mut group = c.benchmark_group("schema");
    for name in ["plain", "rich"] {
        let function = registry.get(name).unwrap().function();
        group.bench_function(format!("{name}/generate"), |b| {
            b.iter(|| {
                let settings = SchemaSettings::draft2020_12().with(|s| {
                    s.inline_subschemas = true;
                    s.meta_schema = None;
                });
                let mut input = settings.clone().for_deserialize().into_generator();
                let mut output = settings.for_serialize().into_generator();
                black_box((
                    function.input_schema_with(&mut input).to_value(),
                    function.output_schema_with(&mut output).to_value(),
                ))
            })
        });
        let raw = {
            let mut generator = SchemaSettings::draft2020_12().for_deserialize().into_generator();
            function.input_schema_with(&mut generator).to_value()
        };
        group.bench_function(format!("{name}/normalize_input"), |b| {
            b.iter(|| {
                let mut value = raw.clone();
                registry_core::__private::normalize_input(&mut value);
                black_box(value)
            })
        });
        group.bench_function(format!("{name}/registry_entry"), |b| {
            b.iter(|| {
                // Schemas are built on demand: ask for them, as `tools/list` does.
                let registry = Registry::builder().function(function).build().unwrap();
                black_box(registry.entries()[0].schemas());
                registry
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = schema_benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(schema_benches);
