//! The annotated function, read into the shape the expander needs.
//!
//! Every check that can reject a signature happens here or in `valid.rs`;
//! the model keeps references to the syntax so errors keep their spans.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, FnArg, GenericArgument, Ident, ItemFn, Pat, PathArguments, ReturnType, Type};

use crate::valid::Errors;

/// One argument of the function.
pub(crate) enum Input<'a> {
    /// The `&Context` extractor; not part of any schema.
    Context,
    /// An argument that becomes a property of the input schema.
    Arg(Arg<'a>),
}

pub(crate) struct Arg<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    /// `#[arg(default)]` (`None` inside) or `#[arg(default = expr)]`.
    pub(crate) default: Option<Option<Expr>>,
}

/// What the function returns, as far as the syntax tells.
pub(crate) enum Output<'a> {
    /// No return type: `()`.
    Unit,
    /// `Result<T, E>` (any path ending in `Result`, such as `io::Result<T>`).
    Result { ok: &'a Type },
    /// Any other type, returned as the value.
    Plain(&'a Type),
}

pub(crate) struct Function<'a> {
    pub(crate) is_async: bool,
    pub(crate) inputs: Vec<Input<'a>>,
    pub(crate) output: Output<'a>,
}

impl<'a> Function<'a> {
    /// Reads the signature, recording every problem in `errors`.
    pub(crate) fn from_item(item: &'a ItemFn, errors: &mut Errors) -> Self {
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
                        inputs.push(Input::Context);
                        continue;
                    }
                    let Some(ident) = argument_name(&typed.pat, errors) else {
                        continue;
                    };
                    check_argument_type(&typed.ty, errors);
                    let default = argument_default(&typed.attrs, errors);
                    inputs.push(Input::Arg(Arg { ident, ty: &typed.ty, default }));
                }
            }
        }

        let output = match &sig.output {
            ReturnType::Default => Output::Unit,
            ReturnType::Type(_, ty) => read_output(ty, errors),
        };

        Function {
            is_async: sig.asyncness.is_some(),
            inputs,
            output,
        }
    }

    pub(crate) fn args(&self) -> impl Iterator<Item = &Arg<'a>> {
        self.inputs.iter().filter_map(|input| match input {
            Input::Arg(arg) => Some(arg),
            Input::Context => None,
        })
    }
}

/// `&Context` or `&path::to::Context`, immutably borrowed.
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
        _ => {}
    }
}

fn argument_default(attrs: &[Attribute], errors: &mut Errors) -> Option<Option<Expr>> {
    let mut default = None;
    for attr in attrs {
        if !attr.path().is_ident("arg") {
            errors.push(
                attr.span(),
                "#[api_function] arguments accept only `#[arg(default)]` or `#[arg(default = expr)]`; remove this attribute",
            );
            continue;
        }
        let parsed = attr.parse_nested_meta(|meta| {
            if !meta.path.is_ident("default") {
                return Err(meta.error("unknown `#[arg]` option; expected `default` or `default = expr`"));
            }
            if meta.input.peek(syn::Token![=]) {
                default = Some(Some(meta.value()?.parse::<Expr>()?));
            } else {
                default = Some(None);
            }
            Ok(())
        });
        if let Err(err) = parsed {
            errors.push_error(err);
        }
    }
    default
}

fn read_output<'a>(ty: &'a Type, errors: &mut Errors) -> Output<'a> {
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
                Some(ok) => Output::Result { ok },
                None => Output::Plain(ty),
            }
        }
        _ => Output::Plain(ty),
    }
}
