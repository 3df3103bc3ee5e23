//! The rmcp client pieces shared by the MCP HTTP and stdio tests.

use rmcp::ClientHandler;
use serde_json::Value;

/// Records the progress notifications a session receives.
#[derive(Clone, Default)]
pub(crate) struct Recorder {
    pub(crate) progress: std::sync::Arc<std::sync::Mutex<Vec<f64>>>,
}

impl ClientHandler for Recorder {
    async fn on_progress(
        &self,
        params: rmcp::model::ProgressNotificationParam,
        _context: rmcp::service::NotificationContext<rmcp::RoleClient>,
    ) {
        self.progress.lock().unwrap().push(params.progress);
    }
}

/// A JSON object as rmcp tool arguments.
pub(crate) fn args(value: Value) -> rmcp::model::JsonObject {
    value.as_object().cloned().unwrap_or_default()
}
