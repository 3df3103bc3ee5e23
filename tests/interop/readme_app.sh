#!/usr/bin/env bash
# A new user's first hour: the README's `Cargo.toml` and `src/main.rs`,
# verbatim, as a fresh crate outside this workspace (beside a copy of the
# path layout the snippet assumes), built and run. The application must show
# its own name, version and description in `--help` and `--version`, MCP
# `initialize` and `server/discover`, `/openapi.json` and `/docs`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)

work=$(mktemp -d)
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# The snippet names `../api-registry/...`: put the checkout there.
ln -s "$repo" "$work/api-registry"
app="$work/my-api"
mkdir -p "$app/src"
snippet() { # the fenced block after `<!-- readme-app: NAME -->`
    awk -v marker="<!-- readme-app: $1 -->" '
        $0 == marker { found = 1; next }
        found && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }
    ' "$repo/README.md"
}
snippet Cargo.toml >"$app/Cargo.toml"
snippet src/main.rs >"$app/src/main.rs"
grep -q '^name = "my-api"' "$app/Cargo.toml" || { echo "README lost its Cargo.toml snippet"; exit 1; }
grep -q 'registry_server::app!()' "$app/src/main.rs" || { echo "README lost its main.rs snippet"; exit 1; }
# Not a member of this workspace: its own.
printf '\n[workspace]\n' >>"$app/Cargo.toml"
# The workspace's lock file, so the crate builds the versions this repository tests.
cp "$repo/Cargo.lock" "$app/Cargo.lock"

export CARGO_TARGET_DIR="$repo/target/readme-app"
(cd "$app" && cargo build --quiet)
bin="$CARGO_TARGET_DIR/debug/my-api"

passed=0
failed=0
check() { # name, expected substring, actual
    if [[ "$3" == *"$2"* ]]; then passed=$((passed + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1: expected '$2' in: ${3:0:300}"; fi
}
check "--version" "my-api 0.1.0" "$("$bin" --version)"
check "--help" "What my API does, in one sentence." "$("$bin" --help)"
check "list" "2 functions" "$("$bin" list)"
check "call" "3" "$("$bin" call add '{"a": 1, "b": 2}')"
check "mcp-config" '"my-api"' "$("$bin" mcp-config)"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RUST_LOG=warn "$bin" serve --port "$port" &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
    curl -s -m 2 "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
mcp() { # method, params, extra header args...
    local method=$1 params=$2
    shift 2
    curl -s -m 10 "$base/mcp" -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' "$@" \
        -d "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"$method\", \"params\": $params}"
}
init=$(mcp initialize '{"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "sh", "version": "1"}}')
check "initialize serverInfo.name" '"serverInfo":{"name":"my-api","version":"0.1.0"' "$init"
check "initialize serverInfo.description" '"description":"What my API does, in one sentence."' "$init"
discover=$(mcp server/discover '{"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}, "io.modelcontextprotocol/clientInfo": {"name": "sh", "version": "1"}}}' \
    -H 'mcp-protocol-version: 2026-07-28' -H 'mcp-method: server/discover')
check "server/discover serverInfo" '"name":"my-api"' "$discover"
openapi=$(curl -s -m 10 "$base/openapi.json")
check "OpenAPI info.title" '"title": "my-api"' "$openapi"
check "OpenAPI info.version" '"version": "0.1.0"' "$openapi"
check "OpenAPI info.description" 'What my API does, in one sentence.' "$openapi"
check "docs page" 'my-api' "$(curl -s -m 10 "$base/docs")"
check "REST call" '5' "$(curl -s -m 10 "$base/api/add" -H 'content-type: application/json' -d '{"a": 2, "b": 3}')"
check "REST error" '"code":"invalid_arguments"' "$(curl -s -m 10 "$base/api/greet?name=")"

echo "readme app: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
