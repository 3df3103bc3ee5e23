"""FastMCP peer for scripts/bench.sh: `add` and `sleep10`, stateless JSON mode, one uvicorn worker.

Usage: python server.py PORT
"""

import asyncio
import sys

import uvicorn
from fastmcp import FastMCP

mcp = FastMCP("bench-peer")


@mcp.tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@mcp.tool
async def sleep10() -> int:
    """Sleep 10 ms, then answer."""
    await asyncio.sleep(0.01)
    return 10


app = mcp.http_app(path="/mcp", stateless_http=True, json_response=True)

if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 3400
    uvicorn.run(app, host="127.0.0.1", port=port, workers=1, log_level="warning", access_log=False)
