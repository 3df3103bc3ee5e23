# The load requests shared by scripts/bench.sh and scripts/callgrind.sh:
# MCP tools/call bodies and headers for both eras, and the request part of
# a wrk Lua script. Sourced, not run.

MCP_LEGACY='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"NAME","arguments":ARGS}}'
MCP_MODERN='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"NAME","arguments":ARGS,"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}'
legacy_body() { local b=${MCP_LEGACY/NAME/$1}; echo "${b/ARGS/$2}"; }
modern_body() { local b=${MCP_MODERN/NAME/$1}; echo "${b/ARGS/$2}"; }
LEGACY_HEADERS='MCP-Protocol-Version: 2025-11-25'
modern_headers() { echo "MCP-Protocol-Version: 2026-07-28;Mcp-Method: tools/call;Mcp-Name: $1"; }

# Prints the request lines of a wrk Lua script: a JSON POST of `body` with
# `headers` (;-separated "Name: value"); the caller adds its `done`.
wrk_request() { # body headers
    echo 'wrk.method = "POST"'
    echo "wrk.body = [[$1]]"
    echo 'wrk.headers["Content-Type"] = "application/json"'
    echo 'wrk.headers["Accept"] = "application/json, text/event-stream"'
    local hs h
    IFS=';' read -ra hs <<< "$2"
    for h in "${hs[@]}"; do
        [ -z "$h" ] && continue
        echo "wrk.headers[\"${h%%:*}\"] = \"${h#*: }\""
    done
}

# Writes a whole wrk Lua script to `file`: the request of wrk_request, a
# `done` that prints "REQUESTS n", and, when WRK_DELAY_MS is set, that many
# milliseconds of wait between one connection's requests.
wrk_script() { # file body headers(;-separated)
    {
        wrk_request "$2" "$3"
        echo 'done = function(s) io.write(string.format("REQUESTS %d\n", s.requests)) end'
        [ -z "${WRK_DELAY_MS:-}" ] || echo "delay = function() return $WRK_DELAY_MS end"
    } > "$1"
}
