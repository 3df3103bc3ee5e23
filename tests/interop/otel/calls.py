"""The calls of tests/interop/otel.sh against a running fixture server
(built with --features otel), each under a trace of its own: prints a JSON
object {case: trace_id} for check.py. Usage: calls.py BASE_URL SERVER_BINARY"""

import json
import os
import subprocess
import sys
import urllib.request

BASE, BINARY = sys.argv[1:3]
traces = {}


def traceparent(case):
    """A sampled remote parent in a fresh trace, remembered under `case`."""
    trace = os.urandom(16).hex()
    parent = os.urandom(8).hex()
    traces[case] = {"trace_id": trace, "parent_span_id": parent}
    return f"00-{trace}-{parent}-01"


def post(path, body, headers):
    request = urllib.request.Request(BASE + path, data=json.dumps(body).encode(), method="POST")
    request.add_header("content-type", "application/json")
    request.add_header("accept", "application/json, text/event-stream")
    for key, value in headers.items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def legacy_call(case, name, arguments, parent_in="meta"):
    tp = traceparent(case)
    params = {"name": name, "arguments": arguments}
    headers = {"mcp-protocol-version": "2025-06-18", "x-request-id": f"req-{case}"}
    if parent_in == "meta":
        params["_meta"] = {"traceparent": tp, "tracestate": "rojo=00f067aa0ba902b7", "baggage": "tenant=acme"}
    else:
        headers["traceparent"] = tp
    return post("/mcp", {"jsonrpc": "2.0", "id": case, "method": "tools/call", "params": params}, headers)


# REST, parent from the traceparent header.
status, body = post("/api/add", {"a": 2, "b": 3}, {"traceparent": traceparent("rest_add"), "x-request-id": "req-rest_add"})
assert (status, body) == (200, 5), (status, body)
# REST failing with 5xx (a panic) and with 4xx (a bad argument).
status, _ = post("/api/explode", {}, {"traceparent": traceparent("rest_panic")})
assert status == 500, status
status, _ = post("/api/divide", {"a": 1, "b": 0}, {"traceparent": traceparent("rest_invalid")})
assert status == 422, status

# MCP 2025 era: a result, parent from _meta; another with the parent in the HTTP header.
status, body = legacy_call("mcp_legacy", "add", {"a": 1, "b": 1})
assert status == 200 and body["result"]["structuredContent"]["result"] == 2, body
status, body = legacy_call("mcp_header", "add", {"a": 2, "b": 2}, parent_in="header")
assert status == 200, body
# isError result, panic (JSON-RPC -32603), timeout (isError of kind timeout).
status, body = legacy_call("mcp_is_error", "divide", {"a": 1, "b": 0})
assert body["result"]["isError"] is True, body
status, body = legacy_call("mcp_panic", "explode", {})
assert body["error"]["code"] == -32603, body
status, body = legacy_call("mcp_timeout", "sleepy", {"ms": 2000})
assert body["result"]["isError"] is True, body
# A list: `tools/list`, no target in the name.
tp = traceparent("mcp_list")
status, body = post("/mcp", {"jsonrpc": "2.0", "id": "list-1", "method": "tools/list", "params": {"_meta": {"traceparent": tp}}},
                    {"mcp-protocol-version": "2025-06-18"})
assert status == 200, body

# MCP 2026-07-28 era (stateless, version in _meta, Mcp-Method/Mcp-Name headers).
tp = traceparent("mcp_modern")
meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}, "traceparent": tp}
status, body = post("/mcp", {"jsonrpc": "2.0", "id": 11, "method": "tools/call",
                             "params": {"name": "add", "arguments": {"a": 5, "b": 5}, "_meta": meta}},
                    {"mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "add"})
assert status == 200 and body["result"]["structuredContent"]["result"] == 10, body

# stdio: the same server as a subprocess; its spans are flushed when stdin closes.
tp = traceparent("stdio")
lines = [
    {"jsonrpc": "2.0", "id": 1, "method": "initialize",
     "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "otel.sh", "version": "1"}}},
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
     "params": {"name": "add", "arguments": {"a": 20, "b": 22}, "_meta": {"traceparent": tp}}},
]
stdin = "".join(json.dumps(line) + "\n" for line in lines)
# Its metrics stay out of the export: the HTTP server's counts are the ones checked.
done = subprocess.run([BINARY, "stdio"], input=stdin, capture_output=True, text=True, timeout=60,
                      env={**os.environ, "OTEL_METRICS_EXPORTER": "none"})
replies = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
assert any(r.get("id") == 2 and r["result"]["structuredContent"]["result"] == 42 for r in replies), (replies, done.stderr)

print(json.dumps(traces))
