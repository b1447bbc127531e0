"""Contacts (`/contacts/v1`) and subscriber lists (`/email/v1/lists`).

SFMC manages lists over SOAP only; specmock gives them a small REST face so tests can
create a list, add and remove subscribers and read each subscriber's status.
"""

from __future__ import annotations

import re
from typing import Any

from specmock import Context, Reply, override

from .common import authed, bad_request, counter, new_id, not_found

CONTACTS = "/contacts"
LISTS = "/lists"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _emails(body: dict[str, Any]) -> list[str]:
    """Addresses from the "Email Addresses" attribute set, as Contact Builder keeps them."""
    found = []
    for group in body.get("attributeSets", []):
        if group["name"].lower() != "email addresses":
            continue
        for item in group["items"]:
            for value in item["values"]:
                if value["name"].lower() == "email address" and isinstance(value["value"], str):
                    found.append(value["value"])
    return found


async def _save(ctx: Context, must_exist: bool) -> Reply:
    ns = ctx.namespace(CONTACTS)
    key = ctx.body["contactKey"]
    existing = await ctx.store.get(ns, key)
    if existing is None and must_exist:
        return not_found(f"Contact {key} was not found")
    emails = _emails(ctx.body)
    bad = next((e for e in emails if not _EMAIL.match(e)), None)
    if bad is not None:
        return bad_request(f"Email Address {bad!r} is not a valid email address", 10005)
    record = existing or {
        "contactKey": key,
        "contactID": await counter(ctx, "contacts"),
        "createDate": ctx.now(),
        "emails": [],
        "attributeSets": {},
    }
    record["emails"] = list(dict.fromkeys([*record["emails"], *emails]))
    for group in ctx.body.get("attributeSets", []):
        record["attributeSets"][group["name"]] = group["items"]
    await ctx.store.put(ns, key, record)
    return Reply(
        {
            "operationStatus": "OK",
            "rowsAffected": 1,
            "contactKey": key,
            "contactID": record["contactID"],
            "contactTypeID": 0,
            "isNewContactKey": existing is None,
            "requestServiceMessageID": await new_id(ctx),
            "responseDateTime": ctx.now(),
            "hasErrors": False,
            "resultMessages": [],
            "serviceMessageID": await new_id(ctx),
        }
    )


@override("createContact")
@authed
async def create_contact(ctx: Context) -> Reply:
    return await _save(ctx, must_exist=False)


@override("updateContact")
@authed
async def update_contact(ctx: Context) -> Reply:
    return await _save(ctx, must_exist=True)


@override("searchContactsByEmail")
@authed
async def search(ctx: Context) -> dict[str, Any]:
    limit = int(ctx.body.get("MaximumCount", 1000))
    contacts = await ctx.store.items(ctx.namespace(CONTACTS))
    entities = []
    for address in ctx.body["ChannelAddressList"]:
        hits = [c for c in contacts if address.lower() in (e.lower() for e in c["emails"])]
        details = [{"contactKey": c["contactKey"], "createDate": c["createDate"]} for c in hits]
        entities.append({"channelAddress": address, "contactKeyDetails": details[:limit]})
    return {"channelAddressResponseEntities": entities, "hasErrors": False, "resultMessages": []}


# -- lists -----------------------------------------------------------------------------------
def members_ns(ctx: Context, list_id: str) -> str:
    return ctx.namespace(f"{LISTS}/{list_id}/subscribers")


async def _list(ctx: Context) -> dict[str, Any] | None:
    return await ctx.store.get(ctx.namespace(LISTS), ctx.path_params["id"])


def _no_list(ctx: Context) -> Reply:
    return not_found(f"List {ctx.path_params['id']} was not found")


async def _public(ctx: Context, record: dict[str, Any]) -> dict[str, Any]:
    members = await ctx.store.items(members_ns(ctx, record["id"]))
    return {**record, "subscriberCount": len(members)}


@override("createList")
@authed
async def create_list(ctx: Context) -> Reply:
    record = {
        "id": str(await counter(ctx, "lists")),
        "name": ctx.body["name"],
        "description": ctx.body.get("description", ""),
        "createdDate": ctx.now(),
    }
    await ctx.store.put(ctx.namespace(LISTS), record["id"], record)
    return Reply(await _public(ctx, record), status=201)


@override("getList")
@authed
async def get_list(ctx: Context) -> Reply:
    record = await _list(ctx)
    return Reply(await _public(ctx, record)) if record else _no_list(ctx)


@override("addSubscriber")
@authed
async def add_subscriber(ctx: Context) -> Reply:
    if await _list(ctx) is None:
        return _no_list(ctx)
    if not _EMAIL.match(ctx.body["emailAddress"]):
        return bad_request(f"emailAddress {ctx.body['emailAddress']!r} is not valid", 10005)
    member = {
        "subscriberKey": ctx.body["subscriberKey"],
        "emailAddress": ctx.body["emailAddress"],
        "status": ctx.body.get("status", "Active"),
        "listId": ctx.path_params["id"],
        "modifiedDate": ctx.now(),
    }
    await ctx.store.put(members_ns(ctx, ctx.path_params["id"]), member["subscriberKey"], member)
    return Reply(member, status=201)


@override("listSubscribers")
@authed
async def list_subscribers(ctx: Context) -> Reply:
    if await _list(ctx) is None:
        return _no_list(ctx)
    return Reply(await ctx.store.items(members_ns(ctx, ctx.path_params["id"])))


@override("getSubscriber")
@authed
async def get_subscriber(ctx: Context) -> Reply:
    if await _list(ctx) is None:
        return _no_list(ctx)
    key = ctx.path_params["subscriberKey"]
    member = await ctx.store.get(members_ns(ctx, ctx.path_params["id"]), key)
    return Reply(member) if member else not_found(f"Subscriber {key} is not on this list")


@override("removeSubscriber")
@authed
async def remove_subscriber(ctx: Context) -> Reply:
    if await _list(ctx) is None:
        return _no_list(ctx)
    key = ctx.path_params["subscriberKey"]
    if not await ctx.store.delete(members_ns(ctx, ctx.path_params["id"]), key):
        return not_found(f"Subscriber {key} is not on this list")
    return Reply(None, status=204)
