#!/usr/bin/env bash
# Instructions per request, counted by callgrind: the framework's release
# `bench-server` and the hand-written axum floor under the same wrk load.
# Unlike CPU seconds, the count repeats to a few tenths of a percent whatever
# else the machine is doing, so two builds can be compared on a busy machine.
# See BENCHMARKS.md ("How the gap was closed").
#
#   scripts/callgrind.sh                 this checkout's binaries (built into target/bench)
#   BIN=/path/to/release scripts/callgrind.sh   binaries built elsewhere (another checkout)
#   options: --seconds S (load per case, default 6)
#
# Installs Debian's wrk if missing; valgrind is on the machine. Every server
# listens on 127.0.0.1 and is stopped on exit; every load run is bounded by
# its duration. Prints one line per case and server: instructions/request.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SECONDS_PER_CASE=6
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) SECONDS_PER_CASE="$2"; shift ;;
        -h|--help) sed -n 2,14p "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

if ! command -v wrk > /dev/null; then
    apt-get install -y wrk > /dev/null 2>&1 || { apt-get update > /dev/null 2>&1 && apt-get install -y wrk > /dev/null 2>&1; }
fi
if [ -z "${BIN:-}" ]; then
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target/bench}"
    cargo build --release --quiet -p registry-benches --bins
    BIN="$CARGO_TARGET_DIR/release"
fi
OUT="$(mktemp -d)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2> /dev/null || true; done
    wait 2> /dev/null || true
    rm -rf "$OUT"
}
trap cleanup EXIT

# shellcheck source=lib/requests.sh
. "$ROOT/scripts/lib/requests.sh"


ADD='{"a":1,"b":2}'
wrk_script "$OUT/rest.lua" "$ADD" ""
wrk_script "$OUT/legacy.lua" "$(legacy_body add "$ADD")" "$LEGACY_HEADERS"
wrk_script "$OUT/modern.lua" "$(modern_body add "$ADD")" "$(modern_headers add)"

measure() { # server-name port path lua-file command...
    local name=$1 port=$2 path=$3 script=$4
    shift 4
    valgrind --tool=callgrind --callgrind-out-file="$OUT/$name.%p.out" "$@" > "$OUT/$name.log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    for _ in $(seq 1 600); do
        (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null && break
        sleep 0.1
    done
    wrk -t1 -c4 -d2s -s "$script" "http://127.0.0.1:$port$path" > /dev/null 2>&1 || true
    callgrind_control -z "$pid" > /dev/null 2>&1
    local requests
    requests=$(wrk -t1 -c4 -d"${SECONDS_PER_CASE}s" -s "$script" "http://127.0.0.1:$port$path" 2>&1 | awk '/^REQUESTS/ {print $2}')
    callgrind_control -d "$pid" > /dev/null 2>&1
    sleep 1
    local dump instructions
    dump=$(ls -t "$OUT/$name.$pid.out"* | head -1)
    instructions=$(awk '/^summary:/ {print $2}' "$dump")
    kill "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
    awk -v n="$name" -v i="$instructions" -v r="$requests" \
        'BEGIN { printf "%-16s %8d requests  %7.1f k instructions/request\n", n, r, i / r / 1000 }'
}

measure rest 3201 /api/add "$OUT/rest.lua" "$BIN/bench-server" serve --port 3201
measure mcp_legacy 3202 /mcp "$OUT/legacy.lua" "$BIN/bench-server" serve --port 3202
measure mcp_modern 3203 /mcp "$OUT/modern.lua" "$BIN/bench-server" serve --port 3203
measure floor_rest 3204 /api/add "$OUT/rest.lua" "$BIN/floor-server" 127.0.0.1:3204
measure floor_mcp 3205 /mcp "$OUT/legacy.lua" "$BIN/floor-server" 127.0.0.1:3205
