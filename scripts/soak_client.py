#!/usr/bin/env python3
"""Soak client for scripts/soak.sh: mixed calls over REST and MCP on loopback.

Opens CONCURRENCY keep-alive HTTP/1.1 connections to 127.0.0.1:PORT and sends
a fixed, deterministic mix of sync, async, failing, panicking and timing-out
calls over both protocols. Checks that every request got exactly one
well-formed response and that each outcome class was counted exactly as
injected. Prints one JSON summary line. Standard library only.
"""
import asyncio
import json
import sys
import time

# (name, protocol, payload, expected outcome)
MIX = [
    ("rest add (sync ok)", "rest", ("/api/add", {"a": 1, "b": 2}), ("status", 200)),
    ("rest echo (async ok)", "rest", ("/api/echo", {"message": "hi", "times": 3}), ("status", 200)),
    ("rest block (sync ok)", "rest", ("/api/block", {"ms": 2}), ("status", 200)),
    ("rest divide by zero (failing)", "rest", ("/api/divide", {"a": 1, "b": 0}), ("status", 422)),
    ("rest explode (sync panic)", "rest", ("/api/explode", {}), ("status", 500)),
    ("rest explode_async (async panic)", "rest", ("/api/explode_async", {}), ("status", 500)),
    ("rest sleepy (timeout)", "rest", ("/api/sleepy", {"ms": 2000}), ("status", 504)),
    ("mcp add (sync ok)", "mcp", ("add", {"a": 1, "b": 2}), ("ok",)),
    ("mcp echo (async ok)", "mcp", ("echo", {"message": "hi"}), ("ok",)),
    ("mcp divide by zero (failing)", "mcp", ("divide", {"a": 1, "b": 0}), ("tool_error", "invalid_arguments")),
    ("mcp explode (sync panic)", "mcp", ("explode", {}), ("rpc", -32603)),
    ("mcp explode_async (async panic)", "mcp", ("explode_async", {}), ("rpc", -32603)),
    ("mcp sleepy (timeout)", "mcp", ("sleepy", {"ms": 2000}), ("tool_error", "timeout")),
    ("mcp unknown tool", "mcp", ("no_such_tool", {}), ("rpc", -32602)),
]


def request_bytes(index, entry):
    _, protocol, (target, args), _ = entry
    if protocol == "rest":
        path, body = target, json.dumps(args).encode()
        extra = b""
    else:
        path = "/mcp"
        body = json.dumps({"jsonrpc": "2.0", "id": index, "method": "tools/call",
                           "params": {"name": target, "arguments": args}}).encode()
        extra = b"accept: application/json, text/event-stream\r\n"
    head = (f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nx-request-id: soak-{index}\r\n").encode()
    return head + extra + b"\r\n" + body


def classify(entry, index, status, headers, body):
    _, protocol, _, expected = entry
    if headers.get("x-request-id") != f"soak-{index}":
        return "wrong request id"
    if protocol == "rest":
        return "ok" if ("status", status) == expected else f"status {status}"
    if status != 200:
        return f"status {status}"
    reply = json.loads(body)
    if reply.get("id") != index:
        return "wrong JSON-RPC id"
    kind = expected[0]
    if kind == "ok":
        return "ok" if "result" in reply and not reply["result"].get("isError") else "not ok"
    if kind == "rpc":
        return "ok" if reply.get("error", {}).get("code") == expected[1] else f"reply {reply}"
    result = reply.get("result", {})
    got = result.get("_meta", {}).get("api-registry/error", {}).get("kind")
    return "ok" if result.get("isError") and got == expected[1] else f"reply {reply}"


async def read_response(reader):
    line = await reader.readline()
    if not line:
        raise ConnectionError("connection closed before a response")
    status = int(line.split()[1])
    headers = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" not in headers:
        raise ValueError(f"no content-length (headers {headers})")
    body = await reader.readexactly(int(headers["content-length"]))
    return status, headers, body


async def worker(port, queue, tally, problems, responses):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while True:
            try:
                index = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            entry = MIX[index % len(MIX)]
            writer.write(request_bytes(index, entry))
            await writer.drain()
            status, headers, body = await read_response(reader)
            responses[index] = responses.get(index, 0) + 1
            verdict = classify(entry, index, status, headers, body)
            if verdict == "ok":
                tally[entry[0]] = tally.get(entry[0], 0) + 1
            else:
                problems.append(f"{entry[0]} #{index}: {verdict}")
    finally:
        writer.close()


async def run(port, count, concurrency, offset):
    queue = asyncio.Queue()
    for i in range(offset, offset + count):
        queue.put_nowait(i)
    tally, problems, responses = {}, [], {}
    started = time.monotonic()
    results = await asyncio.gather(
        *(worker(port, queue, tally, problems, responses) for _ in range(concurrency)),
        return_exceptions=True)
    elapsed = time.monotonic() - started
    errors = [repr(r) for r in results if isinstance(r, BaseException)]
    expected = {}
    for i in range(offset, offset + count):
        name = MIX[i % len(MIX)][0]
        expected[name] = expected.get(name, 0) + 1
    missing = [i for i in range(offset, offset + count) if responses.get(i) != 1]
    return {
        "requests": count,
        "concurrency": concurrency,
        "seconds": round(elapsed, 2),
        "responses": sum(responses.values()),
        "missing_or_duplicate": len(missing),
        "connection_errors": errors[:5],
        "problems": problems[:10],
        "problem_count": len(problems),
        "tally_matches": tally == expected,
        "tally": tally,
    }


def main():
    port, count, concurrency, offset = (int(a) for a in sys.argv[1:5])
    summary = asyncio.run(run(port, count, concurrency, offset))
    print(json.dumps(summary))
    ok = (summary["missing_or_duplicate"] == 0 and not summary["connection_errors"]
          and summary["problem_count"] == 0 and summary["tally_matches"])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
