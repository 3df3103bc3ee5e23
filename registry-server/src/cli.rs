//! The command line every application gets from one call in its `main`.
//!
//! ```no_run
//! use registry_core::Registry;
//! use registry_server::{Cli, ServerConfig};
//!
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     let registry = Registry::from_inventory().expect("consistent registry");
//!     Cli::parse_args().run(registry, ServerConfig::default()).await
//! }
//! ```
//!
//! An application with flags of its own flattens [`Cli`] into its parser
//! (`#[command(flatten)] cli: Cli`).

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use registry_core::{Context, Registry};

use crate::{Server, ServerConfig};

/// `serve`, `stdio`, `list`, `call`, `openapi`, `tools`, `schema-diff`, `mcp-config`.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve MCP, REST, OpenAPI and docs over HTTP (the default).
    Serve {
        /// Address to bind; loopback by default.
        #[arg(long, default_value = "127.0.0.1", env = "HOST")]
        host: String,
        /// Port to bind.
        #[arg(long, default_value_t = 3000, env = "PORT")]
        port: u16,
        /// Serve on this Unix socket instead of TCP (for a reverse proxy on this machine).
        #[arg(long, env = "UNIX_SOCKET", value_name = "PATH")]
        unix: Option<std::path::PathBuf>,
        #[command(flatten)]
        options: HttpOptions,
    },
    /// Serve MCP over stdin/stdout (for desktop MCP clients).
    Stdio,
    /// List the registered functions.
    List,
    /// Call one function in-process and print its JSON result.
    Call {
        /// The function's name.
        name: String,
        /// The arguments as a JSON object (default `{}`).
        #[arg(default_value = "{}")]
        args: String,
    },
    /// Print the OpenAPI document: 3.1 as served at /openapi.json, or 3.0.3 with `--version 3.0`.
    ///
    /// It names the server (`servers`: the public URL, else `/`), the security every
    /// operation needs (`[]` when the server is open), a description per tag, and the
    /// license and contact from the application's Cargo.toml. `--version 3.0` prints the
    /// down-level document of /openapi-3.0.json, for client generators that do not read
    /// 3.1 yet (such as progenitor).
    Openapi {
        /// The OpenAPI version: 3.1, or 3.0 for generators that do not read 3.1.
        #[arg(long, value_name = "VERSION", default_value = "3.1", value_parser = ["3.1", "3.0"])]
        version: String,
    },
    /// Print the `tools/list` definitions (schemas, annotations, fingerprints) as a JSON array.
    Tools,
    /// Compare two saved `openapi` or `tools` dumps: exit 1 on a breaking change, 2 when they cannot be compared.
    SchemaDiff {
        /// The dump of the version callers use now, such as the main branch's.
        old: std::path::PathBuf,
        /// The dump of the version to check.
        new: std::path::PathBuf,
    },
    /// Run as an AWS Lambda function (also chosen when no command is given and
    /// `AWS_LAMBDA_RUNTIME_API` is set).
    #[cfg(feature = "lambda")]
    Lambda,
    /// Print an MCP client configuration for this binary.
    McpConfig {
        /// Configure a client for this URL instead of stdio, such as http://127.0.0.1:3000/mcp.
        #[arg(long)]
        url: Option<String>,
        /// The server's name in the configuration (default: the application's name, else the binary's).
        #[arg(long)]
        name: Option<String>,
    },
}

/// Limits, authentication and CORS for `serve`; each flag also reads an
/// environment variable and, when given, overrides the application's
/// [`ServerConfig`]. API keys come from `API_KEYS` (the list) or
/// `API_KEYS_FILE` (a file holding it) only, never from a flag, so they stay
/// out of process listings (see [`crate::auth::ApiKeys`] for the format).
#[derive(Debug, Args)]
struct HttpOptions {
    /// Largest request body in bytes (default 1048576).
    #[arg(long, env = "MAX_BODY_BYTES")]
    max_body_bytes: Option<usize>,
    /// Deepest JSON nesting accepted (default 64).
    #[arg(long, env = "MAX_JSON_DEPTH")]
    max_json_depth: Option<usize>,
    /// Requests to /mcp and the REST routes that may run at once; the excess gets 503 (default 512).
    #[arg(long, env = "MAX_IN_FLIGHT")]
    max_in_flight: Option<usize>,
    /// Largest total size of request headers in bytes (default 16384).
    #[arg(long, env = "MAX_HEADER_BYTES")]
    max_header_bytes: Option<usize>,
    /// How long in-flight calls may finish after SIGTERM or Ctrl-C, such as `10s` or `500ms`.
    #[arg(long, env = "SHUTDOWN_GRACE", value_parser = parse_duration)]
    shutdown_grace: Option<std::time::Duration>,
    /// Put /docs, /openapi.json and /healthz behind the API keys too.
    #[arg(long, env = "PROTECT_DOCS", value_parser = clap::builder::BoolishValueParser::new())]
    protect_docs: bool,
    /// Browser origins allowed to call /mcp (comma-separated).
    #[arg(long, env = "ALLOWED_ORIGINS", value_delimiter = ',')]
    allow_origin: Vec<String>,
    /// Browser origins answered with CORS headers (comma-separated); CORS is off without one.
    #[arg(long, env = "CORS_ORIGINS", value_delimiter = ',')]
    cors_origin: Vec<String>,
    /// Log one line per request at INFO (target `registry_server::access`).
    #[arg(long, env = "ACCESS_LOG", value_parser = clap::builder::BoolishValueParser::new())]
    access_log: bool,
    /// Send internal error details (panic messages) to clients. Development only.
    #[arg(long, env = "DEBUG_ERRORS", value_parser = clap::builder::BoolishValueParser::new())]
    debug_errors: bool,
}

impl HttpOptions {
    fn apply(self, mut config: ServerConfig) -> Result<ServerConfig, String> {
        if let Some(bytes) = self.max_body_bytes {
            config = config.max_body_bytes(bytes);
        }
        if let Some(depth) = self.max_json_depth {
            config = config.max_json_depth(depth);
        }
        if let Some(calls) = self.max_in_flight {
            config = config.max_in_flight(calls);
        }
        if let Some(bytes) = self.max_header_bytes {
            config = config.max_header_bytes(bytes);
        }
        if let Some(grace) = self.shutdown_grace {
            config = config.shutdown_grace(grace);
        }
        for origin in self.allow_origin.into_iter().filter(|o| !o.is_empty()) {
            config = config.allow_origin(origin);
        }
        for origin in self.cors_origin.into_iter().filter(|o| !o.is_empty()) {
            config = config.cors_origin(origin);
        }
        if self.protect_docs {
            config = config.protect_docs(true);
        }
        if self.access_log {
            config = config.access_log(true);
        }
        if self.debug_errors {
            config = config.debug_errors(true);
        }
        #[cfg(feature = "oauth")]
        let mut config = crate::oauth::from_env(config)?;
        match crate::auth::ApiKeys::from_env() {
            Ok(Some(keys)) => {
                tracing::info!(
                    keys = keys.len(),
                    "API key authentication on for /mcp and the REST routes"
                );
                config = config.authorizer(keys);
            }
            Ok(None) => {
                if config.protect_docs && !config.has_oauth() {
                    return Err("PROTECT_DOCS needs API_KEYS or API_KEYS_FILE".to_owned());
                }
            }
            Err(err) => return Err(err.to_string()),
        }
        Ok(config)
    }
}

/// `250ms`, `10s`, `2m`, `1m 30s`, or a bare number of seconds: read by
/// `humantime` in the grammar the macro's `timeout = "..."` shares
/// (`registry-macros/src/valid.rs`), whole numbers of `ms`, `s` or `m` (`min`).
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let seconds = text
            .parse()
            .map_err(|_| format!("`{text}` is not a duration such as 500ms, 10s or 2m"))?;
        return Ok(std::time::Duration::from_secs(seconds));
    }
    // humantime reads more units (`h`, `d`, `us`) and fractions; refuse what
    // the message does not promise, as the macro does.
    let plain = text.chars().all(|c| c.is_ascii_alphanumeric() || c.is_whitespace());
    let units_known = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|unit| !unit.is_empty())
        .all(|unit| matches!(unit, "ms" | "s" | "m" | "min"));
    match humantime::parse_duration(text) {
        Ok(duration) if plain && units_known => Ok(duration),
        _ => Err(format!("`{text}` is not a duration such as 500ms, 10s or 2m")),
    }
}

impl Cli {
    /// Parses `std::env::args`, exiting with usage on error (clap's behaviour).
    pub fn parse_args() -> Self {
        Cli::parse()
    }

    /// Runs the chosen subcommand. Logs go to stderr, filtered by `RUST_LOG` (default `info`).
    pub async fn run(self, registry: Registry, config: ServerConfig) -> ExitCode {
        init_logging(&config);
        install_panic_hook();
        match self.command.unwrap_or_else(default_command) {
            Command::Serve {
                host,
                port,
                unix,
                options,
            } => {
                let config = match options.apply(config) {
                    Ok(config) => config,
                    Err(err) => return fail(&err),
                };
                let server = Server::new(registry, config);
                let served = match &unix {
                    #[cfg(unix)]
                    Some(path) => server.serve_unix(path).await,
                    #[cfg(not(unix))]
                    Some(_) => return fail("--unix needs a Unix system"),
                    None => server.serve((host.as_str(), port)).await,
                };
                match served {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(crate::ServerError::GraceExpired) => {
                        // Sync calls may still hold blocking-pool threads, which the
                        // runtime would wait for on drop: leave now, as promised.
                        std::process::exit(0)
                    }
                    Err(err @ crate::ServerError::EmptyRegistry) => fail(&err.to_string()),
                    Err(err) => {
                        let place = match &unix {
                            Some(path) => path.display().to_string(),
                            None => format!("{host}:{port}"),
                        };
                        fail(&format!("cannot serve on {place}: {err}"))
                    }
                }
            }
            Command::Stdio => match Server::new(registry.clone(), config.clone()).check_not_empty() {
                Err(err) => fail(&err.to_string()),
                Ok(()) => match crate::mcp::serve_stdio(registry, config).await {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(err) => fail(&format!("stdio transport failed: {err}")),
                },
            },
            Command::List => {
                print_stdout(&list(&registry));
                if let Err(err) = Server::new(registry, config).check_not_empty() {
                    let _ = writeln!(std::io::stderr(), "warning: {err}");
                }
                ExitCode::SUCCESS
            }
            Command::Call { name, args } => call(&registry, &name, &args).await,
            Command::Openapi { version } => match crate::openapi::try_document(&registry, &config) {
                Ok(document) => {
                    let document = match version.as_str() {
                        "3.0" => crate::openapi::v30::convert(&document),
                        _ => document,
                    };
                    print_stdout(&format!(
                        "{}\n",
                        serde_json::to_string_pretty(&document).expect("a JSON value always serializes")
                    ));
                    ExitCode::SUCCESS
                }
                Err(err) => fail(&err.to_string()),
            },
            Command::Tools => {
                let tools = crate::mcp::tool_definitions(registry.exposed(registry_core::Protocol::Mcp), false);
                let text = serde_json::to_string_pretty(&tools).expect("a JSON value always serializes");
                print_stdout(&format!("{text}\n"));
                ExitCode::SUCCESS
            }
            Command::SchemaDiff { old, new } => crate::schema_diff::command(&old, &new),
            #[cfg(feature = "lambda")]
            Command::Lambda => {
                let config = match crate::auth::ApiKeys::from_env() {
                    Ok(Some(keys)) => config.authorizer(keys),
                    Ok(None) => config,
                    Err(err) => return fail(&err.to_string()),
                };
                #[cfg(feature = "oauth")]
                let config = match crate::oauth::from_env(config) {
                    Ok(config) => config,
                    Err(err) => return fail(&err),
                };
                let server = Server::new(registry, config.bound_to_loopback(false));
                if let Err(err) = server.check_not_empty() {
                    return fail(&err.to_string());
                }
                match crate::lambda::run(server).await {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(err) => fail(&format!("lambda runtime failed: {err}")),
                }
            }
            Command::McpConfig { url, name } => {
                // The application's name when it said one (`app!()`), else the binary's.
                let own = (config.app != crate::AppInfo::default()).then_some(config.app.name.as_str());
                print_stdout(&mcp_config(url.as_deref(), name.as_deref().or(own)));
                ExitCode::SUCCESS
            }
        }
    }
}

fn default_command() -> Command {
    #[cfg(feature = "lambda")]
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        return Command::Lambda;
    }
    match Cli::try_parse_from(["serve", "serve"]) {
        Ok(Cli {
            command: Some(command), ..
        }) => command,
        _ => Command::Serve {
            host: "127.0.0.1".into(),
            port: 3000,
            unix: None,
            options: HttpOptions {
                max_body_bytes: None,
                max_json_depth: None,
                max_in_flight: None,
                max_header_bytes: None,
                shutdown_grace: None,
                protect_docs: false,
                allow_origin: Vec::new(),
                cors_origin: Vec::new(),
                access_log: false,
                debug_errors: false,
            },
        },
    }
}

/// Routes panic messages through `tracing` (one structured `ERROR` event with
/// the location) instead of the default hook's stderr text; functions'
/// panics are still caught and answered as masked internal errors.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = registry_core::__private::panic_message(info.payload());
        let location = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
        let thread = std::thread::current();
        tracing::error!(
            target: "registry_server::panic",
            thread = thread.name().unwrap_or("unnamed"),
            location = location.as_deref().unwrap_or("unknown"),
            "panic: {message}"
        );
    }));
}

fn init_logging(#[allow(unused_variables)] config: &ServerConfig) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = colour(
        std::io::IsTerminal::is_terminal(&std::io::stderr()),
        std::env::var_os("NO_COLOR"),
    );
    // With OpenTelemetry export beside the log lines (`crate::telemetry`).
    #[cfg(feature = "otel")]
    return crate::telemetry::init_cli_logging(config, filter, ansi);
    #[cfg(not(feature = "otel"))]
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .try_init();
}

/// Colour codes only on a terminal, and never when `NO_COLOR` is set to
/// anything but the empty string (<https://no-color.org>).
fn colour(terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    terminal && no_color.is_none_or(|value| value.is_empty())
}

fn fail(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "error: {message}");
    ExitCode::FAILURE
}

fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

fn list(registry: &Registry) -> String {
    let rows: Vec<[String; 4]> = registry
        .entries()
        .iter()
        .map(|entry| {
            let function = entry.function();
            let route = if function.on_rest() {
                format!("{} {}", function.method(), entry.path())
            } else {
                "-".to_owned()
            };
            let name = if function.on_mcp() {
                function.name().to_owned()
            } else {
                format!("{} (no MCP)", function.name())
            };
            // `sync`/`async`, and what it is when it is not a tool: `async resource`.
            let kind = match function.primitive() {
                registry_core::Primitive::Tool => function.kind().as_str().to_owned(),
                other => format!("{} {}", function.kind().as_str(), other.as_str()),
            };
            [name, kind, route, function.summary()]
        })
        .collect();
    let header = ["NAME", "KIND", "REST ROUTE", "DESCRIPTION"].map(str::to_owned);
    let widths: Vec<usize> = (0..3)
        .map(|i| {
            rows.iter()
                .chain([&header])
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        for (i, width) in widths.iter().enumerate() {
            out.push_str(&format!("{:<width$}  ", row[i]));
        }
        out.push_str(&row[3]);
        out.push('\n');
    }
    out.push_str(&format!("{} functions\n", registry.len()));
    out
}

async fn call(registry: &Registry, name: &str, args: &str) -> ExitCode {
    let args: serde_json::Value = match serde_json::from_str(args) {
        Ok(value) => value,
        Err(err) => {
            return fail(&format!(
                "the arguments are not valid JSON ({err}); pass an object such as '{{\"a\": 1}}'"
            ));
        }
    };
    match registry.invoke(name, args, Context::trusted()).await {
        Ok(value) => {
            print_stdout(&format!(
                "{}\n",
                serde_json::to_string_pretty(&value).expect("a JSON value always serializes")
            ));
            ExitCode::SUCCESS
        }
        Err(err) => {
            let mut message = err.to_string();
            if let Some(detail) = err.internal_detail() {
                message.push_str(&format!(" ({detail})"));
            }
            fail(&message)
        }
    }
}

fn mcp_config(url: Option<&str>, name: Option<&str>) -> String {
    let exe = std::env::current_exe().ok();
    let default_name = exe
        .as_ref()
        .and_then(|p| p.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "api".to_owned());
    let name = name.map(str::to_owned).unwrap_or(default_name);
    let server = match url {
        Some(url) => serde_json::json!({ "type": "http", "url": url }),
        None => serde_json::json!({
            "command": exe.map(|p| p.display().to_string()).unwrap_or_default(),
            "args": ["stdio"],
        }),
    };
    let config = serde_json::json!({ "mcpServers": { name: server } });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&config).expect("a JSON value always serializes")
    )
}

#[cfg(test)]
mod hardening_tests {
    use std::time::Duration;

    use super::parse_duration;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        use super::colour;
        assert!(colour(true, None));
        assert!(!colour(false, None), "a file or a pipe gets no escape codes");
        assert!(!colour(true, Some("1".into())));
        assert!(colour(true, Some("".into())), "an empty NO_COLOR is unset");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5h").is_err());
    }
}
