"""SendGrid v3 Mail Send: each personalization becomes one message in the inbox.

SendGrid checks more than a schema can say (a subject somewhere, content unless a
template is named, base64 attachments); those answer 400 in SendGrid's envelope
`{"errors": [{"message", "field", "help"}]}` with SendGrid's own sentences. The MIME
source is built here, byte for byte the same for the same request, seed and clock:
boundaries and Message-IDs come from the message's seeded ID, Date from the clock.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

from specmock import Context, Reply, override

from .inbox import message_id
from .state import inbox

HELP = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message."
_NO_SUBJECT = (
    "The subject is required. You can get around this requirement if you use a template "
    "with a subject defined or if every personalization has a subject defined."
)
_NO_CONTENT = (
    "Unless a valid template_id is provided, the content parameter is required. There must "
    "be at least one defined content block. We typically suggest both text/plain and "
    "text/html blocks are included, but only one block is required."
)
_ORDER = (
    "If present, text/plain content must be first, followed by text/html, followed by any "
    "other content."
)


def errors(*found: tuple[str, str | None]) -> Reply:
    """SendGrid's 400: one entry per problem, each naming its field."""
    body = [
        {"message": message, "field": field, "help": HELP + (field or "").split(".")[0]}
        for message, field in found
    ]
    return Reply({"errors": body}, status=400)


_TYPE = re.compile(r"[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
RESERVED = frozenset(
    [
        "x-sg-id",
        "x-sg-eid",
        "received",
        "dkim-signature",
        "content-type",
        "content-transfer-encoding",
        "to",
        "from",
        "subject",
        "reply-to",
        "cc",
        "bcc",
    ]
)


def _header_values(body: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every (field, value) that ends up in a header line."""
    found: list[tuple[str, Any]] = [("subject", body.get("subject"))]

    def people(where: str, entries: list[dict[str, Any]]) -> None:
        for n, entry in enumerate(entries):
            found.extend((f"{where}.{n}.{k}", entry.get(k)) for k in ("email", "name"))

    people("from", [body["from"]])
    people("reply_to", [body["reply_to"]] if body.get("reply_to") else [])
    people("reply_to_list", body.get("reply_to_list") or [])
    for i, person in enumerate(body["personalizations"]):
        found.append((f"personalizations.{i}.subject", person.get("subject")))
        for key in ("to", "cc", "bcc"):
            people(f"personalizations.{i}.{key}", person.get(key) or [])
        people(f"personalizations.{i}.from", [person["from"]] if person.get("from") else [])
        found.extend(
            (f"personalizations.{i}.headers", v) for v in (person.get("headers") or {}).values()
        )
    found.extend(("headers", v) for v in (body.get("headers") or {}).values())
    found.extend((f"categories.{n}", c) for n, c in enumerate(body.get("categories") or []))
    for n, attachment in enumerate(body.get("attachments") or []):
        found.extend(
            (f"attachments.{n}.{k}", attachment.get(k)) for k in ("filename", "content_id")
        )
    return found


def _header_problems(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for field, value in _header_values(body):
        if isinstance(value, str) and ("\r" in value or "\n" in value or "\0" in value):
            found.append((f"The {field} value may not contain line breaks.", field))
    headers = [("headers", body.get("headers") or {})] + [
        (f"personalizations.{i}.headers", p.get("headers") or {})
        for i, p in enumerate(body["personalizations"])
    ]
    for field, names in headers:
        for name in names:
            if not _HEADER_NAME.fullmatch(name):
                found.append((f"The header name {name!r} is not a valid header name.", field))
            elif name.lower() in RESERVED:
                found.append((f"The header {name!r} is reserved and cannot be set.", field))
    kinds = [(f"content.{n}.type", c["type"]) for n, c in enumerate(body.get("content") or [])]
    kinds += [
        (f"attachments.{n}.type", a["type"])
        for n, a in enumerate(body.get("attachments") or [])
        if "type" in a
    ]
    for field, kind in kinds:
        if not _TYPE.fullmatch(kind):
            found.append((f"The type {kind!r} is not a valid MIME type.", field))
    for n, item in enumerate(body.get("content") or []):
        if _TYPE.fullmatch(item["type"]) and not item["type"].lower().startswith("text/"):
            found.append(
                (
                    "Content types must be text, such as text/plain or text/html.",
                    f"content.{n}.type",
                )
            )
    return found


def problems(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    found = _header_problems(body)
    template = body.get("template_id")
    everyone_has_subject = all(p.get("subject") for p in body["personalizations"])
    if not (body.get("subject") or template or everyone_has_subject):
        found.append((_NO_SUBJECT, "subject"))
    content = body.get("content") or []
    if not content and not template:
        found.append((_NO_CONTENT, "content"))
    kinds = [c["type"].lower() for c in content]
    if "text/plain" in kinds and kinds[0] != "text/plain":
        found.append((_ORDER, "content.0.type"))
    for index, attachment in enumerate(body.get("attachments") or []):
        try:
            base64.b64decode(attachment["content"], validate=True)
        except (binascii.Error, ValueError):
            message = "The attachment content must be base64 encoded."
            found.append((message, f"attachments.{index}.content"))
    return found


def _address(entry: dict[str, Any]) -> str:
    return formataddr((entry.get("name") or "", entry["email"]))


def _fill(text: str, substitutions: dict[str, str]) -> str:
    for key, value in substitutions.items():
        text = text.replace(key, value)
    return text


def _people(body: dict[str, Any], person: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        body["from"],
        *([person["from"]] if person.get("from") else []),
        *([body["reply_to"]] if body.get("reply_to") else []),
        *(body.get("reply_to_list") or []),
        *(entry for key in ("to", "cc", "bcc") for entry in person.get(key) or []),
    ]


def build(body: dict[str, Any], person: dict[str, Any], ident: str, now: float) -> EmailMessage:
    """The MIME message SendGrid would send for one personalization."""
    subs = person.get("substitutions") or {}
    addresses = [e.get("email", "") for e in _people(body, person)]
    wide = any(not a.isascii() for a in addresses)  # SMTPUTF8 addresses stay UTF-8
    message = EmailMessage(policy=policy.SMTPUTF8 if wide else policy.SMTP)
    sender = person.get("from") or body["from"]
    message["From"] = _address(sender)
    message["To"] = ", ".join(_address(t) for t in person["to"])
    if person.get("cc"):
        message["Cc"] = ", ".join(_address(t) for t in person["cc"])
    replies = body.get("reply_to_list") or ([body["reply_to"]] if body.get("reply_to") else [])
    if replies:
        message["Reply-To"] = ", ".join(_address(r) for r in replies)
    message["Subject"] = _fill(person.get("subject") or body.get("subject") or "", subs)
    message["Date"] = format_datetime(datetime.fromtimestamp(now, UTC))
    message["Message-ID"] = f"<{ident}@sendgrid.specmock>"
    message["MIME-Version"] = "1.0"
    for name, value in {**(body.get("headers") or {}), **(person.get("headers") or {})}.items():
        message[name] = value
    if body.get("categories"):
        message["X-Tags"] = ", ".join(body["categories"])
    content = body.get("content") or []
    if not content:  # a template: its data stands in for the rendered content
        data = person.get("dynamic_template_data") or {}
        text = f"template {body.get('template_id')}\n{json.dumps(data, sort_keys=True, indent=2)}\n"
        content = [{"type": "text/plain", "value": text}]
    first, *rest = content
    message.set_content(_fill(first["value"], subs), subtype=first["type"].split("/")[-1])
    for extra in rest:
        message.add_alternative(_fill(extra["value"], subs), subtype=extra["type"].split("/")[-1])
    for attachment in body.get("attachments") or []:
        maintype, _, subtype = (attachment.get("type") or "application/octet-stream").partition("/")
        message.add_attachment(
            base64.b64decode(attachment["content"]),
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment["filename"],
            disposition=attachment.get("disposition") or "attachment",
            cid=f"<{attachment['content_id']}>" if attachment.get("content_id") else None,
        )
    for number, part in enumerate(message.walk()):
        if part.is_multipart():
            part.set_boundary(f"=={ident}.{number}==")
    return message


@override("email:sendMail")
async def send(ctx: Context) -> Reply:
    """202 with X-Message-Id once every personalization is in the inbox."""
    body = ctx.body
    found = problems(body)
    if found:
        return errors(*found)
    box = inbox(ctx)
    run = ctx.headers.get("x-specmock-run")
    username = "apikey"  # what SendGrid calls the user of every API key
    built = []  # every message built before any is captured: all or nothing
    for person in body["personalizations"]:
        number = await box.store.next_id("email:sendgrid")
        ident = message_id(box.seed, -number)  # its own series: SMTP traffic leaves it alone
        try:
            raw = bytes(build(body, person, ident, box.clock().now()))
        except (ValueError, TypeError, LookupError) as exc:  # what no rule above foresaw
            return errors((f"The message could not be built: {exc}", None))
        envelope = [t["email"] for key in ("to", "cc", "bcc") for t in person.get(key) or []]
        built.append((raw, (person.get("from") or body["from"])["email"], envelope))
    ids = [
        (await box.capture(raw, sender, envelope, "sendgrid", username, run))["ID"]
        for raw, sender, envelope in built
    ]
    return Reply(None, status=202, headers={"X-Message-Id": ids[0]})
