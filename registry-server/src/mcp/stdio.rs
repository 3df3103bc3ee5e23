//! MCP over stdin/stdout: one JSON message per line, nothing else on stdout.
//!
//! Requests run concurrently inside this one task (a `FuturesUnordered`, no
//! spawn), so `notifications/cancelled` can reach a call that is still
//! running. At stdin EOF the server lets in-flight calls finish (up to the
//! configured shutdown grace) and exits.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use registry_core::{CancelToken, Registry};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use crate::ServerConfig;

use super::dispatch::{Mcp, RequestEnv};
use super::model::{self, Id, Kind, Reply, RpcError};

type Call = Pin<Box<dyn Future<Output = (String, Option<Reply>)> + Send>>;

/// Serves `registry` over stdin/stdout until stdin closes.
pub(crate) async fn serve(registry: Registry, config: ServerConfig) -> std::io::Result<()> {
    let mcp = Arc::new(Mcp::new(&registry, &config).map_err(std::io::Error::other)?);
    tracing::info!(
        tools = registry.exposed(registry_core::Protocol::Mcp).count(),
        "serving MCP on stdio"
    );
    run(
        mcp,
        tokio::io::stdin(),
        tokio::io::stdout(),
        Limits {
            line: config.max_body_bytes,
            depth: config.max_json_depth,
        },
        config.shutdown_grace,
    )
    .await
}

/// Per-line limits: bytes (the body limit) and JSON nesting depth.
#[derive(Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) line: usize,
    pub(crate) depth: usize,
}

/// The loop, over any reader and writer (tests use in-memory pipes).
pub(crate) async fn run(
    mcp: Arc<Mcp>,
    input: impl tokio::io::AsyncRead + Unpin,
    mut output: impl AsyncWrite + Unpin,
    limits: Limits,
    grace: std::time::Duration,
) -> std::io::Result<()> {
    let mut input = BufReader::new(input);
    let (sender, mut notifications) = mpsc::unbounded_channel::<Vec<u8>>();
    let mut calls: FuturesUnordered<Call> = FuturesUnordered::new();
    let mut in_flight: HashMap<String, CancelToken> = HashMap::new();
    let mut cancelled: HashSet<String> = HashSet::new();
    let mut line = Vec::new();
    // Set while discarding the rest of a line longer than the limit: memory
    // stays bounded by the limit however long a line is.
    let mut oversized = false;

    loop {
        // Never buffer more than one byte past the limit.
        let budget = (limits.line + 1).saturating_sub(line.len()) as u64;
        let mut bounded = (&mut input).take(budget);
        tokio::select! {
            read = bounded.read_until(b'\n', &mut line) => {
                let read = read?;
                let complete = line.last() == Some(&b'\n');
                if !complete && line.len() > limits.line {
                    oversized = true;
                    line.clear();
                    continue;
                }
                if read == 0 && line.is_empty() {
                    break;
                }
                let message = std::mem::take(&mut line);
                let reply = if std::mem::take(&mut oversized) {
                    Some(too_large(limits.line))
                } else {
                    accept(&mcp, &message, limits, &sender, &mut calls, &mut in_flight, &mut cancelled)
                };
                if let Some(reply) = reply {
                    write_line(&mut output, &reply.to_bytes()).await?;
                }
                if read == 0 {
                    break;
                }
            }
            Some(note) = notifications.recv() => write_line(&mut output, &note).await?,
            Some((key, reply)) = calls.next(), if !calls.is_empty() => {
                finish(&mut output, &mut notifications, key, reply, &mut in_flight, &mut cancelled).await?;
            }
        }
    }

    // stdin closed: finish what is running, then exit.
    let drain = async {
        while let Some((key, reply)) = calls.next().await {
            finish(
                &mut output,
                &mut notifications,
                key,
                reply,
                &mut in_flight,
                &mut cancelled,
            )
            .await?;
        }
        std::io::Result::Ok(())
    };
    match tokio::time::timeout(grace, drain).await {
        Ok(result) => result?,
        Err(_) => tracing::warn!("stdin closed; calls still running after the shutdown grace were dropped"),
    }
    output.flush().await
}

fn too_large(limit: usize) -> Reply {
    let error = RpcError::new(
        crate::errors::code::INVALID_REQUEST,
        format!("the message is larger than the {limit}-byte limit"),
    );
    Reply::error(None, error)
}

/// Handles one line: cancellations act at once, requests join the running set.
#[allow(clippy::too_many_arguments)]
fn accept(
    mcp: &Arc<Mcp>,
    line: &[u8],
    limits: Limits,
    sender: &mpsc::UnboundedSender<Vec<u8>>,
    calls: &mut FuturesUnordered<Call>,
    in_flight: &mut HashMap<String, CancelToken>,
    cancelled: &mut HashSet<String>,
) -> Option<Reply> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    if line.len() > limits.line {
        return Some(too_large(limits.line));
    }
    if crate::http::json_too_deep(line, limits.depth) {
        let error = RpcError::new(
            crate::errors::code::INVALID_REQUEST,
            format!("the message nests deeper than {} levels", limits.depth),
        );
        return Some(Reply::error(None, error));
    }
    let message = match model::decode(line) {
        Ok(message) => message,
        Err(rejection) => return Some(Reply::error(rejection.id, rejection.error)),
    };
    match message.kind {
        Kind::Notification if message.method == "notifications/cancelled" => {
            let target = message
                .params
                .get("requestId")
                .cloned()
                .and_then(|v| serde_json::from_value::<Id>(v).ok());
            if let Some(key) = target.map(|id| id.key())
                && let Some(token) = in_flight.get(&key)
            {
                tracing::debug!(request = %key, "cancelled by the client");
                token.cancel();
                cancelled.insert(key);
            }
            None
        }
        Kind::Request => {
            let key = message.id.as_ref().map(Id::key).unwrap_or_default();
            let cancel = CancelToken::new();
            in_flight.insert(key.clone(), cancel.clone());
            let sender = sender.clone();
            let env = RequestEnv {
                notifications: Some(Arc::new(move |note| {
                    let _ = sender.send(note);
                })),
                cancel,
                ..RequestEnv::default()
            };
            let mcp = Arc::clone(mcp);
            calls.push(Box::pin(async move { (key, mcp.dispatch(message, env).await) }));
            None
        }
        Kind::Notification | Kind::Response => {
            tracing::debug!(method = %message.method, "notification ignored");
            None
        }
    }
}

/// Writes a finished call's reply after any notifications it sent, unless it was cancelled.
async fn finish(
    output: &mut (impl AsyncWrite + Unpin),
    notifications: &mut mpsc::UnboundedReceiver<Vec<u8>>,
    key: String,
    reply: Option<Reply>,
    in_flight: &mut HashMap<String, CancelToken>,
    cancelled: &mut HashSet<String>,
) -> std::io::Result<()> {
    while let Ok(note) = notifications.try_recv() {
        write_line(output, &note).await?;
    }
    in_flight.remove(&key);
    if cancelled.remove(&key) {
        // The spec: a cancelled request gets no response.
        return Ok(());
    }
    if let Some(reply) = reply {
        write_line(output, &reply.to_bytes()).await?;
    }
    Ok(())
}

async fn write_line(output: &mut (impl AsyncWrite + Unpin), json: &[u8]) -> std::io::Result<()> {
    output.write_all(json).await?;
    output.write_all(b"\n").await?;
    output.flush().await
}
