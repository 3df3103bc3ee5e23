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
use registry_core::{CancellationToken, Registry};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use crate::call_env::CallEnv;

use super::Settings;
use super::dispatch::{Dispatcher, RequestEnv};
use super::jsonrpc::{Id, Kind, Reply, RpcError, code};
use super::request::{self, Method};

type Call = Pin<Box<dyn Future<Output = (String, Option<Reply>)> + Send>>;

/// Serves `registry` over stdin/stdout until stdin closes.
pub(crate) async fn serve(registry: Registry, settings: &Settings) -> std::io::Result<()> {
    let mcp = Arc::new(Dispatcher::new(&registry, settings));
    let on_mcp = |f: fn(&registry_core::ApiFunction) -> bool| {
        registry
            .exposed(registry_core::Protocol::Mcp)
            .filter(|e| f(e.function()))
            .count()
    };
    tracing::info!(
        tools = on_mcp(|f| f.is_tool()),
        resources = on_mcp(|f| f.resource().is_some()),
        prompts = on_mcp(|f| f.prompt().is_some()),
        "serving MCP on stdio"
    );
    run(
        mcp,
        tokio::io::stdin(),
        tokio::io::stdout(),
        Limits {
            line: settings.max_message_bytes,
            depth: settings.max_json_depth,
        },
        settings.shutdown_grace,
    )
    .await
}

/// Per-line limits: bytes (the body limit) and JSON nesting depth.
#[derive(Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) line: usize,
    pub(crate) depth: usize,
}

/// One stdio session: the calls running, their cancellation tokens, and
/// where their notifications go.
struct Session {
    mcp: Arc<Dispatcher>,
    limits: Limits,
    sender: mpsc::UnboundedSender<Vec<u8>>,
    notifications: mpsc::UnboundedReceiver<Vec<u8>>,
    calls: FuturesUnordered<Call>,
    /// The token of each running request, by its id's [`Id::key`].
    in_flight: HashMap<String, CancellationToken>,
    /// Requests cancelled by the client: they get no response.
    cancelled: HashSet<String>,
}

/// The loop, over any reader and writer (the unit tests use in-memory pipes).
pub(crate) async fn run(
    mcp: Arc<Dispatcher>,
    input: impl tokio::io::AsyncRead + Unpin,
    mut output: impl AsyncWrite + Unpin,
    limits: Limits,
    grace: std::time::Duration,
) -> std::io::Result<()> {
    let mut input = BufReader::new(input);
    let (sender, notifications) = mpsc::unbounded_channel::<Vec<u8>>();
    let mut session = Session {
        mcp,
        limits,
        sender,
        notifications,
        calls: FuturesUnordered::new(),
        in_flight: HashMap::new(),
        cancelled: HashSet::new(),
    };
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
                    session.accept(&message)
                };
                if let Some(reply) = reply {
                    write_line(&mut output, &reply.to_bytes()).await?;
                }
                if read == 0 {
                    break;
                }
            }
            Some(note) = session.notifications.recv() => write_line(&mut output, &note).await?,
            Some((key, reply)) = session.calls.next(), if !session.calls.is_empty() => {
                session.finish(&mut output, key, reply).await?;
            }
        }
    }

    // stdin closed: finish what is running, then exit.
    let drain = async {
        while let Some((key, reply)) = session.calls.next().await {
            session.finish(&mut output, key, reply).await?;
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
        code::INVALID_REQUEST,
        format!("the message is larger than the {limit}-byte limit"),
    );
    Reply::error(None, error)
}

impl Session {
    /// Handles one line: cancellations act at once, requests join the running set.
    fn accept(&mut self, line: &[u8]) -> Option<Reply> {
        let limits = self.limits;
        if line.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        if line.len() > limits.line {
            return Some(too_large(limits.line));
        }
        if crate::http::json_too_deep(line, limits.depth) {
            let error = RpcError::new(
                code::INVALID_REQUEST,
                format!("the message nests deeper than {} levels", limits.depth),
            );
            return Some(Reply::error(None, error));
        }
        let message = match request::decode(line) {
            Ok(message) => message,
            Err(rejection) => return Some(Reply::error(rejection.id, rejection.error)),
        };
        match message.kind {
            Kind::Notification if message.method == Method::Cancelled => {
                let target = message
                    .params
                    .get("requestId")
                    .cloned()
                    .and_then(|v| serde_json::from_value::<Id>(v).ok());
                if let Some(key) = target.map(|id| id.key())
                    && let Some(token) = self.in_flight.get(&key)
                {
                    tracing::debug!(request = %key, "cancelled by the client");
                    token.cancel();
                    self.cancelled.insert(key);
                }
                None
            }
            Kind::Request => {
                let key = message.id.as_ref().map(Id::key).unwrap_or_default();
                let cancel = CancellationToken::new();
                self.in_flight.insert(key.clone(), cancel.clone());
                let sender = self.sender.clone();
                let env = RequestEnv {
                    call: CallEnv {
                        cancel: Some(cancel),
                        ..CallEnv::default()
                    },
                    notifications: Some(Arc::new(move |note| {
                        let _ = sender.send(note);
                    })),
                };
                let mcp = Arc::clone(&self.mcp);
                self.calls
                    .push(Box::pin(async move { (key, mcp.dispatch(message, env).await) }));
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
        &mut self,
        output: &mut (impl AsyncWrite + Unpin),
        key: String,
        reply: Option<Reply>,
    ) -> std::io::Result<()> {
        while let Ok(note) = self.notifications.try_recv() {
            write_line(output, &note).await?;
        }
        self.in_flight.remove(&key);
        if self.cancelled.remove(&key) {
            // The spec: a cancelled request gets no response.
            return Ok(());
        }
        if let Some(reply) = reply {
            write_line(output, &reply.to_bytes()).await?;
        }
        Ok(())
    }
}

async fn write_line(output: &mut (impl AsyncWrite + Unpin), json: &[u8]) -> std::io::Result<()> {
    output.write_all(json).await?;
    output.write_all(b"\n").await?;
    output.flush().await
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use registry_core::{Registry, api_function};
    use serde_json::{Value, json};
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    use super::*;

    /// Echoes its text.
    #[api_function]
    fn stdio_echo(text: String) -> String {
        text
    }

    static SAW_CANCEL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

    /// Waits until it is cancelled.
    #[api_function]
    async fn stdio_wait(ctx: &registry_core::Context) -> bool {
        ctx.cancelled().await;
        SAW_CANCEL.store(true, std::sync::atomic::Ordering::SeqCst);
        true
    }

    #[tokio::test]
    async fn lines_in_replies_out_and_cancelled_calls_get_no_reply() {
        let registry = Registry::builder()
            .name("stdio_echo")
            .name("stdio_wait")
            .build()
            .unwrap();
        let mcp = Arc::new(Dispatcher::new(&registry, &crate::mcp::Settings::default()));
        let (mut client, server) = tokio::io::duplex(64 * 1024);
        let (server_in, server_out) = tokio::io::split(server);
        let limits = Limits { line: 4096, depth: 8 };
        let session = tokio::spawn(run(mcp, server_in, server_out, limits, Duration::from_secs(5)));

        let send = |value: Value| format!("{value}\n");
        let wait = json!({"jsonrpc": "2.0", "id": "w", "method": "tools/call", "params": {"name": "stdio_wait"}});
        let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": "w"}});
        let echo = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "stdio_echo", "arguments": {"text": "hi"}}});
        let mut input = String::new();
        for message in [wait, cancel, echo] {
            input.push_str(&send(message));
        }
        input.push_str("{oops\n");
        input.push_str(&"[".repeat(20));
        input.push('\n');
        client.write_all(input.as_bytes()).await.unwrap();
        client.shutdown().await.unwrap();

        let mut replies = Vec::new();
        let mut lines = BufReader::new(client).lines();
        while let Some(line) = lines.next_line().await.unwrap() {
            replies.push(serde_json::from_str::<Value>(&line).unwrap());
        }
        session.await.unwrap().unwrap();
        let ids: Vec<&Value> = replies.iter().map(|r| &r["id"]).collect();
        assert!(
            !ids.contains(&&json!("w")),
            "the cancelled call is not answered: {replies:?}"
        );
        assert!(
            SAW_CANCEL.load(std::sync::atomic::Ordering::SeqCst),
            "notifications/cancelled reached the running call"
        );
        let echo = replies.iter().find(|r| r["id"] == 2).unwrap();
        assert_eq!(echo["result"]["structuredContent"], json!({"result": "hi"}));
        let codes: Vec<&Value> = replies
            .iter()
            .filter_map(|r| r.get("error"))
            .map(|e| &e["code"])
            .collect();
        assert_eq!(codes, [&json!(-32700), &json!(-32600)], "{replies:?}");
    }
}
