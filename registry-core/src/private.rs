//! What generated code reaches; not a public API.
//!
//! `#[api_function]` names the runtime only through this module, so a crate
//! that renames or re-exports `registry_core` keeps working (serde's habit).

pub use ::inventory;
pub use ::schemars;
pub use ::serde;
pub use serde_json::Value;
pub use std::boxed::Box;
pub use std::time::Duration;

pub use schemars::{JsonSchema, Schema, SchemaGenerator};

pub use crate::function::{Annotations, BoxFuture, CallResult, Handler, Location, Method, ParamDoc, Spec, Surfaces};
pub use crate::quota::Policy;
pub use crate::{ApiError, ApiFunction, Arguments, Context, Quota};

/// Schema normalization steps, for the OpenAPI builder (which keeps
/// `null` in output schemas' optional fields) and the benchmarks.
pub use crate::schema::{normalize_input, strip_null};

/// The text of a panic payload, for the server's own panic reports.
pub use crate::invoke::panic_message;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Decodes the arguments object, naming the offending field on failure.
#[inline]
pub fn decode_args<T: DeserializeOwned>(args: Arguments) -> Result<T, ApiError> {
    crate::args::decode(args)
}

/// Encodes a plain return value.
#[inline]
pub fn encode_value<T: Serialize>(value: T) -> CallResult {
    crate::args::encode(&value)
}

/// Encodes `()`.
#[inline]
pub fn encode_unit(_: ()) -> CallResult {
    Ok(Value::Null)
}

/// Encodes a `Result`, converting the error into an [`ApiError`].
#[inline]
pub fn encode_result<T: Serialize, E: Into<ApiError>>(result: Result<T, E>) -> CallResult {
    match result {
        Ok(value) => crate::args::encode(&value),
        Err(err) => Err(err.into()),
    }
}

/// The input schema: the argument struct's own object schema, never a `$ref`.
pub fn input_schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    T::json_schema(generator)
}

/// The output schema of `T`.
pub fn output_schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// Proves at compile time that an async function's future is `Send`.
#[inline]
pub fn require_send<F: std::future::Future + Send>(future: F) -> F {
    future
}
