"""A small OTLP/HTTP (protobuf) receiver: decodes what an exporter POSTs to
/v1/traces and /v1/metrics with the official protobuf definitions
(PyPI opentelemetry-proto) and appends one JSON line per span or metric
point to SPANS and METRICS. Usage: receiver.py PORT_FILE SPANS METRICS
(it binds a free loopback port and writes it to PORT_FILE). A SPANS or
METRICS path ending in `.count` gets instead the number of spans or points
received so far (decoded all the same), for load runs
(scripts/bench_otel.sh) that only need to know none was lost."""

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

PORT_FILE, SPANS, METRICS = sys.argv[1:4]
COUNTS = {}
COUNTS_LOCK = threading.Lock()


def count(target, request, field):
    """Adds the spans or points of `request` to the total kept in `target`."""
    n = 0
    for resource in getattr(request, "resource_" + field):
        for scope in getattr(resource, "scope_" + field):
            if field == "spans":
                n += len(scope.spans)
            else:
                for metric in scope.metrics:
                    n += len(getattr(metric, metric.WhichOneof("data")).data_points)
    with COUNTS_LOCK:
        COUNTS[target] = COUNTS.get(target, 0) + n
        with open(target + ".new", "w", encoding="utf-8") as out:
            out.write(str(COUNTS[target]))
        os.replace(target + ".new", target)


def value(any_value):
    kind = any_value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [value(v) for v in any_value.array_value.values]
    return getattr(any_value, kind)


def attributes(kvs):
    return {kv.key: value(kv.value) for kv in kvs}


def spans(request):
    for resource in request.resource_spans:
        res = attributes(resource.resource.attributes)
        for scope in resource.scope_spans:
            for span in scope.spans:
                yield {
                    "name": span.name,
                    "kind": span.kind,
                    "trace_id": span.trace_id.hex(),
                    "span_id": span.span_id.hex(),
                    "parent_span_id": span.parent_span_id.hex(),
                    "trace_state": span.trace_state,
                    "attributes": attributes(span.attributes),
                    "status": {"code": span.status.code, "message": span.status.message},
                    "events": [event.name for event in span.events],
                    "resource": res,
                }


def points(request):
    for resource in request.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                kind = metric.WhichOneof("data")
                data = getattr(metric, kind)
                for point in data.data_points:
                    line = {"name": metric.name, "type": kind, "unit": metric.unit,
                            "attributes": attributes(point.attributes)}
                    if kind == "histogram":
                        line["count"] = point.count
                        line["sum"] = point.sum
                    else:
                        line["value"] = point.as_int if point.WhichOneof("value") == "as_int" else point.as_double
                    yield line


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.headers.get("content-type") != "application/x-protobuf":
            self.send_error(415, "expected application/x-protobuf")
            return
        if self.path == "/v1/traces":
            request, target, field, lines = ExportTraceServiceRequest(), SPANS, "spans", spans
            reply = ExportTraceServiceResponse()
        elif self.path == "/v1/metrics":
            request, target, field, lines = ExportMetricsServiceRequest(), METRICS, "metrics", points
            reply = ExportMetricsServiceResponse()
        else:
            self.send_error(404)
            return
        request.ParseFromString(body)
        if target.endswith(".count"):
            count(target, request, field)
        else:
            with open(target, "a", encoding="utf-8") as out:
                for line in lines(request):
                    out.write(json.dumps(line) + "\n")
        payload = reply.SerializeToString()
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE, "w", encoding="utf-8") as out:
    out.write(str(server.server_address[1]))
server.serve_forever()
