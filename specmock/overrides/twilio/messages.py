"""The Message resource: send, fetch, list, cancel or redact, delete.

A create is checked the way Twilio checks it (a To, a From or a Messaging Service, a Body,
media or content; E.164 numbers; the failure catalogue) before anything is kept. Lists are
newest first, filtered by To, From and DateSent (`DateSent<`, `DateSent>`), in Twilio's
pages. Only a `scheduled` message can be canceled (30409 otherwise, as Twilio answers);
`Body=""` redacts the text; a message still on its way cannot be deleted (20009).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from specmock import Context, Reply, override

from .common import API_VERSION, credentials, message_uri, messages_ns, new_sid, page, rfc2822
from .delivery import FINAL, notify, public, runtime, schedule_callbacks, timeline
from .errors import DELIVERY_FAILURES, REFUSALS, TwilioError, designated, not_found, refusal, reply

_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
_SENDER = re.compile(r"^(\+[1-9]\d{1,14}|\d{3,8}|[A-Za-z0-9 ]*[A-Za-z][A-Za-z0-9 ]*)$")
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


def _address(value: str) -> str:
    """A channel address (`whatsapp:+1555...`) checked by its number part."""
    return value.split(":", 1)[1] if re.match(r"^[a-z]+:", value) else value


def segments(text: str) -> int:
    """SMS parts: 160 GSM-7 characters (153 when split), else 70 UCS-2 ones (67 split)."""
    if not text:
        return 1
    single, part = (160, 153) if set(text) <= _GSM7 else (70, 67)
    return 1 if len(text) <= single else -(-len(text) // part)


def _send_at(body: dict[str, Any]) -> float | None:
    if body.get("ScheduleType") != "fixed":
        return None
    if not body.get("SendAt") or not body.get("MessagingServiceSid"):
        raise TwilioError(400, 400, "ScheduleType=fixed needs SendAt and MessagingServiceSid.")
    try:
        when = datetime.fromisoformat(str(body["SendAt"]).replace("Z", "+00:00"))
    except ValueError:
        raise TwilioError(400, 400, f"SendAt {body['SendAt']!r} is not an ISO 8601 time.") from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()  # GMT, as Twilio


def _check(ctx: Context, body: dict[str, Any]) -> int | None:
    """Refuse what Twilio refuses at create; the delivery failure to play out, if any."""
    to, sender = body.get("To") or "", body.get("From") or ""
    to_numbers, from_numbers = designated(ctx)
    if not to:
        raise refusal(21604)
    if not sender and not body.get("MessagingServiceSid"):
        raise refusal(21603)
    if not body.get("Body") and not body.get("MediaUrl") and not body.get("ContentSid"):
        raise refusal(21602)
    if not _E164.match(_address(to)):
        raise refusal(21211, to=to)
    if sender and not _SENDER.match(_address(sender)):
        raise refusal(21212, from_=sender)
    if sender in from_numbers:
        raise refusal(from_numbers[sender], to=to, from_=sender)
    code = to_numbers.get(to)
    if code in REFUSALS:
        raise refusal(code, to=to, from_=sender)
    return code if code in DELIVERY_FAILURES else None


@override("twilio:CreateMessage")
async def create_message(ctx: Context) -> Reply:
    account = ctx.path_params["AccountSid"]
    body = ctx.body if isinstance(ctx.body, dict) else {}
    try:
        failure = _check(ctx, body)
        send_at = _send_at(body)
    except TwilioError as error:
        return reply(error)
    rt = runtime(ctx)
    rt.tokens[account] = credentials(ctx)[1]
    ns = messages_ns(ctx, account)
    media_urls = [str(u) for u in body.get("MediaUrl") or []]
    sid = new_sid(ctx, "MM" if media_urls else "SM", await ctx.store.next_id(ns), account)
    now = ctx.clock.now()
    service, sender = body.get("MessagingServiceSid"), body.get("From")
    first = "scheduled" if send_at else "accepted" if service and not sender else "queued"
    message = {
        "account_sid": account,
        "api_version": API_VERSION,
        "body": body.get("Body") or "",
        "date_created": rfc2822(now),
        "date_sent": None,
        "date_updated": rfc2822(now),
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": sender,
        "messaging_service_sid": service,
        "num_media": str(len(media_urls)),
        "num_segments": str(segments(body.get("Body") or "")),
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": first,
        "subresource_uris": {"media": message_uri(account, sid, "/Media.json")},
        "to": body["To"],
        "uri": message_uri(account, sid),
        "_steps": timeline(first, now, send_at, rt.delays, failure),
        "_failure": failure,
        "_callback": body.get("StatusCallback"),
        "_updated": now,
        "_media": [
            {"sid": new_sid(ctx, "ME", i, sid), "url": url, "created": now}
            for i, url in enumerate(media_urls)
        ],
    }
    await ctx.store.put(ns, sid, message)

    async def load() -> dict[str, Any] | None:
        return await ctx.store.get(ns, sid)

    schedule_callbacks(rt, message, load)
    return Reply(public(message, now), status=201)


async def _stored(ctx: Context) -> tuple[str, dict[str, Any]]:
    """The message the path names and its namespace; TwilioError 20404 when there is none."""
    account, sid = ctx.path_params["AccountSid"], ctx.path_params["Sid"]
    ns = messages_ns(ctx, account)
    message = await ctx.store.get(ns, sid)
    if message is None:
        raise not_found(message_uri(account, sid))
    return ns, message


@override("twilio:FetchMessage")
async def fetch_message(ctx: Context) -> Reply:
    try:
        _, message = await _stored(ctx)
    except TwilioError as error:
        return reply(error)
    return Reply(public(message, ctx.clock.now()), status=200)


def _sent_on(message: dict[str, Any]) -> str:
    """The date_sent as YYYY-MM-DD, for the DateSent filters."""
    if not message["date_sent"]:
        return ""
    return datetime.strptime(message["date_sent"], "%a, %d %b %Y %H:%M:%S %z").date().isoformat()


@override("twilio:ListMessage")
async def list_messages(ctx: Context) -> Reply:
    account = ctx.path_params["AccountSid"]
    now = ctx.clock.now()
    stored = await ctx.store.items(messages_ns(ctx, account))
    shown = [public(m, now) for m in reversed(stored)]
    filters = {k: str(ctx.params[k]) for k in ("To", "From") if ctx.params.get(k) is not None}
    for key in ("To", "From"):
        if key in filters:
            shown = [m for m in shown if m[key.lower()] == filters[key]]
    for key, keep in (
        ("DateSent", lambda sent, day: sent == day),
        ("DateSent<", lambda sent, day: sent and sent <= day),
        ("DateSent>", lambda sent, day: sent and sent >= day),
    ):
        if ctx.params.get(key) is not None:
            day = str(ctx.params[key])[:10]
            filters[key] = str(ctx.params[key])
            shown = [m for m in shown if keep(_sent_on(m), day)]
    path = f"/{API_VERSION}/Accounts/{account}/Messages.json"
    return Reply(page(shown, "messages", path, filters, ctx.params), status=200)


@override("twilio:UpdateMessage")
async def update_message(ctx: Context) -> Reply:
    try:
        ns, message = await _stored(ctx)
    except TwilioError as error:
        return reply(error)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    now = ctx.clock.now()
    status = public(message, now)["status"]
    if body.get("Status") == "canceled":
        if status != "scheduled":
            return reply(
                TwilioError(
                    30409,
                    400,
                    "This message cannot be canceled: it is "
                    f"{status}, and only scheduled messages can be.",
                )
            )
        message["_steps"] = [s for s in message["_steps"] if s[1] <= now] + [["canceled", now]]
        notify(runtime(ctx), message, "canceled")
    if "Body" in body:
        if body["Body"] not in ("", None):
            return reply(
                TwilioError(
                    400,
                    400,
                    "Body can only be set to an empty string, which redacts the message's text.",
                )
            )
        message["body"] = ""
    message["_updated"] = now
    await ctx.store.put(ns, message["sid"], message)
    return Reply(public(message, now), status=200)


@override("twilio:DeleteMessage")
async def delete_message(ctx: Context) -> Reply:
    try:
        ns, message = await _stored(ctx)
    except TwilioError as error:
        return reply(error)
    sid = message["sid"]
    status = public(message, ctx.clock.now())["status"]
    if status not in FINAL:
        return reply(
            TwilioError(
                20009,
                400,
                f"Cannot delete message {sid}: it is {status}; "
                "wait until it is delivered or has failed, or cancel it.",
            )
        )
    await ctx.store.delete(ns, sid)
    return Reply(None, status=204)
