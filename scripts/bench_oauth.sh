#!/usr/bin/env bash
# Server CPU per request with OAuth (issue 17): REST POST /api/ping on the
# release oauth-server fixture, wrk -t1 -c64, server pinned to CPU 0 and
# wrk to CPU 1, three interleaved repetitions of
#   KEYS_ONLY  an API key on a server with API keys only
#   KEY        an API key on a server with OAuth and API keys
#   JWT        a JWT from oidc-provider on that server (warm token cache)
# reading the server's utime + stime from /proc around each run. Needs wrk
# (Debian) and the interop folder's oidc-provider (tests/interop/oauth,
# installed by tests/interop/oauth_resource_server.sh). Not part of the
# default run. DUR=seconds per run (default 5).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$ROOT/tests/interop/oauth"
NODE="$DIR/node_modules/.bin/node"
[ -x "$NODE" ] || (cd "$DIR" && npm install --no-audit --no-fund --loglevel=error >&2)
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
(cd "$ROOT" && cargo build --quiet --release -p registry-tests --bin oauth-server --features registry-server/oauth)
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
SERVER="$TARGET/release/oauth-server"
DUR="${DUR:-5}"
WORK="$(mktemp -d)"
cat > "$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "{}"
wrk.headers["Content-Type"] = "application/json"
LUA
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
wait_for() { for _ in $(seq 100); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }
P1=$(free_port); P2=$(free_port); P3=$(free_port)
ISSUER=http://127.0.0.1:$P1; BASE=http://127.0.0.1:$P2; BASE_KEYS=http://127.0.0.1:$P3; RESOURCE=$BASE/mcp
KEY=bench-key-0123456789
IPID=""; SPID=""; KPID=""
trap 'kill $IPID $SPID $KPID 2>/dev/null || true; rm -rf "$WORK"' EXIT
PORT=$P1 RESOURCE=$RESOURCE OTHER_RESOURCE=https://other.example/ "$NODE" "$DIR/issuer.mjs" >"$WORK/issuer.log" 2>&1 &
IPID=$!
wait_for "$ISSUER/.well-known/openid-configuration"
API_KEYS="$KEY id=bench scopes=read,admin" OAUTH_RESOURCE=$RESOURCE OAUTH_ISSUERS=$ISSUER OAUTH_ALLOW_HTTP_LOOPBACK=true RUST_LOG=warn \
    taskset -c 0 "$SERVER" serve --host 127.0.0.1 --port "$P2" >"$WORK/server.log" 2>&1 &
SPID=$!
API_KEYS="$KEY id=bench scopes=read,admin" RUST_LOG=warn \
    taskset -c 0 "$SERVER" serve --host 127.0.0.1 --port "$P3" >"$WORK/server-keys.log" 2>&1 &
KPID=$!
wait_for "$BASE/healthz"
wait_for "$BASE_KEYS/healthz"
JWT=$(curl -fsS -u jwt-client:jwt-client-secret -d grant_type=client_credentials --data-urlencode "scope=read admin" \
    --data-urlencode "resource=$RESOURCE" "$ISSUER/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
TCK=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for url_and_credential in "$BASE_KEYS $KEY" "$BASE $KEY" "$BASE $JWT"; do
    set -- $url_and_credential
    curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $2" -H 'content-type: application/json' -d '{}' "$1/api/ping"
done
echo "JWT: ${#JWT} bytes; $DUR s per run; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
for rep in 1 2 3; do
    for case in KEYS_ONLY KEY JWT; do
        case $case in
            KEYS_ONLY) credential=$KEY; pid=$KPID; url=$BASE_KEYS ;;
            KEY) credential=$KEY; pid=$SPID; url=$BASE ;;
            JWT) credential=$JWT; pid=$SPID; url=$BASE ;;
        esac
        before=$(cpu "$pid")
        out=$(taskset -c 1 wrk -t1 -c64 -d"${DUR}"s -s "$WORK/post.lua" -H "Authorization: Bearer $credential" "$url/api/ping")
        after=$(cpu "$pid")
        requests=$(echo "$out" | awk '/requests in/ {print $1}')
        errors=$(echo "$out" | awk '/Non-2xx/ {print $4}')
        python3 -c "print(f'rep $rep $case: {$requests / $DUR:.0f} req/s, {($after - $before) / $TCK * 1e6 / $requests:.2f} us server CPU/request, non-2xx ${errors:-0}')"
    done
done
