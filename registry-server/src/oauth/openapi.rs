//! The OAuth parts of the OpenAPI document: an `openIdConnect` security
//! scheme naming the first trusted issuer's discovery document (where the
//! OAuth 2 flows and their endpoints are), the root `security`, and each
//! operation's scopes.
//!
//! `openIdConnect` rather than an `oauth2` scheme with `flows`: the token
//! endpoint is known only from the issuer's metadata, fetched at run time,
//! while the document is built without network access; OpenAPI 3.1 has no
//! field for an RFC 8414 metadata URL (3.2 adds `oauth2MetadataUrl`).

use serde_json::{Value, json};

use super::OAuth;
use crate::rest::Routes;

/// Adds the `oauth` scheme and the requirements to `document`. The
/// `bearer` scheme (an API key) stays as the alternative only when API keys
/// are accepted beside OAuth.
pub(crate) fn document_security(document: &mut Value, routes: &Routes, oauth: Option<&OAuth>) {
    let Some(oauth) = oauth else {
        return;
    };
    let Some(issuer) = oauth.issuers().next() else {
        return;
    };
    let scheme = json!({
        "type": "openIdConnect",
        "openIdConnectUrl": format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/')),
        "description": format!(
            "OAuth 2.1 access tokens from {issuer} for the audience {} (RFC 8707); protected resource metadata at {}.",
            oauth.resource(),
            oauth.resource_metadata_url()
        ),
    });
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
