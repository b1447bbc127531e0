"""Automation Studio (`/automation/v1/automations`): create, list, get, run once.

A run takes STEP_SECONDS of specmock time per step (at least one step's worth): the
automation is Running until then and Ready afterwards, with lastRunTime and lastRunStatus.
"""

from __future__ import annotations

from typing import Any

from specmock import Context, Reply, override

from .common import authed, by_ref, error, iso, new_id, not_found, page_of, query_int

AUTOMATIONS = "/automations"
STEP_SECONDS = 30.0
STATUS_IDS = {"Ready": 2, "Running": 3}


def view(record: dict[str, Any], now: float) -> dict[str, Any]:
    """The automation as of now: its stored form with the run state worked out."""
    out = {k: v for k, v in record.items() if not k.startswith("_")}
    run = record.get("_run")
    running = run is not None and now < run["endsAt"]
    out["status"] = "Running" if running else "Ready"
    out["statusId"] = STATUS_IDS[out["status"]]
    if run is not None:
        out["lastRunInstanceId"] = run["instanceId"]
        if not running:
            out["lastRunTime"] = iso(run["endsAt"])
            out["lastRunStatus"] = "Complete"
    return out


async def _find(ctx: Context) -> dict[str, Any] | None:
    return by_ref(await ctx.store.items(ctx.namespace(AUTOMATIONS)), ctx.path_params["id"])


@override("createAutomation")
@authed
async def create_automation(ctx: Context) -> Reply:
    items = await ctx.store.items(ctx.namespace(AUTOMATIONS))
    key = ctx.body.get("key")
    if key and by_ref(items, "key:" + key) is not None:
        return error(409, f"An automation with key {key} already exists", 10005)
    new = await new_id(ctx)
    steps = [
        {"step": s.get("step", i + 1), "name": s.get("name", f"Step {i + 1}"), **s}
        for i, s in enumerate(ctx.body.get("steps", []))
    ]
    record = {
        "id": new,
        "key": key or new,
        "name": ctx.body["name"],
        "description": ctx.body.get("description", ""),
        "type": "unscheduled",
        "steps": steps,
        "createdDate": ctx.now(),
    }
    await ctx.store.put(ctx.namespace(AUTOMATIONS), new, record)
    return Reply(view(record, ctx.clock.now()), status=201)


@override("listAutomations")
@authed
async def list_automations(ctx: Context) -> dict[str, Any]:
    page, size = query_int(ctx, "$page", 1), query_int(ctx, "$pageSize", 50)
    items = await ctx.store.items(ctx.namespace(AUTOMATIONS))
    now = ctx.clock.now()
    shown = [view(i, now) for i in page_of(items, page, size)]
    return {"count": len(items), "page": page, "pageSize": size, "items": shown}


@override("getAutomation")
@authed
async def get_automation(ctx: Context) -> Reply:
    record = await _find(ctx)
    if record is None:
        return not_found(f"Automation {ctx.path_params['id']} was not found")
    return Reply(view(record, ctx.clock.now()))


@override("runAutomation")
@authed
async def run_automation(ctx: Context) -> Reply:
    """One run at a time: a second start while Running is refused (409)."""
    record = await _find(ctx)
    if record is None:
        return not_found(f"Automation {ctx.path_params['id']} was not found")
    now = ctx.clock.now()
    if view(record, now)["status"] == "Running":
        return error(409, f"Automation {record['key']} is already running", 10000)
    steps = max(len(record["steps"]), 1)
    record["_run"] = {"instanceId": await new_id(ctx), "endsAt": now + steps * STEP_SECONDS}
    await ctx.store.put(ctx.namespace(AUTOMATIONS), record["id"], record)
    return Reply(view(record, now), status=202)
