//! Graceful shutdown of the real binary: SIGTERM lets an in-flight call
//! finish, refuses new connections, and exits 0; past the grace period the
//! remaining calls are cancelled and the process still exits 0.

#![cfg(unix)]

use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::progress_call::long_call;

struct Fixture {
    child: Child,
    port: u16,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

async fn spawn(grace: &str) -> Fixture {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_fixture-server"))
        .args(["serve", "--port", &port.to_string()])
        .env("SHUTDOWN_GRACE", grace)
        .env("RUST_LOG", "warn")
        .env_remove("API_KEYS")
        .env_remove("API_KEYS_FILE")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("fixture-server starts");
    let fixture = Fixture { child, port };
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(answer) = client.get(format!("http://127.0.0.1:{port}/healthz")).send().await
            && answer.status() == 200
        {
            return fixture;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fixture-server never answered /healthz");
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Waits (at most `limit`) for the process to exit.
async fn exit_status(child: &mut Child, limit: Duration) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("waitable") {
            return status;
        }
        assert!(start.elapsed() < limit, "the process did not exit within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_call_in_flight_finish_and_refuses_new_connections() {
    let mut fixture = spawn("30s").await;
    let mut call = long_call(
        &reqwest::Client::new(),
        &format!("http://127.0.0.1:{}", fixture.port),
        100,
    )
    .await;
    sigterm(&fixture.child);

    // The listener closes: a new connection is refused (bounded wait for the signal to land).
    let mut refused = false;
    for _ in 0..250 {
        if TcpStream::connect(("127.0.0.1", fixture.port)).is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "new connections were still accepted after SIGTERM");

    // The call in flight runs to its end.
    let mut rest = Vec::new();
    while let Some(chunk) = tokio::time::timeout(Duration::from_secs(20), call.chunk())
        .await
        .expect("the stream keeps going")
        .expect("readable")
    {
        rest.extend_from_slice(&chunk);
    }
    let text = String::from_utf8_lossy(&rest);
    let last = text.rsplit("data: ").next().map(str::trim).expect("a final event");
    let reply: serde_json::Value = serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {last}"));
    assert_eq!(reply["result"]["structuredContent"]["result"], 100, "{reply}");

    let status = exit_status(&mut fixture.child, Duration::from_secs(20)).await;
    assert!(status.success(), "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_grace_period_remaining_calls_are_cancelled_and_the_process_exits_0() {
    let mut fixture = spawn("300ms").await;
    // Ten-minute call: it can only end by being cancelled.
    let mut call = long_call(
        &reqwest::Client::new(),
        &format!("http://127.0.0.1:{}", fixture.port),
        60_000,
    )
    .await;
    sigterm(&fixture.child);
    let status = exit_status(&mut fixture.child, Duration::from_secs(20)).await;
    assert!(status.success(), "{status:?}");
    // The stream ends without a final response.
    let mut rest = Vec::new();
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout(Duration::from_secs(5), call.chunk()).await {
        rest.extend_from_slice(&chunk);
    }
    assert!(!String::from_utf8_lossy(&rest).contains("\"result\":{\"content\""));
}
