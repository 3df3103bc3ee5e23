# Shared by tests/interop/mcp_*.sh: build the fixture server, start it on a
# free loopback port, and stop it on exit. Source it; it sets SERVER_URL and
# FIXTURE_SERVER.

set -euo pipefail

INTEROP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$INTEROP_DIR/../../.." && pwd)"

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }

# FIXTURE_BIN picks the binary: `fixture-server` (the default) or
# `conformance-server` (the same tools plus resources, prompts and rich results).
build_fixture_server() {
    local bin="${FIXTURE_BIN:-fixture-server}"
    log "building $bin"
    (cd "$REPO_ROOT" && cargo build --quiet -p registry-tests --bin "$bin")
    local target="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
    case "$target" in /*) ;; *) target="$REPO_ROOT/$target" ;; esac
    FIXTURE_SERVER="$target/debug/$bin"
    [ -x "$FIXTURE_SERVER" ] || { log "no binary at $FIXTURE_SERVER"; return 1; }
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

SERVER_PID=""
stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}

start_server() {
    local port
    port="$(free_port)"
    SERVER_LOG="$(mktemp)"
    RUST_LOG="${RUST_LOG:-warn}" "$FIXTURE_SERVER" serve --host 127.0.0.1 --port "$port" >"$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
    trap stop_server EXIT
    SERVER_URL="http://127.0.0.1:$port/mcp"
    for _ in $(seq 1 100); do
        if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
            log "fixture server up at $SERVER_URL (pid $SERVER_PID)"
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    log "the fixture server did not start:"
    cat "$SERVER_LOG" >&2
    return 1
}
