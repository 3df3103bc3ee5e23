#!/usr/bin/env bash
# What a JWT costs the server over an API key (issue 17), on the release
# oauth-server fixture, for REST `POST /api/ping` and MCP `tools/call ping`
# (the 2025-11-25 Streamable HTTP POST /mcp, sessionless), in three cases:
#   KEYS_ONLY  an API key on a server with API keys only
#   KEY        an API key on a server with OAuth and API keys
#   JWT        a JWT from oidc-provider on that server (warm token cache)
#
#   scripts/bench_oauth.sh               server CPU per request: wrk -t1 -c64,
#                                        server pinned to CPU 0 and wrk to CPU 1,
#                                        REPS interleaved repetitions (default 5)
#                                        of DUR seconds (default 5), utime + stime
#                                        from /proc; medians and median ratios
#   scripts/bench_oauth.sh --callgrind   instructions per request: each case on a
#                                        fresh server under callgrind, wrk -t1 -c4,
#                                        DUR seconds (default 6) after a 2 s warm-up
#                                        (callgrind_control -z / -d, as
#                                        scripts/callgrind.sh); REPS default 1
#   SERVER=/path/to/oauth-server ...     a binary built elsewhere (another commit)
#
# Needs wrk (Debian; installed if missing) and the interop folder's
# oidc-provider (tests/interop/oauth, npm). Not part of the default run.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODE=cpu
while [ $# -gt 0 ]; do
    case "$1" in
        --callgrind) MODE=callgrind ;;
        -h|--help) sed -n 2,20p "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
if [ "$MODE" = callgrind ]; then DUR="${DUR:-6}"; REPS="${REPS:-1}"; else DUR="${DUR:-5}"; REPS="${REPS:-5}"; fi
DIR="$ROOT/tests/interop/oauth"
NODE="$DIR/node_modules/.bin/node"
[ -x "$NODE" ] || (cd "$DIR" && npm install --no-audit --no-fund --loglevel=error >&2)
if ! command -v wrk > /dev/null; then
    apt-get install -y wrk > /dev/null 2>&1 || { apt-get update > /dev/null 2>&1 && apt-get install -y wrk > /dev/null 2>&1; }
fi
if [ -z "${SERVER:-}" ]; then
    (cd "$ROOT" && cargo build --quiet --release -p registry-tests --bin oauth-server --features registry-server/oauth)
    SERVER="${CARGO_TARGET_DIR:-$ROOT/target}/release/oauth-server"
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
wrk_script "$WORK/rest.lua" '{}' ""
wrk_script "$WORK/mcp.lua" "$(legacy_body ping '{}')" "$LEGACY_HEADERS"
path_of() { case $1 in rest) echo /api/ping ;; mcp) echo /mcp ;; esac; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
wait_for() { for _ in $(seq 600); do curl -fsS "$1" > /dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }
P1=$(free_port)
ISSUER=http://127.0.0.1:$P1
KEY=bench-key-0123456789
# The audience of the issuer's tokens and of every OAuth server here, whatever
# its port (the server checks `aud` against it; nothing fetches it).
RESOURCE=https://api.bench.example/mcp
PORT=$P1 RESOURCE=$RESOURCE OTHER_RESOURCE=https://other.example/ "$NODE" "$DIR/issuer.mjs" > "$WORK/issuer.log" 2>&1 &
PIDS+=($!)
wait_for "$ISSUER/.well-known/openid-configuration"
jwt() {
    curl -fsS -u jwt-client:jwt-client-secret -d grant_type=client_credentials --data-urlencode "scope=read admin" \
        --data-urlencode "resource=$RESOURCE" "$ISSUER/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

# Starts a server (`keys` or `oauth`) on `port`, under `wrapper...` when
# given; prints nothing, appends its pid to PIDS and sets STARTED.
start() { # kind port log wrapper...
    local kind=$1 port=$2 log=$3
    shift 3
    if [ "$kind" = oauth ]; then
        API_KEYS="$KEY id=bench scopes=read,admin" OAUTH_RESOURCE=$RESOURCE OAUTH_ISSUERS=$ISSUER \
            OAUTH_ALLOW_HTTP_LOOPBACK=true RUST_LOG=warn "$@" "$SERVER" serve --host 127.0.0.1 --port "$port" > "$log" 2>&1 &
    else
        API_KEYS="$KEY id=bench scopes=read,admin" RUST_LOG=warn "$@" "$SERVER" serve --host 127.0.0.1 --port "$port" > "$log" 2>&1 &
    fi
    STARTED=$!
    PIDS+=("$STARTED")
    wait_for "http://127.0.0.1:$port/healthz"
}
# One request of `kind` (rest, mcp) to `base` with `credential`; fails unless 200.
probe() { # kind base credential
    local body='{}' extra=()
    if [ "$1" = mcp ]; then body=$(legacy_body ping '{}'); extra=(-H "$LEGACY_HEADERS" -H 'Accept: application/json, text/event-stream'); fi
    curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $3" -H 'Content-Type: application/json' "${extra[@]}" \
        -d "$body" "$2$(path_of "$1")"
}
# wrk's requests and non-2xx count for one run.
load() { # connections seconds kind base credential
    local out
    out=$(wrk -t1 -c"$1" -d"$2"s -s "$WORK/$3.lua" -H "Authorization: Bearer $5" "$4$(path_of "$3")" 2>&1)
    echo "$(echo "$out" | awk '/^REQUESTS/ {print $2}') $(echo "$out" | awk '/Non-2xx/ {print $5}')"
}
credential_of() { case $1 in JWT) jwt ;; *) echo "$KEY" ;; esac; }
server_of() { case $1 in KEYS_ONLY) echo keys ;; *) echo oauth ;; esac; }

RESULTS="$WORK/results"
: > "$RESULTS"
JWT=$(jwt)
echo "mode $MODE; JWT ${#JWT} bytes; $DUR s per run; $REPS repetition(s); $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"

if [ "$MODE" = callgrind ]; then
    for rep in $(seq "$REPS"); do
        for kind in rest mcp; do
            for case in KEYS_ONLY KEY JWT; do
                port=$(free_port)
                start "$(server_of $case)" "$port" "$WORK/server.log" \
                    valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.%p.out"
                pid=$STARTED
                base=http://127.0.0.1:$port
                credential=$(credential_of $case)
                probe "$kind" "$base" "$credential"
                wrk -t1 -c4 -d2s -s "$WORK/$kind.lua" -H "Authorization: Bearer $credential" "$base$(path_of "$kind")" > /dev/null 2>&1 || true
                callgrind_control -z "$pid" > /dev/null 2>&1
                read -r requests errors <<< "$(load 4 "$DUR" "$kind" "$base" "$credential")"
                callgrind_control -d "$pid" > /dev/null 2>&1
                sleep 1
                dump=$(ls -t "$WORK/cg.$pid.out"* | head -1)
                instructions=$(awk '/^summary:/ {print $2}' "$dump")
                kill "$pid" 2> /dev/null || true
                wait "$pid" 2> /dev/null || true
                rm -f "$WORK/cg.$pid.out"*
                echo "$rep $kind $case $requests ${errors:-0} $instructions" >> "$RESULTS"
                awk -v r="$rep" -v k="$kind" -v c="$case" -v n="$requests" -v e="${errors:-0}" -v i="$instructions" \
                    'BEGIN { printf "rep %d %-4s %-9s %7d requests  %7.2f k instructions/request  non-2xx %d\n", r, k, c, n, i / n / 1000, e }'
            done
        done
    done
else
    TCK=$(getconf CLK_TCK)
    cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
    PK=$(free_port); PO=$(free_port)
    start keys "$PK" "$WORK/server-keys.log" taskset -c 0
    KPID=$STARTED
    start oauth "$PO" "$WORK/server.log" taskset -c 0
    SPID=$STARTED
    for kind in rest mcp; do
        probe "$kind" "http://127.0.0.1:$PK" "$KEY"
        probe "$kind" "http://127.0.0.1:$PO" "$KEY"
        probe "$kind" "http://127.0.0.1:$PO" "$JWT"
    done
    for rep in $(seq "$REPS"); do
        for kind in rest mcp; do
            for case in KEYS_ONLY KEY JWT; do
                case $case in
                    KEYS_ONLY) credential=$KEY; pid=$KPID; base=http://127.0.0.1:$PK ;;
                    KEY) credential=$KEY; pid=$SPID; base=http://127.0.0.1:$PO ;;
                    JWT) credential=$JWT; pid=$SPID; base=http://127.0.0.1:$PO ;;
                esac
                before=$(cpu "$pid")
                read -r requests errors <<< "$(load 64 "$DUR" "$kind" "$base" "$credential")"
                after=$(cpu "$pid")
                us=$(python3 -c "print(f'{($after - $before) / $TCK * 1e6 / $requests:.3f}')")
                echo "$rep $kind $case $requests ${errors:-0} $us" >> "$RESULTS"
                python3 -c "print(f'rep $rep ${kind:0:4} $case: {$requests / $DUR:.0f} req/s, $us us server CPU/request, non-2xx ${errors:-0}')"
            done
        done
    done
fi

# Per kind: the median of each case, and the median over repetitions of each
# repetition's ratios (a ratio within one repetition shares its conditions).
python3 - "$RESULTS" "$MODE" << 'PY'
import statistics, sys
from collections import defaultdict
mode = sys.argv[2]
rows = defaultdict(dict)
for line in open(sys.argv[1]):
    rep, kind, case, requests, errors, value = line.split()
    requests, value = int(requests), float(value)
    rows[kind, rep][case] = value / requests / 1000 if mode == "callgrind" else value
unit = "k instructions/request" if mode == "callgrind" else "us server CPU/request"
for kind in ("rest", "mcp"):
    reps = [r for (k, _), r in sorted(rows.items()) if k == kind]
    med = {c: statistics.median(r[c] for r in reps) for c in ("KEYS_ONLY", "KEY", "JWT")}
    over_keys = statistics.median(r["JWT"] / r["KEYS_ONLY"] for r in reps)
    over_key = statistics.median(r["JWT"] / r["KEY"] for r in reps)
    print(f"{kind:4} medians ({unit}): KEYS_ONLY {med['KEYS_ONLY']:.3f}  KEY {med['KEY']:.3f}  JWT {med['JWT']:.3f};"
          f"  median ratios over {len(reps)}: JWT/KEYS_ONLY {over_keys:.3f}  JWT/KEY {over_key:.3f};"
          f"  ratios of the medians: {med['JWT'] / med['KEYS_ONLY']:.3f}  {med['JWT'] / med['KEY']:.3f}")
PY
