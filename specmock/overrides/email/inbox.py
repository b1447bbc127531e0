"""The inbox: every captured message, in the state store, visible the moment it is accepted.

SMTP and SendGrid both end in `Inbox.capture`, which stores the record and wakes every
waiter whose query it matches before the sender hears "250 OK" (or 202), so a test that
asks `/api/v1/wait` can never miss a message that was already accepted.

Ids are seeded: a message's ID is a digest of the seed and its arrival number, so the
same seed and the same sends give the same ids. The store keeps at most
`email_retention` messages (default 1000); the oldest go first.

Mailboxes per test: a message belongs to the run named by its `X-Specmock-Run` header
(or the SendGrid request's) and to the tag of each `user+tag@domain` recipient. These
land in the message's `Tags`; an inbox request naming a run sees only its messages.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from specmock import Clock, Store, iso

from . import parse

MESSAGES = "email:messages"
RAW = "email:raw"
SEQUENCE = "email:sequence"
DEFAULT_RETENTION = 1000
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_POLL = 0.5  # seconds between store checks while waiting (for writers in other processes)

Option = Callable[[str, str | None], str | None]
Match = Callable[[dict[str, Any]], bool]


def message_id(seed: int, number: int) -> str:
    """22 base-62 characters, like Mailpit's ids, from the seed and the arrival number."""
    value = int.from_bytes(hashlib.sha256(f"specmock-email:{seed}:{number}".encode()).digest())
    chars = []
    for _ in range(22):
        value, digit = divmod(value, 62)
        chars.append(_ALPHABET[digit])
    return "".join(chars)


def recipient_tags(addresses: list[str]) -> list[str]:
    """`user+tag@domain` → tag, for every tagged address."""
    tags = []
    for address in addresses:
        local = address.rpartition("@")[0]
        if "+" in local:
            tags.append(local.split("+", 1)[1])
    return tags


def encode_raw(raw: bytes) -> dict[str, str]:
    """Sources are kept as text when they are UTF-8 (nearly always), else as base64."""
    try:
        return {"raw": raw.decode("utf-8"), "encoding": "utf-8"}
    except UnicodeDecodeError:
        return {"raw": base64.b64encode(raw).decode("ascii"), "encoding": "base64"}


def decode_raw(item: dict[str, Any]) -> bytes:
    if item.get("encoding") == "base64":
        return base64.b64decode(item["raw"])
    return str(item["raw"]).encode("utf-8")


def in_mailbox(record: dict[str, Any], run: str | None) -> bool:
    return run is None or run in record.get("Tags", ())


def summary(record: dict[str, Any]) -> dict[str, Any]:
    """Mailpit's MessageSummary of a stored record."""
    return {
        "ID": record["ID"],
        "MessageID": record["MessageID"],
        "Read": record["Read"],
        "From": record["From"],
        "To": record["To"],
        "Cc": record["Cc"],
        "Bcc": record["Bcc"],
        "ReplyTo": record["ReplyTo"],
        "Subject": record["Subject"],
        "Created": record["Created"],
        "Username": record["Username"],
        "Tags": record["Tags"],
        "Size": record["Size"],
        "Attachments": len(record["Attachments"]),
        "Snippet": record["Snippet"],
        "Source": record["Source"],
    }


def message(record: dict[str, Any]) -> dict[str, Any]:
    """Mailpit's Message of a stored record (its Snippet and Read flag left out)."""
    return {k: v for k, v in record.items() if k not in ("Snippet", "Read", "Created")}


@dataclass
class Waiter:
    matches: Match
    found: asyncio.Future[dict[str, Any]]


@dataclass
class Inbox:
    """One per store: the app's SMTP listener and its HTTP handlers share it."""

    store: Store
    seed: int
    clock: Callable[[], Clock]
    option: Option
    waiters: list[Waiter] = field(default_factory=list)
    # read before every answer: other services' sends that become messages (SFMC's)
    feeds: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def retention(self) -> int:
        value = self.option("email_retention", None)
        try:
            return max(1, int(value)) if value else DEFAULT_RETENTION
        except ValueError:
            return DEFAULT_RETENTION

    async def capture(
        self,
        raw: bytes,
        sender: str,
        recipients: list[str],
        source: str,
        username: str = "",
        run: str | None = None,
    ) -> dict[str, Any]:
        """Store one accepted message and wake whoever waits for it; its record."""
        number = await self.store.next_id(SEQUENCE)
        fields = parse.read(raw)
        now = self.clock().now()
        runs = [r for r in (run, fields.pop("_run")) if r]
        tags = [*fields.pop("_tags"), *runs, *recipient_tags(recipients)]
        date = fields.pop("_date")
        record = {
            "ID": message_id(self.seed, number),
            **fields,
            "Read": False,
            "Created": iso(now),
            "Date": iso(date if date is not None else now),
            "Username": username,
            "Tags": sorted(set(tags)),
            "Envelope": {"From": sender, "To": list(recipients)},
            "Source": source,
        }
        record["MessageID"] = record["MessageID"] or f"{record['ID']}@specmock"
        await self.store.put(RAW, record["ID"], encode_raw(raw))
        await self.store.put(MESSAGES, record["ID"], record)
        cap = self.retention()
        if number > cap:
            old = message_id(self.seed, number - cap)
            await self.store.delete(MESSAGES, old)
            await self.store.delete(RAW, old)
        self._wake(record)
        return record

    def _wake(self, record: dict[str, Any]) -> None:
        still = []
        for waiter in self.waiters:
            if waiter.found.done():
                continue
            if waiter.matches(record):
                waiter.found.set_result(record)
            else:
                still.append(waiter)
        self.waiters = still

    async def _feed(self) -> None:
        for feed in self.feeds:
            await feed()

    async def records(self, run: str | None = None) -> list[dict[str, Any]]:
        """The mailbox's messages, newest first."""
        await self._feed()
        found = [r for r in await self.store.items(MESSAGES) if in_mailbox(r, run)]
        found.reverse()
        return found

    async def get(self, key: str, run: str | None = None) -> dict[str, Any] | None:
        if key == "latest":
            newest = await self.records(run)
            return newest[0] if newest else None
        await self._feed()
        record = await self.store.get(MESSAGES, key)
        return record if record is not None and in_mailbox(record, run) else None

    async def mark_read(self, record: dict[str, Any]) -> None:
        if not record["Read"] and await self.store.get(MESSAGES, record["ID"]) is not None:
            await self.store.put(MESSAGES, record["ID"], {**record, "Read": True})

    async def raw(self, key: str) -> bytes | None:
        item = await self.store.get(RAW, key)
        return decode_raw(item) if item is not None else None

    async def delete(self, keys: list[str]) -> None:
        for key in keys:
            await self.store.delete(MESSAGES, key)
            await self.store.delete(RAW, key)

    async def wait(self, matches: Match, timeout: float) -> dict[str, Any] | None:
        """The newest stored record that matches, else the first captured within timeout.

        The waiter is registered before the store is read, so a message captured in
        between is caught by one or the other."""
        waiter = Waiter(matches, asyncio.get_running_loop().create_future())
        self.waiters.append(waiter)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while True:
                for record in await self.records():
                    if matches(record):
                        return record
                left = deadline - loop.time()
                if left <= 0:
                    return None
                try:
                    return await asyncio.wait_for(asyncio.shield(waiter.found), min(left, _POLL))
                except TimeoutError:
                    continue
        finally:
            if waiter in self.waiters:
                self.waiters.remove(waiter)
            if not waiter.found.done():
                waiter.found.cancel()


_INBOXES: weakref.WeakKeyDictionary[Any, Inbox] = weakref.WeakKeyDictionary()


def inbox_for(store: Store, seed: int, clock: Callable[[], Clock], option: Option) -> Inbox:
    """The store's inbox, made on first use."""
    inbox = _INBOXES.get(store)
    if inbox is None:
        inbox = _INBOXES[store] = Inbox(store, seed, clock, option)
    return inbox
