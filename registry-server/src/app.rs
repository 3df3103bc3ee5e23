//! [`AppInfo`] and [`App`]: the application's own identity, read from its
//! `Cargo.toml` by [`app!`](crate::app!), and the one call that runs it.
//!
//! ```no_run
//! use std::process::ExitCode;
//!
//! use registry_core::Registry;
//!
//! #[tokio::main]
//! async fn main() -> ExitCode {
//!     let registry = Registry::from_inventory().expect("consistent registry");
//!     registry_server::app!()
//!         .instructions("Call `get_tip` first; heights are block heights.")
//!         .run(registry)
//!         .await
//! }
//! ```

use std::process::ExitCode;

use clap::CommandFactory as _;
use registry_core::Registry;

use crate::{Cli, ServerConfig};

/// Who the application is: what `--help` and `--version` print, MCP
/// `serverInfo` (and `instructions`), the OpenAPI `info`, the docs page's
/// header and the `mcp-config` entry say.
///
/// [`app!`](crate::app!) fills it from the application's `Cargo.toml`
/// (`name`, `version`, `description`, `homepage` or `repository`, `license`
/// and the first of `authors`) at its compile time.
///
/// ```
/// use registry_server::AppInfo;
///
/// let info = AppInfo::new("hashstats", "1.2.0")
///     .title("Hash statistics")
///     .description("Bitcoin network statistics.");
/// assert_eq!(info.display_title(), "Hash statistics");
/// assert_eq!(AppInfo::new("hashstats", "1.2.0").display_title(), "hashstats");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AppInfo {
    /// The machine name: MCP `serverInfo.name`, the `mcp-config` key, the command's name.
    pub name: String,
    /// A human title (MCP `serverInfo.title`, OpenAPI `info.title`, the docs
    /// page's heading); the name when unset.
    pub title: Option<String>,
    /// The version (`--version`, `serverInfo.version`, `info.version`).
    pub version: String,
    /// One paragraph on what the application does (`--help`, MCP
    /// `serverInfo.description`, OpenAPI `info.description`).
    pub description: Option<String>,
    /// The application's home page (MCP `serverInfo.websiteUrl`).
    pub website: Option<String>,
    /// Guidance for the models using the server, sent as MCP `instructions`
    /// by `initialize` and `server/discover`.
    pub instructions: Option<String>,
    /// The application's icon, a `data:` (or `https:`) URI: MCP
    /// `serverInfo.icons` and the docs page's header. Embed a file at
    /// compile time with [`registry_core::icon!`].
    pub icon: Option<String>,
    /// The license, an SPDX expression such as `MIT OR Apache-2.0` (OpenAPI
    /// `info.license`); `Cargo.toml`'s `license`.
    pub license: Option<String>,
    /// Who to ask about the API (OpenAPI `info.contact`, whose `url` is the
    /// website unless this says one): the first of `Cargo.toml`'s `authors`.
    pub contact: Option<Contact>,
}

/// Who to ask about the API: OpenAPI `info.contact`. Every part is optional;
/// [`app!`](crate::app!) reads `Name <email>` from the first of the crate's
/// `authors`, and the document falls back to the website for the URL.
///
/// ```
/// use registry_server::Contact;
///
/// let contact = Contact::parse_author("Ada Lovelace <ada@example.com>");
/// assert_eq!(contact.name.as_deref(), Some("Ada Lovelace"));
/// assert_eq!(contact.email.as_deref(), Some("ada@example.com"));
/// let contact = Contact::default().url("https://example.com/support");
/// assert_eq!(contact.url.as_deref(), Some("https://example.com/support"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Contact {
    /// A person or team.
    pub name: Option<String>,
    /// An e-mail address.
    pub email: Option<String>,
    /// A page to ask at.
    pub url: Option<String>,
}

impl Contact {
    /// A `Cargo.toml` author entry, `Name <email>`, `Name` or `<email>`.
    pub fn parse_author(author: &str) -> Self {
        let author = author.trim();
        let some = |text: &str| (!text.trim().is_empty()).then(|| text.trim().to_owned());
        match author.split_once('<') {
            Some((name, rest)) => Contact {
                name: some(name),
                email: some(rest.trim_end().trim_end_matches('>')),
                url: None,
            },
            None => Contact {
                name: some(author),
                ..Contact::default()
            },
        }
    }

    /// Sets the name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the e-mail address.
    #[must_use]
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Sets the URL.
    #[must_use]
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Whether nothing is said.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.email.is_none() && self.url.is_none()
    }
}

impl AppInfo {
    /// An application called `name` at `version`, with nothing else said.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        AppInfo {
            name: name.into(),
            title: None,
            version: version.into(),
            description: None,
            website: None,
            instructions: None,
            icon: None,
            license: None,
            contact: None,
        }
    }

    /// What [`app!`](crate::app!) calls with the `CARGO_PKG_*` values (empty: unset).
    #[doc(hidden)]
    pub fn __from_cargo(name: &str, version: &str, description: &str, homepage: &str, repository: &str) -> Self {
        let some = |text: &str| (!text.trim().is_empty()).then(|| text.trim().to_owned());
        AppInfo {
            description: some(description),
            website: some(homepage).or_else(|| some(repository)),
            ..AppInfo::new(name, version)
        }
    }

    /// What [`app!`](crate::app!) adds from `CARGO_PKG_LICENSE` (an SPDX
    /// expression; a `license-file` alone names none) and `CARGO_PKG_AUTHORS`
    /// (authors separated by `:`; empty: unset). The contact is the first
    /// author; the OpenAPI document gives it the website as its URL.
    #[doc(hidden)]
    #[must_use]
    pub fn __with_cargo_meta(mut self, license: &str, authors: &str) -> Self {
        self.license = (!license.trim().is_empty()).then(|| license.trim().to_owned());
        let contact = authors
            .split(':')
            .find(|author| !author.trim().is_empty())
            .map(Contact::parse_author)
            .unwrap_or_default();
        self.contact = (!contact.is_empty()).then_some(contact);
        self
    }

    /// Sets the human title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the website.
    #[must_use]
    pub fn website(mut self, url: impl Into<String>) -> Self {
        self.website = Some(url.into());
        self
    }

    /// Sets the MCP `instructions`; embed a file with
    /// `.instructions(include_str!("../INSTRUCTIONS.md"))`.
    #[must_use]
    pub fn instructions(mut self, text: impl Into<String>) -> Self {
        self.instructions = Some(text.into());
        self
    }

    /// Sets the license, an SPDX expression such as `MIT` (see [`AppInfo::license`]).
    #[must_use]
    pub fn license(mut self, spdx: impl Into<String>) -> Self {
        self.license = Some(spdx.into());
        self
    }

    /// Sets the contact (see [`Contact`]).
    #[must_use]
    pub fn contact(mut self, contact: Contact) -> Self {
        self.contact = Some(contact);
        self
    }

    /// Sets the icon, a `data:` or `https:` URI (see [`AppInfo::icon`]).
    ///
    /// ```
    /// use registry_server::AppInfo;
    ///
    /// let info = AppInfo::new("demo", "1.0.0").icon(registry_core::icon!("../examples/hashstats/assets/chart.svg"));
    /// assert!(info.icon.unwrap().starts_with("data:image/svg+xml;base64,"));
    /// ```
    #[must_use]
    pub fn icon(mut self, uri: impl Into<String>) -> Self {
        self.icon = Some(uri.into());
        self
    }

    /// The title, else the name.
    pub fn display_title(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.name)
    }
}

impl Default for AppInfo {
    /// `API` 0.1.0: what a server says when the application never said who it is.
    fn default() -> Self {
        AppInfo::new("API", "0.1.0")
    }
}

/// The application's identity from its own `Cargo.toml`, as an [`App`] ready
/// to [`run`](App::run): `name`, `version`, `description`, `homepage`
/// (else `repository`), `license` and the first of `authors` (the
/// contact, with the website), read at the application's compile time.
///
/// ```
/// let app = registry_server::app!();
/// assert_eq!(app.info().name, env!("CARGO_PKG_NAME"));
/// assert_eq!(app.info().version, env!("CARGO_PKG_VERSION"));
/// assert_eq!(app.info().license.as_deref(), Some(env!("CARGO_PKG_LICENSE")));
/// ```
#[macro_export]
macro_rules! app {
    () => {
        $crate::App::new(
            $crate::AppInfo::__from_cargo(
                ::core::env!("CARGO_PKG_NAME"),
                ::core::env!("CARGO_PKG_VERSION"),
                ::core::env!("CARGO_PKG_DESCRIPTION"),
                ::core::env!("CARGO_PKG_HOMEPAGE"),
                ::core::env!("CARGO_PKG_REPOSITORY"),
            )
            .__with_cargo_meta(::core::env!("CARGO_PKG_LICENSE"), ::core::env!("CARGO_PKG_AUTHORS")),
        )
    };
}

/// An application: its [`AppInfo`] and its [`ServerConfig`], run with the
/// full command line by [`App::run`]. Made by [`app!`](crate::app!).
#[derive(Clone, Debug)]
pub struct App {
    config: ServerConfig,
}

impl App {
    /// An application called what `info` says, with the default configuration.
    pub fn new(info: AppInfo) -> Self {
        App {
            config: ServerConfig::default().app(info),
        }
    }

    /// Uses `config` (limits, authentication, router extensions); the
    /// application's identity stays this one.
    #[must_use]
    pub fn config(self, config: ServerConfig) -> Self {
        let info = self.config.app;
        App {
            config: config.app(info),
        }
    }

    /// Sets the MCP `instructions` (see [`AppInfo::instructions`]).
    #[must_use]
    pub fn instructions(mut self, text: impl Into<String>) -> Self {
        self.config.app.instructions = Some(text.into());
        self
    }

    /// Sets the human title (see [`AppInfo::title`]).
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.config.app.title = Some(title.into());
        self
    }

    /// Sets the license, an SPDX expression (see [`AppInfo::license`]).
    #[must_use]
    pub fn license(mut self, spdx: impl Into<String>) -> Self {
        self.config.app.license = Some(spdx.into());
        self
    }

    /// Sets the contact (see [`Contact`]).
    #[must_use]
    pub fn contact(mut self, contact: Contact) -> Self {
        self.config.app.contact = Some(contact);
        self
    }

    /// Sets the icon (see [`AppInfo::icon`]); embed a file with [`registry_core::icon!`].
    #[must_use]
    pub fn icon(mut self, uri: impl Into<String>) -> Self {
        self.config.app.icon = Some(uri.into());
        self
    }

    /// The application's identity.
    pub fn info(&self) -> &AppInfo {
        &self.config.app
    }

    /// The configuration [`App::run`] serves with.
    pub fn server_config(&self) -> &ServerConfig {
        &self.config
    }

    /// The command line (`serve`, `stdio`, `list`, `call`, `openapi`,
    /// `mcp-config`) under the application's name, version and description.
    pub fn command(&self) -> clap::Command {
        self.identify(Cli::command())
    }

    /// `command` under the application's name, version and description: for
    /// an application whose own parser flattens [`Cli`] (see [`App::parse`]).
    pub fn identify(&self, command: clap::Command) -> clap::Command {
        let info = &self.config.app;
        let command = command.name(info.name.clone()).version(info.version.clone());
        match &info.description {
            Some(about) => command.about(about.clone()),
            None => command.about(None::<&str>),
        }
    }

    /// Parses `std::env::args` against [`App::command`], exiting with usage
    /// (or `--help`, `--version`) as clap does.
    pub fn parse_args(&self) -> Cli {
        self.parse()
    }

    /// Parses `std::env::args` into an application's own parser (one that
    /// flattens [`Cli`] beside flags of its own), under the application's
    /// name, version and description; run it with [`App::run_with`].
    ///
    /// ```no_run
    /// use clap::Parser;
    /// use registry_server::Cli;
    ///
    /// #[derive(Parser)]
    /// struct Args {
    ///     /// Where the data comes from.
    ///     #[arg(long, global = true)]
    ///     upstream: Option<String>,
    ///     #[command(flatten)]
    ///     cli: Cli,
    /// }
    ///
    /// # async fn run() -> std::process::ExitCode {
    /// let app = registry_server::app!();
    /// let args: Args = app.parse();
    /// let registry = registry_core::Registry::from_inventory().unwrap();
    /// app.run_with(args.cli, registry).await
    /// # }
    /// ```
    pub fn parse<P: clap::Parser>(&self) -> P {
        let matches = self.identify(P::command()).get_matches();
        P::from_arg_matches(&matches).unwrap_or_else(|err| err.exit())
    }

    /// Runs an already parsed command line with `registry`.
    pub async fn run_with(self, cli: Cli, registry: Registry) -> ExitCode {
        cli.run(registry, self.config).await
    }

    /// Parses the command line and runs the chosen subcommand with `registry`.
    pub async fn run(self, registry: Registry) -> ExitCode {
        let cli = self.parse_args();
        self.run_with(cli, registry).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_metadata_gives_the_license_and_the_first_author() {
        let info = AppInfo::__from_cargo("a", "1.0.0", "", "", "https://git.example.com/a")
            .__with_cargo_meta("MIT", "Ada Lovelace <ada@example.com>:Charles Babbage");
        assert_eq!(info.license.as_deref(), Some("MIT"));
        assert_eq!(
            info.contact,
            Some(Contact::default().name("Ada Lovelace").email("ada@example.com"))
        );
        assert_eq!(info.website.as_deref(), Some("https://git.example.com/a"));
        let bare = AppInfo::new("a", "1.0.0").__with_cargo_meta(" ", "");
        assert_eq!((bare.license, bare.contact), (None, None));
    }

    #[test]
    fn author_forms() {
        assert_eq!(Contact::parse_author("Ada"), Contact::default().name("Ada"));
        assert_eq!(
            Contact::parse_author(" <ada@example.com> "),
            Contact::default().email("ada@example.com")
        );
        assert!(Contact::parse_author("  ").is_empty());
    }
}
