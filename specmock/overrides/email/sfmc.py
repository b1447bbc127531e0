"""SFMC transactional sends in the inbox, when the app serves `sfmc` beside `email`.

The sfmc service keeps each send in its own store namespace and moves it from Queued to
Sent on the clock (bounce addresses end NotSent). The inbox reads that namespace before
it answers and captures every send that has become Sent, once: the message a recipient
would have received, with the definition's subject, cc and bcc, and the send's
attributes as its text (so links and codes in attributes can be extracted). The two
services share only data in the store, never code.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from .inbox import Inbox

SENDS = "sfmc:/email/messages"
DEFINITIONS = "sfmc:/email/definitions"
IMPORTED = "email:sfmc"
SENDER = "Marketing Cloud <noreply@sfmc.specmock>"


def source(send: dict[str, Any], definition: dict[str, Any] | None) -> bytes:
    """The message SFMC would have delivered for one send."""
    options = (definition or {}).get("options") or {}
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = SENDER
    message["To"] = send["to"]
    if options.get("cc"):
        message["Cc"] = ", ".join(options["cc"])
    message["Subject"] = send.get("subject") or send["definitionKey"]
    message["Date"] = format_datetime(datetime.fromtimestamp(send["sendAt"], UTC))
    message["Message-ID"] = f"<{send['messageKey']}@sfmc.specmock>"
    message["X-SFMC-Definition-Key"] = send["definitionKey"]
    message["X-SFMC-Contact-Key"] = send["contactKey"]
    attributes = send.get("attributes") or {}
    lines = [f"{name}: {attributes[name]}" for name in sorted(attributes)]
    message.set_content("\n".join(lines) + "\n" if lines else "\n")
    return bytes(message)


@dataclass
class SfmcFeed:
    """Captures SFMC sends that reached Sent; remembers which it took (in the store too)."""

    inbox: Inbox
    taken: set[str] = field(default_factory=set)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def __call__(self) -> None:
        store = self.inbox.store
        async with self.lock:
            now = self.inbox.clock().now()
            for send in await store.items(SENDS):
                key = str(send.get("messageKey", ""))
                if key in self.taken or send.get("bounce") or send.get("sendAt", now + 1) > now:
                    continue
                if await store.get(IMPORTED, key) is None:
                    definition = await store.get(DEFINITIONS, str(send["definitionKey"]).lower())
                    options = (definition or {}).get("options") or {}
                    to = [send["to"], *(options.get("cc") or []), *(options.get("bcc") or [])]
                    raw = source(send, definition)
                    record = await self.inbox.capture(raw, "noreply@sfmc.specmock", to, "sfmc")
                    await store.put(IMPORTED, key, {"ID": record["ID"]})
                self.taken.add(key)
