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
    // Name, version, description, license and repository come from this crate's Cargo.toml.
    let app = registry_server::app!()
        .config(
            // The descriptions of the OpenAPI document's tags.
            ServerConfig::default()
                .tag("hashstats", "Every function of this application.")
                .tag("network", "Live state of the Bitcoin network, read from the upstream.")
                .tag("mempool", "Unconfirmed transactions, read with a blocking client.")
                .tag(
                    "compute",
                    "Conversions and estimates computed locally; no upstream call.",
                )
                .tag("resources", "MCP resources, on REST as `GET /api/resources/...`.")
                .tag("prompts", "MCP prompts, on REST as `POST /api/prompts/{name}`."),
        )
        .title("Hash statistics")
        .instructions(include_str!("../INSTRUCTIONS.md"))
        .icon(registry_core::icon!("assets/chart.svg"));
    let args: Args = app.parse();
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
    app.run_with(args.cli, registry).await
}
