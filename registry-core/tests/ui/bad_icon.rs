use registry_core::{api_function, api_prompt};
use registry_core::content::PromptMessage;

/// A GIF is not an icon format.
#[api_function(icon = "assets/logo.gif")]
fn gif() {}

/// A missing file.
#[api_prompt(icon = "assets/no-such-icon.svg")]
fn missing() -> Vec<PromptMessage> {
    Vec::new()
}

fn main() {}
