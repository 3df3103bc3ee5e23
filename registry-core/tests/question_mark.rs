//! `?` inside API functions: the common error types convert into
//! `ApiError` (internal, detail logged, message masked), and
//! `ApiError::from_error` picks another kind.

use registry_core::{ApiError, Context, ErrorKind, Protocol, Registry, api_function};
use serde_json::{Value, json};

fn fails_with_string() -> Result<u32, String> {
    Err("the cache is cold".to_owned())
}

/// `?` on `Result<_, String>`.
#[api_function(tags = ["question_mark"])]
fn from_string() -> Result<u32, ApiError> {
    Ok(fails_with_string()?)
}

/// `?` on `Result<_, &str>`.
#[api_function(tags = ["question_mark"])]
fn from_str_slice() -> Result<u32, ApiError> {
    let failed: Result<u32, &str> = Err("no luck");
    Ok(failed?)
}

/// `?` on `Result<_, Box<dyn Error + Send + Sync>>`, with a source chain.
#[api_function(tags = ["question_mark"])]
async fn from_boxed() -> Result<u32, ApiError> {
    let inner = std::io::Error::other("connection reset");
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(Wrapped(inner));
    Err(boxed)?
}

/// `?` on an I/O error.
#[api_function(tags = ["question_mark"])]
fn from_io() -> Result<String, ApiError> {
    Ok(std::fs::read_to_string("/definitely/not/here")?)
}

/// `?` on a serde_json error.
#[api_function(tags = ["question_mark"])]
fn from_json() -> Result<Value, ApiError> {
    Ok(serde_json::from_str("{not json")?)
}

/// `ApiError::from_error` for a kind callers should read.
#[api_function(tags = ["question_mark"])]
fn from_parse(text: String) -> Result<u32, ApiError> {
    text.parse()
        .map_err(|err| ApiError::from_error(ErrorKind::InvalidArguments, err))
}

#[derive(Debug)]
struct Wrapped(std::io::Error);

impl std::fmt::Display for Wrapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the upstream call failed")
    }
}

impl std::error::Error for Wrapped {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[tokio::test]
async fn common_errors_convert_with_question_mark() {
    let registry = Registry::builder().tag("question_mark").build().unwrap();
    let call = |name: &'static str, args: Value| {
        let registry = registry.clone();
        async move {
            registry
                .invoke(name, args, Context::new(Protocol::Direct))
                .await
                .unwrap_err()
        }
    };
    for (name, detail) in [
        ("from_string", "the cache is cold"),
        ("from_str_slice", "no luck"),
        ("from_boxed", "the upstream call failed: connection reset"),
    ] {
        let err = call(name, json!({})).await;
        assert_eq!(err.kind(), ErrorKind::Internal, "{name}");
        assert_eq!(err.message(), "internal error", "{name}: the detail is masked");
        assert_eq!(err.internal_detail(), Some(detail), "{name}");
    }
    let io = call("from_io", json!({})).await;
    assert_eq!(io.kind(), ErrorKind::Internal);
    assert!(io.internal_detail().unwrap().contains("No such file"), "{io:?}");
    let json_err = call("from_json", json!({})).await;
    assert_eq!(json_err.kind(), ErrorKind::Internal);
    assert!(
        json_err.internal_detail().unwrap().contains("key must be a string"),
        "{json_err:?}"
    );
    let parse = call("from_parse", json!({"text": "x"})).await;
    assert_eq!(parse.kind(), ErrorKind::InvalidArguments);
    assert_eq!(parse.message(), "invalid digit found in string");
}

#[cfg(feature = "anyhow")]
mod anyhow_errors {
    use super::*;

    /// `?` on an `anyhow::Error` (feature `anyhow`).
    #[api_function(tags = ["question_mark_anyhow"])]
    fn from_anyhow() -> Result<u32, ApiError> {
        let failed: anyhow::Result<u32> = Err(anyhow::anyhow!("root cause").context("while loading"));
        Ok(failed?)
    }

    #[tokio::test]
    async fn anyhow_errors_keep_their_chain_in_the_log() {
        let registry = Registry::builder().tag("question_mark_anyhow").build().unwrap();
        let err = registry
            .invoke("from_anyhow", json!({}), Context::new(Protocol::Direct))
            .await
            .unwrap_err();
        assert_eq!((err.kind(), err.message()), (ErrorKind::Internal, "internal error"));
        assert_eq!(err.internal_detail(), Some("while loading: root cause"));
    }
}
