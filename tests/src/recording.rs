//! A hook that records every call it sees, for the tests that check every
//! protocol runs the same hooks through the same code.
//!
//! In-process tests read the records from [`Recorder::records`]; the
//! `fixture-server` binary installs one writing JSON lines to the file named
//! by `RECORD_CALLS`, so the CLI and stdio tests can read what it saw.

use std::io::Write as _;
use std::sync::{Arc, Mutex};

use registry_core::hook::{Hook, Next};
use registry_core::{Call, CallResult};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the recording hook saw of one call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The function's name.
    pub function: String,
    /// The arguments as JSON (`null` when they were not JSON at all).
    pub arguments: Value,
    /// The principal's id, when the call was authenticated.
    pub principal: Option<String>,
    /// The protocol (`rest`, `mcp`, `direct`).
    pub protocol: String,
    /// `ok`, or the error kind's code.
    pub outcome: String,
}

impl Record {
    /// The record without its protocol: what must agree across protocols.
    pub fn without_protocol(&self) -> (String, Value, Option<String>, String) {
        (
            self.function.clone(),
            self.arguments.clone(),
            self.principal.clone(),
            self.outcome.clone(),
        )
    }
}

/// The recording hook; clones share the records.
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    records: Arc<Mutex<Vec<Record>>>,
    file: Option<Arc<Mutex<std::fs::File>>>,
}

impl Recorder {
    /// A recorder that also appends each record as a JSON line to `path`.
    pub fn to_file(path: &str) -> std::io::Result<Recorder> {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Recorder {
            records: Arc::default(),
            file: Some(Arc::new(Mutex::new(file))),
        })
    }

    /// Every record so far, in call order; clears them.
    pub fn take(&self) -> Vec<Record> {
        std::mem::take(&mut *self.records.lock().unwrap())
    }

    /// Reads the records a `fixture-server` wrote to `path`.
    pub fn read_file(path: &str) -> Vec<Record> {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("a record per line"))
            .collect()
    }
}

impl Hook for Recorder {
    async fn call(&self, call: Call<'_>, next: Next<'_>) -> CallResult {
        let function = call.entry().name().to_owned();
        let arguments = call.args().to_value().unwrap_or(Value::Null);
        let principal = call.context().principal().map(|p| p.id.clone());
        let protocol = call.context().protocol().as_str().to_owned();
        let outcome = next.run(call).await;
        let record = Record {
            function,
            arguments,
            principal,
            protocol,
            outcome: match &outcome {
                Ok(_) => "ok".to_owned(),
                Err(err) => err.kind().code().to_owned(),
            },
        };
        if let Some(file) = &self.file {
            let line = serde_json::to_string(&record).expect("a record serializes");
            let mut file = file.lock().unwrap();
            let _ = writeln!(file, "{line}");
            let _ = file.flush();
        }
        self.records.lock().unwrap().push(record);
        outcome
    }
}
