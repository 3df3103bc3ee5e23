//! Resources, prompts, completions and rich tool results: the fixtures the
//! official MCP conformance suite asks for by name (`test://static-text`,
//! `test_simple_prompt`, `test_image_content`, ...) and a few typed ones the
//! integration tests use for bad input.
//!
//! Not part of the `registry_tests` library (whose tools-only inventory the
//! golden MCP fixtures pin): included with `#[path]` by the
//! `conformance-server` binary and the `primitives` test binary.

use registry_core::content::{Audio, Content, EmbeddedResource, Image, PromptMessage, ResourceLink};
use registry_core::{ApiError, Context, api_function, api_prompt, api_resource};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How many functions this module registers (completion providers excluded).
pub(crate) const RICH_FUNCTIONS: usize = 15;

/// A 1x1 red PNG.
pub(crate) const RED_PIXEL_PNG: [u8; 69] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00, 0xc9, 0xfe, 0x92, 0xef,
    0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// One millisecond of silence: an 8 kHz, 8-bit mono WAV.
pub(crate) const SILENT_WAV: [u8; 52] = [
    0x52, 0x49, 0x46, 0x46, 0x2c, 0x00, 0x00, 0x00, 0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74, 0x20, 0x10, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x01, 0x00, 0x40, 0x1f, 0x00, 0x00, 0x40, 0x1f, 0x00, 0x00, 0x01, 0x00, 0x08, 0x00, 0x64, 0x61,
    0x74, 0x61, 0x08, 0x00, 0x00, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
];

// ---------------------------------------------------------------- resources

/// A fixed text resource, for the `resources-read-text` scenario.
#[api_resource(uri = "test://static-text", mime_type = "text/plain", audience = ["user"], priority = 0.5)]
pub(crate) fn test_static_text() -> String {
    "This is the content of the static text resource.".to_owned()
}

/// A fixed binary resource (a PNG), for the `resources-read-binary` scenario.
#[api_resource(uri = "test://static-binary", mime_type = "image/png", size = 69)]
pub(crate) fn test_static_binary() -> Vec<u8> {
    RED_PIXEL_PNG.to_vec()
}

/// The same PNG as `bytes::Bytes` (re-exported by `registry_core::content`).
#[api_resource(uri = "test://static-bytes", mime_type = "image/png")]
pub(crate) async fn test_static_bytes() -> registry_core::content::Bytes {
    registry_core::content::Bytes::from_static(&RED_PIXEL_PNG)
}

/// What `test://template/{id}/data` answers.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct TemplateData {
    /// The `{id}` of the URI.
    pub(crate) id: String,
    /// Always true.
    #[serde(rename = "templateTest")]
    pub(crate) template_test: bool,
    /// A sentence naming the id.
    pub(crate) data: String,
}

/// A resource template, for the `resources-templates-read` scenario.
///
/// # Arguments
/// * `id` - any identifier
#[api_resource(uri = "test://template/{id}/data", mime_type = "application/json")]
pub(crate) fn test_template_data(id: String) -> TemplateData {
    TemplateData {
        data: format!("Data for ID: {id}"),
        id,
        template_test: true,
    }
}

/// A typed template: a block by its height, with completion of recent heights.
///
/// # Arguments
/// * `height` - the block height
#[api_resource(
    uri = "test://blocks/{height}",
    mime_type = "application/json",
    icon = "../examples/hashstats/assets/chart.svg"
)]
pub(crate) async fn test_block(#[arg(complete = recent_heights)] height: u64) -> Result<serde_json::Value, ApiError> {
    if height > 1_000_000 {
        return Err(ApiError::not_found(format!("no block at height {height}")));
    }
    Ok(serde_json::json!({"height": height, "hash": format!("{height:064x}")}))
}

/// The heights `test://blocks/{height}` completes: 100 to 249, as text.
pub(crate) async fn recent_heights(prefix: String, _ctx: &Context) -> Vec<String> {
    (100..250)
        .map(|h: u32| h.to_string())
        .filter(|h| h.starts_with(&prefix))
        .collect()
}

// ---------------------------------------------------------------- prompts

/// A prompt without arguments, for the `prompts-get-simple` scenario.
#[api_prompt]
pub(crate) fn test_simple_prompt() -> Vec<PromptMessage> {
    vec![PromptMessage::user("This is a simple prompt for testing.")]
}

/// A prompt with two string arguments, for `prompts-get-with-args` and `completion-complete`.
///
/// # Arguments
/// * `arg1` - First test argument
/// * `arg2` - Second test argument
#[api_prompt]
pub(crate) fn test_prompt_with_arguments(#[arg(complete = places)] arg1: String, arg2: String) -> Vec<PromptMessage> {
    vec![PromptMessage::user(format!(
        "Prompt with arguments: arg1='{arg1}', arg2='{arg2}'"
    ))]
}

/// Completes `arg1` of `test_prompt_with_arguments`.
pub(crate) fn places(prefix: String, _ctx: &Context) -> Vec<String> {
    ["paris", "park", "party", "london"]
        .into_iter()
        .filter(|p| p.starts_with(&prefix))
        .map(str::to_owned)
        .collect()
}

/// A prompt embedding a resource, for the `prompts-get-embedded-resource` scenario.
///
/// # Arguments
/// * `resourceUri` - URI of the resource to embed
#[allow(non_snake_case)]
#[api_prompt]
pub(crate) fn test_prompt_with_embedded_resource(resourceUri: String) -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(EmbeddedResource::text(
            resourceUri,
            "text/plain",
            "Embedded resource content for testing.",
        )),
        PromptMessage::user("Please process the embedded resource above."),
    ]
}

/// A prompt with an image, for the `prompts-get-with-image` scenario.
#[api_prompt]
pub(crate) fn test_prompt_with_image() -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Image::png(RED_PIXEL_PNG.to_vec())),
        PromptMessage::user("Please analyze the image above."),
    ]
}

/// How long a period to look at.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Period {
    /// One day.
    Day,
    /// One week.
    Week,
    /// One month.
    Month,
}

/// A prompt with typed arguments: an enum (which completes by itself), a number and an optional flag.
///
/// # Arguments
/// * `period` - the period to review
/// * `count` - how many items to list
/// * `verbose` - whether to explain each item
#[api_prompt(title = "Review a period")]
pub(crate) async fn test_typed_prompt(period: Period, count: u32, verbose: Option<bool>) -> Vec<PromptMessage> {
    let detail = if verbose.unwrap_or(false) { " in detail" } else { "" };
    vec![
        PromptMessage::user(format!("List the top {count} items of the last {period:?}{detail}.")),
        PromptMessage::assistant("Here they are:"),
    ]
}

// ---------------------------------------------------------------- rich tool results

/// An image result, for the `tools-call-image` scenario.
#[api_function(read_only, icon = "fixtures/icons/pixel.png")]
pub(crate) fn test_image_content() -> Image {
    Image::png(RED_PIXEL_PNG.to_vec())
}

/// An audio result, for the `tools-call-audio` scenario.
#[api_function(read_only)]
pub(crate) fn test_audio_content() -> Audio {
    Audio::wav(SILENT_WAV.to_vec())
}

/// An embedded resource result, for the `tools-call-embedded-resource` scenario.
#[api_function(read_only)]
pub(crate) fn test_embedded_resource() -> EmbeddedResource {
    EmbeddedResource::text(
        "test://embedded-resource",
        "text/plain",
        "This is an embedded resource content.",
    )
}

/// Text, an image and a resource, for the `tools-call-mixed-content` scenario.
#[api_function(read_only)]
pub(crate) async fn test_multiple_content_types() -> Vec<Content> {
    vec![
        Content::text("Multiple content types test:"),
        Image::png(RED_PIXEL_PNG.to_vec()).into(),
        EmbeddedResource::text(
            "test://mixed-content-resource",
            "application/json",
            r#"{"test":"data","value":123}"#,
        )
        .into(),
    ]
}

/// A link to the static text resource.
#[api_function(read_only)]
pub(crate) fn test_resource_link() -> ResourceLink {
    ResourceLink::new("test://static-text", "test_static_text").with_mime_type("text/plain")
}
