//! [`OriginCheck`]: the `Origin` and `Host` checks the MCP transport
//! requires (the second against DNS rebinding, on loopback servers).

use std::fmt;

use axum::http::{HeaderMap, header};

use crate::ServerConfig;

/// Which `Origin` and `Host` values may call the server.
#[derive(Debug)]
pub(crate) struct OriginCheck {
    /// Allowed origins, lower-cased, without a trailing `/`.
    allowed_origins: Vec<String>,
    /// The host names of `allowed_origins`.
    allowed_hosts: Vec<String>,
    /// Whether the server listens on loopback: loopback origins are then
    /// allowed, and `Host` must be a loopback name or an allowed host.
    loopback: bool,
}

/// 403: a `Host` or `Origin` that may not call the server.
#[derive(Debug)]
pub(crate) enum OriginError {
    /// A loopback server reached under a name that is not local (DNS rebinding).
    Host(String),
    /// A browser origin not on the allow list.
    Origin(String),
}

impl fmt::Display for OriginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OriginError::Host(host) => write!(
                f,
                "Host `{host}` is not allowed: this server listens on loopback and answers only localhost names"
            ),
            OriginError::Origin(origin) => write!(
                f,
                "Origin `{origin}` is not allowed; add it with ServerConfig::allow_origin"
            ),
        }
    }
}

impl OriginCheck {
    pub(crate) fn new(config: &ServerConfig) -> Self {
        let allowed_origins: Vec<String> = config
            .allowed_origins
            .iter()
            .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
            .collect();
        let allowed_hosts = allowed_origins.iter().filter_map(|o| origin_host(o)).collect();
        OriginCheck {
            allowed_origins,
            allowed_hosts,
            loopback: config.bound_to_loopback,
        }
    }

    /// `Origin` (any server) and `Host` (loopback servers) checks.
    pub(crate) fn check(&self, headers: &HeaderMap, uri_host: Option<&str>) -> Result<(), OriginError> {
        if self.loopback {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .map(host_name)
                .or(uri_host.map(|h| h.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase()));
            if let Some(host) = host
                && !is_loopback_host(&host)
                && !self.allowed_hosts.contains(&host)
            {
                return Err(OriginError::Host(host));
            }
        }
        let Some(origin) = headers.get(header::ORIGIN) else {
            return Ok(());
        };
        let origin = origin.to_str().unwrap_or("").trim_end_matches('/').to_ascii_lowercase();
        let allowed = self.allowed_origins.contains(&origin)
            || (self.loopback && origin_host(&origin).is_some_and(|h| is_loopback_host(&h)));
        if allowed {
            Ok(())
        } else {
            Err(OriginError::Origin(origin))
        }
    }
}

/// The host name of a `Host` header value, lower-cased, without port or IPv6 brackets.
fn host_name(host: &str) -> String {
    let host = host.trim();
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        host.rsplit_once(':').map_or(host, |(name, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                name
            } else {
                host
            }
        })
    };
    name.to_ascii_lowercase()
}

/// The host name of an origin such as `http://localhost:3000`.
fn origin_host(origin: &str) -> Option<String> {
    let (_, rest) = origin.split_once("://")?;
    let authority = rest.split('/').next()?;
    Some(host_name(authority))
}

fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "::1"
        || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn host_names() {
        assert_eq!(host_name("localhost:3000"), "localhost");
        assert_eq!(host_name("[::1]:80"), "::1");
        assert_eq!(host_name("127.0.0.1"), "127.0.0.1");
        assert_eq!(host_name("Evil.Example.com:1"), "evil.example.com");
        assert_eq!(origin_host("http://[::1]:8080").as_deref(), Some("::1"));
        assert_eq!(origin_host("null"), None);
        assert!(is_loopback_host("127.0.0.2") && is_loopback_host("localhost") && is_loopback_host("::1"));
        assert!(!is_loopback_host("evil.example.com") && !is_loopback_host("10.0.0.1"));
    }

    fn headers(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| (name.clone(), HeaderValue::from_static(value)))
            .collect()
    }

    #[test]
    fn loopback_servers_answer_local_names_and_allowed_origins() {
        let check = OriginCheck::new(&ServerConfig::default().allow_origin("https://App.example.com/"));
        assert!(check.check(&headers(&[(header::HOST, "localhost:3000")]), None).is_ok());
        assert!(
            check
                .check(&headers(&[(header::HOST, "app.example.com")]), None)
                .is_ok()
        );
        assert!(matches!(
            check.check(&headers(&[(header::HOST, "evil.example.com")]), None),
            Err(OriginError::Host(host)) if host == "evil.example.com"
        ));
        assert!(matches!(
            check.check(&HeaderMap::new(), Some("[::2]")),
            Err(OriginError::Host(_))
        ));
        let origin = |value| headers(&[(header::HOST, "localhost"), (header::ORIGIN, value)]);
        assert!(check.check(&origin("https://app.example.com"), None).is_ok());
        assert!(check.check(&origin("http://127.0.0.1:9"), None).is_ok());
        let refused = check.check(&origin("https://evil.example"), None).expect_err("foreign");
        assert_eq!(
            refused.to_string(),
            "Origin `https://evil.example` is not allowed; add it with ServerConfig::allow_origin"
        );
    }

    #[test]
    fn other_servers_check_only_origins() {
        let check = OriginCheck::new(&ServerConfig::default().bound_to_loopback(false));
        assert!(
            check
                .check(&headers(&[(header::HOST, "api.example.com")]), None)
                .is_ok()
        );
        assert!(
            check
                .check(&headers(&[(header::ORIGIN, "http://localhost:3000")]), None)
                .is_err()
        );
    }
}
