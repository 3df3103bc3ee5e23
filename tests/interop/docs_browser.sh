#!/usr/bin/env bash
# Headless Chromium against GET /docs: every registered function has a section
# and a sidebar link, the `add` form sends a real request and shows 200 / 42,
# the `get_item` form shows a 404 problem, a text resource, a template with
# its variable, a binary (PNG) resource shown as a picture and a prompt with an
# enum argument answer through their forms, hashstats' `difficulty_scan` runs
# as a task from its form (polled to its result, and a second run cancelled
# with the form's Cancel button), the page requests nothing from any
# other host and logs no console errors. Keeps artifacts/docs.png (and
# artifacts/docs-full.png) as the test artifact.
#
# Installs what it needs itself: Debian's `chromium` (apt-get, only when
# /usr/bin/chromium is missing) and npm `playwright-core` into
# tests/interop/browser/node_modules (git-ignored). Uses the machine's node.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BROWSER_DIR="$HERE/browser"
log() { printf '[docs_browser] %s\n' "$*" >&2; }

if [ ! -x /usr/bin/chromium ]; then
    log "installing Debian's chromium"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
command -v node >/dev/null || { log "node is required"; exit 1; }
if [ ! -d "$BROWSER_DIR/node_modules/playwright-core" ]; then
    log "installing playwright-core from npm (no browser download)"
    (cd "$BROWSER_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error >&2)
fi

# `conformance-server`: the fixture tools plus resources, templates and prompts.
log "building the fixture server"
(cd "$ROOT" && cargo build --quiet -p registry-tests --bin conformance-server)
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac
SERVER="$TARGET/debug/conformance-server"

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
BASE="http://127.0.0.1:$PORT"
SERVER_LOG="$(mktemp)"
RUST_LOG=warn "$SERVER" serve --host 127.0.0.1 --port "$PORT" >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
cleanup() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    rm -f "$SERVER_LOG"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
    curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$SERVER_LOG" >&2; exit 1; }
    sleep 0.1
done

# Every registered function, REST or MCP, by name (`list` prints a table).
mapfile -t NAMES < <("$SERVER" list | sed '1d;$d' | awk '{print $1}')
[ "${#NAMES[@]}" -gt 0 ] || { log "no functions listed"; exit 1; }
log "${#NAMES[@]} functions: ${NAMES[*]}"

# hashstats (offline), for its task-capable `difficulty_scan`.
log "building hashstats"
(cd "$ROOT" && cargo build --quiet -p hashstats)
TASKS_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
RUST_LOG=warn "$TARGET/debug/hashstats" serve --host 127.0.0.1 --port "$TASKS_PORT" >>"$SERVER_LOG" 2>&1 &
TASKS_PID=$!
trap 'kill "$TASKS_PID" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$TASKS_PORT/healthz" >/dev/null 2>&1 && break
    kill -0 "$TASKS_PID" 2>/dev/null || { cat "$SERVER_LOG" >&2; exit 1; }
    sleep 0.1
done

mkdir -p "$ROOT/artifacts"
TASKS_BASE="http://127.0.0.1:$TASKS_PORT" timeout 180 node "$BROWSER_DIR/docs.mjs" "$BASE" "$ROOT/artifacts/docs.png" "${NAMES[@]}"
log "passed"
