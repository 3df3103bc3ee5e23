#!/usr/bin/env bash
# Load benchmark: the framework against a hand-written axum floor, rmcp 3.x
# (stateless JSON mode) and Python FastMCP 4.1.2 (stateless JSON, one uvicorn
# worker), measured side by side on loopback. See BENCHMARKS.md.
#
#   scripts/bench.sh            full run: 5 s per measurement, 3 repetitions
#   scripts/bench.sh --quick    2 s per measurement, 3 repetitions, fewer cold starts
#   options: --no-peers (skip rmcp and FastMCP), --reps N, --duration S
#
# Installs what it needs: Debian `wrk` (apt-get) and FastMCP into a venv.
# Builds release binaries into $CARGO_TARGET_DIR (default target/bench).
# Every server listens on 127.0.0.1 and is stopped on exit; every load run is
# bounded by its duration. Results: target/bench-results/<stamp>/ (raw JSON
# lines and summary.md, which is also printed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DURATION=5
REPS=3
COLD_RUNS=5
PEERS=1
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) DURATION=2; REPS=3; COLD_RUNS=3 ;;
        --no-peers) PEERS=0 ;;
        --reps) REPS="$2"; shift ;;
        --duration) DURATION="$2"; shift ;;
        -h|--help) sed -n 2,16p "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target/bench}"
BIN="$CARGO_TARGET_DIR/release"
# The rmcp peer may live in its own target dir (BENCH_PEER_TARGET_DIR).
PEER_TARGET="${BENCH_PEER_TARGET_DIR:-$CARGO_TARGET_DIR}"
RMCP_BIN="$PEER_TARGET/release/rmcp-peer-server"
VENV="${BENCH_VENV:-$CARGO_TARGET_DIR/fastmcp-venv}"
OUT="$ROOT/target/bench-results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
RAW="$OUT/runs.jsonl"
COLD="$OUT/coldstart.jsonl"
: > "$RAW"
: > "$COLD"
START_TS=$(date +%s)

log() { echo "[bench $(($(date +%s) - START_TS))s] $*" >&2; }

# ---------------------------------------------------------------- tools
if ! command -v wrk > /dev/null; then
    log "installing wrk (apt-get)"
    apt-get install -y wrk > "$OUT/apt.log" 2>&1 || { apt-get update > /dev/null 2>&1 && apt-get install -y wrk > "$OUT/apt.log" 2>&1; }
fi
if [ "$PEERS" = 1 ] && ! "$VENV/bin/python" -c 'import fastmcp' > /dev/null 2>&1; then
    log "installing fastmcp==4.1.2 into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r benches/peers/fastmcp/requirements.txt > "$OUT/pip.log" 2>&1
fi

# ---------------------------------------------------------------- build
log "building release binaries into $CARGO_TARGET_DIR"
cargo build --release --quiet -p registry-benches --bins
cargo build --release --quiet --manifest-path benches/many/Cargo.toml
if [ "$PEERS" = 1 ]; then
    CARGO_TARGET_DIR="$PEER_TARGET" cargo build --release --quiet --manifest-path benches/peers/rmcp-server/Cargo.toml
fi

# ---------------------------------------------------------------- servers
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2> /dev/null || true; done
    wait 2> /dev/null || true
}
trap cleanup EXIT

declare -A PORT PID
start() { # name port command...
    local name=$1 port=$2
    shift 2
    "$@" > "$OUT/$name.log" 2>&1 &
    PID[$name]=$!
    PORT[$name]=$port
    PIDS+=("$!")
    for _ in $(seq 1 300); do
        if (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then return 0; fi
        sleep 0.05
    done
    echo "server $name did not listen on $port" >&2
    return 1
}

start framework 3101 "$BIN/bench-server" serve --port 3101
start floor 3102 "$BIN/floor-server" 127.0.0.1:3102
if [ "$PEERS" = 1 ]; then
    start rmcp 3103 "$RMCP_BIN" 127.0.0.1:3103
    start fastmcp 3104 "$VENV/bin/python" benches/peers/fastmcp/server.py 3104
fi

# ---------------------------------------------------------------- requests
# shellcheck source=lib/requests.sh
. "$ROOT/scripts/lib/requests.sh"

# A wrk Lua script for one request shape.
lua_for() { # file body headers(;-separated)
    local file=$1 body=$2 headers=$3
    {
        wrk_request "$body" "$headers"
        cat << 'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
LUA
    } > "$file"
}

# Sends the request once with curl; succeeds when the answer contains `expect`.
check() { # server path body headers expect
    local args=(-s -m 5 -X POST "http://127.0.0.1:${PORT[$1]}$2" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' --data "$3")
    IFS=';' read -ra hs <<< "$4"
    for h in "${hs[@]}"; do [ -n "$h" ] && args+=(-H "$h"); done
    local answer
    answer=$(curl "${args[@]}" || true)
    if [[ "$answer" == *"$5"* ]]; then return 0; fi
    echo "  $1 $2: unexpected answer: ${answer:0:300}" >&2
    return 1
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
CLK_TCK=$(getconf CLK_TCK)

# CASES: name | conc | path | body | headers | expect | servers
CASES=()
add_case() { CASES+=("$1|$2|$3|$4|$5|$6|$7"); }
ADD='{"a":1,"b":2}'
MCP_PEERS="framework floor"
[ "$PEERS" = 1 ] && MCP_PEERS="framework floor rmcp fastmcp"
for c in 1 64; do
    add_case "rest_add_async" $c /api/add "$ADD" "" "3" "framework floor"
    add_case "rest_add_sync" $c /api/add_sync "$ADD" "" "3" "framework floor"
    add_case "mcp_add_legacy" $c /mcp "$(legacy_body add "$ADD")" "$LEGACY_HEADERS" '"result":3' "$MCP_PEERS"
    add_case "mcp_add_modern" $c /mcp "$(modern_body add "$ADD")" "$(modern_headers add)" '"result":3' "$MCP_PEERS"
done
add_case "rest_sleep10_async" 256 /api/sleep10 '{}' "" "10" "framework floor"
add_case "mcp_sleep10_legacy" 256 /mcp "$(legacy_body sleep10 '{}')" "$LEGACY_HEADERS" '"result":10' "$MCP_PEERS"

# Which (case, server) pairs answer correctly; the others are skipped and reported.
declare -A OK
log "checking every case answers correctly"
i=0
for spec in "${CASES[@]}"; do
    IFS='|' read -r name conc path body headers expect servers <<< "$spec"
    lua_for "$OUT/case$i.lua" "$body" "$headers"
    for s in $servers; do
        if check "$s" "$path" "$body" "$headers" "$expect"; then OK["$i/$s"]=1; else
            echo "{\"case\": \"$name\", \"conc\": $conc, \"server\": \"$s\", \"skipped\": \"wrong answer\"}" >> "$RAW"
        fi
    done
    i=$((i + 1))
done

run_one() { # case_index name conc path server rep
    local idx=$1 name=$2 conc=$3 path=$4 s=$5 rep=$6
    local pid=${PID[$s]} t0 t1 line
    t0=$(cpu_ticks "$pid")
    line=$(wrk -t1 -c"$conc" -d"${DURATION}s" --timeout 5s -s "$OUT/case$idx.lua" "http://127.0.0.1:${PORT[$s]}$path" 2>&1 | grep '^RESULT' | sed 's/^RESULT //') || true
    t1=$(cpu_ticks "$pid")
    [ -z "$line" ] && line='{"requests": 0, "duration_us": 1, "status_errors": 0, "socket_errors": 0, "p50_us": 0, "p99_us": 0}'
    echo "{\"case\": \"$name\", \"conc\": $conc, \"server\": \"$s\", \"rep\": $rep, \"cpu_s\": $(awk -v a="$t0" -v b="$t1" -v t="$CLK_TCK" 'BEGIN { printf "%.3f", (b - a) / t }'), ${line#\{}" >> "$RAW"
}

# Warm-up: one short run per server.
log "warming up"
for s in "${!PID[@]}"; do
    [ "$s" = fastmcp ] && path=/mcp || path=/api/add
    idx=0
    [ "$s" = rmcp ] || [ "$s" = fastmcp ] && idx=2
    wrk -t1 -c16 -d1s -s "$OUT/case$idx.lua" "http://127.0.0.1:${PORT[$s]}$path" > /dev/null 2>&1 || true
done

log "load runs: ${#CASES[@]} cases x $REPS repetitions x ${DURATION}s, servers interleaved"
for rep in $(seq 1 "$REPS"); do
    i=0
    for spec in "${CASES[@]}"; do
        IFS='|' read -r name conc path body headers expect servers <<< "$spec"
        # Rotate the server order every repetition.
        read -ra list <<< "$servers"
        n=${#list[@]}
        for k in $(seq 0 $((n - 1))); do
            s=${list[$(((k + rep) % n))]}
            [ -n "${OK[$i/$s]:-}" ] && run_one "$i" "$name" "$conc" "$path" "$s" "$rep"
        done
        i=$((i + 1))
    done
    log "repetition $rep done"
done

# Responsiveness: an async probe at c=1, idle and while block10 (a sync
# function blocking 10 ms) runs at c=64.
lua_for "$OUT/block.lua" '{}' ""
log "blocking-pool responsiveness"
for rep in $(seq 1 "$REPS"); do
    for s in framework floor; do
        pid=${PID[$s]}
        line=$(wrk -t1 -c1 -d"${DURATION}s" -s "$OUT/block.lua" "http://127.0.0.1:${PORT[$s]}/api/probe" | grep '^RESULT' | sed 's/^RESULT //')
        echo "{\"case\": \"probe_idle\", \"conc\": 1, \"server\": \"$s\", \"rep\": $rep, \"cpu_s\": 0, ${line#\{}" >> "$RAW"
        t0=$(cpu_ticks "$pid")
        wrk -t1 -c64 -d"$((DURATION + 1))s" --timeout 5s -s "$OUT/block.lua" "http://127.0.0.1:${PORT[$s]}/api/block10" > "$OUT/block-$s-$rep.txt" 2>&1 &
        load=$!
        sleep 0.5
        line=$(wrk -t1 -c1 -d"${DURATION}s" -s "$OUT/block.lua" "http://127.0.0.1:${PORT[$s]}/api/probe" | grep '^RESULT' | sed 's/^RESULT //')
        wait "$load"
        t1=$(cpu_ticks "$pid")
        echo "{\"case\": \"probe_under_block10\", \"conc\": 1, \"server\": \"$s\", \"rep\": $rep, \"cpu_s\": 0, ${line#\{}" >> "$RAW"
        bline=$(grep '^RESULT' "$OUT/block-$s-$rep.txt" | sed 's/^RESULT //')
        echo "{\"case\": \"block10_sync\", \"conc\": 64, \"server\": \"$s\", \"rep\": $rep, \"cpu_s\": $(awk -v a="$t0" -v b="$t1" -v t="$CLK_TCK" 'BEGIN { printf "%.3f", (b - a) / t }'), ${bline#\{}" >> "$RAW"
    done
done

cleanup
PIDS=()

# ---------------------------------------------------------------- cold start
log "cold start and idle RSS ($COLD_RUNS runs each)"
MCP_ADD=$(legacy_body add "$ADD")
cold() { # name port command...
    local name=$1 port=$2
    shift 2
    for _ in $(seq 1 "$COLD_RUNS"); do
        line=$("$BIN/coldstart" "$port" /mcp "$MCP_ADD" '"result":3' "$LEGACY_HEADERS" -- "$@") || line='{"start_ms": -1, "rss_kb": -1}'
        echo "{\"server\": \"$name\", ${line#\{}" >> "$COLD"
    done
}
cold "framework_1000_functions" 3201 "$BIN/many-server" serve --port 3201
cold "framework_5_functions" 3202 "$BIN/bench-server" serve --port 3202
cold "floor" 3203 "$BIN/floor-server" 127.0.0.1:3203
if [ "$PEERS" = 1 ]; then
    cold "rmcp" 3204 "$RMCP_BIN" 127.0.0.1:3204
    cold "fastmcp" 3205 "$VENV/bin/python" benches/peers/fastmcp/server.py 3205
fi
"$BIN/many-server" time-build > "$OUT/many-build.json"

# ---------------------------------------------------------------- report
{
    echo "## Run $(basename "$OUT")"
    echo
    echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernel $(uname -r)"
    echo "- $(rustc --version), $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
    [ "$PEERS" = 1 ] && echo "- rmcp $(grep -A1 'name = "rmcp"' benches/peers/rmcp-server/Cargo.lock | sed -n 's/version = "\(.*\)"/\1/p'), fastmcp $("$VENV/bin/python" -c 'import fastmcp; print(fastmcp.__version__)'), $("$VENV/bin/python" --version)"
    echo "- ${DURATION} s per measurement, ${REPS} repetitions, servers interleaved; wrk -t1"
    echo
    python3 benches/scripts/summarize.py "$RAW" "$COLD" "$OUT/many-build.json"
} > "$OUT/summary.md"
cat "$OUT/summary.md"
log "done in $(($(date +%s) - START_TS)) s; raw results in $OUT"
