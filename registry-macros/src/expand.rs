//! Expand step: the user's function unchanged, plus one hidden
//! `const _: () = { ... };` block holding the argument struct, the schema
//! functions, the call shim and the `inventory` registration.
//!
//! [`expand`] runs the steps in order: parse (`attr.rs`, `docs.rs`,
//! `ast.rs`), validate (`valid.rs`), and only when both found nothing,
//! [`generate`] from the validated [`Model`], which rejects nothing.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, LitStr, Path};

use crate::ast::{self, Arg, Constraint, Function, Input, Output};
use crate::attr::{Attribute, Attrs};
use crate::docs;
use crate::valid::{self, Errors, Method, Model, Primitive, Role, Surface, TaskMode};

/// `#[api_function]`, `#[api_resource]` or `#[api_prompt]` on `input`.
pub(crate) fn entry(attribute: Attribute, args: TokenStream, input: TokenStream) -> TokenStream {
    let item = match ast::item(input.clone()) {
        Ok(item) => item,
        Err(err) => {
            let err = err.to_compile_error();
            return quote!(#input #err);
        }
    };
    let clean = strip_arg_attrs(&item);
    match expand(attribute, args, &item) {
        Ok(generated) => quote!(#clean #generated),
        Err(err) => {
            // Keep the function so the rest of the crate still type-checks
            // and the user sees only the errors that matter (tokio's habit).
            let err = err.to_compile_error();
            quote!(#clean #err)
        }
    }
}

/// The function as the user wrote it, minus the `#[arg(...)]` helper attributes.
fn strip_arg_attrs(item: &ItemFn) -> ItemFn {
    let mut clean = item.clone();
    for input in &mut clean.sig.inputs {
        if let FnArg::Typed(typed) = input {
            typed.attrs.retain(|attr| !attr.path().is_ident("arg"));
        }
    }
    clean
}

/// Parse, validate, then generate (thiserror's `try_expand`).
fn expand(attribute: Attribute, args: TokenStream, item: &ItemFn) -> syn::Result<TokenStream> {
    let mut errors = Errors::new();
    let attrs = Attrs::parse(args, attribute, &mut errors);
    let docs = docs::read(&item.attrs);
    let function = Function::from_item(item, &docs, &mut errors);
    let model = valid::check(attribute, &attrs, function, docs, &mut errors);
    errors.finish()?;
    Ok(generate(&model))
}

/// The hidden block for a validated function; rejects nothing.
fn generate(model: &Model<'_>) -> TokenStream {
    let function = &model.function;
    let fn_ident = function.ident;
    let krate = &model.krate;
    let serde_path = LitStr::new(&format!("{}::serde", path_string(krate)), Span::call_site());
    let schemars_path = LitStr::new(&format!("{}::schemars", path_string(krate)), Span::call_site());

    // The argument struct: one field per argument, docs as descriptions.
    let mut defaults = Vec::new();
    let fields = function
        .args()
        .enumerate()
        .map(|(i, arg)| {
            let ident = arg.ident;
            let ty = arg.ty;
            let doc = &arg.doc;
            let doc_attr = (!doc.is_empty()).then(|| quote!(#[doc = #doc]));
            let default_attr = match &arg.default {
                None => None,
                Some(None) => Some(quote!(#[serde(default)])),
                Some(Some(expr)) => {
                    // Named by position, so no lint sees the argument's name
                    // twice; the expression keeps every lint the crate sets.
                    let helper = format_ident!("__default{}", i);
                    let helper_name = LitStr::new(&helper.to_string(), Span::call_site());
                    defaults.push(quote!(fn #helper() -> #ty { #expr }));
                    Some(quote!(#[serde(default = #helper_name)]))
                }
            };
            let rename_attr = arg.renamed.then(|| {
                let name = &arg.name;
                quote!(#[serde(rename = #name)])
            });
            let schema_attrs = constraint_attrs(arg);
            quote!(#doc_attr #default_attr #rename_attr #schema_attrs #ident: #ty)
        })
        .collect::<Vec<_>>();
    let arg_checks = function
        .args()
        .map(|arg| {
            let ty = arg.ty;
            // Each constraint's type check points at its keyword.
            let constraint_checks = arg.constraints.iter().map(|constraint| {
                let (span, check) = match constraint {
                    Constraint::Range { keyword, .. } | Constraint::MultipleOf { keyword, .. } => {
                        (keyword.span(), quote!(number_arg))
                    }
                    Constraint::Length { keyword, .. } => (keyword.span(), quote!(length_arg)),
                    Constraint::Pattern(lit) | Constraint::Format(lit) => (lit.span(), quote!(text_arg)),
                };
                quote_spanned!(span=> __rt::#check::<#ty>();)
            });
            quote_spanned!(ty.span()=> __rt::arg_type::<#ty>(); #(#constraint_checks)*)
        })
        .collect::<Vec<_>>();
    // Never called: an argument type that cannot be decoded or described
    // fails here first, with a note saying what to derive.
    let check_args = (!arg_checks.is_empty()).then(|| {
        quote! {
            #[allow(dead_code)]
            fn __check_args() { #(#arg_checks)* }
        }
    });
    // Bind each field to a generated local, so an argument named like the
    // function (`fn page(page: Page)`) cannot shadow the function being called.
    let bindings = function
        .args()
        .enumerate()
        .map(|(i, arg)| {
            let ident = arg.ident;
            let local = format_ident!("__arg{}", i);
            quote!(#ident: #local)
        })
        .collect::<Vec<_>>();
    let mut arg_index = 0usize;
    let call_args = function
        .inputs
        .iter()
        .map(|input| match input {
            Input::Context { .. } => quote!(__ctx),
            Input::Arg(_) => {
                let local = format_ident!("__arg{}", arg_index);
                arg_index += 1;
                quote!(#local)
            }
        })
        .collect::<Vec<_>>();

    // Spanned on the return type, so an unmet bound points at it.
    let (output_ty, encode): (TokenStream, TokenStream) = match &function.output {
        Output::Unit => (quote!(()), quote!(__rt::encode_unit)),
        Output::Result { ok, span } => (quote!(#ok), quote_spanned!(*span=> __rt::encode_result)),
        Output::Plain(ty) => (quote!(#ty), quote_spanned!(ty.span()=> __rt::encode_value)),
    };

    let handler = match function.asyncness {
        Some(async_span) => {
            // The whole call on `async`, so "future is not `Send`" points there.
            let mut callee = fn_ident.clone();
            callee.set_span(async_span);
            let awaited = quote_spanned!(async_span=> __rt::require_send(#callee(#(#call_args),*)).await);
            quote! {
                fn __call<'a>(__args: __rt::Arguments, __ctx: &'a __rt::Context) -> __rt::BoxFuture<'a, __rt::CallResult> {
                    __rt::Box::pin(async move {
                        let __Args { #(#bindings),* } = __rt::decode_args::<__Args>(__args)?;
                        #encode(#awaited)
                    })
                }
            }
        }
        None => quote! {
            fn __call(__args: __rt::Arguments, __ctx: &__rt::Context) -> __rt::CallResult {
                let __Args { #(#bindings),* } = __rt::decode_args::<__Args>(__args)?;
                #encode(#fn_ident(#(#call_args),*))
            }
        },
    };
    let handler_value = match function.asyncness {
        Some(_) => quote!(__rt::Handler::Async(__call)),
        None => quote!(__rt::Handler::Sync(__call)),
    };

    let name = &model.name;
    let title = option_str(model.title.as_deref());
    let description = &model.description;
    let params = function.args().map(|arg| {
        let (name, doc) = (&arg.name, &arg.doc);
        quote!(__rt::ParamDoc { name: #name, description: #doc })
    });
    let tags = &model.tags;
    let scopes = &model.scopes;
    let method = match model.method {
        Method::Get => quote!(__rt::Method::Get),
        Method::Post => quote!(__rt::Method::Post),
        Method::Put => quote!(__rt::Method::Put),
        Method::Patch => quote!(__rt::Method::Patch),
        Method::Delete => quote!(__rt::Method::Delete),
    };
    let path = option_str(model.path.as_deref());
    let timeout = match model.timeout_ms {
        Some(ms) => quote!(::core::option::Option::Some(__rt::Duration::from_millis(#ms))),
        None => quote!(::core::option::Option::None),
    };
    let flag = |flag: Option<bool>| match flag {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    };
    let annotations = &model.annotations;
    let read_only = flag(annotations.read_only);
    let destructive = flag(annotations.destructive);
    let idempotent = flag(annotations.idempotent);
    let open_world = flag(annotations.open_world);
    let surfaces = surfaces(&model.surfaces);
    let policy = policy(model);
    let location = quote_spanned!(fn_ident.span()=> ::core::file!(), ::core::line!(), ::core::module_path!());
    let (primitive, primitive_items) = primitive(model, &output_ty, &timeout, &surfaces, &location);
    let (icon, icon_items) = match &model.icon {
        Some(icon) => {
            let (data_uri, file) = (&icon.data_uri, &icon.file);
            (
                quote!(::core::option::Option::Some(#data_uri)),
                // Rebuild when the file changes.
                quote!(
                    const _: &[u8] = ::core::include_bytes!(#file);
                ),
            )
        }
        None => (quote!(::core::option::Option::None), TokenStream::new()),
    };

    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_attributes, unused_qualifications)]
        const _: () = {
            use #krate::__private as __rt;

            #check_args

            // The fields are the arguments, named as the user named them.
            #[allow(non_snake_case)]
            #[derive(__rt::serde::Deserialize, __rt::schemars::JsonSchema)]
            #[serde(crate = #serde_path, deny_unknown_fields)]
            #[schemars(crate = #schemars_path)]
            struct __Args { #(#fields,)* }

            #(#defaults)*

            // Before `__call`, so an output type missing `JsonSchema` is
            // reported before one missing `Serialize`.
            fn __output_schema(generator: &mut __rt::SchemaGenerator) -> __rt::Schema {
                __rt::output_schema::<#output_ty>(generator)
            }

            #handler
            #primitive_items
            #icon_items

            __rt::inventory::submit! {
                __rt::ApiFunction::__new(__rt::Spec {
                    name: #name,
                    title: #title,
                    description: #description,
                    params: &[#(#params),*],
                    tags: &[#(#tags),*],
                    method: #method,
                    path: #path,
                    timeout: #timeout,
                    annotations: __rt::Annotations {
                        read_only: #read_only,
                        destructive: #destructive,
                        idempotent: #idempotent,
                        open_world: #open_world,
                    },
                    surfaces: #surfaces,
                    scopes: &[#(#scopes),*],
                    policy: #policy,
                    location: __rt::Location::new(#location),
                    input_schema: __rt::input_schema::<__Args>,
                    output_schema: __output_schema,
                    handler: #handler_value,
                    primitive: #primitive,
                    icon: #icon,
                })
            }
        };
    }
}

/// The schemars attributes that put an argument's constraints and examples
/// in its schema, from which the registry enforces them: the one place both
/// come from.
fn constraint_attrs(arg: &Arg<'_>) -> TokenStream {
    let mut attrs = TokenStream::new();
    let mut extensions = Vec::new();
    for constraint in &arg.constraints {
        match constraint {
            Constraint::Range {
                exclusive_min,
                exclusive_max,
                ..
            } if exclusive_min.is_some() || exclusive_max.is_some() => {
                // schemars' `range` has no exclusive bounds: all four as keywords.
                let Constraint::Range { min, max, .. } = constraint else {
                    unreachable!()
                };
                let keywords = [
                    ("minimum", min),
                    ("maximum", max),
                    ("exclusiveMinimum", exclusive_min),
                    ("exclusiveMaximum", exclusive_max),
                ];
                for (keyword, bound) in keywords {
                    if let Some(bound) = bound {
                        extensions.push(quote!(#keyword = #bound));
                    }
                }
            }
            Constraint::Range { min, max, .. } | Constraint::Length { min, max, .. } => {
                let keyword = format_ident!("{}", constraint.keyword());
                let min = min.as_ref().map(|min| quote!(min = #min));
                let max = max.as_ref().map(|max| quote!(max = #max));
                let bounds = min.into_iter().chain(max);
                attrs.extend(quote!(#[schemars(#keyword(#(#bounds),*))]));
            }
            Constraint::Pattern(pattern) => attrs.extend(quote!(#[schemars(regex(pattern = #pattern))])),
            Constraint::Format(format) => extensions.push(quote!("format" = #format)),
            Constraint::MultipleOf { value, .. } => extensions.push(quote!("multipleOf" = #value)),
        }
    }
    if !arg.examples.is_empty() {
        let examples = &arg.examples;
        extensions.push(quote!("examples" = [#(#examples),*]));
    }
    if !extensions.is_empty() {
        attrs.extend(quote!(#[schemars(extend(#(#extensions),*))]));
    }
    attrs
}

/// `icon!("assets/x.svg")`: the `data:` URI as a literal (read by the same
/// rule as `icon = "..."`), with an `include_bytes!` so a change rebuilds.
pub(crate) fn icon(input: TokenStream) -> TokenStream {
    let lit = match syn::parse2::<LitStr>(input) {
        Ok(lit) => lit,
        Err(err) => {
            return syn::Error::new(
                err.span(),
                "write `icon!(\"assets/icon.svg\")`, a path relative to the crate",
            )
            .to_compile_error();
        }
    };
    let mut errors = Errors::new();
    let icon = valid::icon(&lit, &mut errors);
    if let Err(err) = errors.finish() {
        return err.to_compile_error();
    }
    let Some(icon) = icon else {
        return TokenStream::new();
    };
    let (data_uri, file) = (&icon.data_uri, &icon.file);
    quote!({
        const _: &[u8] = ::core::include_bytes!(#file);
        #data_uri
    })
}

/// The `primitive` field and the items it refers to: the resource or prompt
/// declaration, its completion providers and, for a prompt, the check that
/// it returns messages. A tool needs none of them.
fn primitive(
    model: &Model<'_>,
    output_ty: &TokenStream,
    timeout: &TokenStream,
    surfaces: &TokenStream,
    location: &TokenStream,
) -> (TokenStream, TokenStream) {
    let name = &model.name;
    let scopes = &model.scopes;
    let mut items = TokenStream::new();
    let mut completers = Vec::new();
    for (i, arg) in model.function.args().enumerate() {
        let Some(path) = &arg.complete else { continue };
        let shim = format_ident!("__complete{}", i);
        let descriptor = format_ident!("__COMPLETER{}", i);
        let argument = &arg.name;
        // Spanned on the path, so a provider of the wrong shape points there.
        let call = quote_spanned!(path.span()=> __rt::Completions(#path(__prefix, __ctx)).resolve().await);
        items.extend(quote! {
            fn #shim<'a>(__args: __rt::Arguments, __ctx: &'a __rt::Context) -> __rt::BoxFuture<'a, __rt::CallResult> {
                __rt::Box::pin(async move {
                    #[allow(unused_imports)]
                    use __rt::ResolveCompletions as _;
                    let __rt::CompletionArgs { prefix: __prefix } = __rt::decode_args::<__rt::CompletionArgs>(__args)?;
                    let __values: ::std::vec::Vec<::std::string::String> = #call;
                    __rt::encode_value(__values)
                })
            }
            static #descriptor: __rt::ApiFunction = __rt::ApiFunction::__new(__rt::completer_spec(
                #name,
                #timeout,
                #surfaces,
                &[#(#scopes),*],
                __rt::Location::new(#location),
                __rt::Handler::Async(#shim),
            ));
        });
        completers.push(quote!(__rt::Completer { argument: #argument, function: &#descriptor }));
    }
    match &model.primitive {
        Primitive::Tool => (quote!(__rt::Primitive::Tool), items),
        Primitive::Resource {
            uri,
            mime_type,
            audience,
            priority,
            size,
        } => {
            let mime_type = option_str(mime_type.as_deref());
            let audience = audience.iter().map(|role| match role {
                Role::User => quote!(__rt::Role::User),
                Role::Assistant => quote!(__rt::Role::Assistant),
            });
            let priority = match priority {
                Some(p) => quote!(::core::option::Option::Some(#p)),
                None => quote!(::core::option::Option::None),
            };
            let size = match size {
                Some(n) => quote!(::core::option::Option::Some(#n)),
                None => quote!(::core::option::Option::None),
            };
            items.extend(quote! {
                static __RESOURCE: __rt::ResourceSpec = __rt::ResourceSpec {
                    uri: #uri,
                    mime_type: #mime_type,
                    annotations: __rt::ResourceAnnotations { audience: &[#(#audience),*], priority: #priority },
                    size: #size,
                    completers: &[#(#completers),*],
                };
            });
            (quote!(__rt::Primitive::Resource(&__RESOURCE)), items)
        }
        Primitive::Prompt => {
            let check = quote_spanned!(output_span(model)=> __rt::require_prompt_output::<#output_ty>);
            items.extend(quote! {
                static __PROMPT: __rt::PromptSpec = __rt::PromptSpec { completers: &[#(#completers),*] };
                const _: fn() = #check;
            });
            (quote!(__rt::Primitive::Prompt(&__PROMPT)), items)
        }
    }
}

/// `__rt::Policy::NONE` for a plain function (the common case, kept to one
/// path), else the options written.
fn policy(model: &Model<'_>) -> TokenStream {
    let sensitive: Vec<&str> = model
        .function
        .args()
        .filter(|arg| arg.sensitive)
        .map(|arg| arg.name.as_str())
        .collect();
    if model.rate_limit.is_none() && model.max_concurrency.is_none() && model.task.is_none() && sensitive.is_empty() {
        return quote!(__rt::Policy::NONE);
    }
    let rate_limit = match model.rate_limit {
        Some((calls, secs)) => quote!(::core::option::Option::Some(__rt::Quota::__checked(#calls, #secs))),
        None => quote!(::core::option::Option::None),
    };
    let max_concurrency = match model.max_concurrency {
        Some(n) => quote!(::core::option::Option::Some(#n)),
        None => quote!(::core::option::Option::None),
    };
    let task = match model.task {
        None => quote!(__rt::TaskSupport::Forbidden),
        Some(TaskMode::Optional) => quote!(__rt::TaskSupport::Optional),
        Some(TaskMode::Required) => quote!(__rt::TaskSupport::Required),
    };
    quote! {
        __rt::Policy {
            rate_limit: #rate_limit,
            max_concurrency: #max_concurrency,
            sensitive: &[#(#sensitive),*],
            task: #task,
        }
    }
}

/// Where an error about the return type points.
fn output_span(model: &Model<'_>) -> Span {
    match &model.function.output {
        Output::Unit => model.function.ident.span(),
        Output::Result { ok, .. } => ok.span(),
        Output::Plain(ty) => ty.span(),
    }
}

/// `__rt::Surfaces::ALL`, or the members left, joined with `union`.
fn surfaces(surfaces: &[Surface]) -> TokenStream {
    if surfaces == Surface::ALL {
        return quote!(__rt::Surfaces::ALL);
    }
    let mut members = surfaces.iter().map(|surface| match surface {
        Surface::Mcp => quote!(__rt::Surfaces::MCP),
        Surface::Rest => quote!(__rt::Surfaces::REST),
    });
    let first = members.next().unwrap_or_else(|| quote!(__rt::Surfaces::ALL));
    quote!(#first #(.union(#members))*)
}

fn option_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

fn path_string(path: &Path) -> String {
    let mut out = String::new();
    if path.leading_colon.is_some() {
        out.push_str("::");
    }
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    out.push_str(&segments.join("::"));
    out.push_str("::__private");
    out
}
