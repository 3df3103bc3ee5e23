//! The framework with 1,000 registered functions.
//!
//! - `many-server serve --port N`: the framework's CLI, as an application runs it.
//! - `many-server time-build`: median registry build time over 21 builds, as JSON.

use std::process::ExitCode;
use std::time::Instant;

use registry_core::{Registry, api_function};
use registry_server::{Cli, ServerConfig};

include!(concat!(env!("OUT_DIR"), "/generated.rs"));

/// Add two integers.
///
/// # Arguments
/// * `a` - the first addend
/// * `b` - the second addend
#[api_function(read_only)]
pub async fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("time-build") {
        // The build alone, and the build plus every schema (built on demand).
        let mut times: Vec<(f64, f64)> = (0..21)
            .map(|_| {
                let start = Instant::now();
                let registry = Registry::from_inventory().expect("unique names");
                let built = start.elapsed().as_secs_f64() * 1e6;
                assert_eq!(registry.len(), 1000);
                for entry in registry.entries() {
                    std::hint::black_box(entry.schemas());
                }
                (built, start.elapsed().as_secs_f64() * 1e6)
            })
            .collect();
        times.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (min, median, max) = (times[0].0, times[10].0, times[20].0);
        times.sort_by(|a, b| a.1.total_cmp(&b.1));
        println!(
            "{{\"functions\": 1000, \"build_us_median\": {median:.0}, \"build_us_min\": {min:.0}, \"build_us_max\": {max:.0}, \"with_schemas_us_median\": {:.0}}}",
            times[10].1
        );
        return ExitCode::SUCCESS;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let registry = Registry::from_inventory().expect("unique names");
            Cli::parse_args()
                .run(registry, ServerConfig::default().info("many-server", "0.1.0"))
                .await
        })
}
