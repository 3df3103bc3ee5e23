"""A client side of MCP tasks for the official Python SDK (PyPI `mcp` 2.3.0).

- 2026-07-28: `TasksExtension`, a `ClientExtension` for the Tasks extension
  (`io.modelcontextprotocol/tasks`): its claim on `resultType: "task"`
  polls `tasks/get` through the SDK session until the task is terminal and
  returns the task's `CallToolResult` (a `failed` task raises `MCPError`
  with the task's JSON-RPC error). `get_task` / `cancel_task` send
  `tasks/get` / `tasks/cancel` through a session (with `Mcp-Name` = taskId,
  and the extension in the per-request capabilities, both added by the SDK).
- 2025-11-25: the SDK sends no `params.task`, so `LegacyRpc` speaks raw
  JSON-RPC over HTTP (httpx2, the SDK's own HTTP client).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Literal

import httpx2
from mcp.client.extension import ClaimContext, ClientExtension, ResultClaim
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult, ErrorData, Request, RequestParams, Result
from pydantic import ConfigDict, Field

EXTENSION = "io.modelcontextprotocol/tasks"
TERMINAL = {"completed", "failed", "cancelled"}


class CreateTaskResult(Result):
    """`resultType: "task"`: the task handle a `tools/call` answered with."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    result_type: Literal["task"] = Field(alias="resultType")
    task_id: str = Field(alias="taskId")
    status: str
    status_message: str | None = Field(default=None, alias="statusMessage")
    poll_interval_ms: int | None = Field(default=None, alias="pollIntervalMs")
    ttl_ms: int | None = Field(default=None, alias="ttlMs")


class TaskIdParams(RequestParams):
    task_id: str = Field(alias="taskId")


class GetTaskRequest(Request[TaskIdParams, Literal["tasks/get"]]):
    method: Literal["tasks/get"] = "tasks/get"
    params: TaskIdParams
    name_param = "taskId"


class CancelTaskRequest(Request[TaskIdParams, Literal["tasks/cancel"]]):
    method: Literal["tasks/cancel"] = "tasks/cancel"
    params: TaskIdParams
    name_param = "taskId"


class TaskState(Result):
    """A `tasks/get` answer (a DetailedTask), kept whole in `extra`."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


async def get_task(session, task_id: str) -> dict[str, Any]:
    result = await session.send_request(GetTaskRequest(params=TaskIdParams(taskId=task_id)), TaskState)
    return result.model_dump(by_alias=True, exclude_none=True)


async def cancel_task(session, task_id: str) -> dict[str, Any]:
    result = await session.send_request(CancelTaskRequest(params=TaskIdParams(taskId=task_id)), TaskState)
    return result.model_dump(by_alias=True, exclude_none=True)


class TasksExtension(ClientExtension):
    """The Tasks extension, client side: resolves task handles by polling."""

    identifier = EXTENSION

    def __init__(self, timeout_s: float = 60.0) -> None:
        self.timeout_s = timeout_s
        # Every task this client was handed, and every poll's answer, for the checks.
        self.created: list[CreateTaskResult] = []
        self.polls: list[dict[str, Any]] = []

    def claims(self):
        return (ResultClaim(result_type="task", model=CreateTaskResult, resolve=self._resolve),)

    async def _resolve(self, handle: CreateTaskResult, ctx: ClaimContext) -> CallToolResult:
        self.created.append(handle)
        interval = (handle.poll_interval_ms or 500) / 1000
        deadline = time.monotonic() + self.timeout_s
        while True:
            state = await get_task(ctx.session, handle.task_id)
            self.polls.append(state)
            status = state.get("status")
            if status == "completed":
                return CallToolResult.model_validate(state["result"])
            if status == "failed":
                raise MCPError.from_error_data(ErrorData.model_validate(state["error"]))
            if status == "cancelled":
                return CallToolResult(content=[], is_error=True, structured_content=None)
            if time.monotonic() > deadline:
                raise TimeoutError(f"task {handle.task_id} still {status} after {self.timeout_s} s")
            interval = (state.get("pollIntervalMs") or interval * 1000) / 1000
            await asyncio.sleep(min(interval, 1.0))


class LegacyRpc:
    """Raw 2025-11-25 JSON-RPC over HTTP (stateless: no session id needed)."""

    def __init__(self, url: str, key: str, client: httpx2.AsyncClient) -> None:
        self.url = url
        self.key = key
        self.client = client
        self.next_id = 0
        self.replicas: list[str] = []

    async def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        response = await self.client.post(
            self.url,
            json={"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params},
            headers={
                "Authorization": f"Bearer {self.key}",
                "Accept": "application/json, text/event-stream",
                "MCP-Protocol-Version": "2025-11-25",
            },
        )
        self.replicas.append(response.headers.get("x-replica", "?"))
        body = response.json()
        return body

    async def start(self, name: str, arguments: dict[str, Any], ttl: int | None = 60_000) -> dict[str, Any]:
        task = {} if ttl is None else {"ttl": ttl}
        return await self.call("tools/call", {"name": name, "arguments": arguments, "task": task})
