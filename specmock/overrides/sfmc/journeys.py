"""Journey Builder (`/interaction/v1`): versions, publishing on the clock, entry events.

Each version is stored on its own, sharing `key` and `definitionId`. POSTing a key that
exists makes the next version. Publishing takes PUBLISH_SECONDS of specmock time; a
Published version is "running": it takes entry events and cannot be updated or deleted
until stopped (Journey Builder's 30000-range error codes).
"""

from __future__ import annotations

from typing import Any

from specmock import Context, Reply, override

from .common import authed, bad_request, new_id, not_found, page_of, query_int

JOURNEYS = "/journeys"
PUBLISHES = "/journeys_publishes"
ENTRIES = "/journeys_entries"
PUBLISH_SECONDS = 3.0
RUNNING = 30000


async def settle(ctx: Context) -> None:
    """Finish publishes whose time has come: the version becomes Published."""
    now = ctx.clock.now()
    for job in await ctx.store.items(ctx.namespace(PUBLISHES)):
        if job["done"] or job["dueAt"] > now:
            continue
        journey = await ctx.store.get(ctx.namespace(JOURNEYS), job["journeyId"])
        if journey is not None and journey["status"] == "Draft":
            journey.update(status="Published", modifiedDate=ctx.now())
            await ctx.store.put(ctx.namespace(JOURNEYS), journey["id"], journey)
        job["done"] = True
        await ctx.store.put(ctx.namespace(PUBLISHES), job["statusId"], job)


async def _all(ctx: Context) -> list[dict[str, Any]]:
    await settle(ctx)
    return await ctx.store.items(ctx.namespace(JOURNEYS))


async def versions(ctx: Context, ref: str) -> list[dict[str, Any]]:
    """Every version of the journey a reference names: a version id, definitionId or key:KEY."""
    items = await _all(ctx)
    if ref[:4].lower() == "key:":
        key = ref[4:].casefold()
        return [j for j in items if j["key"].casefold() == key]
    hit = next((j for j in items if ref in (j["id"], j["definitionId"])), None)
    return [j for j in items if hit and j["key"] == hit["key"]]


def pick(found: list[dict[str, Any]], ref: str, number: int | None) -> dict[str, Any] | None:
    if number is not None:
        return next((j for j in found if j["version"] == number), None)
    exact = next((j for j in found if j["id"] == ref), None)
    return exact or (max(found, key=lambda j: j["version"]) if found else None)


def _missing(ref: str, number: int | None = None) -> Reply:
    suffix = f" version {number}" if number is not None else ""
    return not_found(f"Journey {ref}{suffix} was not found", 30004)


def _shape(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": body["name"],
        "description": body.get("description", ""),
        "workflowApiVersion": body.get("workflowApiVersion", 1.0),
        "entryMode": body.get("entryMode", "NotSet"),
        "triggers": body.get("triggers", []),
        "activities": body.get("activities", []),
        "goals": body.get("goals", []),
    }


@override("createJourney")
@authed
async def create_journey(ctx: Context) -> dict[str, Any]:
    found = await versions(ctx, "key:" + ctx.body["key"])
    now = ctx.now()
    journey = {
        "id": await new_id(ctx),
        "key": found[0]["key"] if found else ctx.body["key"],
        "version": max((j["version"] for j in found), default=0) + 1,
        "definitionId": found[0]["definitionId"] if found else await new_id(ctx),
        "status": "Draft",
        **_shape(ctx.body),
        "stats": {"currentPopulation": 0, "cumulativePopulation": 0},
        "createdDate": now,
        "modifiedDate": now,
    }
    await ctx.store.put(ctx.namespace(JOURNEYS), journey["id"], journey)
    return journey


@override("updateJourney")
@authed
async def update_journey(ctx: Context) -> Reply:
    found = await versions(ctx, ctx.body["id"])
    journey = pick(found, ctx.body["id"], ctx.body["version"])
    if journey is None:
        return _missing(ctx.body["id"], ctx.body["version"])
    if journey["status"] != "Draft":
        message = f"Version {journey['version']} is {journey['status']}; only a Draft can change"
        return bad_request(message, RUNNING)
    journey.update(_shape(ctx.body), modifiedDate=ctx.now())
    await ctx.store.put(ctx.namespace(JOURNEYS), journey["id"], journey)
    return Reply(journey)


@override("listJourneys")
@authed
async def list_journeys(ctx: Context) -> dict[str, Any]:
    items = await _all(ctx)
    if ctx.params.get("mostRecentVersionOnly", True):
        latest: dict[str, dict[str, Any]] = {}
        for j in items:
            if j["key"] not in latest or j["version"] > latest[j["key"]]["version"]:
                latest[j["key"]] = j
        items = list(latest.values())
    if "status" in ctx.params:
        items = [j for j in items if j["status"] == ctx.params["status"]]
    text = str(ctx.params.get("nameOrDescription", "")).casefold()
    if text:
        items = [j for j in items if text in (j["name"] + " " + j["description"]).casefold()]
    page, size = query_int(ctx, "$page", 1), query_int(ctx, "$pageSize", 50)
    shown = page_of(items, page, size)
    return {"count": len(items), "page": page, "pageSize": size, "links": {}, "items": shown}


@override("getJourney")
@authed
async def get_journey(ctx: Context) -> Reply:
    ref, number = ctx.path_params["id"], ctx.params.get("versionNumber")
    journey = pick(await versions(ctx, ref), ref, number)
    return Reply(journey) if journey else _missing(ref, number)


@override("deleteJourney")
@authed
async def delete_journey(ctx: Context) -> Reply:
    ref, number = ctx.path_params["id"], ctx.params.get("versionNumber")
    found = await versions(ctx, ref)
    doomed = [j for j in found if number is None or j["version"] == number]
    if not doomed:
        return _missing(ref, number)
    running = [j for j in doomed if j["status"] == "Published"]
    if running:
        message = (
            f"The interaction is currently running (version {running[0]['version']}). "
            "Stop it before deleting."
        )
        return bad_request(message, RUNNING)
    for j in doomed:
        await ctx.store.delete(ctx.namespace(JOURNEYS), j["id"])
    return Reply(True)


@override("publishJourney")
@authed
async def publish_journey(ctx: Context) -> Reply:
    ref, number = ctx.path_params["id"], ctx.params["versionNumber"]
    journey = pick(await versions(ctx, ref), ref, number)
    if journey is None:
        return _missing(ref, number)
    if journey["status"] != "Draft":
        return bad_request(f"Version {number} is {journey['status']}; publish a Draft", 30001)
    status_id = await new_id(ctx)
    job = {
        "statusId": status_id,
        "journeyId": journey["id"],
        "dueAt": ctx.clock.now() + PUBLISH_SECONDS,
        "done": False,
    }
    await ctx.store.put(ctx.namespace(PUBLISHES), status_id, job)
    url = f"/interaction/v1/interactions/publishStatus/{status_id}"
    return Reply({"statusId": status_id, "statusUrl": url}, status=202)


@override("getPublishStatus")
@authed
async def publish_status(ctx: Context) -> Reply:
    await settle(ctx)
    job = await ctx.store.get(ctx.namespace(PUBLISHES), ctx.path_params["statusId"])
    if job is None:
        return not_found(f"Publish status {ctx.path_params['statusId']} was not found", 30004)
    status = "PublishCompleted" if job["done"] else "PublishInProcess"
    return Reply({"status": status, "errors": [], "warnings": []})


@override("stopJourney")
@authed
async def stop_journey(ctx: Context) -> Reply:
    ref, number = ctx.path_params["id"], ctx.params["versionNumber"]
    journey = pick(await versions(ctx, ref), ref, number)
    if journey is None:
        return _missing(ref, number)
    if journey["status"] != "Published":
        return bad_request(f"Version {number} is {journey['status']}, not running", 30002)
    journey.update(status="Stopped", modifiedDate=ctx.now())
    journey["stats"]["currentPopulation"] = 0
    await ctx.store.put(ctx.namespace(JOURNEYS), journey["id"], journey)
    return Reply(None, status=202)


def listens(journey: dict[str, Any], event_key: str) -> bool:
    for trigger in journey["triggers"]:
        meta = trigger.get("metaData") if isinstance(trigger, dict) else None
        if isinstance(meta, dict) and str(meta.get("eventDefinitionKey", "")) == event_key:
            return True
    return False


@override("fireEntryEvent")
@authed
async def fire_entry_event(ctx: Context) -> Reply:
    """The newest running version listening for the event definition key admits the contact."""
    event_key = ctx.body["EventDefinitionKey"]
    listening = [j for j in await _all(ctx) if listens(j, event_key)]
    running = [j for j in listening if j["status"] == "Published"]
    if not running:
        if listening:
            return bad_request(f"No running journey listens for {event_key}", RUNNING)
        return not_found(f"Event definition {event_key} was not found", 30004)
    journey = max(running, key=lambda j: j["version"])
    instance = await new_id(ctx)
    entry = {
        "eventInstanceId": instance,
        "contactKey": ctx.body["ContactKey"],
        "definitionKey": journey["key"],
        "version": journey["version"],
        "data": ctx.body.get("Data", {}),
        "at": ctx.now(),
    }
    await ctx.store.put(ctx.namespace(ENTRIES), instance, entry)
    journey["stats"]["currentPopulation"] += 1
    journey["stats"]["cumulativePopulation"] += 1
    await ctx.store.put(ctx.namespace(JOURNEYS), journey["id"], journey)
    return Reply({"eventInstanceId": instance}, status=201)


@override("contactMembership")
@authed
async def contact_membership(ctx: Context) -> dict[str, Any]:
    wanted = ctx.body["ContactKeyList"]
    entries = await ctx.store.items(ctx.namespace(ENTRIES))
    found = [
        {
            "contactKey": e["contactKey"],
            "definitionKey": e["definitionKey"],
            "version": e["version"],
        }
        for e in entries
        if e["contactKey"] in wanted
    ]
    seen = {m["contactKey"] for m in found}
    missing = [k for k in wanted if k not in seen]
    return {"results": {"contactMemberships": found, "contactsNotFound": missing}}
