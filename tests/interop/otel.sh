#!/usr/bin/env bash
# OpenTelemetry (feature `otel`) against real components:
#   1. a small OTLP/HTTP receiver (otel/receiver.py) that decodes what the
#      server's exporter sends with the official protobuf definitions (PyPI
#      opentelemetry-proto);
#   2. the fixture server built with --features otel, exporting to it through
#      the standard variables (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME,
#      OTEL_TRACES_SAMPLER), called over REST, MCP in both eras (a result, an
#      isError result, a panic, a timeout, a list) and stdio, each call under a
#      traceparent of its own (HTTP header or `params._meta`);
#   3. `promtool check metrics` (Debian package prometheus, installed if
#      missing) on GET /metrics, whose counters must match the calls.
# The server is stopped with SIGTERM: spans and metrics arrive through the
# graceful-shutdown flush (and stdio's when its stdin closes), so no check
# waits for an export interval. otel/check.py checks span names, kinds,
# attributes, status and parents, and the metric instruments and counts.
# Installs opentelemetry-proto into tests/interop/.venv-otel (git-ignored).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$HERE/.venv-otel"
log() { printf '[otel] %s\n' "$*" >&2; }
started=$(date +%s)

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import opentelemetry.proto' 2>/dev/null; then
    log "installing opentelemetry-proto into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "opentelemetry-proto>=1.20"
fi
if ! command -v promtool >/dev/null 2>&1; then
    log "installing promtool (Debian package prometheus)"
    (apt-get install -y -qq prometheus >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq prometheus >/dev/null; })
fi

log "building the fixture server with --features otel"
(cd "$ROOT" && cargo build --quiet -p registry-tests --features otel --bin fixture-server)
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac
SERVER="$TARGET/debug/fixture-server"

WORK="$(mktemp -d)"
RECEIVER_PID=""
SERVER_PID=""
cleanup() {
    for pid in $SERVER_PID $RECEIVER_PID; do kill "$pid" 2>/dev/null || true; done
    for pid in $SERVER_PID $RECEIVER_PID; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

touch "$WORK/spans.jsonl" "$WORK/metrics.jsonl"
"$VENV/bin/python" "$HERE/otel/receiver.py" "$WORK/receiver.port" "$WORK/spans.jsonl" "$WORK/metrics.jsonl" &
RECEIVER_PID=$!
for _ in $(seq 1 100); do [ -s "$WORK/receiver.port" ] && break; sleep 0.1; done
RECEIVER="http://127.0.0.1:$(cat "$WORK/receiver.port")"
log "OTLP receiver at $RECEIVER"

export OTEL_EXPORTER_OTLP_ENDPOINT="$RECEIVER"
export OTEL_SERVICE_NAME="otel-interop"
export OTEL_TRACES_SAMPLER="always_on"
# Exported at shutdown: a long interval keeps the counts to one final export.
export OTEL_METRIC_EXPORT_INTERVAL=600000
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
BASE="http://127.0.0.1:$PORT"
RUST_LOG=warn "$SERVER" serve --host 127.0.0.1 --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.1
done
log "fixture server at $BASE"

RUST_LOG=warn "$VENV/bin/python" "$HERE/otel/calls.py" "$BASE" "$SERVER" >"$WORK/traces.json"

curl -fsS "$BASE/metrics" -o "$WORK/metrics.txt"
log "promtool check metrics"
promtool check metrics <"$WORK/metrics.txt"

log "stopping the server (SIGTERM: the graceful shutdown flushes the exporters)"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || { cat "$WORK/server.log" >&2; exit 1; }
SERVER_PID=""

"$VENV/bin/python" "$HERE/otel/check.py" "$WORK/traces.json" "$WORK/spans.jsonl" "$WORK/metrics.jsonl" "$WORK/metrics.txt" || {
    log "server log:"; cat "$WORK/server.log" >&2; exit 1;
}
log "done in $(( $(date +%s) - started )) s"
