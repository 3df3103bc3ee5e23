"""The official MCP Python SDK (PyPI `mcp`) against the `hashstats` example:
resources, resource templates, prompts and completions.

Usage: hashstats_client.py HTTP_URL HASHSTATS_BINARY

Runs the same checks over Streamable HTTP and over stdio (`hashstats stdio`
as a child process), each in `auto` mode (server/discover, 2026-07-28) and
`legacy` mode (initialize), and prints 'N passed, N failed'.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import traceback

import mcp.types as types
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


async def exercise(label: str, server, mode: str, expected_version: str) -> None:
    async with Client(server, mode=mode) as client:
        check(f"{label}: protocol version", client.protocol_version == expected_version, client.protocol_version)

        tools = [tool.name for tool in (await client.list_tools()).tools]
        check(f"{label}: tools/list holds tools only", "difficulty_chart" in tools and "fees_resource" not in tools, tools)

        resources = (await client.list_resources()).resources
        uris = sorted(str(r.uri) for r in resources)
        check(
            f"{label}: resources/list",
            uris == ["hashstats://charts/difficulty.svg", "hashstats://difficulty", "hashstats://fees"],
            uris,
        )
        templates = (await client.list_resource_templates()).resource_templates
        check(
            f"{label}: resources/templates/list",
            [t.uri_template for t in templates] == ["hashstats://blocks/{height}"],
            templates,
        )

        fees = (await client.read_resource("hashstats://fees")).contents[0]
        check(f"{label}: read a fixed JSON resource", fees.mime_type == "application/json", fees)
        check(f"{label}: its text is JSON", "fastestFee" in json.loads(getattr(fees, "text", "{}")), fees)
        block = (await client.read_resource("hashstats://blocks/924995")).contents[0]
        check(
            f"{label}: read a template",
            json.loads(getattr(block, "text", "{}")).get("height") == 924995,
            block,
        )
        chart = (await client.read_resource("hashstats://charts/difficulty.svg")).contents[0]
        svg = base64.b64decode(getattr(chart, "blob", "") or "")
        check(f"{label}: read a binary resource", chart.mime_type == "image/svg+xml" and svg.startswith(b"<svg"), chart)
        try:
            await client.read_resource("hashstats://blocks/tall")
            check(f"{label}: wrong-type variable raises", False, "no error")
        except MCPError as err:
            check(f"{label}: wrong-type variable -> -32602 naming it", err.code == -32602 and "height" in err.error.message, err.error)

        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        check(f"{label}: prompts/list", sorted(prompts) == ["explain_block", "mining_report"], sorted(prompts))
        period = prompts["mining_report"].arguments[0]
        check(f"{label}: prompt argument", period.name == "period" and period.required is True, period)
        report = await client.get_prompt("mining_report", {"period": "1w"})
        first = report.messages[0]
        check(f"{label}: prompts/get", first.role == "user" and "1w" in getattr(first.content, "text", ""), report)
        explained = await client.get_prompt("explain_block", {"height": "924995"})
        embedded = explained.messages[0].content
        check(f"{label}: a prompt embeds a resource", getattr(embedded, "type", "") == "resource", embedded)

        completed = await client.complete(
            types.PromptReference(type="ref/prompt", name="mining_report"), {"name": "period", "value": "3"}
        )
        check(f"{label}: complete an enum argument", completed.completion.values == ["3d"], completed)
        heights = await client.complete(
            types.ResourceTemplateReference(type="ref/resource", uri="hashstats://blocks/{height}"),
            {"name": "height", "value": "9249"},
        )
        values = heights.completion.values
        check(
            f"{label}: complete a template variable",
            len(values) > 0 and all(v.startswith("9249") for v in values),
            heights,
        )

        image = await client.call_tool("difficulty_chart", {"limit": 4})
        check(
            f"{label}: a tool returning an image",
            not image.is_error and image.content[0].type == "image" and image.content[0].mime_type == "image/svg+xml",
            image,
        )


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
