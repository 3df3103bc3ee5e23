//! The `#[api_function]` attribute.
//!
//! This crate is an implementation detail of `registry-core`, which re-exports
//! the attribute and documents it; depend on `registry-core` instead.

mod ast;
mod attr;
mod docs;
mod expand;
#[cfg(test)]
mod tests;
mod valid;

use proc_macro::TokenStream;

/// Registers a function with the API registry. See `registry_core::api_function`.
#[proc_macro_attribute]
pub fn api_function(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::api_function(args.into(), input.into()).into()
}
