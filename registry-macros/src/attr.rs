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

/// Which attribute is being read: they share this parser, each accepting its own options.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Attribute {
    /// `#[api_function]`: a tool.
    Function,
    /// `#[api_resource]`: a resource or resource template.
    Resource,
    /// `#[api_prompt]`: a prompt.
    Prompt,
}

impl Attribute {
    /// `#[api_function]`, as error messages name it.
    pub(crate) fn display(self) -> &'static str {
        match self {
            Attribute::Function => "#[api_function]",
            Attribute::Resource => "#[api_resource]",
            Attribute::Prompt => "#[api_prompt]",
        }
    }

    /// Every option the attribute accepts, in the order the docs list them.
    pub(crate) fn options(self) -> &'static [&'static str] {
        match self {
            Attribute::Function => &[
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
                "task",
                "icon",
                "crate",
            ],
            Attribute::Resource => &[
                "uri",
                "mime_type",
                "name",
                "title",
                "description",
                "audience",
                "priority",
                "size",
                "tags",
                "path",
                "timeout",
                "hidden_from",
                "scopes",
                "rate_limit",
                "max_concurrency",
                "icon",
                "crate",
            ],
            Attribute::Prompt => &[
                "name",
                "title",
                "description",
                "tags",
                "path",
                "timeout",
                "hidden_from",
                "scopes",
                "rate_limit",
                "max_concurrency",
                "icon",
                "crate",
            ],
        }
    }
}

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
    pub(crate) task: Option<LitStr>,
    pub(crate) krate: Option<LitStr>,
    pub(crate) icon: Option<LitStr>,
    pub(crate) uri: Option<LitStr>,
    pub(crate) mime_type: Option<LitStr>,
    pub(crate) audience: Option<Vec<LitStr>>,
    pub(crate) priority: Option<syn::Lit>,
    pub(crate) size: Option<syn::LitInt>,
}

/// A boolean option, written bare (`read_only`) or with a value (`read_only = false`).
#[derive(Clone, Copy)]
pub(crate) struct Flag {
    pub(crate) value: bool,
}

impl Attrs {
    /// Reads every option, recording each problem in `errors` and going on
    /// with the next option.
    pub(crate) fn parse(tokens: TokenStream, attribute: Attribute, errors: &mut Errors) -> Self {
        let mut attrs = Attrs::default();
        let parser = syn::meta::parser(|meta| {
            if let Err(err) = attrs.parse_one(&meta, attribute) {
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

    fn parse_one(&mut self, meta: &ParseNestedMeta<'_>, attribute: Attribute) -> syn::Result<()> {
        let Some(ident) = meta.path.get_ident() else {
            return Err(meta.error(unknown_option_message(attribute, "this")));
        };
        let key = ident.to_string();
        let span = ident.span();
        if !attribute.options().contains(&key.as_str()) {
            return Err(syn::Error::new(span, unknown_option_message(attribute, &key)));
        }
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
            "task" => set(&mut self.task, string(meta)?, span, &key),
            "crate" => set(&mut self.krate, string(meta)?, span, &key),
            "icon" => set(&mut self.icon, string(meta)?, span, &key),
            "uri" => set(&mut self.uri, string(meta)?, span, &key),
            "mime_type" => set(&mut self.mime_type, string(meta)?, span, &key),
            "audience" => set(&mut self.audience, list(meta, &key)?, span, &key),
            "priority" => set(&mut self.priority, number(meta)?, span, &key),
            "size" => {
                let lit = match number(meta)? {
                    syn::Lit::Int(int) => int,
                    other => {
                        return Err(syn::Error::new(
                            other.span(),
                            "option `size` takes a whole number of bytes",
                        ));
                    }
                };
                set(&mut self.size, lit, span, &key)
            }
            other => Err(syn::Error::new(span, unknown_option_message(attribute, other))),
        }
    }
}

fn unknown_option_message(attribute: Attribute, found: &str) -> String {
    format!(
        "unknown {} option `{found}`; expected one of: {}",
        attribute.display(),
        attribute.options().join(", ")
    )
}

fn number(meta: &ParseNestedMeta<'_>) -> syn::Result<syn::Lit> {
    let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
    if !meta.input.peek(Token![=]) {
        return Err(meta.error(format!("option `{key}` needs a value: write `{key} = 0.5`")));
    }
    match meta.value()?.parse::<syn::Lit>()? {
        lit @ (syn::Lit::Int(_) | syn::Lit::Float(_)) => Ok(lit),
        other => Err(syn::Error::new(
            other.span(),
            format!("option `{key}` takes a number literal: write `{key} = 0.5`"),
        )),
    }
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
