//! The OAuth parts of the OpenAPI document: the `oauth` security scheme,
//! the root `security`, and each operation's scopes.
//!
//! The scheme is `oauth2` with `flows` from the first trusted issuer's
//! authorization server metadata (RFC 8414, else its OpenID configuration):
//!
//! - `clientCredentials` (`tokenUrl`: `token_endpoint`) when the metadata
//!   has a `token_endpoint` and its `grant_types_supported` is absent or
//!   lists `client_credentials`;
//! - `authorizationCode` (`authorizationUrl`: `authorization_endpoint`, and
//!   `tokenUrl`) when it has both endpoints and `grant_types_supported` is
//!   absent or lists `authorization_code`;
//!
//! each with `scopes`: every scope an operation of the document requires,
//! described by the functions that need it. The metadata is the one the
//! JWKS discovery fetches and caches per issuer (one fetch for both); the
//! served document fetches it on its first request when nothing did yet
//! (the same policy: timeout, size cap, `https` unless loopback is allowed;
//! on Lambda, once per warm instance), or uses
//! [`Issuer::token_endpoint`](super::Issuer::token_endpoint) /
//! [`Issuer::authorization_endpoint`](super::Issuer::authorization_endpoint)
//! without any fetch when configured. Until metadata is known (an offline
//! build such as the CLI's `openapi` without configured endpoints, or an
//! issuer that cannot be reached: logged at `WARN` once, retried on a later
//! request at most once per refresh interval), and when no flow can be
//! derived from it, the scheme is `openIdConnect`, naming the issuer's
//! discovery document. Either way its description names the audience and
//! the RFC 9728 metadata URL.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::OAuth;
use crate::rest::Routes;

/// The `flows` object `metadata` supports, `None` when it supports none.
fn flows(metadata: &Map<String, Value>, scopes: &Value) -> Option<Value> {
    let text = |name: &str| metadata.get(name).and_then(Value::as_str).filter(|s| !s.is_empty());
    let grants: Option<Vec<&str>> = metadata
        .get("grant_types_supported")
        .and_then(Value::as_array)
        .map(|grants| grants.iter().filter_map(Value::as_str).collect());
    let grants_allow = |grant: &str| grants.as_ref().is_none_or(|grants| grants.contains(&grant));
    let mut flows = Map::new();
    if let Some(token) = text("token_endpoint") {
        if grants_allow("client_credentials") {
            flows.insert(
                "clientCredentials".into(),
                json!({ "tokenUrl": token, "scopes": scopes }),
            );
        }
        if let Some(authorization) = text("authorization_endpoint")
            && grants_allow("authorization_code")
        {
            flows.insert(
                "authorizationCode".into(),
                json!({ "authorizationUrl": authorization, "tokenUrl": token, "scopes": scopes }),
            );
        }
    }
    (!flows.is_empty()).then_some(Value::Object(flows))
}

/// Every scope an operation of `routes` requires → "Needed by: f, g".
fn scope_descriptions(routes: &Routes) -> Value {
    let mut needed: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for route in routes.iter() {
        let function = routes.entry(route).function();
        for scope in function.scopes() {
            let names = needed.entry(scope).or_default();
            if !names.contains(&function.name()) {
                names.push(function.name());
            }
        }
    }
    let mut scopes = Map::new();
    for (scope, mut names) in needed {
        names.sort_unstable();
        scopes.insert(scope.to_owned(), format!("Needed by: {}", names.join(", ")).into());
    }
    Value::Object(scopes)
}

/// The `oauth` security scheme: `oauth2` with the flows of `metadata`,
/// else `openIdConnect`.
fn scheme(oauth: &OAuth, issuer: &str, routes: &Routes, metadata: Option<&Map<String, Value>>) -> Value {
    let description = format!(
        "OAuth 2.1 access tokens from {issuer} for the audience {} (RFC 8707); protected resource metadata at {}.",
        oauth.resource(),
        oauth.resource_metadata_url()
    );
    if let Some(metadata) = metadata {
        if let Some(flows) = flows(metadata, &scope_descriptions(routes)) {
            return json!({ "type": "oauth2", "flows": flows, "description": description });
        }
        oauth.warn_no_flows_once(issuer);
    }
    json!({
        "type": "openIdConnect",
        "openIdConnectUrl": format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/')),
        "description": description,
    })
}

/// Replaces the `oauth` scheme of a document built by [`document_security`]
/// with the one `metadata` gives (what the served document does once it has
/// awaited [`OAuth::flow_metadata`]).
pub(crate) fn set_scheme(
    document: &mut Value,
    routes: &Routes,
    oauth: Option<&OAuth>,
    metadata: Option<&Map<String, Value>>,
) {
    let Some(oauth) = oauth else {
        return;
    };
    let Some(issuer) = oauth.issuers().next() else {
        return;
    };
    if let Some(schemes) = document
        .pointer_mut("/components/securitySchemes")
        .and_then(Value::as_object_mut)
    {
        schemes.insert("oauth".into(), scheme(oauth, issuer, routes, metadata));
    }
}

/// Adds the `oauth` scheme and the requirements to `document`, with the
/// metadata known without network access ([`OAuth::flow_metadata_cached`]).
/// The `bearer` scheme (an API key) stays as the alternative only when API
/// keys are accepted beside OAuth.
pub(crate) fn document_security(document: &mut Value, routes: &Routes, oauth: Option<&OAuth>) {
    let Some(oauth) = oauth else {
        return;
    };
    let Some(issuer) = oauth.issuers().next() else {
        return;
    };
    let metadata = oauth.flow_metadata_cached();
    let scheme = scheme(oauth, issuer, routes, metadata.as_deref());
    let schemes = &mut document["components"]["securitySchemes"];
    schemes["oauth"] = scheme;
    let bearer = oauth.api_keys_beside(schemes.get("bearer").is_some());
    if !bearer && let Some(schemes) = schemes.as_object_mut() {
        schemes.remove("bearer");
    }
    let requirement = |scopes: &[&str]| {
        let mut alternatives = vec![json!({ "oauth": scopes })];
        if bearer {
            alternatives.push(json!({ "bearer": [] }));
        }
        Value::Array(alternatives)
    };
    document["security"] = requirement(&[]);
    // Every operation, with or without scopes: the per-operation
    // requirement the root fields wrote names only the bearer scheme.
    for route in routes.iter() {
        let scopes = routes.entry(route).function().scopes();
        let method = route.method.as_str().to_ascii_lowercase();
        if let Some(operation) = document["paths"]
            .get_mut(route.path.as_str())
            .and_then(|path| path.get_mut(&method))
            .and_then(Value::as_object_mut)
        {
            operation.insert("security".into(), requirement(scopes));
        }
    }
}
