#!/usr/bin/env bash
# The README's first command, verbatim: `cargo run -p hashstats` must start
# the example server offline with no configuration. Started in the
# background, probed on its default address, then stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."

command=$(grep -m1 -o '^cargo run -p hashstats' README.md)
[ "$command" = "cargo run -p hashstats" ] || { echo "README no longer starts with 'cargo run -p hashstats'"; exit 1; }
cargo build --quiet -p hashstats

log=$(mktemp)
# A new session, so the whole group (cargo and the server it runs) can be stopped.
setsid $command >"$log" 2>&1 &
group=$!
trap 'kill -TERM -- -$group 2>/dev/null || true' EXIT

passed=0
failed=0
for _ in $(seq 1 100); do
    curl -s -m 2 http://127.0.0.1:3000/healthz >/dev/null 2>&1 && break
    sleep 0.2
done
probe() { # name, expected, url
    local body
    body=$(curl -s -m 10 "$3" || true)
    if [[ "$body" == *"$2"* ]]; then passed=$((passed + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1: ${body:0:200}"; fi
}
probe "health" '"functions":30' http://127.0.0.1:3000/healthz
probe "an upstream function on the offline snapshot" "925000" http://127.0.0.1:3000/api/tip_height
probe "docs page" "network_overview" http://127.0.0.1:3000/docs
probe "a resource on REST" "<svg" http://127.0.0.1:3000/api/resources/charts/difficulty.svg
if grep -q "bundled offline snapshot" "$log"; then passed=$((passed + 1)); echo "ok   says which upstream it uses"; else failed=$((failed + 1)); echo "FAIL startup message"; cat "$log"; fi
echo "readme serve command: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
