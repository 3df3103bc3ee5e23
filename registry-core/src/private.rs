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
pub use crate::quota::{Policy, TaskSupport};
pub use crate::{ApiError, ApiFunction, Arguments, Context, Quota};

/// Schema normalization steps, for the OpenAPI builder (whose schemas refer
/// to components rather than being inlined) and the benchmarks.
pub use crate::schema::{normalize_common, normalize_input, optional_without_null, strip_null};

/// Every way `value` breaks the input schema `schema` (`null` for an
/// optional property meaning "not given"), for the docs page's tests of its
/// examples.
pub fn schema_violations(schema: &Value, value: &Value) -> Vec<crate::FieldError> {
    crate::validate::Checker::for_input(schema.clone())
        .check(value)
        .into_iter()
        .map(crate::FieldError::from)
        .collect()
}

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

/// A type an argument may have: decodable and describable. A trait of its
/// own only so that a type that is not says what to derive.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an API function argument: it needs `serde::Deserialize` and `schemars::JsonSchema`",
    label = "this argument's type",
    note = "derive both on it: `#[derive(serde::Deserialize, schemars::JsonSchema)]`, with `serde = {{ version = \"1\", features = [\"derive\"] }}` and `schemars = \"1\"` in Cargo.toml"
)]
pub trait ArgType {}

#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned + JsonSchema> ArgType for T {}

/// Names an argument type in generated code that is never run.
#[inline(always)]
pub fn arg_type<T: ArgType>() {}

/// A type `#[arg(range(...))]` and `#[arg(multiple_of = ...)]` apply to: a number.
#[diagnostic::on_unimplemented(
    message = "`#[arg(range(...))]` and `#[arg(multiple_of = ...)]` apply to numbers, and `{Self}` is not one",
    label = "this argument's type",
    note = "a constraint on a field of your own type goes on the field, with schemars' `#[schemars(range(min = ..., max = ...))]`"
)]
pub trait NumberArg {}

/// A type `#[arg(length(...))]` applies to: a string or a list.
#[diagnostic::on_unimplemented(
    message = "`#[arg(length(...))]` applies to strings and lists, and `{Self}` is neither",
    label = "this argument's type",
    note = "a constraint on a field of your own type goes on the field, with schemars' `#[schemars(length(min = ..., max = ...))]`"
)]
pub trait LengthArg {}

/// A type `#[arg(pattern = "...")]` and `#[arg(format = "...")]` apply to: a string.
#[diagnostic::on_unimplemented(
    message = "`#[arg(pattern = ...)]` and `#[arg(format = ...)]` apply to strings, and `{Self}` is not one",
    label = "this argument's type",
    note = "a constraint on a field of your own type goes on the field, with schemars' `#[schemars(regex(pattern = ...))]` or `#[schemars(email)]`"
)]
pub trait TextArg {}

macro_rules! marker {
    ($trait:ident: $($ty:ty),*) => { $(impl $trait for $ty {})* };
}
marker!(NumberArg: i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64);
marker!(TextArg: String, Box<str>, std::borrow::Cow<'static, str>);
marker!(LengthArg: String, Box<str>, std::borrow::Cow<'static, str>);
impl<T> LengthArg for Vec<T> {}
impl<T> LengthArg for std::collections::VecDeque<T> {}
impl<T, S> LengthArg for std::collections::HashSet<T, S> {}
impl<T> LengthArg for std::collections::BTreeSet<T> {}
#[diagnostic::do_not_recommend]
impl<T: NumberArg> NumberArg for Option<T> {}
#[diagnostic::do_not_recommend]
impl<T: LengthArg> LengthArg for Option<T> {}
#[diagnostic::do_not_recommend]
impl<T: TextArg> TextArg for Option<T> {}

/// Names an argument with a numeric constraint in code that is never run.
#[inline(always)]
pub fn number_arg<T: NumberArg>() {}

/// Names an argument with a length constraint in code that is never run.
#[inline(always)]
pub fn length_arg<T: LengthArg>() {}

/// Names an argument with a pattern or format in code that is never run.
#[inline(always)]
pub fn text_arg<T: TextArg>() {}

/// An error type a function may return: anything `Into<ApiError>`. A trait
/// of its own only so that a type that is not says what to write instead.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an API function's error: it does not convert into `ApiError`",
    label = "the function's error type",
    note = "return `Result<T, ApiError>` and convert with `.map_err(|err| ApiError::from_error(ErrorKind::Upstream, err))`, or implement `From<{Self}> for ApiError`"
)]
pub trait IntoApiError {
    /// The conversion.
    fn into_api_error(self) -> ApiError;
}

#[diagnostic::do_not_recommend]
impl<E: Into<ApiError>> IntoApiError for E {
    #[inline]
    fn into_api_error(self) -> ApiError {
        self.into()
    }
}

/// Encodes a `Result`, converting the error into an [`ApiError`].
#[inline]
pub fn encode_result<T: Serialize, E: IntoApiError>(result: Result<T, E>) -> CallResult {
    match result {
        Ok(value) => crate::args::encode(&value),
        Err(err) => Err(err.into_api_error()),
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
