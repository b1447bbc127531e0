"""A message's life on the clock, and the signed status callbacks that report it.

A message is created `queued` (`accepted` when a Messaging Service picks the sender,
`scheduled` when `SendAt` is given) and then moves `sending` → `sent` → `delivered`, each
step `twilio_delays` seconds after the last (default "1,1,1"), on the app's clock: a virtual
clock moved by the admin API moves messages without sleeping. A number from the failure
catalogue ends in `undelivered` (after `sent`) or `failed` (instead of `sent`) with its
error code. The whole timeline is fixed at create, so a read only looks up where the clock
is on it, and a cancel cuts it short.

With `StatusCallback`, every step after the first is POSTed there as Twilio does: a
form-encoded body (MessageSid, MessageStatus, SmsStatus, To, From, AccountSid, ApiVersion,
ErrorCode when it failed) signed in `X-Twilio-Signature` with the auth token the message
was sent with (HMAC-SHA1 over the URL plus the sorted fields, base64), which the `twilio`
package's `RequestValidator` checks. Deliveries go through `specmock.callbacks.Scheduler`:
retried with backoff (`twilio_callback_attempts`, default 3; `twilio_callback_backoff`,
default 1 s), dead-lettered after the last attempt, loopback hosts only unless
`twilio_callback_hosts` names others ("*" for any).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from specmock import Context
from specmock.callbacks import LOOPBACK, RetryPolicy, Scheduler

from .common import API_VERSION, rfc2822
from .errors import DELIVERY_FAILURES

FINAL = ("sent", "delivered", "undelivered", "failed", "canceled", "received", "read")
SIGNATURE_HEADER = "X-Twilio-Signature"


@dataclass(frozen=True)
class Delays:
    sending: float = 1.0
    sent: float = 1.0
    delivered: float = 1.0

    @classmethod
    def parse(cls, text: str) -> Delays:
        parts = [float(p) for p in text.split(",") if p.strip()]
        if len(parts) != 3 or any(p < 0 for p in parts):
            raise ValueError(f"twilio_delays takes three seconds values, like 1,1,1: {text!r}")
        return cls(*parts)


def timeline(
    first: str, start: float, send_at: float | None, delays: Delays, failure: int | None
) -> list[list[Any]]:
    """Every `[status, at]` the message will pass, decided at create."""
    steps: list[list[Any]] = [[first, start]]
    t = start
    if send_at is not None:
        t = max(start, send_at)
        steps.append(["queued", t])
    final = DELIVERY_FAILURES[failure][0] if failure in DELIVERY_FAILURES else "delivered"
    t += delays.sending
    steps.append(["sending", t])
    t += delays.sent
    if final == "failed":
        steps.append(["failed", t])
        return steps
    steps.append(["sent", t])
    t += delays.delivered
    steps.append([final, t])
    return steps


def position(message: dict[str, Any], now: float) -> tuple[str, float]:
    """The status the message has at `now`, and when it got it."""
    status, at = message["_steps"][0]
    for step_status, step_at in message["_steps"]:
        if step_at <= now:
            status, at = step_status, step_at
    return status, at


def public(message: dict[str, Any], now: float) -> dict[str, Any]:
    """The message as Twilio shows it at `now` (private `_` fields dropped)."""
    status, at = position(message, now)
    shown = {k: v for k, v in message.items() if not k.startswith("_")}
    shown["status"] = status
    shown["date_updated"] = rfc2822(max(at, message["_updated"]))
    sent = [s_at for s, s_at in message["_steps"] if s in ("sent", "failed") and s_at <= now]
    shown["date_sent"] = rfc2822(sent[0]) if sent else None
    if status in ("failed", "undelivered"):
        code = message["_failure"]
        shown["error_code"] = code
        shown["error_message"] = DELIVERY_FAILURES[code][1]
    if status in ("sent", "delivered", "undelivered"):
        shown["price"] = f"-{0.0079 * int(shown['num_segments'] or 1):.5f}"
    return shown


def sign(token: str, url: str, fields: dict[str, str]) -> str:
    """Twilio's request signature: base64 HMAC-SHA1 of the URL and the sorted fields."""
    data = url + "".join(name + fields[name] for name in sorted(fields))
    mac = hmac.new(token.encode(), data.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


@dataclass
class Runtime:
    """One app's Twilio state kept between requests: its scheduler and the auth tokens
    callbacks are signed with (learned from the requests, per account)."""

    scheduler: Scheduler
    delays: Delays
    tokens: dict[str, str] = field(default_factory=dict)


_RUNTIMES: dict[int, Runtime] = {}


def runtime(ctx: Context) -> Runtime:
    """This app's runtime, made on first use (settings are read then); it stops with the
    server and is made afresh if the app starts again."""
    key = id(ctx.store)
    rt = _RUNTIMES.get(key)
    if rt is None:
        opt = ctx.option
        policy = RetryPolicy(
            attempts=int(opt("twilio_callback_attempts") or 3),
            base=float(opt("twilio_callback_backoff") or 1),
            timeout=float(opt("twilio_callback_timeout") or 2),
        )
        hosts = opt("twilio_callback_hosts")
        allowed = tuple(h.strip() for h in hosts.split(",") if h.strip()) if hosts else LOOPBACK
        tokens: dict[str, str] = {}
        sender = Sender(tokens)
        scheduler = Scheduler(
            ctx.current_clock,
            policy=policy,
            seed=ctx.rng.getrandbits(32),
            send=sender,
            allowed_hosts=allowed,
        )
        rt = Runtime(scheduler, Delays.parse(opt("twilio_delays") or "1,1,1"), tokens)
        _RUNTIMES[key] = rt

        async def close() -> None:
            _RUNTIMES.pop(key, None)
            await scheduler.close()
            await sender.close()

        ctx.on_shutdown(close)
    rt.scheduler.ensure_running()
    return rt


class Sender:
    """Sends a callback the way Twilio does: form fields, signed with the account's token."""

    def __init__(self, tokens: dict[str, str]):
        self.tokens = tokens
        self.client: httpx.AsyncClient | None = None

    async def __call__(
        self, method: str, url: str, body: bytes, headers: dict[str, str], timeout: float
    ) -> int:
        fields = json.loads(body)
        token = self.tokens.get(fields.get("AccountSid", ""), "")
        twilio_headers = {
            "content-type": "application/x-www-form-urlencoded",
            "user-agent": "TwilioProxy/1.1",
            SIGNATURE_HEADER: sign(token, url, fields),
            "traceparent": headers.get("traceparent", ""),
        }
        if self.client is None:
            self.client = httpx.AsyncClient()
        response = await self.client.request(
            method, url, content=urlencode(fields), headers=twilio_headers, timeout=timeout
        )
        return response.status_code

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()


def notify(rt: Runtime, message: dict[str, Any], status: str) -> None:
    """Queue the status callback for one status, if the message asked for callbacks."""
    url = message.get("_callback")
    if not url:
        return
    fields = {
        "AccountSid": message["account_sid"],
        "ApiVersion": API_VERSION,
        "From": message["from"] or "",
        "MessageSid": message["sid"],
        "MessageStatus": status,
        "SmsSid": message["sid"],
        "SmsStatus": status,
        "To": message["to"],
    }
    if message.get("messaging_service_sid"):
        fields["MessagingServiceSid"] = message["messaging_service_sid"]
    if status in ("failed", "undelivered"):
        fields["ErrorCode"] = str(message["_failure"])
    rt.scheduler.enqueue(message["sid"], url, "POST", fields, message["sid"][2:])


def schedule_callbacks(rt: Runtime, message: dict[str, Any], load: Callable[[], Any]) -> None:
    """Arrange a callback for each later step when the clock reaches it, if the message
    (re-read then) still has that step: a cancel or a delete stops what is left."""
    if not message.get("_callback"):
        return
    for status, at in message["_steps"][1:]:

        async def fire(status: str = status, at: float = at) -> None:
            current = await load()
            if current is not None and [status, at] in current["_steps"]:
                notify(rt, current, status)

        rt.scheduler.call_at(at, fire)
