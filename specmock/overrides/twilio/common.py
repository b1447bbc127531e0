"""What the Twilio handlers share: where messages are kept, SIDs, times, credentials, pages.

Messages live in the store per account and per run: a request carrying
`X-Specmock-Run: <id>` sees only the messages sent with the same header, so parallel tests
keep apart; requests without it share one default run. SIDs are `SM`/`MM`/`ME` plus 32 hex
digits drawn from the seed, the run and the store's counter: the same seed and requests
give the same SIDs.
"""

from __future__ import annotations

import base64
import binascii
import random
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from specmock import Context

API_VERSION = "2010-04-01"
RUN_HEADER = "x-specmock-run"


def run_of(ctx: Context) -> str:
    return ctx.headers.get(RUN_HEADER, "").strip()


def messages_ns(ctx: Context, account: str) -> str:
    run = run_of(ctx)
    return ctx.namespace(f"/Accounts/{account}/Messages") + (f"@{run}" if run else "")


def new_sid(ctx: Context, prefix: str, n: int, salt: str = "") -> str:
    """A seeded SID: the request's seeded RNG, the run and a counter pick the digits."""
    draw = random.Random(f"{ctx.rng.getrandbits(64)}:{run_of(ctx)}:{salt}:{n}")
    return f"{prefix}{draw.getrandbits(128):032x}"


def credentials(ctx: Context) -> tuple[str, str]:
    """The Basic credentials (AccountSid or API key, auth token); empty when absent."""
    scheme, _, value = ctx.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        user, _, token = base64.b64decode(value.strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    return user, token


def rfc2822(seconds: float) -> str:
    """Twilio's timestamps: `Thu, 24 Aug 2023 05:01:45 +0000`."""
    return format_datetime(datetime.fromtimestamp(int(seconds), UTC))


def message_uri(account: str, sid: str, suffix: str = ".json") -> str:
    return f"/{API_VERSION}/Accounts/{account}/Messages/{sid}{suffix}"


def page(
    items: list[dict[str, Any]], key: str, path: str, filters: dict[str, str], query: Any
) -> dict[str, Any]:
    """One page of a Twilio list: `PageSize` (default 50) items from `Page` (default 0),
    with the `*_page_uri` links the twilio client follows (relative, filters kept)."""
    size = int(query.get("PageSize") or 50)
    number = int(query.get("Page") or 0)
    start = number * size
    chunk = items[start : start + size]

    def link(n: int, token: str | None = None) -> str:
        args = {**filters, "PageSize": size, "Page": n}
        if token:
            args["PageToken"] = token
        return f"{path}?{urlencode(args)}"

    more = start + size < len(items)
    return {
        "first_page_uri": link(0),
        "end": start + max(len(chunk) - 1, 0),
        "previous_page_uri": link(number - 1) if number > 0 else None,
        key: chunk,
        "uri": link(number, query.get("PageToken")),
        "page_size": size,
        "start": start,
        "next_page_uri": link(number + 1, "PA" + chunk[-1]["sid"]) if more and chunk else None,
        "page": number,
    }
