#!/usr/bin/env bash
# End to end on the Lambda runtime API: cargo-lambda's local emulator (PyPI
# `cargo-lambda`) runs the runtime API and a Function URL front end; the
# hashstats binary built with `--features lambda` polls it exactly as it would
# on AWS. REST, OpenAPI, docs and a full MCP sequence go through it.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
venv="$root/tests/interop/.venv-lambda"
target="${CARGO_TARGET_DIR:-$root/target}"

if [ ! -x "$venv/bin/cargo-lambda" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "cargo-lambda==1.9.2"
fi
cargo build --quiet -p hashstats --features lambda

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
logs=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

"$venv/bin/cargo-lambda" lambda watch --only-lambda-apis -A 127.0.0.1 -P "$port" >"$logs/emulator.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do
    (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
    sleep 0.2
done

AWS_LAMBDA_FUNCTION_NAME=_ AWS_LAMBDA_FUNCTION_VERSION=1 AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256 \
    AWS_LAMBDA_RUNTIME_API="http://127.0.0.1:$port/.rt" RUST_LOG=warn \
    "$target/debug/hashstats" >"$logs/function.log" 2>&1 &
pids+=($!)

# With --only-lambda-apis the emulator serves one function, named `_`.
base="http://127.0.0.1:$port/lambda-url/_"
passed=0
failed=0
check() { # name, expected substring, curl args...
    local name=$1 expected=$2
    shift 2
    local body
    body=$(curl -s -m 20 "$@" || true)
    if [[ "$body" == *"$expected"* ]]; then
        passed=$((passed + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name: expected $expected in: ${body:0:300}"
    fi
}
mcp() { curl -s -m 20 "$base/mcp" -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' -H 'mcp-protocol-version: 2025-11-25' -d "$1" || true; }

check "REST GET (async, upstream)" "925000" "$base/api/tip_height"
check "REST GET with a query (sync)" '"sats":312500000' "$base/api/block_subsidy?height=840000"
check "REST POST body (sync)" "100000000" "$base/api/convert_amount" -H 'content-type: application/json' -d '{"amount": 1, "from": "btc", "to": "sats"}'
check "REST problem+json" '"status":422' "$base/api/convert_amount" -H 'content-type: application/json' -d '{"amount": 1, "from": "btc", "to": "doge"}'
check "REST blocking sync function" '"count":41230' "$base/api/mempool_summary"
check "OpenAPI document" '"openapi": "3.1' "$base/openapi.json"
check "docs page" "network_overview" "$base/docs"
check "MCP initialize" '"protocolVersion":"2025-11-25"' -X POST "$base/mcp" -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \
    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"sh","version":"1"}}}'
body=$(mcp '{"jsonrpc":"2.0","id":2,"method":"tools/list"}')
if [[ "$body" == *'"name":"network_overview"'* ]]; then passed=$((passed + 1)); echo "ok   MCP tools/list"; else failed=$((failed + 1)); echo "FAIL MCP tools/list: ${body:0:300}"; fi
body=$(mcp '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"next_retarget","arguments":{"height":925000}}}')
if [[ "$body" == *'"blocks_remaining":344'* ]]; then passed=$((passed + 1)); echo "ok   MCP tools/call sync"; else failed=$((failed + 1)); echo "FAIL MCP tools/call sync: ${body:0:300}"; fi
body=$(mcp '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"network_overview","arguments":{}}}')
if [[ "$body" == *'"tip_height":925000'* ]]; then passed=$((passed + 1)); echo "ok   MCP tools/call async"; else failed=$((failed + 1)); echo "FAIL MCP tools/call async: ${body:0:300}"; fi
check "REST resource (JSON)" '"fastestFee"' "$base/api/resources/fees"
body=$(mcp '{"jsonrpc":"2.0","id":5,"method":"resources/read","params":{"uri":"hashstats://blocks/924995"}}')
if [[ "$body" == *'"uri":"hashstats://blocks/924995"'* && "$body" == *'924995'* ]]; then passed=$((passed + 1)); echo "ok   MCP resources/read"; else failed=$((failed + 1)); echo "FAIL MCP resources/read: ${body:0:300}"; fi
body=$(mcp '{"jsonrpc":"2.0","id":6,"method":"prompts/get","params":{"name":"mining_report","arguments":{"period":"1w"}}}')
if [[ "$body" == *'"role":"user"'* ]]; then passed=$((passed + 1)); echo "ok   MCP prompts/get"; else failed=$((failed + 1)); echo "FAIL MCP prompts/get: ${body:0:300}"; fi

if [ "$failed" -gt 0 ]; then
    echo "--- emulator log"; tail -20 "$logs/emulator.log"; echo "(logs in $logs)"
    echo "--- function log"; tail -20 "$logs/function.log"
fi
echo "lambda emulator: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
