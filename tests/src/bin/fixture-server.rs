//! The test fixtures behind the full CLI: `fixture-server serve --port N`, `fixture-server stdio`, ...

use std::process::ExitCode;

use registry_core::Registry;
use registry_server::{Cli, ServerConfig};

#[tokio::main]
async fn main() -> ExitCode {
    // `RECORD_CALLS=FILE`: every call is recorded there (the hook parity tests).
    let mut builder = Registry::builder();
    if let Some(path) = std::env::var_os("RECORD_CALLS") {
        match registry_tests::recording::Recorder::to_file(&path.to_string_lossy()) {
            Ok(recorder) => builder = builder.hook(recorder),
            Err(err) => {
                eprintln!("error: cannot open RECORD_CALLS file: {err}");
                return ExitCode::FAILURE;
            }
        }
    }
    let registry = match builder.build() {
        Ok(registry) => registry,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let config = ServerConfig::default().info("registry fixtures", env!("CARGO_PKG_VERSION"));
    // Built with `--features otel` (tests/interop/otel.sh): Prometheus text at `/metrics` too.
    #[cfg(feature = "otel")]
    let config = config.metrics_endpoint(true);
    Cli::parse_args().run(registry, config).await
}
