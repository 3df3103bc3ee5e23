#!/usr/bin/env bash
# What the `otel` feature costs the server (issue 19), as server CPU
# (utime + stime from /proc, every thread of the process: the batch
# exporter's too) per request, for REST `POST /api/add` and MCP
# `tools/call add` in both eras, in three cases:
#   DEFAULT  the release bench-server built without the feature
#   OFF      built with `otel`, no exporter configured
#   EXPORT   built with `otel`, OTEL_TRACES_SAMPLER=always_on, spans and
#            metrics exported over OTLP/HTTP to tests/interop/otel/receiver.py
#            on loopback (which decodes every span; the script checks that
#            every request's span arrived, so none was dropped to save work)
# All three servers run at once, pinned to CPU 0; wrk (-t1 -c64) and the
# receiver share CPU 1. REPS interleaved repetitions (default 5) of DUR
# seconds (default 5); prints each run, then medians and the median of each
# repetition's ratios OFF/DEFAULT and EXPORT/OFF (and EXPORT/OFF of the user
# time alone, which leaves out the kernel's share: see below).
#
# By default wrk sends as fast as the server answers (saturation). There a
# slower server leaves wrk idle more often, and waking an idle vCPU is
# charged to the server's send (a hypervisor exit, ~3 us per request on
# these 2-vCPU machines), so saturation overstates what a slower build
# costs. DELAY_MS=N makes each connection wait N ms between requests
# instead: the same offered load for every case (64 connections, at most
# 64000/N requests/s), below every build's capacity.
#
#   scripts/bench_otel.sh
#   DELAY_MS=4 scripts/bench_otel.sh                      the same load for every case
#   DEFAULT_BIN=... OTEL_BIN=... scripts/bench_otel.sh   binaries built elsewhere
#
# Builds into target/bench (default) and target/bench-otel; installs wrk
# (Debian) if missing and opentelemetry-proto into tests/interop/.venv-otel
# (as tests/interop/otel.sh). Not part of the default run.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
case "${1:-}" in
    -h|--help) sed -n 2,31p "$0"; exit 0 ;;
    "") ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
esac
DUR="${DUR:-5}"
REPS="${REPS:-5}"
if ! command -v wrk > /dev/null; then
    apt-get install -y wrk > /dev/null 2>&1 || { apt-get update > /dev/null 2>&1 && apt-get install -y wrk > /dev/null 2>&1; }
fi
VENV="$ROOT/tests/interop/.venv-otel"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import opentelemetry.proto' 2> /dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "opentelemetry-proto>=1.20"
fi
if [ -z "${DEFAULT_BIN:-}" ]; then
    (cd "$ROOT" && CARGO_TARGET_DIR="$ROOT/target/bench" cargo build --quiet --release -p registry-benches --bin bench-server)
    DEFAULT_BIN="$ROOT/target/bench/release/bench-server"
fi
if [ -z "${OTEL_BIN:-}" ]; then
    (cd "$ROOT" && CARGO_TARGET_DIR="$ROOT/target/bench-otel" cargo build --quiet --release -p registry-benches --bin bench-server --features registry-server/otel)
    OTEL_BIN="$ROOT/target/bench-otel/release/bench-server"
fi
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2> /dev/null || true; done
    wait 2> /dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=lib/requests.sh
. "$ROOT/scripts/lib/requests.sh"
ADD='{"a":1,"b":2}'
WRK_DELAY_MS="${DELAY_MS:-}"
wrk_script "$WORK/rest.lua" "$ADD" ""
wrk_script "$WORK/legacy.lua" "$(legacy_body add "$ADD")" "$LEGACY_HEADERS"
wrk_script "$WORK/modern.lua" "$(modern_body add "$ADD")" "$(modern_headers add)"
path_of() { case $1 in rest) echo /api/add ;; *) echo /mcp ;; esac; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
wait_for() { for _ in $(seq 600); do curl -fsS "$1" > /dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }

taskset -c 1 "$VENV/bin/python" "$ROOT/tests/interop/otel/receiver.py" "$WORK/receiver.port" "$WORK/spans.count" /dev/null &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$WORK/receiver.port" ] && break; sleep 0.1; done
RECEIVER=http://127.0.0.1:$(cat "$WORK/receiver.port")

# Starts `bin` on `port` pinned to CPU 0 with the environment `env -i`
# leaves it (no OTEL_* but what is given); appends its pid to PIDS, sets STARTED.
start() { # bin port log env...
    local bin=$1 port=$2 log=$3
    shift 3
    env -i PATH="$PATH" HOME="$HOME" RUST_LOG=warn "$@" taskset -c 0 "$bin" serve --host 127.0.0.1 --port "$port" > "$log" 2>&1 &
    STARTED=$!
    PIDS+=("$STARTED")
    wait_for "http://127.0.0.1:$port/healthz"
}
PD=$(free_port); PF=$(free_port); PE=$(free_port)
start "$DEFAULT_BIN" "$PD" "$WORK/default.log"; DPID=$STARTED
start "$OTEL_BIN" "$PF" "$WORK/off.log"; FPID=$STARTED
start "$OTEL_BIN" "$PE" "$WORK/export.log" OTEL_EXPORTER_OTLP_ENDPOINT="$RECEIVER" OTEL_TRACES_SAMPLER=always_on \
    OTEL_SERVICE_NAME=bench-otel; EPID=$STARTED

TCK=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15, $14}' "/proc/$1/stat"; } # utime + stime, utime
load() { # connections seconds kind base
    local out
    out=$(taskset -c 1 wrk -t1 -c"$1" -d"$2"s -s "$WORK/$3.lua" "$4$(path_of "$3")" 2>&1)
    echo "$(echo "$out" | awk '/^REQUESTS/ {print $2}') $(echo "$out" | awk '/Non-2xx/ {print $5}')"
}
spans() { if [ -s "$WORK/spans.count" ]; then cat "$WORK/spans.count"; else echo 0; fi; }
# Waits until the receiver holds `want` spans or stops growing (the batch
# processor exports every 5 s at the latest); prints how many it holds.
drain() { # want
    local have last=-1 i
    for i in $(seq 40); do
        have=$(spans)
        [ "$have" -ge "$1" ] && break
        [ "$have" = "$last" ] && [ "$i" -gt 14 ] && break
        last=$have
        sleep 0.5
    done
    spans
}
for kind in rest legacy modern; do
    for port in "$PD" "$PF" "$PE"; do taskset -c 1 wrk -t1 -c64 -d1s -s "$WORK/$kind.lua" "http://127.0.0.1:$port$(path_of $kind)" > /dev/null 2>&1; done
done
drain 1000000000 > /dev/null
RESULTS="$WORK/results"
: > "$RESULTS"
echo "${DELAY_MS:+each connection waits $DELAY_MS ms between requests; }$DUR s per run; $REPS repetition(s); $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
for rep in $(seq "$REPS"); do
    for kind in rest legacy modern; do
        for case in DEFAULT OFF EXPORT; do
            case $case in
                DEFAULT) pid=$DPID; port=$PD ;;
                OFF) pid=$FPID; port=$PF ;;
                EXPORT) pid=$EPID; port=$PE ;;
            esac
            first=$(spans)
            read -r before ubefore <<< "$(cpu "$pid")"
            read -r requests errors <<< "$(load 64 "$DUR" "$kind" "http://127.0.0.1:$port")"
            # the export of the run's last batch belongs to the run
            exported=-
            if [ "$case" = EXPORT ]; then
                exported=$(($(drain $((first + requests))) - first))
                if [ "$exported" -lt "$requests" ]; then
                    echo "EXPORT $kind: $exported spans arrived for $requests requests (dropped)" >&2
                    exit 1
                fi
            fi
            read -r after uafter <<< "$(cpu "$pid")"
            read -r us user <<< "$(python3 -c "print(f'{($after - $before) / $TCK * 1e6 / $requests:.3f} {($uafter - $ubefore) / $TCK * 1e6 / $requests:.3f}')")"
            echo "$rep $kind $case $requests ${errors:-0} $us $user" >> "$RESULTS"
            python3 -c "print(f'rep $rep $kind $case: {$requests / $DUR:.0f} req/s, $us us server CPU/request ($user user), non-2xx ${errors:-0}, spans $exported')"
        done
    done
done

python3 - "$RESULTS" << 'PY'
import statistics, sys
from collections import defaultdict
rows = defaultdict(dict)
users = defaultdict(dict)
for line in open(sys.argv[1]):
    rep, kind, case, requests, errors, value, user = line.split()
    rows[kind, rep][case] = float(value)
    users[kind, rep][case] = float(user)
for kind in ("rest", "legacy", "modern"):
    reps = [r for (k, _), r in sorted(rows.items()) if k == kind]
    med = {c: statistics.median(r[c] for r in reps) for c in ("DEFAULT", "OFF", "EXPORT")}
    off = statistics.median(r["OFF"] / r["DEFAULT"] for r in reps)
    export = statistics.median(r["EXPORT"] / r["OFF"] for r in reps)
    lo, hi = min(r["EXPORT"] / r["OFF"] for r in reps), max(r["EXPORT"] / r["OFF"] for r in reps)
    user = statistics.median(r["EXPORT"] / r["OFF"] for (k, _), r in sorted(users.items()) if k == kind)
    print(f"{kind:6} medians (us server CPU/request): DEFAULT {med['DEFAULT']:.3f}  OFF {med['OFF']:.3f}  EXPORT {med['EXPORT']:.3f};"
          f"  median ratios over {len(reps)}: OFF/DEFAULT {off:.3f}  EXPORT/OFF {export:.3f} ({lo:.3f}-{hi:.3f}); user time only EXPORT/OFF {user:.3f}")
PY
