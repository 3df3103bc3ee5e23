"""Checks the OAuth resource server against a real authorization server.

Usage: check.py SERVER_BASE ISSUER RESOURCE OTHER_RESOURCE

Tokens come from oidc-provider's token endpoint (client credentials with a
resource indicator, RFC 8707); every call goes to the running fixture
server over REST (/api/...) and MCP (/mcp, legacy and 2026-07-28 eras).
Only the standard library: nothing to install.
"""

import base64
import hashlib
import hmac
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BASE, ISSUER, RESOURCE, OTHER = sys.argv[1:5]
METADATA_URL = BASE + "/.well-known/oauth-protected-resource/mcp"
failures = []
checks = 0


def check(condition, what):
    global checks
    checks += 1
    if condition:
        print(f"ok    {what}")
    else:
        print(f"FAIL  {what}")
        failures.append(what)


def http(method, url, body=None, headers=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def token(client, scope, resource=RESOURCE):
    basic = base64.b64encode(f"{client}:{client}-secret".encode()).decode()
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": scope, "resource": resource})
    status, _, body = http(
        "POST",
        ISSUER + "/token",
        form.encode(),
        {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    if status != 200:
        raise SystemExit(f"token endpoint answered {status}: {body!r}")
    return json.loads(body)["access_token"]


def revoke(client, access_token):
    basic = base64.b64encode(f"{client}:{client}-secret".encode()).decode()
    form = urllib.parse.urlencode({"token": access_token, "token_type_hint": "access_token"})
    status, _, body = http(
        "POST",
        ISSUER + "/token/revocation",
        form.encode(),
        {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    if status != 200:
        raise SystemExit(f"revocation answered {status}: {body!r}")


def auth(access_token):
    return {"Authorization": f"Bearer {access_token}"} if access_token else {}


def rest(name, access_token):
    headers = {"Content-Type": "application/json", **auth(access_token)}
    status, headers, body = http("POST", f"{BASE}/api/{name}", {}, headers)
    return status, headers.get("WWW-Authenticate") or headers.get("www-authenticate"), body


def mcp(name, access_token, modern=False):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": {}}}
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        **auth(access_token),
    }
    if modern:
        body["params"]["_meta"] = {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "oauth-interop", "version": "1"},
        }
        headers.update({"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": name})
    else:
        headers["MCP-Protocol-Version"] = "2025-11-25"
    status, headers, body = http("POST", BASE + "/mcp", body, headers)
    return status, headers.get("WWW-Authenticate") or headers.get("www-authenticate"), body


def jwt_payload(access_token):
    payload = access_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# ------------------------------------------------------------------ metadata
for path in ("/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"):
    status, headers, body = http("GET", BASE + path)
    document = json.loads(body) if status == 200 else {}
    check(status == 200, f"metadata {path}: 200")
    check(document.get("resource") == RESOURCE, f"metadata {path}: resource is {RESOURCE}")
    check(document.get("authorization_servers") == [ISSUER], f"metadata {path}: authorization_servers")
    check(set(document.get("scopes_supported", [])) == {"read", "admin"}, f"metadata {path}: scopes_supported")
    check(document.get("bearer_methods_supported") == ["header"], f"metadata {path}: bearer_methods_supported")

# ------------------------------------------------------- missing credentials
for surface, call in (("REST", rest), ("MCP", mcp)):
    status, challenge, _ = call("ping", None)
    check(status == 401, f"{surface} without a token: 401")
    check(
        challenge == f'Bearer resource_metadata="{METADATA_URL}", scope="admin read"',
        f"{surface} without a token: challenge names the metadata and scopes ({challenge})",
    )
# The resource_metadata URL of a 401 leads to the document (RFC 9728 §5.1).
status, _, body = http("GET", METADATA_URL)
check(status == 200 and json.loads(body)["resource"] == RESOURCE, "the challenge's resource_metadata URL resolves")

# ---------------------------------------------------------------- good token
full = token("jwt-client", "read admin")
claims = jwt_payload(full)
check(claims.get("aud") == RESOURCE, f"oidc-provider issued a JWT for the resource (aud {claims.get('aud')})")
for surface, call in (("REST", rest), ("MCP legacy", mcp), ("MCP 2026-07-28", lambda n, t: mcp(n, t, True))):
    status, _, body = call("admin_report", full)
    check(status == 200, f"{surface} admin_report with a read+admin token: 200 ({body[:120]!r})")
    if surface.startswith("MCP") and status == 200:
        check(json.loads(body)["result"].get("isError") is False, f"{surface} admin_report: a result, not an error")
status, _, body = rest("whoami", full)
who = json.loads(body) if status == 200 else {}
check(who.get("client_id") == "jwt-client", f"claims reach ctx.principal(): {who}")
check(set(who.get("scopes", [])) == {"read", "admin"}, "scope claim -> principal scopes")
check(who.get("authorization_header_seen") is False, "the Authorization header never reaches ctx.metadata")

body = {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}
headers = {"Content-Type": "application/json", "Accept": "application/json", "MCP-Protocol-Version": "2025-11-25", **auth(full)}
status, _, listed = http("POST", BASE + "/mcp", body, headers)
tools = {tool["name"]: tool for tool in json.loads(listed)["result"]["tools"]} if status == 200 else {}
check(
    tools.get("admin_report", {}).get("securitySchemes") == [{"type": "oauth2", "scopes": ["admin"]}]
    and tools.get("ping", {}).get("securitySchemes") == [{"type": "oauth2", "scopes": []}],
    "tools/list gives each tool its securitySchemes",
)
status, _, body = http("GET", BASE + "/openapi.json")
document = json.loads(body) if status == 200 else {}
_, _, discovery = http("GET", ISSUER + "/.well-known/openid-configuration")
token_endpoint = json.loads(discovery).get("token_endpoint")
scheme = document.get("components", {}).get("securitySchemes", {}).get("oauth", {})
check(
    scheme.get("type") == "oauth2"
    and token_endpoint is not None
    and scheme.get("flows", {}).get("clientCredentials", {}).get("tokenUrl") == token_endpoint,
    f"openapi.json: the oauth scheme is oauth2 with the provider's token endpoint {token_endpoint}: {scheme}",
)
check(
    "admin" in scheme.get("flows", {}).get("clientCredentials", {}).get("scopes", {}),
    "openapi.json: the clientCredentials flow lists the admin scope",
)
status, _, body = http("GET", BASE + "/openapi-3.0.json")
down_level = json.loads(body) if status == 200 else {}
check(
    down_level.get("components", {}).get("securitySchemes", {}).get("oauth", {}).get("flows", {})
    .get("clientCredentials", {}).get("tokenUrl") == token_endpoint,
    "openapi-3.0.json keeps the oauth2 flows",
)
check(
    document.get("paths", {}).get("/api/admin_report", {}).get("post", {}).get("security", [{}])[0] == {"oauth": ["admin"]},
    "openapi.json: admin_report requires oauth with the admin scope",
)

# ------------------------------------------------------------ step-up (403)
read_only = token("jwt-client", "read")
for surface, call in (("REST", rest), ("MCP legacy", mcp), ("MCP 2026-07-28", lambda n, t: mcp(n, t, True))):
    status, challenge, body = call("admin_report", read_only)
    check(status == 403, f"{surface} admin_report with a read token: 403")
    check(
        challenge is not None
        and challenge.startswith('Bearer error="insufficient_scope", scope="admin"')
        and f'resource_metadata="{METADATA_URL}"' in challenge,
        f"{surface} 403 challenge: insufficient_scope, scope=admin ({challenge})",
    )
status, _, _ = rest("whoami", read_only)
check(status == 200, "the read token still calls a read function")

# ------------------------------------------------------------ bad tokens 401
other_audience = token("jwt-client", "read admin", OTHER)
signature = full.rsplit(".", 1)[1]
middle = len(signature) // 2
flipped = signature[:middle] + ("A" if signature[middle] != "A" else "B") + signature[middle + 1 :]
bad_signature = full.rsplit(".", 1)[0] + "." + flipped
header, payload, sig = full.split(".")
forged_claims = dict(claims, scope="read admin superuser")
forged = ".".join(
    [header, base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).decode().rstrip("="), sig]
)
unsigned = ".".join(
    [
        base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').decode().rstrip("="),
        payload,
        "",
    ]
)
# HS256 keyed with the issuer's public key (algorithm confusion): refused
# before any key is looked at, HMAC needing a configured shared secret.
_, _, jwks_body = http("GET", ISSUER + "/jwks")
public_key = json.dumps(json.loads(jwks_body)["keys"][0]).encode()
confused_header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "at+jwt"}).encode()).decode().rstrip("=")
confused_message = f"{confused_header}.{payload}"
confused = confused_message + "." + base64.urlsafe_b64encode(
    hmac.new(public_key, confused_message.encode(), hashlib.sha256).digest()
).decode().rstrip("=")
# A kid the issuer never published.
unknown_header = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
unknown_header["kid"] = "never-published"
unknown_kid = ".".join(
    [base64.urlsafe_b64encode(json.dumps(unknown_header).encode()).decode().rstrip("="), payload, sig]
)
short = token("short-client", "read admin")
time.sleep(2.5)
cases = [
    ("wrong audience", other_audience, "audience"),
    ("bad signature", bad_signature, "signature"),
    ("forged payload", forged, "signature"),
    ("alg none", unsigned, "alg: none"),
    ("expired", short, "expired"),
    ("HS256 keyed with the issuer's public key", confused, "`HS256` is not accepted"),
    ("unknown kid", unknown_kid, "no key `never-published`"),
    ("garbage", "not-a-token", "not"),
]
for name, bad, words in cases:
    for surface, call in (("REST", rest), ("MCP", mcp)):
        status, challenge, _ = call("ping", bad)
        check(status == 401, f"{surface} {name}: 401")
        check(
            challenge is not None
            and challenge.startswith('Bearer error="invalid_token"')
            and words in challenge
            and f'resource_metadata="{METADATA_URL}"' in challenge,
            f"{surface} {name}: invalid_token challenge mentioning {words!r} ({challenge})",
        )
status, challenge, _ = http("POST", f"{BASE}/api/ping?access_token={full}", {}, {"Content-Type": "application/json"})
check(status == 401, "a token in the query string: 401")

# ------------------------------------------------- opaque tokens (RFC 7662)
opaque = token("opaque-client", "read admin")
check(opaque.count(".") != 2, "oidc-provider issued an opaque token")
status, _, body = rest("whoami", opaque)
check(status == 200, f"an opaque token, introspected: 200 ({body[:200]!r})")
status, _, _ = mcp("admin_report", opaque)
check(status == 200, "an opaque token on MCP: 200")
revoked = token("opaque-client", "read admin")
revoke("opaque-client", revoked)
status, challenge, _ = rest("ping", revoked)
check(status == 401 and challenge is not None and "not active" in challenge, f"a revoked opaque token: 401 ({challenge})")

# --------------------------------------------------- the server keeps serving
status, _, _ = rest("ping", full)
check(status == 200, "after all of that, a good token still works")

print(f"\n{checks - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
