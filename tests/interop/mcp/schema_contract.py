"""Property test of the schema contract, through both protocols.

Usage: schema_contract.py MCP_URL REST_BASE [TOOL ...]

For every tool in `tools/list` (or the ones named), hypothesis-jsonschema
generates arguments from the tool's own `inputSchema`; each is sent through
the official MCP Python SDK (`tools/call`) and through REST
(`POST /api/{name}`, or the route the OpenAPI document gives). A
schema-valid call must never be refused as invalid arguments on either
protocol, and every result must validate against the tool's `outputSchema`
(MCP) and the operation's response schema (REST, via the same tool schema).
Prints 'N passed, N failed'; exits non-zero on any failure.
"""

from __future__ import annotations

import asyncio
import json
import sys

import httpx
import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from mcp import Client

EXAMPLES = 30
PASSED = 0
FAILED = 0


def check(label: str, condition: bool, detail: object = "") -> None:
    global PASSED, FAILED
    if condition:
        PASSED += 1
    else:
        FAILED += 1
        print(f"FAIL  {label}: {detail}")


def samples(schema: dict) -> list[dict]:
    """Up to EXAMPLES distinct schema-valid argument objects, deterministic."""
    found: list[dict] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(from_schema(schema))
    def collect(value):
        if value not in found:
            found.append(value)

    collect()
    return found


async def main() -> None:
    mcp_url, rest_base, *only = sys.argv[1:]
    document = httpx.get(f"{rest_base}/openapi.json").json()
    routes = {
        operation["operationId"]: (method.upper(), path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    async with Client(mcp_url) as client, httpx.AsyncClient(base_url=rest_base, timeout=30) as http:
        tools = (await client.list_tools()).tools
        for tool in tools:
            if only and tool.name not in only:
                continue
            schema = tool.input_schema
            output = tool.output_schema
            cases = samples(schema)
            check(f"{tool.name}: hypothesis generated arguments", bool(cases), schema)
            for args in cases:
                label = f"{tool.name} {json.dumps(args)[:200]}"
                result = await client.call_tool(tool.name, args)
                meta = (result.meta or {}).get("api-registry/error", {})
                check(f"MCP {label}: accepted", meta.get("kind") != "invalid_arguments", meta)
                if not result.is_error and output is not None:
                    try:
                        jsonschema.Draft202012Validator(output).validate(result.structured_content)
                        check(f"MCP {label}: result matches outputSchema", True)
                    except jsonschema.ValidationError as err:
                        check(f"MCP {label}: result matches outputSchema", False, err.message)
                if tool.name not in routes:
                    continue
                method, path = routes[tool.name]
                rest_args = dict(args)
                for name in list(rest_args):
                    if "{" + name + "}" in path:
                        path = path.replace("{" + name + "}", str(rest_args.pop(name)))
                if method in ("GET", "DELETE"):
                    params = [
                        (k, json.dumps(v) if isinstance(v, (dict, bool)) or v is None else v)
                        for k, v in rest_args.items()
                        for v in (v if isinstance(v, list) else [v])
                    ]
                    params = [(k, str(v).lower() if isinstance(v, bool) else v) for k, v in params]
                    response = await http.request(method, path, params=params)
                else:
                    response = await http.request(method, path, json=rest_args)
                check(f"REST {label}: accepted", response.status_code != 422, response.text[:300])
    print(f"{PASSED} passed, {FAILED} failed")
    sys.exit(1 if FAILED else 0)


asyncio.run(main())
