"""The official MCP Python SDK (PyPI `mcp`) as a client of the fixture server.

Usage: python_client.py HTTP_URL FIXTURE_SERVER_BINARY

Runs the same checks over Streamable HTTP and over stdio (the binary's
`stdio` subcommand as a child process), each in the SDK's default `auto`
mode (server/discover, 2026-07-28) and in `legacy` mode (initialize), and
prints 'N passed, N failed'.
"""

from __future__ import annotations

import asyncio
import sys
import traceback

from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError

PASSED = 0
FAILED = 0


def check(label: str, condition: bool, detail: object = "") -> None:
    global PASSED, FAILED
    if condition:
        PASSED += 1
        print(f"ok    {label}")
    else:
        FAILED += 1
        print(f"FAIL  {label}: {detail}")


def text_of(result) -> str:
    return " ".join(getattr(block, "text", "") for block in result.content)


async def exercise(label: str, server, mode: str, expected_version: str) -> None:
    async with Client(server, mode=mode) as client:
        check(f"{label}: protocol version", client.protocol_version == expected_version, client.protocol_version)

        listing = await client.list_tools()
        names = [tool.name for tool in listing.tools]
        check(f"{label}: tools/list sorted by name", names == sorted(names), names)
        for expected in ("add", "divide", "echo", "count_steps", "mcp_only"):
            check(f"{label}: lists {expected}", expected in names, names)
        check(f"{label}: hides rest_only", "rest_only" not in names, names)
        add = next(tool for tool in listing.tools if tool.name == "add")
        check(f"{label}: add inputSchema is an object", add.input_schema.get("type") == "object", add.input_schema)
        check(f"{label}: add outputSchema is object-rooted", (add.output_schema or {}).get("type") == "object")
        check(f"{label}: add readOnlyHint", add.annotations is not None and add.annotations.read_only_hint is True)

        # A sync function (blocking pool) and an async one (awaited in place).
        result = await client.call_tool("add", {"a": 2, "b": 3})
        check(f"{label}: sync add", not result.is_error and result.structured_content == {"result": 5}, result)
        check(f"{label}: sync add text", text_of(result) == "5", text_of(result))
        result = await client.call_tool("echo", {"message": "hi", "times": 2})
        check(
            f"{label}: async echo",
            not result.is_error and (result.structured_content or {}).get("message") == "hihi",
            result,
        )

        # Bad arguments and function errors are tool results a model can read.
        result = await client.call_tool("add", {"a": "two", "b": 3})
        check(f"{label}: bad arguments -> isError", result.is_error is True, result)
        check(f"{label}: bad arguments name the field", "`a`" in text_of(result), text_of(result))
        result = await client.call_tool("divide", {"a": 1, "b": 0})
        check(f"{label}: function error -> isError", result.is_error is True and "zero" in text_of(result), result)

        # Unknown tool: a JSON-RPC error.
        try:
            await client.call_tool("no_such_tool", {})
            check(f"{label}: unknown tool raises", False, "no error")
        except MCPError as err:
            check(f"{label}: unknown tool -> -32602", err.code == -32602, err.error)

        # Progress notifications arrive before the result.
        seen: list[float] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            seen.append(progress)

        result = await client.call_tool("count_steps", {"steps": 3}, progress_callback=on_progress)
        check(f"{label}: progress result", result.structured_content == {"result": 3}, result)
        check(f"{label}: progress notifications", seen == [1.0, 2.0, 3.0], seen)


async def main() -> int:
    url, binary = sys.argv[1], sys.argv[2]
    stdio = StdioServerParameters(command=binary, args=["stdio"], env={"RUST_LOG": "warn"})
    runs = [
        ("http auto", url, "auto", "2026-07-28"),
        ("http legacy", url, "legacy", "2025-11-25"),
        ("stdio auto", stdio, "auto", "2026-07-28"),
        ("stdio legacy", stdio, "legacy", "2025-11-25"),
    ]
    for label, server, mode, version in runs:
        try:
            await asyncio.wait_for(exercise(label, server, mode, version), timeout=60)
        except Exception as err:  # a crash fails the run, with the trace
            traceback.print_exc()
            check(f"{label}: completes", False, repr(err))
    print(f"{PASSED} passed, {FAILED} failed")
    return 0 if FAILED == 0 and PASSED > 0 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
