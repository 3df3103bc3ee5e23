//! Parse step, the function: the annotated `fn` read into the shape the
//! validate and expand steps need.
//!
//! The checks that need only the item and its signature reject here
//! (serde's "simpler checks should happen when parsing"), as `attr.rs` does
//! for the options' syntax; the ones that compare the signature with the
//! options or the doc comment are in `valid.rs`. Those three files hold every
//! check that rejects; `expand.rs` only generates. The model keeps
//! references to the syntax so errors keep their spans.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, FnArg, GenericArgument, Ident, Item, ItemFn, Pat, PathArguments, ReturnType, Type};

use crate::docs::Docs;
use crate::valid::Errors;

/// The annotated item, which must be a free `fn` or `async fn`.
pub(crate) fn item(input: TokenStream) -> syn::Result<ItemFn> {
    match syn::parse2::<Item>(input)? {
        Item::Fn(item) => Ok(item),
        other => Err(syn::Error::new(
            item_span(&other),
            "#[api_function] goes on a free `fn` or `async fn`",
        )),
    }
}

/// The keyword of a wrong item, so the error points at `struct`, `impl`, ...
fn item_span(item: &Item) -> Span {
    match item {
        Item::Struct(s) => s.struct_token.span(),
        Item::Enum(e) => e.enum_token.span(),
        Item::Impl(i) => i.impl_token.span(),
        Item::Trait(t) => t.trait_token.span(),
        Item::Mod(m) => m.mod_token.span(),
        other => other.span(),
    }
}

/// One argument of the function.
pub(crate) enum Input<'a> {
    /// The `&Context` extractor (see [`is_context`]); not part of any schema.
    /// `None` when its pattern is not a plain name (`_: &Context`).
    Context { ident: Option<&'a Ident> },
    /// An argument that becomes a property of the input schema.
    Arg(Arg<'a>),
}

pub(crate) struct Arg<'a> {
    pub(crate) ident: &'a Ident,
    /// The JSON property: `#[arg(rename = "...")]`, else the name without `r#` ([`unraw`]).
    pub(crate) name: String,
    /// The Rust name without `r#`, as the `# Arguments` list writes it.
    pub(crate) rust_name: String,
    /// Whether `name` comes from `#[arg(rename = "...")]`.
    pub(crate) renamed: bool,
    pub(crate) ty: &'a Type,
    /// `#[arg(default)]` (`None` inside) or `#[arg(default = expr)]`.
    pub(crate) default: Option<Option<Box<Expr>>>,
    /// Its text in the `# Arguments` list; empty when undocumented.
    pub(crate) doc: String,
    /// `#[arg(sensitive)]`: never logged, redacted by the audit hook.
    pub(crate) sensitive: bool,
    /// `#[arg(complete = path::to_fn)]`: its completion provider.
    pub(crate) complete: Option<syn::Path>,
    /// `#[arg(range(...))]`, `length(...)`, `pattern`, `format`, `multiple_of`, as written.
    pub(crate) constraints: Vec<Constraint>,
    /// `#[arg(example = value)]`, each written once.
    pub(crate) examples: Vec<Expr>,
}

/// A constraint on an argument's value, as written in `#[arg(...)]`; its
/// rules are checked in `valid.rs`. (A macro's short-lived syntax: the size
/// of the `Range` variant does not matter.)
#[allow(clippy::large_enum_variant)]
pub(crate) enum Constraint {
    /// `range(min = 1, max = 33)`, or `exclusive_min` / `exclusive_max` for
    /// bounds the value may not equal; any bound may be left out.
    Range {
        keyword: Ident,
        min: Option<Expr>,
        max: Option<Expr>,
        exclusive_min: Option<Expr>,
        exclusive_max: Option<Expr>,
    },
    /// `length(min = 1, max = 64)`: characters of a string, items of a list.
    Length {
        keyword: Ident,
        min: Option<Expr>,
        max: Option<Expr>,
    },
    /// `pattern = "^[0-9a-f]{8}$"`.
    Pattern(syn::LitStr),
    /// `format = "email"`: a standard JSON Schema format.
    Format(syn::LitStr),
    /// `multiple_of = 5`.
    MultipleOf { keyword: Ident, value: Expr },
}

impl Constraint {
    /// The option's keyword, as messages name it.
    pub(crate) fn keyword(&self) -> &'static str {
        match self {
            Constraint::Range { .. } => "range",
            Constraint::Length { .. } => "length",
            Constraint::Pattern(_) => "pattern",
            Constraint::Format(_) => "format",
            Constraint::MultipleOf { .. } => "multiple_of",
        }
    }
}

/// What the function returns, as far as the syntax tells.
pub(crate) enum Output<'a> {
    /// No return type: `()`.
    Unit,
    /// `Result<T, E>` (any path ending in `Result`, such as `io::Result<T>`);
    /// `span` covers the whole `-> Result<T, E>`.
    Result { ok: &'a Type, span: Span },
    /// Any other type, returned as the value.
    Plain(&'a Type),
}

pub(crate) struct Function<'a> {
    pub(crate) ident: &'a Ident,
    /// The span of `async`, for an `async fn`.
    pub(crate) asyncness: Option<Span>,
    pub(crate) inputs: Vec<Input<'a>>,
    pub(crate) output: Output<'a>,
}

impl<'a> Function<'a> {
    /// Reads the signature, recording every problem in `errors`; each
    /// argument takes its text from `docs`.
    pub(crate) fn from_item(item: &'a ItemFn, docs: &Docs, errors: &mut Errors) -> Self {
        let sig = &item.sig;
        if let syn::Safety::Unsafe(unsafety) = &sig.safety {
            errors.push(
                unsafety.span(),
                "#[api_function] cannot expose an `unsafe fn`: callers over the network cannot uphold its contract; make the function safe and keep the `unsafe` block inside it",
            );
        }
        if let Some(abi) = &sig.abi {
            errors.push(
                abi.span(),
                "#[api_function] takes a plain Rust function; remove the `extern` ABI",
            );
        }
        if !sig.generics.params.is_empty() {
            errors.push(
                sig.generics.params.span(),
                "#[api_function] does not support generic parameters: schemas need concrete types; replace the generic with a concrete type",
            );
        }
        if let Some(clause) = &sig.generics.where_clause {
            errors.push(
                clause.span(),
                "#[api_function] does not support `where` clauses; use concrete types",
            );
        }
        if let Some(variadic) = &sig.variadic {
            errors.push(
                variadic.span(),
                "#[api_function] does not support variadic arguments; take a `Vec<T>` instead",
            );
        }

        let mut inputs = Vec::new();
        let mut context_seen: Option<Span> = None;
        for input in &sig.inputs {
            match input {
                FnArg::Receiver(receiver) => errors.push(
                    receiver.self_token.span(),
                    "#[api_function] does not support methods: write a free function and reach shared state through `ctx: &Context` (`ctx.state::<T>()`)",
                ),
                FnArg::Typed(typed) => {
                    if is_context(&typed.ty) {
                        if context_seen.is_some() {
                            errors.push(
                                typed.ty.span(),
                                "only one `&Context` argument is allowed; remove this one",
                            );
                        }
                        context_seen = Some(typed.ty.span());
                        let ident = match &*typed.pat {
                            Pat::Ident(pat) => Some(&pat.ident),
                            _ => None,
                        };
                        inputs.push(Input::Context { ident });
                        continue;
                    }
                    let Some(ident) = argument_name(&typed.pat, errors) else {
                        continue;
                    };
                    check_argument_type(&typed.ty, errors);
                    let ArgOptions {
                        default,
                        sensitive,
                        rename,
                        complete,
                        constraints,
                        examples,
                    } = argument_options(&typed.attrs, errors);
                    let rust_name = unraw(ident);
                    let doc = docs.argument(&rust_name).unwrap_or_default().to_owned();
                    let renamed = rename.is_some();
                    inputs.push(Input::Arg(Arg {
                        ident,
                        name: rename.unwrap_or_else(|| rust_name.clone()),
                        rust_name,
                        renamed,
                        ty: &typed.ty,
                        default,
                        doc,
                        sensitive,
                        complete,
                        constraints,
                        examples,
                    }));
                }
            }
        }

        let output = match &sig.output {
            ReturnType::Default => Output::Unit,
            ReturnType::Type(_, ty) => read_output(ty, sig.output.span(), errors),
        };

        Function {
            ident: &sig.ident,
            asyncness: sig.asyncness.map(|token| token.span()),
            inputs,
            output,
        }
    }

    pub(crate) fn args(&self) -> impl Iterator<Item = &Arg<'a>> {
        self.inputs.iter().filter_map(|input| match input {
            Input::Arg(arg) => Some(arg),
            Input::Context { .. } => None,
        })
    }

    /// The context argument's name, when it has one.
    pub(crate) fn context_name(&self) -> Option<String> {
        self.inputs.iter().find_map(|input| match input {
            Input::Context { ident } => ident.map(unraw),
            Input::Arg(_) => None,
        })
    }
}

/// The name an identifier stands for: `r#type` is `type`. The one place raw
/// identifiers are read (thiserror's `unraw.rs`).
pub(crate) fn unraw(ident: &Ident) -> String {
    ident.unraw().to_string()
}

/// The one definition of a context argument: `&Context` or
/// `&path::to::Context`, immutably borrowed.
fn is_context(ty: &Type) -> bool {
    let Type::Reference(reference) = ty else {
        return false;
    };
    let Type::Path(path) = &*reference.elem else {
        return false;
    };
    let is_context = path.qself.is_none()
        && path
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "Context" && s.arguments.is_empty());
    is_context && reference.mutability.is_none()
}

fn argument_name<'a>(pat: &'a Pat, errors: &mut Errors) -> Option<&'a Ident> {
    match pat {
        Pat::Ident(pat_ident) if pat_ident.by_ref.is_none() && pat_ident.subpat.is_none() => Some(&pat_ident.ident),
        Pat::Wild(wild) => {
            errors.push(
                wild.span(),
                "#[api_function] arguments need a name, which becomes the JSON property; write `name: Type` (prefix with `_` if unused)",
            );
            None
        }
        other => {
            errors.push(
                other.span(),
                "#[api_function] arguments must be plain names, because each name is a JSON property; write `point: Point` and destructure inside the body",
            );
            None
        }
    }
}

fn check_argument_type(ty: &Type, errors: &mut Errors) {
    match ty {
        Type::Reference(reference) => {
            let hint = match &*reference.elem {
                Type::Path(p) if p.path.is_ident("str") => "take `String` instead of `&str`",
                Type::Slice(_) => "take `Vec<T>` instead of a slice",
                Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Context") => {
                    "take the context as `&Context`, not `&mut Context`"
                }
                _ => "take the argument by value (an owned type)",
            };
            errors.push(
                reference.and_token.span(),
                format!("#[api_function] arguments are decoded from JSON and cannot be borrowed (only `&Context` may be); {hint}"),
            );
        }
        Type::ImplTrait(impl_trait) => errors.push(
            impl_trait.span(),
            "#[api_function] does not support `impl Trait` arguments: schemas need a concrete type; name a type that implements `Deserialize + JsonSchema`",
        ),
        Type::Infer(infer) => errors.push(infer.span(), "write the argument's type"),
        // The context by value: serde would ask for `Deserialize` on it.
        Type::Path(path)
            if path.qself.is_none()
                && path
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "Context" && s.arguments.is_empty()) =>
        {
            errors.push(
                path.span(),
                "take the context by reference: write `ctx: &Context` (it is not an argument decoded from JSON); \
                 if this is a type of your own named `Context`, import it under another name",
            );
        }
        _ => {}
    }
}

/// The `#[arg(...)]` options of one argument.
struct ArgOptions {
    /// `#[arg(default)]` (`None` inside) or `#[arg(default = expr)]`.
    default: Option<Option<Box<Expr>>>,
    /// `#[arg(sensitive)]`.
    sensitive: bool,
    /// `#[arg(rename = "...")]`: the JSON property name.
    rename: Option<String>,
    /// `#[arg(complete = path)]`.
    complete: Option<syn::Path>,
    /// `range`, `length`, `pattern`, `format`, `multiple_of`.
    constraints: Vec<Constraint>,
    /// `example = value`.
    examples: Vec<Expr>,
}

/// What `#[arg]` accepts, for the messages that list it.
const ARG_OPTIONS: &str = "`default`, `default = expr`, `rename = \"...\"`, `complete = path`, `sensitive`, `example = value`, `range(min = .., max = ..)`, `length(min = .., max = ..)`, `pattern = \"...\"`, `format = \"...\"` or `multiple_of = n`";

/// The bounds written inside `range(...)` or `length(...)`.
#[derive(Default)]
struct Bounds {
    min: Option<Expr>,
    max: Option<Expr>,
    exclusive_min: Option<Expr>,
    exclusive_max: Option<Expr>,
}

/// `min = x, max = y` (and for `range`, `exclusive_min`, `exclusive_max`).
fn bounds(meta: &syn::meta::ParseNestedMeta<'_>, keyword: &str) -> syn::Result<Bounds> {
    let hint = if keyword == "range" {
        "write `range(min = 1, max = 10)`, or `exclusive_min` / `exclusive_max` for bounds the value may not equal; any bound may be left out"
    } else {
        "write `length(min = 1, max = 10)`; either bound may be left out"
    };
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(hint));
    }
    let mut bounds = Bounds::default();
    meta.parse_nested_meta(|bound| {
        let name = bound.path.get_ident().map(Ident::to_string).unwrap_or_default();
        let slot = match name.as_str() {
            "min" => &mut bounds.min,
            "max" => &mut bounds.max,
            "exclusive_min" if keyword == "range" => &mut bounds.exclusive_min,
            "exclusive_max" if keyword == "range" => &mut bounds.exclusive_max,
            _ => return Err(bound.error(format!("unknown bound; {hint}"))),
        };
        if slot.is_some() {
            return Err(bound.error("duplicate bound; write it once"));
        }
        *slot = Some(bound.value()?.parse::<Expr>()?);
        Ok(())
    })?;
    if bounds.min.is_none() && bounds.max.is_none() && bounds.exclusive_min.is_none() && bounds.exclusive_max.is_none()
    {
        return Err(meta.error(hint));
    }
    Ok(bounds)
}

fn argument_options(attrs: &[Attribute], errors: &mut Errors) -> ArgOptions {
    let mut options = ArgOptions {
        default: None,
        sensitive: false,
        rename: None,
        complete: None,
        constraints: Vec::new(),
        examples: Vec::new(),
    };
    for attr in attrs {
        if !attr.path().is_ident("arg") {
            errors.push(
                attr.span(),
                format!(
                    "#[api_function] arguments accept only `#[arg(...)]` with {ARG_OPTIONS}; remove this attribute"
                ),
            );
            continue;
        }
        let parsed = attr.parse_nested_meta(|meta| {
            let keyword = meta.path.get_ident().cloned();
            match keyword.as_ref().map(Ident::to_string).as_deref() {
                Some(name @ ("range" | "length")) => {
                    let keyword = keyword.clone().expect("matched an ident");
                    let Bounds {
                        min,
                        max,
                        exclusive_min,
                        exclusive_max,
                    } = bounds(&meta, name)?;
                    options.constraints.push(if name == "range" {
                        Constraint::Range {
                            keyword,
                            min,
                            max,
                            exclusive_min,
                            exclusive_max,
                        }
                    } else {
                        Constraint::Length { keyword, min, max }
                    });
                    return Ok(());
                }
                Some(name @ ("pattern" | "format")) => {
                    let lit: syn::LitStr = meta
                        .value()
                        .and_then(|value| value.parse())
                        .map_err(|_| meta.error(format!("write `{name} = \"...\"`")))?;
                    options.constraints.push(if name == "pattern" {
                        Constraint::Pattern(lit)
                    } else {
                        Constraint::Format(lit)
                    });
                    return Ok(());
                }
                Some("multiple_of") => {
                    let keyword = keyword.clone().expect("matched an ident");
                    let value = meta
                        .value()
                        .and_then(|value| value.parse::<Expr>())
                        .map_err(|_| meta.error("write `multiple_of = 5`"))?;
                    options.constraints.push(Constraint::MultipleOf { keyword, value });
                    return Ok(());
                }
                Some("example") => {
                    let value = meta
                        .value()
                        .and_then(|value| value.parse::<Expr>())
                        .map_err(|_| meta.error("write `example = value`, a literal or any expression that serializes to a valid argument"))?;
                    options.examples.push(value);
                    return Ok(());
                }
                _ => {}
            }
            if meta.path.is_ident("complete") {
                if !meta.input.peek(syn::Token![=]) {
                    return Err(meta.error("write `complete = path::to_fn`, naming a `fn(String, &Context) -> Vec<String>` (or an `async fn`)"));
                }
                options.complete = Some(meta.value()?.parse::<syn::Path>()?);
                return Ok(());
            }
            if meta.path.is_ident("sensitive") {
                if meta.input.peek(syn::Token![=]) {
                    return Err(meta.error("`sensitive` is a marker: write `#[arg(sensitive)]`"));
                }
                options.sensitive = true;
                return Ok(());
            }
            if meta.path.is_ident("rename") {
                let name: syn::LitStr = meta
                    .value()
                    .and_then(|value| value.parse())
                    .map_err(|_| meta.error("write `#[arg(rename = \"property_name\")]`"))?;
                let value = name.value();
                if value.is_empty() || value.chars().any(|c| c.is_control()) {
                    return Err(syn::Error::new(
                        name.span(),
                        "the property name must be a non-empty string without control characters",
                    ));
                }
                options.rename = Some(value);
                return Ok(());
            }
            if !meta.path.is_ident("default") {
                return Err(meta.error(format!("unknown `#[arg]` option; expected {ARG_OPTIONS}")));
            }
            if meta.input.peek(syn::Token![=]) {
                options.default = Some(Some(Box::new(meta.value()?.parse::<Expr>()?)));
            } else {
                options.default = Some(None);
            }
            Ok(())
        });
        if let Err(err) = parsed {
            errors.push_error(err);
        }
    }
    options
}

fn read_output<'a>(ty: &'a Type, span: Span, errors: &mut Errors) -> Output<'a> {
    match ty {
        Type::ImplTrait(impl_trait) => {
            errors.push(
                impl_trait.span(),
                "#[api_function] needs a concrete return type for the output schema; name a type that implements `Serialize + JsonSchema`",
            );
            Output::Unit
        }
        Type::Tuple(tuple) if tuple.elems.is_empty() => Output::Unit,
        Type::Path(path) if path.qself.is_none() => {
            let Some(last) = path.path.segments.last() else {
                return Output::Plain(ty);
            };
            if last.ident != "Result" {
                return Output::Plain(ty);
            }
            let PathArguments::AngleBracketed(args) = &last.arguments else {
                return Output::Plain(ty);
            };
            let ok = args.args.iter().find_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            });
            match ok {
                Some(ok) => Output::Result { ok, span },
                None => Output::Plain(ty),
            }
        }
        _ => Output::Plain(ty),
    }
}
