//! The one HTTP client of the OAuth checks: `https` only (loopback `http`
//! when allowed), a timeout, a size cap, no redirects, no proxy.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;
use serde_json::{Map, Value};

/// What every request obeys.
#[derive(Clone, Copy, Debug)]
pub(super) struct Policy {
    pub(super) allow_http_loopback: bool,
    pub(super) timeout: Duration,
    pub(super) max_bytes: usize,
}

/// The client and its policy.
#[derive(Clone, Debug)]
pub(super) struct Client {
    http: reqwest::Client,
    policy: Policy,
}

/// `text` as an absolute `http(s)` URL with a host, named `what` in errors.
pub(super) fn parse_url(text: &str, what: &str, https_only: bool) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|err| format!("{what} `{text}` is not an absolute URL: {err}"))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(format!("{what} `{text}` must be an http(s) URL with a host"));
    }
    if https_only && url.scheme() != "https" && !is_loopback(&url) {
        return Err(format!("{what} `{text}` must use https"));
    }
    Ok(url)
}

/// Whether `url`'s host is `localhost` or a loopback address.
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

impl Client {
    /// A client obeying `policy`.
    pub(super) fn new(policy: Policy) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .map_err(|err| format!("cannot build the HTTP client: {err}"))?;
        Ok(Client { http, policy })
    }

    /// `text` as a URL this client may fetch: `https`, or `http` to a
    /// loopback host when the policy allows it.
    pub(super) fn check(&self, text: &str, what: &str) -> Result<Url, String> {
        let url = parse_url(text, what, false)?;
        match url.scheme() {
            "https" => Ok(url),
            _ if self.policy.allow_http_loopback && is_loopback(&url) => Ok(url),
            _ if is_loopback(&url) => Err(format!(
                "{what} `{text}` must use https (plain http to a loopback host needs `allow_http_loopback`)"
            )),
            _ => Err(format!("{what} `{text}` must use https")),
        }
    }

    /// `GET url` as a JSON object.
    pub(super) async fn get_json(&self, url: &str, what: &str) -> Result<Map<String, Value>, String> {
        let url = self.check(url, what)?;
        let request = self.http.get(url.clone()).header("accept", "application/json");
        self.send(request, &url, what).await
    }

    /// `POST url` with a form body and HTTP Basic credentials, as a JSON object.
    pub(super) async fn post_form(
        &self,
        url: &str,
        what: &str,
        form: &[(&str, &str)],
        basic: (&str, &str),
    ) -> Result<Map<String, Value>, String> {
        let url = self.check(url, what)?;
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().copied())
            .finish();
        // RFC 6749 §2.3.1: the id and secret are form-encoded before Basic.
        let encode = |text: &str| form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
        let request = self
            .http
            .post(url.clone())
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .basic_auth(encode(basic.0), Some(encode(basic.1)))
            .body(body);
        self.send(request, &url, what).await
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        url: &Url,
        what: &str,
    ) -> Result<Map<String, Value>, String> {
        let mut response = request
            .send()
            .await
            .map_err(|err| format!("{what} {url} could not be fetched: {}", without_url(&err)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("{what} {url} answered HTTP {}", status.as_u16()));
        }
        let limit = self.policy.max_bytes;
        if response.content_length().is_some_and(|length| length > limit as u64) {
            return Err(format!("{what} {url} is larger than the limit of {limit} bytes"));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| format!("{what} {url} could not be read: {}", without_url(&err)))?
        {
            if body.len() + chunk.len() > limit {
                return Err(format!("{what} {url} is larger than the limit of {limit} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(object)) => Ok(object),
            Ok(_) => Err(format!("{what} {url} is not a JSON object")),
            Err(err) => Err(format!("{what} {url} is not JSON: {err}")),
        }
    }
}

/// A reqwest error's text without the URL it repeats.
fn without_url(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    if let Some(url) = err.url() {
        text = text
            .replace(&format!(" ({url})"), "")
            .replace(&format!(" for url ({url})"), "");
    }
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_need_https_unless_loopback_is_allowed() {
        let policy = |allow| Policy {
            allow_http_loopback: allow,
            timeout: Duration::from_secs(1),
            max_bytes: 10,
        };
        let strict = Client::new(policy(false)).unwrap();
        let loose = Client::new(policy(true)).unwrap();
        assert!(strict.check("https://a.example.com/x", "x").is_ok());
        assert!(strict.check("http://127.0.0.1:8080", "x").is_err());
        assert!(loose.check("http://127.0.0.1:8080", "x").is_ok());
        assert!(loose.check("http://localhost:8080", "x").is_ok());
        assert!(loose.check("http://[::1]:8080", "x").is_ok());
        assert!(loose.check("http://a.example.com", "x").is_err());
        assert!(loose.check("ftp://127.0.0.1", "x").is_err());
        assert!(loose.check("not a url", "x").is_err());
    }
}
