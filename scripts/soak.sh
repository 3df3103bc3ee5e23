#!/usr/bin/env bash
# Bounded soak test on loopback (not part of the default test run):
#
#   ./scripts/soak.sh                      # 40,000 mixed calls at concurrency 128
#   SOAK_REQUESTS=100000 SOAK_CONCURRENCY=256 ./scripts/soak.sh
#
# Builds the fixture server in release mode, serves it on 127.0.0.1 only,
# runs a warm-up round and then the soak round of mixed sync, async,
# failing, panicking and timing-out calls over REST and MCP
# (scripts/soak_client.py, Python standard library only), and checks that
#   - every request got exactly one response, with its own request id;
#   - every outcome class was counted exactly as injected;
#   - the server's RSS after the soak is within SOAK_RSS_MARGIN_PCT (default
#     10 %) + 4 MiB of its RSS after warm-up.
# The markdown summary goes to stdout and target/soak/summary.md.
set -euo pipefail
cd "$(dirname "$0")/.."
requests="${SOAK_REQUESTS:-40000}"
concurrency="${SOAK_CONCURRENCY:-128}"
warmup="${SOAK_WARMUP:-4000}"
margin_pct="${SOAK_RSS_MARGIN_PCT:-10}"
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
out="$PWD/target/soak"
mkdir -p "$out"

command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3; }
cargo build --release --quiet -p registry-tests --bin fixture-server
server="$target_dir/release/fixture-server"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
RUST_LOG=error MAX_IN_FLIGHT=4096 "$server" serve --host 127.0.0.1 --port "$port" 2>"$out/server.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/healthz')" 2>/dev/null && break
    sleep 0.1
done
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }

echo "== warm-up: $warmup requests at concurrency $concurrency"
python3 scripts/soak_client.py "$port" "$warmup" "$concurrency" 0 >"$out/warmup.json"
rss_warm="$(rss)"
echo "== soak: $requests requests at concurrency $concurrency"
status=0
python3 scripts/soak_client.py "$port" "$requests" "$concurrency" "$warmup" >"$out/soak.json" || status=$?
rss_end="$(rss)"
kill -TERM "$pid"
wait "$pid" || true
trap - EXIT

limit=$(( rss_warm + rss_warm * margin_pct / 100 + 4096 ))
rss_ok=yes
[ "$rss_end" -le "$limit" ] || rss_ok=no
python3 - "$out/soak.json" "$rss_warm" "$rss_end" "$limit" "$rss_ok" "$status" >"$out/summary.md" <<'PY'
import json, sys, platform, os
s = json.load(open(sys.argv[1]))
warm, end, limit, rss_ok, status = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
print(f"Run: `./scripts/soak.sh` ({s['requests']} requests after a warm-up, concurrency {s['concurrency']}, "
      f"release fixture server on 127.0.0.1, {os.cpu_count()} cores).\n")
print("| check | result |\n| --- | --- |")
print(f"| requests / responses | {s['requests']} / {s['responses']} ({s['missing_or_duplicate']} missing or duplicated) |")
print(f"| connection errors | {len(s['connection_errors'])} |")
print(f"| outcome counts equal to the injected mix | {'yes' if s['tally_matches'] else 'no'} ({s['problem_count']} unexpected answers) |")
print(f"| RSS after warm-up / after soak | {warm/1024:.1f} MiB / {end/1024:.1f} MiB (limit {limit/1024:.1f} MiB): {'ok' if rss_ok == 'yes' else 'TOO HIGH'} |")
print(f"| wall time | {s['seconds']} s ({s['requests']/max(s['seconds'],0.001):.0f} req/s, timeouts included) |")
print("\n| call | count |\n| --- | --- |")
for name, count in sorted(s["tally"].items()):
    print(f"| {name} | {count} |")
PY
cat "$out/summary.md"
if [ "$status" -ne 0 ] || [ "$rss_ok" != yes ]; then
    echo "SOAK FAILED (client exit $status, rss ok: $rss_ok); details in $out/" >&2
    exit 1
fi
echo "soak passed"
