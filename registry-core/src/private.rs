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

pub use crate::content::{PromptOutput, Role};
pub use crate::function::{
    Annotations, BoxFuture, CallResult, Completer, Handler, Location, Method, ParamDoc, Primitive, PromptSpec,
    ResourceAnnotations, ResourceSpec, Spec, Surfaces,
};
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

/// Proves at compile time that a prompt returns prompt messages.
#[inline]
pub fn require_prompt_output<T: PromptOutput>() {}

/// The descriptor of a completion provider (`#[arg(complete = path)]`) of
/// the function `owner`'s argument: called like any function, with
/// `{"prefix": "..."}`, under the owner's timeout, surfaces and scopes.
pub const fn completer_spec(
    owner: &'static str,
    timeout: Option<Duration>,
    surfaces: Surfaces,
    scopes: &'static [&'static str],
    location: Location,
    handler: Handler,
) -> Spec {
    Spec {
        name: owner,
        title: None,
        description: "",
        params: &[],
        tags: &[],
        method: Method::Post,
        path: None,
        timeout,
        annotations: Annotations {
            read_only: Some(true),
            destructive: None,
            idempotent: None,
            open_world: None,
        },
        surfaces,
        scopes,
        policy: Policy::NONE,
        location,
        input_schema: completion_input_schema,
        output_schema: output_schema::<Vec<String>>,
        handler,
        primitive: Primitive::Completion,
        icon: None,
    }
}

fn completion_input_schema(generator: &mut SchemaGenerator) -> Schema {
    input_schema::<CompletionArgs>(generator)
}

/// What a completion provider is called with.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompletionArgs {
    /// What the user typed so far.
    pub prefix: String,
}

/// A completion provider's result, sync or async, before it is awaited:
/// [`Completions::resolve`] turns either into a future.
#[derive(Debug)]
pub struct Completions<T>(pub T);

impl Completions<Vec<String>> {
    /// A sync provider's values, ready.
    pub fn resolve(self) -> std::future::Ready<Vec<String>> {
        std::future::ready(self.0)
    }
}

/// An async provider's future ([`Completions::resolve`] for a `Vec` is the
/// inherent method, found first).
pub trait ResolveCompletions {
    /// The future to await.
    type Future: std::future::Future<Output = Vec<String>>;
    /// The provider's future itself.
    fn resolve(self) -> Self::Future;
}

impl<F: std::future::Future<Output = Vec<String>>> ResolveCompletions for Completions<F> {
    type Future = F;
    fn resolve(self) -> F {
        self.0
    }
}
