//! Cold start and idle RSS of a server binary: spawns the command, sends one
//! HTTP request to `127.0.0.1:PORT` in a tight loop until the answer contains
//! the expected text, then waits, reads `VmRSS` and kills the process.
//!
//! Usage: `coldstart PORT PATH BODY EXPECT [HEADER:VALUE;...] -- COMMAND ARGS...`
//! Prints one JSON line: `{"start_ms": ..., "rss_kb": ...}`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let split = args
        .iter()
        .position(|a| a == "--")
        .expect("usage: coldstart PORT PATH BODY EXPECT [HEADERS] -- CMD...");
    let port: u16 = args[1].parse().expect("port");
    let path = &args[2];
    let body = &args[3];
    let expect = &args[4];
    let headers = if split > 5 { args[5].clone() } else { String::new() };
    let command = &args[split + 1..];

    let mut extra = String::new();
    for header in headers.split(';').filter(|h| !h.is_empty()) {
        extra.push_str(header);
        extra.push_str("\r\n");
    }
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );

    let started = Instant::now();
    let mut child = Command::new(&command[0])
        .args(&command[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the server");
    let deadline = started + Duration::from_secs(30);
    let answered = loop {
        if Instant::now() > deadline {
            let _ = child.kill();
            eprintln!("no correct answer within 30 s");
            std::process::exit(1);
        }
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            let mut response = Vec::new();
            if stream.write_all(request.as_bytes()).is_ok() && stream.read_to_end(&mut response).is_ok() {
                let text = String::from_utf8_lossy(&response);
                if text.starts_with("HTTP/1.1 200") && text.contains(expect.as_str()) {
                    break started.elapsed();
                }
            }
        }
        std::thread::sleep(Duration::from_micros(200));
    };
    std::thread::sleep(Duration::from_secs(1));
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    let rss_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let _ = child.kill();
    let _ = child.wait();
    println!(
        "{{\"start_ms\": {:.3}, \"rss_kb\": {rss_kb}}}",
        answered.as_secs_f64() * 1000.0
    );
}
