//! Functions the workspace integration tests call through every protocol.
//!
//! Each test binary that uses them must name this crate (`use registry_tests as _;`)
//! or `inventory` never sees them. [`EXPECTED_FUNCTIONS`] is checked by a test.

pub mod conformance;
pub mod recording;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use registry_core::{ApiError, Context, api_function};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How many functions this crate registers; a test asserts it.
pub const EXPECTED_FUNCTIONS: usize = 19;

/// Add two integers.
///
/// # Arguments
/// * `a` - the first addend
/// * `b` - the second addend
#[api_function(tags = ["math"], read_only, idempotent, open_world = false)]
pub fn add(a: i64, b: i64) -> i64 {
    a.wrapping_add(b)
}

/// Divide `a` by `b`, refusing zero.
///
/// # Arguments
/// * `a` - the dividend
/// * `b` - the divisor; must not be zero
#[api_function(tags = ["math"])]
pub async fn divide(a: f64, b: f64) -> Result<f64, ApiError> {
    if b == 0.0 {
        return Err(ApiError::invalid_field("b", "must not be zero"));
    }
    finite(a / b)
}

/// JSON has no infinities: an overflowing result is an argument error.
fn finite(value: f64) -> Result<f64, ApiError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ApiError::invalid_arguments(
            "the arguments overflow: the result is not a finite number",
        ))
    }
}

/// Repeat a message, optionally several times.
///
/// # Arguments
/// * `message` - the text to echo
/// * `times` - how many copies (default 1)
#[api_function(tags = ["text"])]
pub async fn echo(
    ctx: &Context,
    message: String,
    #[arg(range(max = 100))] times: Option<u32>,
) -> Result<Echo, ApiError> {
    let times = times.unwrap_or(1);
    Ok(Echo {
        message: message.repeat(times as usize),
        request_id: ctx.request_id().to_owned(),
    })
}

/// What [`echo`] answers.
#[derive(Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Echo {
    /// The repeated message.
    pub message: String,
    /// The request id the call carried.
    pub request_id: String,
}

/// A point on a plane.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// Horizontal coordinate.
    pub x: f64,
    /// Vertical coordinate.
    pub y: f64,
}

/// Colours a shape may have.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Color {
    /// Red.
    Red,
    /// Green.
    Green,
    /// Blue.
    Blue,
}

/// A shape, tagged by kind.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shape {
    /// A circle around a centre.
    Circle {
        /// Centre.
        center: Point,
        /// Radius.
        radius: f64,
    },
    /// An axis-aligned rectangle.
    Rect {
        /// One corner.
        min: Point,
        /// The opposite corner.
        max: Point,
    },
}

/// Area and colour of a shape.
#[derive(Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Measured {
    /// The area.
    pub area: f64,
    /// The colour it was given.
    pub color: Color,
}

/// Measure the area of a shape.
///
/// # Arguments
/// * `shape` - the shape, tagged by `kind`
/// * `color` - its colour
#[api_function(tags = ["geometry"])]
pub fn measure(shape: Shape, color: Color) -> Result<Measured, ApiError> {
    let area = match shape {
        Shape::Circle { radius, .. } => std::f64::consts::PI * radius * radius,
        Shape::Rect { min, max } => ((max.x - min.x) * (max.y - min.y)).abs(),
    };
    Ok(Measured {
        area: finite(area)?,
        color,
    })
}

/// Look an item up by id.
///
/// # Arguments
/// * `id` - the item id
/// * `verbose` - include the long description
#[api_function(method = "GET", path = "/api/items/{id}", tags = ["items"], read_only)]
pub fn get_item(id: u32, verbose: Option<bool>) -> Result<Item, ApiError> {
    if id == 0 || id > 100 {
        return Err(ApiError::not_found(format!("no item with id {id}")));
    }
    let description = verbose
        .unwrap_or(false)
        .then(|| format!("item number {id}, described at length"));
    Ok(Item {
        id,
        name: format!("item-{id}"),
        description,
    })
}

/// An item.
#[derive(Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Item {
    /// Its id.
    pub id: u32,
    /// Its name.
    pub name: String,
    /// The long description, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Search items by text, with a limit and tag filters.
///
/// # Arguments
/// * `q` - text to look for
/// * `limit` - most results to return
/// * `tags` - only items with all these tags
#[api_function(method = "GET", tags = ["items"], read_only)]
pub fn search(
    q: String,
    #[arg(default = 3, range(max = 100))] limit: u32,
    #[arg(default)] tags: Vec<String>,
) -> Result<Vec<String>, ApiError> {
    let suffix: String = tags.iter().map(|t| format!("+{t}")).collect();
    Ok((1..=limit).map(|i| format!("{q}-{i}{suffix}")).collect())
}

static COUNTER: Mutex<i64> = Mutex::new(0);

/// Add to a shared counter and return the new value.
///
/// # Arguments
/// * `by` - the amount to add
#[api_function(method = "PUT", tags = ["state"], idempotent = false)]
pub fn bump(by: i64) -> Result<i64, ApiError> {
    let mut value = COUNTER.lock().unwrap_or_else(|e| e.into_inner());
    *value = value
        .checked_add(by)
        .ok_or_else(|| ApiError::conflict("the counter would overflow"))?;
    Ok(*value)
}

/// Reset the shared counter; returns nothing.
#[api_function(method = "DELETE", path = "/api/counter", tags = ["state"], destructive)]
pub fn reset_counter() {
    *COUNTER.lock().unwrap_or_else(|e| e.into_inner()) = 0;
}

/// Always panics; the server must survive it.
#[api_function(tags = ["faults"])]
pub fn explode() -> String {
    panic!("boom: the secret is 42")
}

/// Always panics inside an async function.
#[api_function(tags = ["faults"])]
pub async fn explode_async() -> String {
    tokio::task::yield_now().await;
    panic!("async boom")
}

/// Sleep for `ms` milliseconds, then answer; times out after 300 ms.
///
/// # Arguments
/// * `ms` - how long to sleep
#[api_function(tags = ["faults"], timeout = "300ms")]
pub async fn sleepy(ms: u64) -> u64 {
    let guard = DropGuard { finished: false };
    tokio::time::sleep(Duration::from_millis(ms)).await;
    std::mem::forget(guard);
    ms
}

struct DropGuard {
    finished: bool,
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if !self.finished {
            SLEEPY_DROPPED.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// Number of [`sleepy`] calls dropped before they finished.
pub static SLEEPY_DROPPED: AtomicUsize = AtomicUsize::new(0);

/// Block the calling thread for `ms` milliseconds (a sync function).
///
/// # Arguments
/// * `ms` - how long to block
#[api_function(tags = ["faults"])]
pub fn block(ms: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(ms));
    ms
}

/// Report progress `steps` times, then answer the number of steps.
///
/// # Arguments
/// * `steps` - how many progress notifications to send
#[api_function(tags = ["progress"])]
pub async fn count_steps(ctx: &Context, steps: u32) -> u32 {
    for step in 1..=steps {
        ctx.report_progress(f64::from(step), Some(f64::from(steps)), Some(&format!("step {step}")));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    steps
}

/// Only reachable over REST.
#[api_function(hidden_from = ["mcp"], tags = ["visibility"])]
pub fn rest_only() -> &'static str {
    "rest"
}

/// Only reachable over MCP.
#[api_function(hidden_from = ["rest"], tags = ["visibility"])]
pub fn mcp_only() -> &'static str {
    "mcp"
}

/// Which thread and task ran an async function; see [`where_async`].
#[derive(Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Whereabouts {
    /// `format!("{:?}", std::thread::current().id())`.
    pub thread: String,
    /// `format!("{:?}", tokio::task::try_id())`.
    pub task: String,
}

/// Record the thread and tokio task the function ran on.
#[api_function(tags = ["runtime"], hidden_from = ["rest"])]
pub async fn where_async() -> Whereabouts {
    Whereabouts {
        thread: format!("{:?}", std::thread::current().id()),
        task: format!("{:?}", tokio::task::try_id()),
    }
}
