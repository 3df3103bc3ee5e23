#!/usr/bin/env bash
# Tasks shared by replicas, against real components, all on loopback:
#   1. Debian redis-server on a free port (no persistence), and the
#      RedisTaskStore tests (cargo test -p registry-server --features redis
#      --test redis_store) against it;
#   2. three replicas of tests/src/bin/task-server.rs (tasks in that Redis,
#      a 2-second lease, three API keys: alice, bob, carol) behind Debian
#      haproxy (round-robin, no stickiness, /healthz checks every 250 ms);
#   3. tasks/replicas.py through the balancer: REST 202 + Location, polls
#      answered by replicas other than the runner, progress, cancel (the
#      runner's Drop guard runs; a sync function sees its cancel), bad input
#      (unknown / another principal's / malformed ids, cancel of a finished
#      task, Prefer on a plain function); MCP 2026-07-28 with the official
#      Python SDK and a TasksExtension (tasks/mcp_tasks.py), 2025-11-25 with
#      params.task over raw JSON-RPC; 1,000 concurrent tasks counted exactly
#      (each completed once, with its own result, nothing left live); a
#      replica killed with SIGKILL mid-task (its task fails as unavailable
#      within lease + margin, through the survivors); Redis stopped (new
#      tasks 503, plain calls 200) and restarted.
# Installs redis-server and haproxy (apt) if missing, and mcp==2.3.0 into
# tests/interop/.venv-tasks (git-ignored).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$HERE/.venv-tasks"
MCP_VERSION="2.3.0"
log() { printf '[tasks_replicas] %s\n' "$*" >&2; }
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
started=$(date +%s)

if ! command -v redis-server >/dev/null 2>&1 || ! command -v haproxy >/dev/null 2>&1; then
    log "installing redis-server and haproxy (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq redis-server haproxy >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq redis-server haproxy >/dev/null; }
fi
if ! "$VENV/bin/python" -c "import mcp, importlib.metadata as m; assert m.version('mcp') == '$MCP_VERSION'" 2>/dev/null; then
    log "installing mcp==$MCP_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "mcp==$MCP_VERSION"
fi

log "building task-server with --features redis"
(cd "$ROOT" && cargo build --quiet -p registry-tests --features redis --bin task-server)
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac
SERVER="$TARGET/debug/task-server"

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    # Redis may have been restarted by replicas.py, under a new pid.
    if [ -s "$WORK/redis.pid" ]; then kill "$(cat "$WORK/redis.pid")" 2>/dev/null || true; fi
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

REDIS_PORT="$(free_port)"
REDIS_CMD=(redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" --logfile "$WORK/redis.log")
"${REDIS_CMD[@]}" &
echo $! >"$WORK/redis.pid"
for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$REDIS_PORT" ping >/dev/null || { log "redis-server did not start"; cat "$WORK/redis.log" >&2; exit 1; }
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/"
log "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') at $REDIS_URL"

log "RedisTaskStore tests (REDIS_URL set)"
if ! (cd "$ROOT" && cargo test -p registry-server --features redis --test redis_store) >"$WORK/store-tests.log" 2>&1; then
    cat "$WORK/store-tests.log" >&2
    exit 1
fi
grep -E '^test |^test result' "$WORK/store-tests.log" >&2

KEY_ALICE="alice-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
KEY_BOB="bob-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
KEY_CAROL="carol-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export API_KEYS="$KEY_ALICE id=alice; $KEY_BOB id=bob; $KEY_CAROL id=carol"
PREFIX="api-registry:tasks:"

REPLICAS_JSON=""
BACKENDS=""
for name in r1 r2 r3; do
    port="$(free_port)"
    REPLICA="$name" RUST_LOG="warn,registry_server::tasks=debug" \
        "$SERVER" serve --host 127.0.0.1 --port "$port" >"$WORK/$name.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    for _ in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
        kill -0 "$pid" 2>/dev/null || { cat "$WORK/$name.log" >&2; exit 1; }
        sleep 0.1
    done
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { log "$name did not start"; cat "$WORK/$name.log" >&2; exit 1; }
    BACKENDS+="    server $name 127.0.0.1:$port check inter 250ms fall 1 rise 2"$'\n'
    REPLICAS_JSON+="${REPLICAS_JSON:+,}{\"name\":\"$name\",\"pid\":$pid,\"port\":$port,\"log\":\"$WORK/$name.log\"}"
    log "replica $name at 127.0.0.1:$port (pid $pid)"
done

LB_PORT="$(free_port)"
cat >"$WORK/haproxy.cfg" <<EOF
global
    maxconn 4096
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    retries 0
frontend tasks
    bind 127.0.0.1:$LB_PORT
    default_backend replicas
backend replicas
    balance roundrobin
    option httpchk GET /healthz
$BACKENDS
EOF
haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
PIDS+=("$!")
BASE="http://127.0.0.1:$LB_PORT"
for _ in $(seq 1 50); do curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "$BASE/healthz" >/dev/null || { log "haproxy did not start"; cat "$WORK/haproxy.log" >&2; exit 1; }
log "haproxy at $BASE"

# Redis is restarted the same way by replicas.py (its new pid in redis.pid).
python3 - "$WORK/state.json" <<EOF
import json, sys
json.dump({
    "base": "$BASE",
    "replicas": [$REPLICAS_JSON],
    "keys": {"alice": "$KEY_ALICE", "bob": "$KEY_BOB", "carol": "$KEY_CAROL"},
    "prefix": "$PREFIX",
    "redis_cli": ["redis-cli", "-p", "$REDIS_PORT"],
    "redis_restart": $(python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "${REDIS_CMD[@]}"),
    "redis_pid_file": "$WORK/redis.pid",
}, open(sys.argv[1], "w"))
EOF

status=0
timeout 240 "$VENV/bin/python" "$HERE/tasks/replicas.py" "$WORK/state.json" || status=$?
if [ "$status" -ne 0 ]; then
    for name in r1 r2 r3; do
        log "--- $name log (last 40 lines)"
        tail -n 40 "$WORK/$name.log" >&2
    done
fi
log "done in $(( $(date +%s) - started )) s"
exit "$status"
