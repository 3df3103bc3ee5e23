//! The `#[api_function]` attribute.
//!
//! This crate is an implementation detail of `registry-core`, which re-exports
//! the attribute and documents it; depend on `registry-core` instead.
//!
//! The attribute runs in three steps (thiserror's `try_expand`):
//!
//! | step | files | what |
//! | --- | --- | --- |
//! | parse | `attr.rs`, `docs.rs`, `ast.rs` | the options, the doc comment and the signature, read into models that keep their spans; checks that need only the syntax |
//! | validate | `valid.rs` | every other rule, into a typed `Model`; the error accumulator |
//! | expand | `expand.rs` | generates from the `Model`, rejects nothing |
//!
//! Every check that rejects is in the first two steps, and every error is
//! collected before any code is generated.

mod ast;
mod attr;
mod docs;
mod expand;
#[cfg(test)]
mod tests;
mod valid;

/// The rate-limit grammar, shared with the runtime (`registry-core`).
#[path = "../../registry-core/src/quota_grammar.rs"]
mod quota_grammar;

/// The standard `format` names, shared with the runtime (`registry-core`).
#[path = "../../registry-core/src/format_names.rs"]
mod format_names;

/// The URI template grammar, shared with the runtime (`registry-core`).
#[allow(unreachable_pub, dead_code)]
#[path = "../../registry-core/src/uri_template.rs"]
mod uri_template;

use proc_macro::TokenStream;

/// Registers a function with the API registry. See `registry_core::api_function`.
#[proc_macro_attribute]
pub fn api_function(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::entry(attr::Attribute::Function, args.into(), input.into()).into()
}

/// Registers a function as an MCP resource or resource template. See `registry_core::api_resource`.
#[proc_macro_attribute]
pub fn api_resource(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::entry(attr::Attribute::Resource, args.into(), input.into()).into()
}

/// An SVG or PNG file as a `data:` URI string literal. See `registry_core::icon`.
#[proc_macro]
pub fn icon(input: TokenStream) -> TokenStream {
    expand::icon(input.into()).into()
}

/// Registers a function as an MCP prompt. See `registry_core::api_prompt`.
#[proc_macro_attribute]
pub fn api_prompt(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::entry(attr::Attribute::Prompt, args.into(), input.into()).into()
}
