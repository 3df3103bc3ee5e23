//! `hashstats`: Bitcoin network and mining statistics over MCP and REST.
//!
//! ```text
//! hashstats serve                 # http://127.0.0.1:3000 (docs at /docs)
//! hashstats --upstream https://mempool.space serve   # needs the `tls` feature
//! hashstats stdio                 # MCP over stdio
//! ```

use std::process::ExitCode;

use clap::Parser;
use hashstats::Upstream;
use registry_server::{Cli, ServerConfig};

/// Bitcoin network and mining statistics as MCP tools and a REST API.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Base URL of a mempool.space-shaped API; without it, a bundled offline
    /// snapshot is served on a loopback port.
    #[arg(long, global = true, env = "HASHSTATS_UPSTREAM")]
    upstream: Option<String>,
    #[command(flatten)]
    cli: Cli,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let upstream = match args.upstream {
        Some(url) => {
            eprintln!("hashstats: upstream {url}");
            url
        }
        None => match hashstats::offline::spawn().await {
            Ok(url) => {
                eprintln!(
                    "hashstats: upstream is the bundled offline snapshot at {url} (set --upstream or HASHSTATS_UPSTREAM for live data)"
                );
                url
            }
            Err(err) => {
                eprintln!("error: cannot start the offline upstream: {err}");
                return ExitCode::FAILURE;
            }
        },
    };
    let registry = match hashstats::registry(Upstream::new(upstream)) {
        Ok(registry) => registry,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let config = ServerConfig::default()
        .info("hashstats", env!("CARGO_PKG_VERSION"))
        .icon(registry_core::icon!("assets/chart.svg"));
    args.cli.run(registry, config).await
}
