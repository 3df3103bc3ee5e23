//! Code generation: the user's function unchanged, plus one hidden
//! `const _: () = { ... };` block holding the argument struct, the schema
//! functions, the call shim and the `inventory` registration.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, Item, ItemFn, LitStr, Path};

use crate::ast::{Function, Input, Output};
use crate::attr::Attrs;
use crate::docs;
use crate::valid::{self, Errors};

pub(crate) fn api_function(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Fn(item)) => item,
        Ok(other) => {
            let err = syn::Error::new(item_span(&other), "#[api_function] goes on a free `fn` or `async fn`");
            let err = err.to_compile_error();
            return quote!(#input #err);
        }
        Err(err) => {
            let err = err.to_compile_error();
            return quote!(#input #err);
        }
    };
    let clean = strip_arg_attrs(&item);
    match expand(args, &item) {
        Ok(generated) => quote!(#clean #generated),
        Err(err) => {
            // Keep the function so the rest of the crate still type-checks
            // and the user sees only the errors that matter (tokio's habit).
            let err = err.to_compile_error();
            quote!(#clean #err)
        }
    }
}

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

fn expand(args: TokenStream, item: &ItemFn) -> syn::Result<TokenStream> {
    let mut errors = Errors::new();
    let attrs = match Attrs::parse(args) {
        Ok(attrs) => attrs,
        Err(err) => {
            errors.push_error(err);
            Attrs::default()
        }
    };
    let function = Function::from_item(item, &mut errors);
    let docs = docs::read(&item.attrs);

    let fn_ident = &item.sig.ident;
    let name = match &attrs.name {
        Some(lit) => {
            if let Err(message) = valid::tool_name(&lit.value()) {
                errors.push(lit.span(), message);
            }
            lit.value()
        }
        None => fn_ident.to_string().trim_start_matches("r#").to_owned(),
    };
    let method = attrs.method.as_ref().and_then(|lit| valid::method(lit, &mut errors));
    let path_params = attrs
        .path
        .as_ref()
        .map(|lit| valid::path(lit, &mut errors))
        .unwrap_or_default();
    let timeout_ms = attrs.timeout.as_ref().and_then(|lit| valid::timeout(lit, &mut errors));
    let (hide_mcp, hide_rest) = attrs
        .hidden_from
        .as_deref()
        .map(|items| valid::hidden_from(items, &mut errors))
        .unwrap_or_default();
    if let Some(tags) = &attrs.tags {
        valid::words(tags, "tags", &mut errors);
    }
    if let Some(scopes) = &attrs.scopes {
        valid::words(scopes, "scopes", &mut errors);
    }
    let krate: Path = match &attrs.krate {
        Some(lit) => lit.parse().unwrap_or_else(|err| {
            errors.push(
                lit.span(),
                format!("`crate` takes a path such as \"::registry_core\": {err}"),
            );
            syn::parse_quote!(::registry_core)
        }),
        None => syn::parse_quote!(::registry_core),
    };

    let arg_names: Vec<String> = function.args().map(|arg| unraw(&arg.ident.to_string())).collect();
    for param in &path_params {
        if !arg_names.contains(param)
            && let Some(lit) = &attrs.path
        {
            errors.push(lit.span(), format!("path parameter `{{{param}}}` does not name an argument of `{fn_ident}`; add an argument `{param}` or rename the segment"));
        }
    }
    let context_name = item.sig.inputs.iter().find_map(|input| match input {
        FnArg::Typed(typed) if matches!(*typed.ty, syn::Type::Reference(_)) => match &*typed.pat {
            syn::Pat::Ident(p) => Some(unraw(&p.ident.to_string())),
            _ => None,
        },
        _ => None,
    });
    for (documented, _, span) in &docs.arguments {
        if !arg_names.contains(documented) && context_name.as_deref() != Some(documented.as_str()) {
            errors.push(*span, format!("the `# Arguments` list documents `{documented}`, which is not an argument of `{fn_ident}`; fix the name or remove the line"));
        }
    }
    errors.finish()?;

    let serde_path = LitStr::new(&format!("{}::serde", path_string(&krate)), Span::call_site());
    let schemars_path = LitStr::new(&format!("{}::schemars", path_string(&krate)), Span::call_site());

    // The argument struct: one field per argument, docs as descriptions.
    let mut defaults = Vec::new();
    let fields = function
        .args()
        .map(|arg| {
            let ident = arg.ident;
            let ty = arg.ty;
            let plain = unraw(&ident.to_string());
            let doc = docs
                .arguments
                .iter()
                .find(|(n, _, _)| *n == plain)
                .map(|(_, text, _)| text.as_str());
            let doc_attr = doc.filter(|d| !d.is_empty()).map(|d| quote!(#[doc = #d]));
            let default_attr = match &arg.default {
                None => None,
                Some(None) => Some(quote!(#[serde(default)])),
                Some(Some(expr)) => {
                    let helper = format_ident!("__default_{}", plain);
                    let helper_name = LitStr::new(&helper.to_string(), Span::call_site());
                    defaults.push(quote!(fn #helper() -> #ty { #expr }));
                    Some(quote!(#[serde(default = #helper_name)]))
                }
            };
            quote!(#doc_attr #default_attr #ident: #ty)
        })
        .collect::<Vec<_>>();
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
            Input::Context => quote!(__ctx),
            Input::Arg(_) => {
                let local = format_ident!("__arg{}", arg_index);
                arg_index += 1;
                quote!(#local)
            }
        })
        .collect::<Vec<_>>();
    let call = quote!(#fn_ident(#(#call_args),*));

    // Spanned on the return type, so an unmet bound points at it.
    let (output_ty, encode): (TokenStream, TokenStream) = match &function.output {
        Output::Unit => (quote!(()), quote!(__rt::encode_unit)),
        Output::Result { ok, .. } => {
            let span = item.sig.output.span();
            (quote!(#ok), quote_spanned!(span=> __rt::encode_result))
        }
        Output::Plain(ty) => (quote!(#ty), quote_spanned!(ty.span()=> __rt::encode_value)),
    };

    let handler = if function.is_async {
        let async_span = item.sig.asyncness.map(|a| a.span()).unwrap_or_else(Span::call_site);
        let awaited = quote_spanned!(async_span=> __rt::require_send(#call).await);
        quote! {
            fn __call<'a>(__args: __rt::Arguments, __ctx: &'a __rt::Context) -> __rt::BoxFuture<'a, __rt::CallResult> {
                __rt::Box::pin(async move {
                    let __Args { #(#bindings),* } = __rt::decode_args::<__Args>(__args)?;
                    #encode(#awaited)
                })
            }
            const __HANDLER: __rt::Handler = __rt::Handler::Async(__call);
        }
    } else {
        quote! {
            fn __call(__args: __rt::Arguments, __ctx: &__rt::Context) -> __rt::CallResult {
                let __Args { #(#bindings),* } = __rt::decode_args::<__Args>(__args)?;
                #encode(#call)
            }
            const __HANDLER: __rt::Handler = __rt::Handler::Sync(__call);
        }
    };

    let title = option_str(attrs.title.as_ref().map(LitStr::value));
    let description = attrs
        .description
        .as_ref()
        .map(LitStr::value)
        .unwrap_or(docs.description);
    let params = function.args().map(|arg| {
        let plain = unraw(&arg.ident.to_string());
        let doc = docs
            .arguments
            .iter()
            .find(|(n, _, _)| *n == plain)
            .map(|(_, t, _)| t.clone())
            .unwrap_or_default();
        quote!(__rt::ParamDoc { name: #plain, description: #doc })
    });
    let tags = attrs.tags.iter().flatten();
    let scopes = attrs.scopes.iter().flatten();
    let method = match method.as_deref() {
        Some("GET") => quote!(__rt::Method::Get),
        Some("PUT") => quote!(__rt::Method::Put),
        Some("PATCH") => quote!(__rt::Method::Patch),
        Some("DELETE") => quote!(__rt::Method::Delete),
        _ => quote!(__rt::Method::Post),
    };
    let path = option_str(attrs.path.as_ref().map(LitStr::value));
    let timeout = match timeout_ms {
        Some(ms) => quote!(::core::option::Option::Some(__rt::Duration::from_millis(#ms))),
        None => quote!(::core::option::Option::None),
    };
    let flag = |flag: Option<crate::attr::Flag>| match flag {
        Some(f) => {
            let v = f.value;
            quote!(::core::option::Option::Some(#v))
        }
        None => quote!(::core::option::Option::None),
    };
    let read_only = flag(attrs.read_only);
    let destructive = flag(attrs.destructive);
    let idempotent = flag(attrs.idempotent);
    let open_world = flag(attrs.open_world);
    let location = quote_spanned!(fn_ident.span()=> ::core::file!(), ::core::line!(), ::core::module_path!());

    Ok(quote! {
        #[doc(hidden)]
        #[allow(
            non_camel_case_types,
            non_snake_case,
            unused,
            unused_qualifications,
            missing_docs,
            missing_debug_implementations,
            unreachable_pub,
            clippy::all,
            clippy::pedantic,
        )]
        const _: () = {
            use #krate::__private as __rt;

            #[derive(__rt::serde::Deserialize, __rt::schemars::JsonSchema)]
            #[serde(crate = #serde_path, deny_unknown_fields)]
            #[schemars(crate = #schemars_path)]
            struct __Args { #(#fields,)* }

            #(#defaults)*

            fn __input_schema(generator: &mut __rt::SchemaGenerator) -> __rt::Schema {
                __rt::input_schema::<__Args>(generator)
            }
            fn __output_schema(generator: &mut __rt::SchemaGenerator) -> __rt::Schema {
                __rt::output_schema::<#output_ty>(generator)
            }

            #handler

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
                    hidden_from_mcp: #hide_mcp,
                    hidden_from_rest: #hide_rest,
                    scopes: &[#(#scopes),*],
                    location: __rt::Location::new(#location),
                    input_schema: __input_schema,
                    output_schema: __output_schema,
                    handler: __HANDLER,
                })
            }
        };
    })
}

fn option_str(value: Option<String>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

fn unraw(ident: &str) -> String {
    ident.trim_start_matches("r#").to_owned()
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
