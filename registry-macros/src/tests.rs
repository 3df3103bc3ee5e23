//! Snapshots of what `#[api_function]` generates, pretty-printed: a change to
//! the expansion shows up as a reviewable diff (dropshot's habit).
//! Regenerate with `INSTA_UPDATE=always cargo test -p registry-macros`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::attr::Attribute;
use crate::expand::entry;

fn expand(args: TokenStream, input: TokenStream) -> String {
    expand_as(Attribute::Function, args, input)
}

fn expand_as(attribute: Attribute, args: TokenStream, input: TokenStream) -> String {
    let output = entry(attribute, args, input);
    let file = syn::parse2::<syn::File>(output).expect("the expansion parses as items");
    prettyplease::unparse(&file)
}

#[test]
fn sync_function() {
    insta::assert_snapshot!(expand(
        quote!(),
        quote! {
            /// Add two numbers.
            ///
            /// # Arguments
            /// * `a` - the first addend
            /// * `b` - the second addend
            fn add(a: i64, b: i64) -> i64 {
                a + b
            }
        },
    ));
}

#[test]
fn async_function_with_context_and_options() {
    insta::assert_snapshot!(expand(
        quote!(method = "GET", tags = ["mining"], timeout = "5s", read_only),
        quote! {
            /// Current network hash rate from the upstream API.
            async fn current_hashrate(ctx: &Context, window: Option<String>) -> Result<HashRate, ApiError> {
                fetch(ctx, window).await
            }
        },
    ));
}

#[test]
fn defaults_and_unit_return() {
    insta::assert_snapshot!(expand(
        quote!(name = "log.write", crate = my_registry),
        quote! {
            /// Write one log line.
            fn write_log(line: String, #[arg(default)] level: u8, #[arg(default = 3)] retries: u32) {
                let _ = (line, level, retries);
            }
        },
    ));
}

#[test]
fn an_error_keeps_the_function_and_adds_compile_error() {
    insta::assert_snapshot!(expand(
        quote!(method = "FETCH"),
        quote! {
            /// Nothing.
            fn nothing() {}
        },
    ));
}

#[test]
fn defaults_with_a_crate_path() {
    insta::assert_snapshot!(expand(
        quote!(crate = "my_registry", hidden_from = ["rest"]),
        quote! {
            /// Write one log line.
            fn write_log(line: String, #[arg(default)] level: u8, #[arg(default = 3)] retries: u32) {
                let _ = (line, level, retries);
            }
        },
    ));
}

#[test]
fn resource_template_with_completer() {
    insta::assert_snapshot!(expand_as(
        Attribute::Resource,
        quote!(
            uri = "hashstats://blocks/{height}",
            mime_type = "application/json",
            audience = ["user"],
            priority = 0.5
        ),
        quote! {
            /// One block by height.
            async fn block(ctx: &Context, #[arg(complete = recent_heights)] height: u64) -> Result<Block, ApiError> {
                fetch(ctx, height).await
            }
        },
    ));
}

#[test]
fn prompt() {
    insta::assert_snapshot!(expand_as(
        Attribute::Prompt,
        quote!(title = "Explain a period"),
        quote! {
            /// Ask the model to explain a period.
            fn explain(period: Period) -> Vec<PromptMessage> {
                vec![PromptMessage::user(format!("Explain {period:?}"))]
            }
        },
    ));
}

#[test]
fn call_policy_options() {
    insta::assert_snapshot!(expand(
        quote!(rate_limit = "100/min", max_concurrency = 4, task = "optional"),
        quote! {
            /// Log in.
            async fn login(user: String, #[arg(sensitive)] password: String, #[arg(sensitive, default)] otp: Option<String>) -> bool {
                check(user, password, otp).await
            }
        },
    ));
}
