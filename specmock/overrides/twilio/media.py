"""A message's Media: one item per `MediaUrl` it was sent with, listed, fetched, deleted.

Twilio fetches each URL and keeps a copy; specmock keeps the URL and guesses the content
type from its extension (`image/jpeg` for `.jpg`), so nothing leaves the machine.
"""

from __future__ import annotations

import mimetypes
from typing import Any
from urllib.parse import urlsplit

from specmock import Context, Reply, override

from .common import API_VERSION, message_uri, messages_ns, page, rfc2822
from .errors import not_found, reply


def _shown(message: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    guessed = mimetypes.guess_type(urlsplit(item["url"]).path)[0]
    sid = message["sid"]
    return {
        "account_sid": message["account_sid"],
        "content_type": guessed or "application/octet-stream",
        "date_created": rfc2822(item["created"]),
        "date_updated": rfc2822(item["created"]),
        "parent_sid": sid,
        "sid": item["sid"],
        "uri": message_uri(message["account_sid"], sid, f"/Media/{item['sid']}.json"),
    }


async def _message(ctx: Context) -> tuple[str, dict[str, Any] | None]:
    account, sid = ctx.path_params["AccountSid"], ctx.path_params["MessageSid"]
    ns = messages_ns(ctx, account)
    return ns, await ctx.store.get(ns, sid)


@override("twilio:ListMedia")
async def list_media(ctx: Context) -> Reply:
    _, message = await _message(ctx)
    account, sid = ctx.path_params["AccountSid"], ctx.path_params["MessageSid"]
    if message is None:
        return reply(not_found(message_uri(account, sid)))
    items = [_shown(message, item) for item in message["_media"]]
    path = f"/{API_VERSION}/Accounts/{account}/Messages/{sid}/Media.json"
    return Reply(page(items, "media_list", path, {}, ctx.params), status=200)


@override("twilio:FetchMedia")
async def fetch_media(ctx: Context) -> Reply:
    _, message = await _message(ctx)
    wanted = ctx.path_params["Sid"]
    for item in message["_media"] if message else []:
        if item["sid"] == wanted:
            return Reply(_shown(message, item), status=200)
    account, sid = ctx.path_params["AccountSid"], ctx.path_params["MessageSid"]
    return reply(not_found(message_uri(account, sid, f"/Media/{wanted}.json")))


@override("twilio:DeleteMedia")
async def delete_media(ctx: Context) -> Reply:
    ns, message = await _message(ctx)
    wanted = ctx.path_params["Sid"]
    kept = [item for item in message["_media"] if item["sid"] != wanted] if message else []
    if message is None or len(kept) == len(message["_media"]):
        account, sid = ctx.path_params["AccountSid"], ctx.path_params["MessageSid"]
        return reply(not_found(message_uri(account, sid, f"/Media/{wanted}.json")))
    message["_media"] = kept
    message["num_media"] = str(len(kept))
    await ctx.store.put(ns, message["sid"], message)
    return Reply(None, status=204)
