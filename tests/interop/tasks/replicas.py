"""Tasks across three replicas behind haproxy, on one Redis (tasks_replicas.sh).

Usage: replicas.py STATE.json

STATE.json (written by the shell script) names the balancer, the replicas
(name, pid, log file), the API keys of three principals and how to stop and
restart Redis. Runs every check, prints each as `ok`/`FAIL`, and ends with
'N passed, N failed'; exits 1 on any failure.

Every request goes through the balancer (round-robin, no stickiness); each
response names the replica that answered (`X-Replica`), so the checks see
polls land on replicas other than the one that ran the task.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import traceback
from typing import Any

import httpx2
from mcp import Client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

sys.path.insert(0, os.path.dirname(__file__))
from mcp_tasks import TERMINAL, LegacyRpc, TasksExtension, cancel_task, get_task  # noqa: E402

PASSED = 0
FAILED = 0
STATE: dict[str, Any] = {}


def check(label: str, condition: bool, detail: object = "") -> bool:
    global PASSED, FAILED
    if condition:
        PASSED += 1
        print(f"ok    {label}", flush=True)
    else:
        FAILED += 1
        print(f"FAIL  {label}: {str(detail)[:1500]}", flush=True)
    return condition


def log(message: str) -> None:
    print(f"[tasks_replicas] {message}", file=sys.stderr, flush=True)


def auth(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {STATE['keys'][who]}"}


def replica_logs() -> dict[str, str]:
    out = {}
    for replica in STATE["replicas"]:
        with open(replica["log"], encoding="utf-8", errors="replace") as f:
            out[replica["name"]] = f.read()
    return out


def runner_of(task_id: str) -> str | None:
    """The replica whose log says it started `task_id` (`task started ... task=ID`)."""
    for name, text in replica_logs().items():
        if re.search(rf"task started.*task={task_id}", text):
            return name
    return None


async def wait_for(predicate, seconds: float, every: float = 0.1):
    deadline = time.monotonic() + seconds
    while True:
        value = await predicate()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(every)


async def wait_runner(task_id: str, seconds: float = 5.0) -> str | None:
    async def find():
        return runner_of(task_id)

    return await wait_for(find, seconds)


async def wait_log(replica: str, needle: str, seconds: float = 5.0, after: int = 0) -> bool:
    async def find():
        return needle in replica_logs()[replica][after:]

    return await wait_for(find, seconds)


# ---------------------------------------------------------------------------
# REST: how a task reads through GET /api/tasks/{id}.


def task_id_of(response: httpx2.Response) -> str | None:
    location = response.headers.get("location", "")
    match = re.search(r"/api/tasks/([0-9a-f]{32})$", location)
    return match.group(1) if match else None


def is_not_found(response: httpx2.Response) -> bool:
    """404 with the not-found problem (not a missing route)."""
    try:
        return response.status_code == 404 and response.json().get("code") == "not_found"
    except ValueError:
        return False


def rest_state(response: httpx2.Response) -> tuple[str, Any]:
    """(status, payload) of a task as `GET /api/tasks/{id}` shows it: a
    status body while working (or once cancelled), the function's result
    (200) once completed, its problem once failed."""
    try:
        body = response.json()
    except ValueError:
        return ("unreadable", response.text)
    # The server names the status in a header; the body is the status, the
    # result or the problem.
    named = response.headers.get("task-status")
    if named:
        if named == "completed" and isinstance(body, dict) and "taskId" in body and "result" in body:
            return (named, body["result"])
        return (named, body)
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        code = body.get("code") if isinstance(body, dict) else None
        return ("cancelled" if code == "cancelled" else "failed", body)
    if isinstance(body, dict) and isinstance(body.get("status"), str) and ("taskId" in body or "id" in body):
        status = body["status"]
        if status in ("working", "input_required", "cancelled", "failed"):
            return (status, body)
        if status == "completed":
            return ("completed", body.get("result", body))
    if response.status_code == 200:
        return ("completed", body)
    return (f"http {response.status_code}", body)


async def rest_poll(client: httpx2.AsyncClient, task_id: str, who: str, seconds: float = 30.0):
    """Polls until terminal; (status, payload, replicas that answered, responses)."""
    replicas: list[str] = []
    deadline = time.monotonic() + seconds
    while True:
        response = await client.get(f"/api/tasks/{task_id}", headers=auth(who))
        replicas.append(response.headers.get("x-replica", "?"))
        status, payload = rest_state(response)
        if status not in ("working", "input_required") or time.monotonic() > deadline:
            return status, payload, replicas, response
        await asyncio.sleep(0.1)


async def rest_start(client: httpx2.AsyncClient, name: str, args: dict, who: str, prefer: bool = True):
    headers = {**auth(who), "Prefer": "respond-async"} if prefer else auth(who)
    return await client.post(f"/api/{name}", json=args, headers=headers)


async def rest_checks(client: httpx2.AsyncClient) -> None:
    log("REST through the balancer")
    seen = set()
    for _ in range(6):
        response = await client.post("/api/add", json={"a": 2, "b": 3}, headers=auth("alice"))
        seen.add(response.headers.get("x-replica"))
    check("REST add answers 5", response.status_code == 200 and response.json() == 5, response.text)
    check("the balancer spreads requests over the three replicas", len(seen) == 3, seen)

    # A task-optional function with Prefer: respond-async.
    response = await rest_start(client, "slow_count", {"steps": 8, "step_ms": 150}, "alice")
    check("POST slow_count with Prefer: respond-async -> 202", response.status_code == 202, (response.status_code, response.text))
    task_id = task_id_of(response)
    check("202 carries Location: /api/tasks/{id}", task_id is not None, dict(response.headers))
    if task_id is None:
        return
    check(
        "Preference-Applied: respond-async on the 202",
        "respond-async" in response.headers.get("preference-applied", ""),
        dict(response.headers),
    )
    started_on = response.headers.get("x-replica")
    status, payload, replicas, last = await rest_poll(client, task_id, "alice")
    check("REST task completes with slow_count's result", (status, payload) == ("completed", 8), (status, payload, last.status_code))
    runner = runner_of(task_id)
    check("the task ran on one replica (its log says `task started`)", runner is not None, task_id)
    others = {r for r in replicas if r != runner}
    check(
        "polls landed on replicas other than the runner",
        len(others) >= 1 and len(set(replicas)) >= 2,
        {"runner": runner, "started_on": started_on, "polls": replicas},
    )
    # Progress is visible mid-task on REST.
    response = await rest_start(client, "slow_count", {"steps": 10, "step_ms": 200}, "alice")
    progress_id = task_id_of(response)
    if progress_id:
        async def progressed():
            r = await client.get(f"/api/tasks/{progress_id}", headers=auth("alice"))
            s, body = rest_state(r)
            return body if s == "working" and isinstance(body, dict) and "step" in json.dumps(body) else None

        body = await wait_for(progressed, 5.0, 0.1)
        check("REST status shows the task's progress message", body is not None, body)

    # A required task always answers 202, Prefer or not.
    response = await rest_start(client, "hold", {"ms": 60_000}, "alice", prefer=False)
    check("POST hold (task = required) without Prefer -> 202", response.status_code == 202, (response.status_code, response.text))
    hold_id = task_id_of(response)
    if hold_id:
        runner = await wait_runner(hold_id)
        check("hold is running on some replica", runner is not None, hold_id)
        mark = len(replica_logs().get(runner, "")) if runner else 0
        response = await client.delete(f"/api/tasks/{hold_id}", headers=auth("alice"))
        check("DELETE /api/tasks/{id} cancels (2xx)", 200 <= response.status_code < 300, (response.status_code, response.text))
        canceller = response.headers.get("x-replica")
        status, payload, _, last = await rest_poll(client, hold_id, "alice", 5)
        check("the cancelled task reads as cancelled", status == "cancelled", (status, payload, last.status_code))
        if runner:
            ok = await wait_log(runner, "DROP GUARD ran for hold", 5.0, after=mark)
            check(
                f"the runner's Drop guard ran (runner {runner}, cancel answered by {canceller})",
                ok,
                replica_logs()[runner][mark:][-2000:],
            )

    # A sync function sees its Context cancelled.
    response = await rest_start(client, "spin", {}, "alice")
    spin_id = task_id_of(response)
    check("POST spin -> 202", response.status_code == 202 and spin_id is not None, (response.status_code, response.text))
    if spin_id:
        runner = await wait_runner(spin_id)
        await asyncio.sleep(0.3)
        response = await client.delete(f"/api/tasks/{spin_id}", headers=auth("alice"))
        if runner:
            check("the sync spin saw ctx.is_cancelled()", await wait_log(runner, "spin saw its cancel", 5.0), runner)


async def rest_bad_input(client: httpx2.AsyncClient) -> None:
    log("REST bad input")
    unknown = "0" * 32
    response = await client.get(f"/api/tasks/{unknown}", headers=auth("alice"))
    check("unknown task id -> 404 not_found", is_not_found(response), (response.status_code, response.text))
    response = await client.delete(f"/api/tasks/{unknown}", headers=auth("alice"))
    check("cancel of an unknown task id -> 404 not_found", is_not_found(response), (response.status_code, response.text))

    response = await client.get("/api/tasks/not-a-task-id", headers=auth("alice"))
    body = response.json() if response.headers.get("content-type", "").endswith("json") else {}
    fields = [e.get("field") for e in body.get("errors", [])] if isinstance(body, dict) else []
    check("malformed task id -> 422 naming taskId", response.status_code == 422 and "taskId" in fields, (response.status_code, response.text))
    response = await client.get("/api/tasks/" + "A" * 32, headers=auth("alice"))
    check("upper-case hex is malformed too -> 422", response.status_code == 422, (response.status_code, response.text))

    response = await rest_start(client, "slow_count", {"steps": 1, "step_ms": 10}, "alice")
    task_id = task_id_of(response)
    if task_id:
        response = await client.get(f"/api/tasks/{task_id}", headers=auth("bob"))
        check("another principal's task id -> 404 not_found", is_not_found(response), (response.status_code, response.text))
        response = await client.delete(f"/api/tasks/{task_id}", headers=auth("bob"))
        check("another principal's cancel -> 404 not_found", is_not_found(response), (response.status_code, response.text))
        status, _, _, _ = await rest_poll(client, task_id, "alice")
        response = await client.delete(f"/api/tasks/{task_id}", headers=auth("alice"))
        check("cancel of a finished task -> 409", status == "completed" and response.status_code == 409, (status, response.status_code, response.text))
        status_after, payload, _, _ = await rest_poll(client, task_id, "alice")
        check("the finished task keeps its result after the refused cancel", (status_after, payload) == ("completed", 1), (status_after, payload))

    response = await rest_start(client, "add", {"a": 20, "b": 22}, "alice")
    check(
        "Prefer: respond-async on a plain function runs it: 200 with the result",
        response.status_code == 200 and response.json() == 42,
        (response.status_code, response.text),
    )
    response = await rest_start(client, "slow_count", {"steps": 0, "step_ms": 1}, "alice")
    check("bad arguments are refused before a task starts -> 422", response.status_code == 422, (response.status_code, response.text))
    response = await client.post("/api/hold", json={"ms": 10}, headers={"Prefer": "respond-async"})
    check("no API key -> 401, no task", response.status_code == 401, (response.status_code, response.text))


# ---------------------------------------------------------------------------
# MCP, 2026-07-28: the SDK with TasksExtension.


def sdk_client(who: str, replicas: list[str], extension: TasksExtension | None, mode: str = "auto") -> Client:
    http = create_mcp_http_client(headers=auth(who))

    async def record(response):
        replicas.append(response.headers.get("x-replica", "?"))

    http.event_hooks["response"].append(record)
    transport = streamable_http_client(STATE["base"] + "/mcp", http_client=http)
    return Client(transport, mode=mode, extensions=[extension] if extension else None)


async def mcp_modern_checks() -> None:
    log("MCP 2026-07-28 (official SDK + TasksExtension) through the balancer")
    replicas: list[str] = []
    tasks = TasksExtension()
    async with sdk_client("alice", replicas, tasks) as client:
        check("SDK negotiated 2026-07-28", client.protocol_version == "2026-07-28", client.protocol_version)
        caps = client.server_capabilities
        extensions = (caps.model_dump(by_alias=True).get("extensions") or {}) if caps else {}
        check("the server advertises the tasks extension", "io.modelcontextprotocol/tasks" in extensions, extensions)

        result = await client.call_tool("slow_count", {"steps": 6, "step_ms": 150})
        check(
            "tools/call slow_count -> task, polled to its CallToolResult",
            not result.is_error and result.structured_content == {"result": 6},
            result,
        )
        check("the claim was handed a task handle", len(tasks.created) == 1, tasks.created)
        if tasks.created:
            task_id = tasks.created[0].task_id
            runner = runner_of(task_id)
            poll_replicas = set(replicas[-len(tasks.polls) :]) if tasks.polls else set()
            check(
                "MCP polls landed on replicas other than the runner",
                runner is not None and len(poll_replicas - {runner}) >= 1,
                {"runner": runner, "polls": replicas},
            )
            working = [p for p in tasks.polls if p.get("status") == "working"]
            check(
                "tasks/get while working shows progress (statusMessage or _meta progress)",
                any("statusMessage" in p or "_meta" in p for p in working),
                working[-3:],
            )

        result = await client.call_tool("add", {"a": 1, "b": 2})
        check("a plain tool answers directly", result.structured_content == {"result": 3}, result)

        # The handle itself, then tasks/cancel through another replica.
        handle = await client.session.call_tool("hold", {"ms": 60_000}, allow_claimed=True)
        task_id = getattr(handle, "task_id", None)
        check("tools/call hold -> resultType task", task_id is not None, handle)
        if task_id:
            runner = await wait_runner(task_id)
            mark = len(replica_logs().get(runner, "")) if runner else 0
            answer = await cancel_task(client.session, task_id)
            check("tasks/cancel -> complete", answer.get("resultType") == "complete", answer)
            state = await get_task(client.session, task_id)
            check("tasks/get after cancel -> cancelled", state.get("status") == "cancelled", state)
            if runner:
                check("MCP cancel ran the runner's Drop guard", await wait_log(runner, "DROP GUARD ran for hold", 5.0, mark), runner)
            answer = await cancel_task(client.session, task_id)
            check("tasks/cancel of a finished task is acknowledged (2026-07-28)", answer.get("resultType") == "complete", answer)

        for bad, label in (("0" * 32, "unknown"), ("nope", "malformed")):
            try:
                state = await get_task(client.session, bad)
                check(f"tasks/get of a {label} id -> error", False, state)
            except MCPError as err:
                check(f"tasks/get of a {label} id -> -32602", err.error.code == -32602, err.error)

    # Another principal cannot see alice's task.
    async with sdk_client("bob", [], TasksExtension()) as bob:
        if tasks.created:
            try:
                state = await get_task(bob.session, tasks.created[0].task_id)
                check("bob's tasks/get of alice's task -> not found", False, state)
            except MCPError as err:
                check("bob's tasks/get of alice's task -> not found", "not found" in err.error.message.lower(), err.error)

    # Without the extension: a required tool is refused with -32021.
    async with sdk_client("alice", [], None) as plain:
        try:
            result = await plain.call_tool("hold", {"ms": 10})
            check("hold without the extension -> -32021", False, result)
        except MCPError as err:
            check("hold without the extension -> -32021", err.error.code == -32021, err.error)
        result = await plain.call_tool("slow_count", {"steps": 2, "step_ms": 10})
        check("an optional tool without the extension runs directly", result.structured_content == {"result": 2}, result)


async def mcp_legacy_checks(http: httpx2.AsyncClient) -> None:
    log("MCP 2025-11-25 (raw JSON-RPC with params.task) through the balancer")
    rpc = LegacyRpc(STATE["base"] + "/mcp", STATE["keys"]["alice"], http)
    init = await rpc.call(
        "initialize",
        {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "tasks-replicas", "version": "1"}},
    )
    caps = init.get("result", {}).get("capabilities", {})
    check("2025-11-25 capabilities.tasks", caps.get("tasks", {}).get("requests", {}).get("tools", {}).get("call") == {}, caps)
    listing = await rpc.call("tools/list", {})
    support = {t["name"]: (t.get("execution") or {}).get("taskSupport") for t in listing.get("result", {}).get("tools", [])}
    check(
        "execution.taskSupport per tool",
        support.get("hold") == "required" and support.get("slow_count") == "optional" and support.get("add") in (None, "forbidden"),
        support,
    )

    body = await rpc.start("slow_count", {"steps": 5, "step_ms": 150}, ttl=120_000)
    task = body.get("result", {}).get("task", {})
    task_id = task.get("taskId")
    check("tools/call with params.task -> {task}", task_id is not None and task.get("status") == "working", body)
    if task_id:
        check("the client's ttl is kept", task.get("ttl") == 120_000, task)
        first = len(rpc.replicas)
        body = await rpc.call("tasks/get", {"taskId": task_id})
        check("tasks/get -> working", body.get("result", {}).get("status") in ("working", "completed"), body)
        body = await rpc.call("tasks/result", {"taskId": task_id})
        result = body.get("result", {})
        check("tasks/result waits and returns the CallToolResult", result.get("structuredContent") == {"result": 5}, body)
        related = result.get("_meta", {}).get("io.modelcontextprotocol/related-task", {})
        check("tasks/result names its task in _meta", related.get("taskId") == task_id, result)
        runner = runner_of(task_id)
        check("legacy polls answered by other replicas", runner is not None and set(rpc.replicas[first:]) - {runner}, (runner, rpc.replicas))
        body = await rpc.call("tasks/get", {"taskId": task_id})
        check("tasks/get after -> completed", body.get("result", {}).get("status") == "completed", body)
        body = await rpc.call("tasks/cancel", {"taskId": task_id})
        check("tasks/cancel of a finished task -> -32602", body.get("error", {}).get("code") == -32602, body)

    body = await rpc.start("hold", {"ms": 60_000})
    hold_id = body.get("result", {}).get("task", {}).get("taskId")
    if hold_id:
        runner = await wait_runner(hold_id)
        mark = len(replica_logs().get(runner, "")) if runner else 0
        body = await rpc.call("tasks/cancel", {"taskId": hold_id})
        check("tasks/cancel -> the task, cancelled", body.get("result", {}).get("status") == "cancelled", body)
        if runner:
            check("legacy cancel ran the Drop guard", await wait_log(runner, "DROP GUARD ran for hold", 5.0, mark), runner)
        body = await rpc.call("tasks/list", {})
        ids = [t["taskId"] for t in body.get("result", {}).get("tasks", [])]
        check("tasks/list lists alice's tasks, newest first", ids[:1] == [hold_id] and task_id in ids, ids[:5])

    body = await rpc.call("tools/call", {"name": "hold", "arguments": {"ms": 10}})
    check("hold without params.task -> error", "error" in body, body)
    body = await rpc.call("tools/call", {"name": "add", "arguments": {"a": 1, "b": 1}, "task": {}})
    check("add with params.task -> error (taskSupport forbidden)", "error" in body, body)
    for bad, label in (("0" * 32, "unknown"), ("zz", "malformed")):
        body = await rpc.call("tasks/get", {"taskId": bad})
        check(f"legacy tasks/get of a {label} id -> -32602", body.get("error", {}).get("code") == -32602, body)
    if hold_id:
        bob = LegacyRpc(STATE["base"] + "/mcp", STATE["keys"]["bob"], http)
        body = await bob.call("tasks/get", {"taskId": hold_id})
        check("legacy: bob cannot see alice's task", body.get("error", {}).get("code") == -32602, body)
        body = await bob.call("tasks/list", {})
        check("legacy: bob's tasks/list is empty", body.get("result", {}).get("tasks") == [], body)


# ---------------------------------------------------------------------------
# 1,000 concurrent tasks.


async def soak(client: httpx2.AsyncClient, count: int = 1000, protocol: str = "rest") -> None:
    """`protocol` rest (the default): POST with Prefer, GET to poll; mcp:
    2025-11-25 params.task and tasks/get + tasks/result (the same store)."""
    log(f"{count} concurrent tasks over {protocol}")
    started = time.monotonic()
    gate = asyncio.Semaphore(200)
    refused: list[Any] = []
    rpc = LegacyRpc(STATE["base"] + "/mcp", STATE["keys"]["carol"], client)

    async def one(i: int) -> str | None:
        args = {"steps": 1 + i % 3, "step_ms": 20}
        async with gate:
            if protocol == "mcp":
                body = await rpc.start("slow_count", args)
                task_id = body.get("result", {}).get("task", {}).get("taskId")
                if task_id is None:
                    refused.append(body)
                return task_id
            response = await rest_start(client, "slow_count", args, "carol")
            if response.status_code != 202:
                refused.append((response.status_code, response.text[:200]))
                return None
            return task_id_of(response)

    ids = await asyncio.gather(*(one(i) for i in range(count)))
    created = [task_id for task_id in ids if task_id]
    check(f"{count} tasks created", len(created) == count, (len(created), refused[:3]))
    if not created:
        return
    check("no id handed out twice", len(set(created)) == len(created), len(created) - len(set(created)))
    expected = {task_id: 1 + i % 3 for i, task_id in enumerate(ids) if task_id}

    outcomes: dict[str, Any] = {}

    async def settle(task_id: str) -> None:
        async with gate:
            if protocol == "mcp":
                body = await rpc.call("tasks/result", {"taskId": task_id})
                result = body.get("result", {})
                value = (result.get("structuredContent") or {}).get("result")
                outcomes[task_id] = ("completed" if "result" in body and not result.get("isError") else "error", value)
                return
            status, payload, _, _ = await rest_poll(client, task_id, "carol", 60)
            outcomes[task_id] = (status, payload)

    await asyncio.gather(*(settle(task_id) for task_id in created))
    completed = [t for t, (s, p) in outcomes.items() if s == "completed" and p == expected[t]]
    others = {t: o for t, o in outcomes.items() if t not in completed}
    check(f"every one of the {len(created)} tasks completed with its own result", len(completed) == len(created), list(others.items())[:5])

    # Exactly one terminal state each: the store agrees, nothing is live.
    prefix = STATE["prefix"]
    commands = "".join(f"HGET {prefix}task:{t} status\n" for t in created)
    out = subprocess.run(STATE["redis_cli"] + ["--no-raw"], input=commands, capture_output=True, text=True).stdout
    statuses = [line.strip().strip('"') for line in out.splitlines() if line.strip()]
    check("Redis holds each record once, completed", statuses.count("completed") == len(created), out[:300])
    live = subprocess.run(STATE["redis_cli"] + ["ZCARD", f"{prefix}live:@carol"], capture_output=True, text=True).stdout.strip()
    check("no task of the soak is still live", live == "0", live)
    listed = subprocess.run(STATE["redis_cli"] + ["ZCARD", f"{prefix}owner:@carol"], capture_output=True, text=True).stdout.strip()
    check("the owner's index lists exactly the soak's tasks", listed == str(len(created)), listed)
    # A second look: terminal states do not change.
    if protocol == "rest":
        sample = created[:: max(1, len(created) // 50)]
        again = await asyncio.gather(*(rest_poll(client, t, "carol", 1) for t in sample))
        check("terminal states are stable", all(a[0] == outcomes[t][0] and a[1] == outcomes[t][1] for t, a in zip(sample, again)), again[:2])
    # tasks/list (2025-11-25, pages of 100) agrees: each of carol's tasks once.
    listed_ids: list[str] = []
    cursor = None
    for _ in range(100):
        body = await rpc.call("tasks/list", {} if cursor is None else {"cursor": cursor})
        result = body.get("result", {})
        listed_ids += [t["taskId"] for t in result.get("tasks", []) if t.get("status") == "completed"]
        cursor = result.get("nextCursor")
        if not cursor:
            break
    check("MCP tasks/list: each soak task once, completed", sorted(listed_ids) == sorted(created), (len(listed_ids), len(set(listed_ids))))
    log(f"soak took {time.monotonic() - started:.1f} s")


# ---------------------------------------------------------------------------
# A replica killed mid-task; Redis down.


async def kill_runner(client: httpx2.AsyncClient) -> None:
    log("kill -9 the replica running a task")
    rpc = LegacyRpc(STATE["base"] + "/mcp", STATE["keys"]["alice"], client)
    body = await rpc.start("hold", {"ms": 120_000})
    task_id = body.get("result", {}).get("task", {}).get("taskId")
    if not check("hold started (MCP params.task) for the kill test", task_id is not None, body):
        return
    runner = await wait_runner(task_id)
    if not check("found the replica running it", runner is not None, task_id):
        return
    pid = next(r["pid"] for r in STATE["replicas"] if r["name"] == runner)
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    log(f"killed {runner} (pid {pid}) running task {task_id}")
    lease = 2.0
    deadline = killed_at + lease + 10
    status, body, answered = "working", None, []
    while time.monotonic() < deadline:
        first = len(rpc.replicas)
        body = await rpc.call("tasks/get", {"taskId": task_id})
        answered += rpc.replicas[first:]
        status = body.get("result", {}).get("status", "error")
        if status != "working":
            break
        await asyncio.sleep(0.2)
    took = time.monotonic() - killed_at
    check(
        f"the killed replica's task became failed ({took:.1f} s after the kill, lease {lease} s)",
        status == "failed",
        body,
    )
    check("the surviving replicas answered", runner not in answered and "?" not in answered, answered)
    body = await rpc.call("tasks/result", {"taskId": task_id})
    kind = (body.get("error", {}).get("data") or {}).get("api-registry/error", {}).get("kind")
    check("MCP tasks/result: a JSON-RPC error of kind unavailable", "error" in body and kind == "unavailable", body)
    response = await client.get(f"/api/tasks/{task_id}", headers=auth("alice"))
    status, payload = rest_state(response)
    code = payload.get("code") if isinstance(payload, dict) else None
    check("REST GET: the same task failed, its problem unavailable", status == "failed" and code == "unavailable", (response.status_code, payload))
    # haproxy took the dead replica out: every request now succeeds.
    codes = []
    for _ in range(9):
        r = await client.post("/api/add", json={"a": 1, "b": 1}, headers=auth("alice"))
        codes.append((r.status_code, r.headers.get("x-replica")))
    check("haproxy routes around the dead replica", all(c == 200 and n != runner for c, n in codes), codes)
    STATE["dead"] = runner


async def redis_down(client: httpx2.AsyncClient) -> None:
    log("Redis down")
    subprocess.run(STATE["redis_cli"] + ["SHUTDOWN", "NOSAVE"], capture_output=True)
    await asyncio.sleep(0.3)
    started = time.monotonic()
    response = await rest_start(client, "hold", {"ms": 100}, "alice")
    took = time.monotonic() - started
    body = response.json() if response.headers.get("content-type", "").endswith("json") else {}
    check(
        f"a new task while Redis is down -> 503 problem unavailable ({took:.1f} s)",
        response.status_code == 503 and body.get("code") == "unavailable",
        (response.status_code, response.text),
    )
    rpc = LegacyRpc(STATE["base"] + "/mcp", STATE["keys"]["alice"], client)
    body = await rpc.start("hold", {"ms": 100})
    check(
        "MCP: a new task while Redis is down -> unavailable, no task",
        "task" not in body.get("result", {}) and "unavailable" in json.dumps(body).lower(),
        body,
    )
    response = await client.post("/api/add", json={"a": 4, "b": 5}, headers=auth("alice"))
    check("plain add still 200 while Redis is down", response.status_code == 200 and response.json() == 9, response.text)
    response = await client.get("/api/tasks/" + "0" * 32, headers=auth("alice"))
    check("a poll while Redis is down -> 503", response.status_code == 503, (response.status_code, response.text))

    log("restarting Redis")
    proc = subprocess.Popen(STATE["redis_restart"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(STATE["redis_pid_file"], "w") as f:
        f.write(str(proc.pid))

    async def accepted_mcp():
        body = await rpc.start("slow_count", {"steps": 1, "step_ms": 10})
        return body.get("result", {}).get("task", {}).get("taskId")

    task_id = await wait_for(accepted_mcp, 15.0, 0.5)
    check("after Redis is back, new MCP tasks start again", task_id is not None, "still refused after 15 s")
    if task_id:
        body = await rpc.call("tasks/result", {"taskId": task_id})
        check("and complete", body.get("result", {}).get("structuredContent") == {"result": 1}, body)
    # Every live replica reconnected (round-robin: three tries reach both).
    bodies = [await rpc.start("slow_count", {"steps": 1, "step_ms": 10}) for _ in range(4)]
    check("every surviving replica starts tasks again", all("task" in b.get("result", {}) for b in bodies), bodies)

    async def accepted():
        r = await rest_start(client, "slow_count", {"steps": 1, "step_ms": 10}, "alice")
        return r if r.status_code == 202 else None

    response = await wait_for(accepted, 5.0, 0.5)
    check("after Redis is back, new REST tasks start again", response is not None, "still refused")
    if response is not None:
        status, payload, _, _ = await rest_poll(client, task_id_of(response), "alice")
        check("and complete", (status, payload) == ("completed", 1), (status, payload))


async def main() -> int:
    with open(sys.argv[1]) as f:
        STATE.update(json.load(f))
    phases = os.environ.get("PHASES", "rest,bad,modern,legacy,soak,kill,redis").split(",")
    async with httpx2.AsyncClient(base_url=STATE["base"], timeout=30.0, limits=httpx2.Limits(max_connections=200)) as client:
        for name, phase in (
            ("rest", lambda: rest_checks(client)),
            ("bad", lambda: rest_bad_input(client)),
            ("modern", mcp_modern_checks),
            ("legacy", lambda: mcp_legacy_checks(client)),
            ("soak", lambda: soak(client, int(os.environ.get("SOAK_TASKS", "1000")), os.environ.get("SOAK_PROTOCOL", "rest"))),
            ("kill", lambda: kill_runner(client)),
            ("redis", lambda: redis_down(client)),
        ):
            if name not in phases:
                continue
            try:
                await phase()
            except Exception as err:  # noqa: BLE001 - a phase's crash is one failure, the rest still run
                traceback.print_exc()
                check(f"phase {name} ran to its end", False, repr(err))
    print(f"{PASSED} passed, {FAILED} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
