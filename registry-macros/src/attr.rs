//! Parse step, the options: `#[api_function(...)]` read as written.
//!
//! This module only reads syntax (unknown, duplicate or malformed options are
//! rejected here); the rules that give each option its meaning (allowed
//! names, methods, paths, durations) are in `valid.rs`.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{LitBool, LitInt, LitStr, Token};

use crate::valid::Errors;

/// Every option the attribute accepts, in the order the docs list them.
pub(crate) const OPTIONS: &[&str] = &[
    "name",
    "title",
    "description",
    "tags",
    "method",
    "path",
    "timeout",
    "read_only",
    "destructive",
    "idempotent",
    "open_world",
    "hidden_from",
    "scopes",
    "rate_limit",
    "max_concurrency",
    "crate",
];

/// The options as written, each with the literal that carries its span.
#[derive(Default)]
pub(crate) struct Attrs {
    pub(crate) name: Option<LitStr>,
    pub(crate) title: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) tags: Option<Vec<LitStr>>,
    pub(crate) method: Option<LitStr>,
    pub(crate) path: Option<LitStr>,
    pub(crate) timeout: Option<LitStr>,
    pub(crate) read_only: Option<Flag>,
    pub(crate) destructive: Option<Flag>,
    pub(crate) idempotent: Option<Flag>,
    pub(crate) open_world: Option<Flag>,
    pub(crate) hidden_from: Option<Vec<LitStr>>,
    pub(crate) scopes: Option<Vec<LitStr>>,
    pub(crate) rate_limit: Option<LitStr>,
    pub(crate) max_concurrency: Option<LitInt>,
    pub(crate) krate: Option<LitStr>,
}

/// A boolean option, written bare (`read_only`) or with a value (`read_only = false`).
#[derive(Clone, Copy)]
pub(crate) struct Flag {
    pub(crate) value: bool,
}

impl Attrs {
    /// Reads every option, recording each problem in `errors` and going on
    /// with the next option.
    pub(crate) fn parse(tokens: TokenStream, errors: &mut Errors) -> Self {
        let mut attrs = Attrs::default();
        let parser = syn::meta::parser(|meta| {
            if let Err(err) = attrs.parse_one(&meta) {
                errors.push_error(err);
                // Skip the rest of this option so the next one still parses.
                while !meta.input.is_empty() && !meta.input.peek(Token![,]) {
                    meta.input.parse::<proc_macro2::TokenTree>()?;
                }
            }
            Ok(())
        });
        if let Err(err) = parser.parse2(tokens) {
            errors.push_error(err);
        }
        attrs
    }

    fn parse_one(&mut self, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        let Some(ident) = meta.path.get_ident() else {
            return Err(meta.error(unknown_option_message("this")));
        };
        let key = ident.to_string();
        let span = ident.span();
        match key.as_str() {
            "name" => set(&mut self.name, string(meta)?, span, &key),
            "title" => set(&mut self.title, string(meta)?, span, &key),
            "description" => set(&mut self.description, string(meta)?, span, &key),
            "tags" => set(&mut self.tags, list(meta, &key)?, span, &key),
            "method" => set(&mut self.method, string(meta)?, span, &key),
            "path" => set(&mut self.path, string(meta)?, span, &key),
            "timeout" => set(&mut self.timeout, string(meta)?, span, &key),
            "read_only" => set(&mut self.read_only, flag(meta)?, span, &key),
            "destructive" => set(&mut self.destructive, flag(meta)?, span, &key),
            "idempotent" => set(&mut self.idempotent, flag(meta)?, span, &key),
            "open_world" => set(&mut self.open_world, flag(meta)?, span, &key),
            "hidden_from" => set(&mut self.hidden_from, list(meta, &key)?, span, &key),
            "scopes" => set(&mut self.scopes, list(meta, &key)?, span, &key),
            "rate_limit" => set(&mut self.rate_limit, string(meta)?, span, &key),
            "max_concurrency" => set(&mut self.max_concurrency, integer(meta)?, span, &key),
            "crate" => set(&mut self.krate, string(meta)?, span, &key),
            other => Err(syn::Error::new(span, unknown_option_message(other))),
        }
    }
}

fn unknown_option_message(found: &str) -> String {
    format!(
        "unknown #[api_function] option `{found}`; expected one of: {}",
        OPTIONS.join(", ")
    )
}

fn set<T>(slot: &mut Option<T>, value: T, span: Span, key: &str) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(
            span,
            format!("duplicate option `{key}`; write it once"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

fn string(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
    if !meta.input.peek(Token![=]) {
        return Err(meta.error(format!("option `{key}` needs a value: write `{key} = \"...\"`")));
    }
    let value = meta.value()?;
    value.parse::<LitStr>().map_err(|err| {
        syn::Error::new(
            err.span(),
            format!("option `{key}` takes a string literal: write `{key} = \"...\"`"),
        )
    })
}

fn integer(meta: &ParseNestedMeta<'_>) -> syn::Result<LitInt> {
    let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
    let hint = format!("option `{key}` takes a whole number: write `{key} = 4`");
    if !meta.input.peek(Token![=]) {
        return Err(meta.error(hint));
    }
    let value = meta.value()?;
    value.parse::<LitInt>().map_err(|err| syn::Error::new(err.span(), hint))
}

fn flag(meta: &ParseNestedMeta<'_>) -> syn::Result<Flag> {
    if !meta.input.peek(Token![=]) {
        return Ok(Flag { value: true });
    }
    let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
    let value = meta.value()?;
    let lit = value.parse::<LitBool>().map_err(|err| {
        syn::Error::new(
            err.span(),
            format!("option `{key}` is a flag: write `{key}` or `{key} = false`"),
        )
    })?;
    Ok(Flag { value: lit.value })
}

fn list(meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<Vec<LitStr>> {
    let hint = format!("option `{key}` takes a list of string literals: write `{key} = [\"a\", \"b\"]`");
    if !meta.input.peek(Token![=]) {
        return Err(meta.error(hint));
    }
    let value = meta.value()?;
    if !value.peek(syn::token::Bracket) {
        return Err(value.error(hint));
    }
    let content;
    syn::bracketed!(content in value);
    let items =
        Punctuated::<LitStr, Token![,]>::parse_terminated(&content).map_err(|err| syn::Error::new(err.span(), hint))?;
    Ok(items.into_iter().collect())
}
