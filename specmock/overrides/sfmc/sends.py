"""Triggered sends over REST and SMS message-contact sends.

A REST triggered send names a triggered send definition (created over SOAP) or, as a
convenience, a transactional email definition by its key; either way the message joins the
transactional email messages (`GET /messaging/v1/email/messages`), so one list holds every
email a test caused. SMS sends are kept per token so the history endpoint can show them.
"""

from __future__ import annotations

from typing import Any

from specmock import Context, Reply, override

from .common import authed, bad_request, iso, new_id, not_found
from .email import MESSAGES, queue_message, recipient_problem, state

TRIGGERED = "/triggered"
SMS = "/sms/sends"


async def triggered_definition(ctx: Context, ref: str) -> dict[str, Any] | None:
    """A triggered send definition (SOAP) or an email definition, by `key:` or id."""
    key = ref[4:] if ref[:4].lower() == "key:" else ref
    found = await ctx.store.get(ctx.namespace(TRIGGERED), key.lower())
    if found is None:
        for item in await ctx.store.items(ctx.namespace(TRIGGERED)):
            if str(item.get("ObjectID")) == key:
                found = item
    if found is not None:
        active = found.get("TriggeredSendStatus") == "Active"
        return {"definitionKey": found["CustomerKey"], "status": "Active" if active else "Inactive"}
    email = await ctx.store.get(ctx.namespace("/email/definitions"), key.lower())
    if email is not None:
        return email
    return None


async def queue_triggered(
    ctx: Context, definition: dict[str, Any], address: str, subscriber_key: str, attrs: dict
) -> dict[str, Any]:
    """One message on the transactional list; shared by the REST and SOAP sends."""
    recipient = {"to": address, "contactKey": subscriber_key or address, "attributes": attrs}
    return await queue_message(ctx, definition, recipient, {}, await new_id(ctx))


@override("sendTriggered")
@authed
async def send_triggered(ctx: Context) -> Reply:
    ref = ctx.path_params["tsRef"]
    definition = await triggered_definition(ctx, ref)
    if definition is None:
        return not_found(f"No triggered send definition {ref}", 30001)
    if definition.get("status", "Active") != "Active":
        return bad_request(f"Triggered send {ref} is not active", 30005)
    to = ctx.body["To"]
    problem = recipient_problem({"to": to["Address"]})
    if problem:
        return bad_request(problem, 10005)
    attrs = to.get("ContactAttributes", {}).get("SubscriberAttributes", {})
    message = await queue_triggered(
        ctx, definition, to["Address"], to.get("SubscriberKey", ""), attrs
    )
    key = message["messageKey"]
    response = {"recipientSendId": key, "hasErrors": False, "messages": ["Queued"]}
    return Reply({"requestId": await new_id(ctx), "responses": [response]}, status=202)


@override("triggeredDeliveryRecord")
@authed
async def delivery_record(ctx: Context) -> Reply:
    key = ctx.path_params["recipientSendId"]
    message = await ctx.store.get(ctx.namespace(MESSAGES), key)
    if message is None:
        return not_found(f"No delivery record {key}", 30002)
    current = state(message, ctx.clock.now())
    body = {
        "id": key,
        "messageId": key,
        "status": current,
        "to": {"address": message["to"], "key": message["contactKey"]},
    }
    if current != "Queued":
        body["deliveryTime"] = iso(message["sendAt"])
    return Reply(body)


@override("sendSms")
@authed
async def send_sms(ctx: Context) -> Reply:
    token = await new_id(ctx)
    record = {
        "tokenId": token,
        "messageId": ctx.path_params["messageId"],
        "mobileNumbers": list(ctx.body["mobileNumbers"]),
        "keyword": ctx.body.get("keyword", ""),
        "messageText": ctx.body.get("messageText", ""),
        "createDate": iso(ctx.clock.now()),
    }
    await ctx.store.put(ctx.namespace(SMS), token, record)
    return Reply({"tokenId": token}, status=202)


@override("smsHistory")
@authed
async def sms_history(ctx: Context) -> Reply:
    record = await ctx.store.get(ctx.namespace(SMS), ctx.path_params["tokenId"])
    number = ctx.path_params["mobileNumber"]
    if (
        record is None
        or record["messageId"] != ctx.path_params["messageId"]
        or number not in record["mobileNumbers"]
    ):
        return not_found(f"No send {ctx.path_params['tokenId']} to {number}")
    entry = {"type": "MT", "message": record["messageText"], "date": record["createDate"]}
    body = {"count": 1, "createDate": record["createDate"], "status": "Active", "history": [entry]}
    return Reply(body)
