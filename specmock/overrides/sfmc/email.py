"""Transactional email (`/messaging/v1/email/...`): definitions, sends, statuses on the clock.

A message is Queued for QUEUE_SECONDS of specmock time, then Sent, or NotSent when its
address is a bounce address (local part starting with "bounce", e.g. bounce+1@example.com):
that is how a test injects bounces. Every message stays retrievable with its recipient,
attributes and definition (GET /messaging/v1/email/messages?type=sent) for assertions.
"""

from __future__ import annotations

import re
from typing import Any

from specmock import Context, Reply, override

from .common import authed, bad_request, counter, error, iso, new_id, not_found, page_of, query_int

DEFINITIONS = "/email/definitions"
MESSAGES = "/email/messages"
QUEUE_SECONDS = 5.0
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_KINDS = {
    "Queued": "TransactionalSendEvents.EmailQueued",
    "Sent": "TransactionalSendEvents.EmailSent",
    "NotSent": "TransactionalSendEvents.EmailNotSent",
}


def is_bounce(address: str) -> bool:
    return address.split("@", 1)[0].lower().startswith("bounce")


@override("createEmailDefinition")
@authed
async def create_definition(ctx: Context) -> Reply:
    body = ctx.body
    ns = ctx.namespace(DEFINITIONS)
    if await ctx.store.get(ns, body["definitionKey"].lower()) is not None:
        message = f"A definition with definitionKey {body['definitionKey']} already exists"
        return error(409, message, 30003)
    now = ctx.now()
    definition = {
        **body,
        "status": body.get("status", "Active"),
        "requestId": await new_id(ctx),
        "definitionId": await new_id(ctx),
        "createdDate": now,
        "modifiedDate": now,
    }
    await ctx.store.put(ns, body["definitionKey"].lower(), definition)
    return Reply(definition, status=201)


@override("listEmailDefinitions")
@authed
async def list_definitions(ctx: Context) -> dict[str, Any]:
    page, size = query_int(ctx, "$page", 1), query_int(ctx, "$pageSize", 50)
    items = await ctx.store.items(ctx.namespace(DEFINITIONS))
    return {
        "requestId": await new_id(ctx),
        "count": len(items),
        "page": page,
        "pageSize": size,
        "definitions": page_of(items, page, size),
    }


async def _definition(ctx: Context, key: str) -> dict[str, Any] | None:
    return await ctx.store.get(ctx.namespace(DEFINITIONS), key.lower())


def _no_definition(key: str) -> Reply:
    return not_found(f"MCMS_UTM_Runtime_DefinitionNotFound: no definition {key}", 30001)


@override("getEmailDefinition")
@authed
async def get_definition(ctx: Context) -> Reply:
    definition = await _definition(ctx, ctx.path_params["definitionKey"])
    if definition is None:
        return _no_definition(ctx.path_params["definitionKey"])
    return Reply(definition)


_CHANGEABLE = ("name", "description", "status", "classification", "subject", "content", "options")


@override("updateEmailDefinition")
@authed
async def update_definition(ctx: Context) -> Reply:
    """The key stays; an Inactive definition refuses sends until set Active again."""
    definition = await _definition(ctx, ctx.path_params["definitionKey"])
    if definition is None:
        return _no_definition(ctx.path_params["definitionKey"])
    definition.update({k: v for k, v in ctx.body.items() if k in _CHANGEABLE})
    definition["modifiedDate"] = ctx.now()
    await ctx.store.put(ctx.namespace(DEFINITIONS), definition["definitionKey"].lower(), definition)
    return Reply(definition)


@override("deleteEmailDefinition")
@authed
async def delete_definition(ctx: Context) -> Reply:
    key = ctx.path_params["definitionKey"]
    if not await ctx.store.delete(ctx.namespace(DEFINITIONS), key.lower()):
        return _no_definition(key)
    body = {"requestId": await new_id(ctx), "deletedDefinitionKey": key, "message": "Success"}
    return Reply(body)


# -- sending -------------------------------------------------------------------------------
async def queue_message(
    ctx: Context, definition: dict[str, Any], recipient: dict[str, Any], shared: dict, key: str
) -> dict[str, Any]:
    now = ctx.clock.now()
    message = {
        "messageKey": key,
        "eventID": await counter(ctx, "email-events"),
        "definitionKey": definition["definitionKey"],
        "contactKey": recipient["contactKey"],
        "to": recipient["to"],
        "attributes": {**shared, **recipient.get("attributes", {})},
        "queuedAt": now,
        "sendAt": now + QUEUE_SECONDS,
        "bounce": is_bounce(recipient["to"]),
    }
    if "subject" in definition:
        message["subject"] = definition["subject"]
    await ctx.store.put(ctx.namespace(MESSAGES), key, message)
    return message


def recipient_problem(recipient: dict[str, Any]) -> str | None:
    if not _EMAIL.match(recipient["to"]):
        return f"MCMS_UTM_Validation_InvalidEmailAddress: recipient.to {recipient['to']!r}"
    return None


async def _usable(ctx: Context, key: str) -> tuple[dict[str, Any] | None, Reply | None]:
    definition = await _definition(ctx, key)
    if definition is None:
        return None, _no_definition(key)
    if definition["status"] != "Active":
        return None, bad_request(f"MCMS_UTM_Runtime_DefinitionInactive: {key} is inactive", 30005)
    return definition, None


@override("sendEmail")
@authed
async def send_one(ctx: Context) -> Reply:
    key = ctx.path_params["messageKey"]
    definition, refusal = await _usable(ctx, ctx.body["definitionKey"])
    if refusal:
        return refusal
    assert definition is not None
    problem = recipient_problem(ctx.body["recipient"])
    if problem:
        return bad_request(problem, 10005)
    if await ctx.store.get(ctx.namespace(MESSAGES), key) is not None:
        return error(409, f"MCMS_UTM_Validation_MessageKeyExists: {key} was used before", 30006)
    await queue_message(ctx, definition, ctx.body["recipient"], ctx.body.get("attributes", {}), key)
    body = {"requestId": await new_id(ctx), "errorcode": 0, "responses": [{"messageKey": key}]}
    return Reply(body, status=202)


@override("sendEmailBatch")
@authed
async def send_many(ctx: Context) -> Reply:
    """Each recipient is accepted or refused on its own, as the vendor reports per entry."""
    definition, refusal = await _usable(ctx, ctx.body["definitionKey"])
    if refusal:
        return refusal
    assert definition is not None
    responses = []
    shared = ctx.body.get("attributes", {})
    for recipient in ctx.body["recipients"]:
        key = recipient.get("messageKey") or await new_id(ctx)
        problem = recipient_problem(recipient)
        if problem is None and await ctx.store.get(ctx.namespace(MESSAGES), key) is not None:
            problem = f"MCMS_UTM_Validation_MessageKeyExists: {key} was used before"
        if problem:  # refused alone; the other recipients still go out
            responses.append({"messageKey": key, "errorcode": 30006, "message": problem})
            continue
        await queue_message(ctx, definition, recipient, shared, key)
        responses.append({"messageKey": key})
    body = {"requestId": await new_id(ctx), "errorcode": 0, "responses": responses}
    return Reply(body, status=202)


# -- status ----------------------------------------------------------------------------------
def state(message: dict[str, Any], now: float) -> str:
    if now < message["sendAt"]:
        return "Queued"
    return "NotSent" if message["bounce"] else "Sent"


def info(message: dict[str, Any], current: str) -> dict[str, Any]:
    out = {k: message[k] for k in ("messageKey", "contactKey", "to", "definitionKey")}
    out["attributes"] = message["attributes"]
    if "subject" in message:
        out["subject"] = message["subject"]
    if current == "NotSent":
        out.update(statusCode=9, statusMessage="Bounced: mailbox unavailable (injected)")
    return out


@override("getEmailStatus")
@authed
async def message_status(ctx: Context) -> Reply:
    message = await ctx.store.get(ctx.namespace(MESSAGES), ctx.path_params["messageKey"])
    if message is None:
        key = ctx.path_params["messageKey"]
        return not_found(f"MCMS_UTM_Runtime_MessageKeyNotFound: {key}", 30002)
    current = state(message, ctx.clock.now())
    when = message["queuedAt"] if current == "Queued" else message["sendAt"]
    body = {
        "requestId": await new_id(ctx),
        "eventCategoryType": _KINDS[current],
        "timestamp": iso(when),
        "compositeId": f"{message['definitionKey']}.{message['eventID']}.{current}",
        "info": info(message, current),
    }
    return Reply(body)


@override("listEmailMessages")
@authed
async def list_messages(ctx: Context) -> dict[str, Any]:
    wanted = {"notSent": "NotSent", "sent": "Sent", "queued": "Queued"}[ctx.params["type"]]
    after = query_int(ctx, "lastEventId", 0)
    size = query_int(ctx, "$pageSize", 50)
    now = ctx.clock.now()
    found = []
    for message in await ctx.store.items(ctx.namespace(MESSAGES)):
        current = state(message, now)
        if message["eventID"] <= after or current != wanted:
            continue
        when = message["queuedAt"] if current == "Queued" else message["sendAt"]
        found.append(
            {
                "eventID": message["eventID"],
                "eventCategoryType": _KINDS[current],
                "timestamp": iso(when),
                "definitionKey": message["definitionKey"],
                "info": info(message, current),
            }
        )
        if len(found) >= size:
            break
    last = found[-1]["eventID"] if found else after
    return {"requestId": await new_id(ctx), "lastEventID": last, "messages": found}
