"""The official MCP Python SDK (PyPI `mcp`) with a bearer token from oidc-provider.

Usage: sdk_client.py MCP_URL FULL_TOKEN READ_TOKEN

In the SDK's default `auto` mode (server/discover, 2026-07-28) and in
`legacy` mode (initialize): list the tools (the SDK's Tool model drops
`securitySchemes`; check.py reads them raw), call one with a read+admin token, and see the call of
an admin tool with a read-only token refused (HTTP 403, insufficient_scope).
Prints 'N passed, N failed'.
"""

from __future__ import annotations

import asyncio
import sys

from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

URL, FULL, READ = sys.argv[1:4]
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


def transport(token: str):
    return streamable_http_client(URL, http_client=create_mcp_http_client(headers={"Authorization": f"Bearer {token}"}))


async def exercise(mode: str) -> None:
    async with Client(transport(FULL), mode=mode) as client:
        listing = await client.list_tools()
        names = sorted(tool.name for tool in listing.tools)
        check(f"{mode}: tools/list with a token", names == ["admin_report", "ping", "whoami"], names)
        result = await client.call_tool("admin_report", {})
        text = " ".join(getattr(block, "text", "") for block in result.content)
        check(f"{mode}: admin_report with read+admin", not result.is_error and "nominal" in text, result)
    try:
        async with Client(transport(READ), mode=mode) as client:
            result = await client.call_tool("whoami", {})
            check(f"{mode}: whoami with read", not result.is_error, result)
            try:
                result = await client.call_tool("admin_report", {})
                check(f"{mode}: admin_report with read is refused", False, result)
            except Exception as err:  # the SDK surfaces the HTTP 403
                check(f"{mode}: admin_report with read is refused", "403" in repr(err) or "scope" in repr(err), repr(err))
    except Exception as err:
        check(f"{mode}: the read-token session", False, repr(err))


async def main() -> None:
    for mode in ("auto", "legacy"):
        try:
            await exercise(mode)
        except Exception as err:
            check(f"{mode}: session", False, repr(err))
    print(f"\n{PASSED} passed, {FAILED} failed")
    sys.exit(1 if FAILED else 0)


asyncio.run(main())
