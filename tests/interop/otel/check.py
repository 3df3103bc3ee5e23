"""Checks what the receiver decoded against the calls calls.py made.
Usage: check.py TRACES_JSON SPANS METRICS PROMETHEUS_TEXT"""

import json
import sys

traces = json.load(open(sys.argv[1], encoding="utf-8"))
spans = [json.loads(line) for line in open(sys.argv[2], encoding="utf-8")]
metrics = [json.loads(line) for line in open(sys.argv[3], encoding="utf-8")]
prometheus = open(sys.argv[4], encoding="utf-8").read()
SERVER, ERROR = 2, 2  # SpanKind.SERVER, Status.STATUS_CODE_ERROR
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def call_span(case, name):
    """The one server span of `case`'s trace, named `name`, parented by the caller."""
    trace = traces[case]
    mine = [s for s in spans if s["trace_id"] == trace["trace_id"]]
    servers = [s for s in mine if s["kind"] == SERVER]
    check(len(servers) == 1, f"{case}: {len(servers)} server spans: {[s['name'] for s in servers]}")
    found = [s for s in servers if s["name"] == name]
    if not found:
        failures.append(f"{case}: no span {name!r} in {[s['name'] for s in mine]}")
        return {"attributes": {}, "status": {}, "resource": {}}
    span = found[0]
    check(span["parent_span_id"] == trace["parent_span_id"], f"{case}: parent {span['parent_span_id']} is not the caller's")
    check(span["resource"].get("service.name") == "otel-interop", f"{case}: service.name {span['resource']}")
    return span


def attrs(case, span, expected):
    for key, value in expected.items():
        got = span["attributes"].get(key)
        check(got == value, f"{case}: {key} = {got!r}, expected {value!r}")


def failed(case, span, error_type, kind):
    attrs(case, span, {"error.type": error_type, "api_registry.error.kind": kind})
    check(span["status"].get("code") == ERROR, f"{case}: status {span['status']}")


def ok(case, span):
    check("error.type" not in span["attributes"], f"{case}: error.type {span['attributes'].get('error.type')}")
    check(span["status"].get("code") != ERROR, f"{case}: status {span['status']}")


span = call_span("rest_add", "POST /api/add")
attrs("rest_add", span, {"http.request.method": "POST", "http.route": "/api/add", "http.response.status_code": 200,
                         "code.function.name": "add", "api_registry.request_id": "req-rest_add", "url.path": "/api/add"})
ok("rest_add", span)
span = call_span("rest_panic", "POST /api/explode")
failed("rest_panic", span, "internal", "internal")
attrs("rest_panic", span, {"http.response.status_code": 500})
span = call_span("rest_invalid", "POST /api/divide")
# A 4xx leaves a server span's status unset (HTTP conventions); the kind is still recorded.
attrs("rest_invalid", span, {"http.response.status_code": 422, "api_registry.error.kind": "invalid_arguments"})
ok("rest_invalid", span)

for case, transport, version in [("mcp_legacy", "tcp", "2025-06-18"), ("mcp_header", "tcp", "2025-06-18"),
                                 ("mcp_modern", "tcp", "2026-07-28"), ("stdio", "pipe", None)]:
    span = call_span(case, "tools/call add")
    expected = {"mcp.method.name": "tools/call", "gen_ai.tool.name": "add", "gen_ai.operation.name": "execute_tool",
                "code.function.name": "add", "network.transport": transport}
    if version:
        expected["mcp.protocol.version"] = version
    attrs(case, span, expected)
    check("jsonrpc.request.id" in span["attributes"], f"{case}: no jsonrpc.request.id")
    check(span["attributes"].get("api_registry.request_id"), f"{case}: no request id")
    ok(case, span)
span = call_span("mcp_legacy", "tools/call add")
attrs("mcp_legacy", span, {"jsonrpc.request.id": "mcp_legacy", "api_registry.request_id": "req-mcp_legacy"})
check(span.get("trace_state") == "rojo=00f067aa0ba902b7", f"mcp_legacy: tracestate {span.get('trace_state')!r}")

span = call_span("mcp_is_error", "tools/call divide")
failed("mcp_is_error", span, "tool_error", "invalid_arguments")
span = call_span("mcp_timeout", "tools/call sleepy")
failed("mcp_timeout", span, "tool_error", "timeout")
span = call_span("mcp_panic", "tools/call explode")
failed("mcp_panic", span, "internal", "internal")
attrs("mcp_panic", span, {"rpc.response.status_code": "-32603"})
span = call_span("mcp_list", "tools/list")
attrs("mcp_list", span, {"mcp.method.name": "tools/list", "jsonrpc.request.id": "list-1"})
check("gen_ai.tool.name" not in span["attributes"], "mcp_list: gen_ai.tool.name on a list")

# Metrics over OTLP (cumulative: the last export of each point counts).
last = {}
for point in metrics:
    last[(point["name"], json.dumps(point["attributes"], sort_keys=True))] = point


def total(name, **match):
    found = [p for (n, _), p in last.items() if n == name and all(p["attributes"].get(k) == v for k, v in match.items())]
    return sum(p.get("count", p.get("value", 0)) for p in found)


names = {name for name, _ in last}
for name in ["mcp.server.operation.duration", "http.server.request.duration", "api_registry.calls.active",
             "api_registry.calls.errors"]:
    check(name in names, f"metric {name} not exported (got {sorted(names)})")
check(total("mcp.server.operation.duration", **{"mcp.method.name": "tools/call", "gen_ai.tool.name": "add"}) == 3,
      "mcp add calls over HTTP: expected 3")
check(total("mcp.server.operation.duration", **{"gen_ai.tool.name": "divide", "error.type": "tool_error"}) == 1,
      "mcp divide isError: expected 1")
check(total("http.server.request.duration", **{"http.route": "/api/add", "http.response.status_code": 200}) == 1,
      "REST add: expected 1")
check(total("api_registry.calls.errors", **{"api_registry.error.kind": "internal"}) == 2, "internal errors: expected 2")
check(total("api_registry.calls.errors", **{"api_registry.error.kind": "timeout"}) == 1, "timeouts: expected 1")
check(total("api_registry.calls.active") == 0, "calls still counted in flight")

# The Prometheus page (scraped before shutdown) counts the same calls.
def prom(line_start):
    return sum(float(line.rsplit(" ", 1)[1]) for line in prometheus.splitlines()
               if line.startswith(line_start) and not line.startswith("#"))


check(prom('mcp_server_operation_duration_seconds_count{gen_ai_tool_name="add",mcp_method_name="tools/call"}') == 3,
      "/metrics: mcp add count")
check(prom('http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="200",http_route="/api/add"}') == 1,
      "/metrics: REST add count")
check(prom('api_registry_calls_errors_total{api_registry_error_kind="invalid_arguments"') == 2, "/metrics: invalid_arguments errors")
check(prom('api_registry_calls_errors_total{api_registry_error_kind="internal"') == 2, "/metrics: internal errors")

if failures:
    print("\n".join("FAIL " + f for f in failures))
    sys.exit(1)
print(f"otel: {len(spans)} spans and {len(metrics)} metric points decoded; every check passed")
