"""Listings: ListObjects (v1, `marker`), ListObjectsV2 (continuation tokens) and
ListObjectVersions (every object once, version `null`: buckets are never versioned).

All three share one walk: keys in order after a start point, filtered by prefix, rolled up
into CommonPrefixes at the delimiter, cut at max-keys. With `encoding-type=url` (which
botocore always sends) keys and prefixes go out percent-encoded, and botocore decodes them.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from specmock import Context, Reply

from .buckets import OWNER
from .common import decode_token, invalid, iso, query_value, reply
from .operation import handler
from .state import all_versions, bucket, objects_ns

MAX_KEYS = 1000


Encoder = Callable[[str | None], Any]  # a key as the listing shows it (url-encoded or not)


@dataclass
class Page:
    contents: list[dict[str, Any]] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    last: str | None = None  # the last key or prefix returned, where the next page starts


def walk(
    records: list[dict[str, Any]], prefix: str, delimiter: str, after: str, limit: int
) -> Page:
    page = Page()
    if limit == 0:  # S3 answers max-keys=0 with an empty page that is not truncated
        return page
    seen: set[str] = set()
    for record in sorted(records, key=lambda r: r["Key"]):
        key = record["Key"]
        if key <= after or not key.startswith(prefix):
            continue
        rolled = None
        if delimiter:
            cut = key.find(delimiter, len(prefix))
            if cut >= 0:
                rolled = key[: cut + len(delimiter)]
                if rolled in seen or rolled <= after:
                    continue
        if len(page.contents) + len(page.prefixes) >= limit:
            page.truncated = True
            break
        if rolled is not None:
            seen.add(rolled)
            page.prefixes.append(rolled)
            page.last = rolled
        else:
            page.contents.append(record)
            page.last = key
    return page


def _max_keys(ctx: Context, name: str = "max-keys") -> int:
    text = query_value(ctx, name, str(MAX_KEYS))
    if not text.lstrip("-").isdigit() or int(text) < 0:
        raise invalid(f"{name} must be a non-negative integer", ArgumentName=name)
    return min(int(text), MAX_KEYS)


def _encoder(ctx: Context) -> Encoder:
    encoding = query_value(ctx, "encoding-type")
    if encoding and encoding != "url":
        raise invalid("Invalid Encoding Method specified in Request", ArgumentName="encoding-type")
    if encoding == "url":
        return lambda text: quote(text, safe="/~")
    return lambda text: text


def _entry(record: dict[str, Any], encode: Any, owner: bool) -> dict[str, Any]:
    out = {
        "Key": encode(record["Key"]),
        "LastModified": iso(record["modified"]),
        "ETag": record["ETag"],
        "Size": record["Size"],
        "StorageClass": "STANDARD",
    }
    if record.get("checksum"):
        out["ChecksumAlgorithm"] = next(iter(record["checksum"]))
    if owner:
        out["Owner"] = OWNER
    return out


def _common(ctx: Context, page: Page, encode: Any, limit: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Name": ctx.path_params["Bucket"],
        "Prefix": encode(query_value(ctx, "prefix")),
        "MaxKeys": limit,
        "IsTruncated": page.truncated,
    }
    if query_value(ctx, "delimiter"):
        body["Delimiter"] = encode(query_value(ctx, "delimiter"))
    if query_value(ctx, "encoding-type"):
        body["EncodingType"] = "url"
    if page.prefixes:
        body["CommonPrefixes"] = [{"Prefix": encode(p)} for p in page.prefixes]
    return body


async def _page(ctx: Context, after: str | None) -> tuple[Page, dict[str, Any], Encoder]:
    """One page of the bucket's keys after `after`, the listing body's common part, and
    the key encoder (`encoding-type=url`)."""
    await bucket(ctx)
    encode, limit = _encoder(ctx), _max_keys(ctx)
    records = [
        r
        for r in await ctx.store.items(objects_ns(ctx.path_params["Bucket"]))
        if not r.get("DeleteMarker")  # a key whose current version is a marker is gone
    ]
    page = walk(records, query_value(ctx, "prefix"), query_value(ctx, "delimiter"), after, limit)
    return page, _common(ctx, page, encode, limit), encode


@handler("ListObjects")
async def list_objects(ctx: Context) -> Reply:
    marker = query_value(ctx, "marker")
    page, body, encode = await _page(ctx, marker)
    body["Marker"] = encode(marker)
    body["Prefix"] = query_value(ctx, "prefix")  # v1 encodes keys and markers, not Prefix
    if page.truncated and query_value(ctx, "delimiter") and page.last:
        body["NextMarker"] = encode(page.last)
    if page.contents:
        body["Contents"] = [_entry(r, encode, True) for r in page.contents]
    return reply(ctx, body)


@handler("ListObjectsV2")
async def list_objects_v2(ctx: Context) -> Reply:
    token = query_value(ctx, "continuation-token")
    start_after = query_value(ctx, "start-after")
    page, body, encode = await _page(ctx, decode_token(token) if token else start_after)
    body["KeyCount"] = len(page.contents) + len(page.prefixes)
    if "continuation-token" in ctx.query:  # echoed even when empty, as S3 does
        body["ContinuationToken"] = token
    if start_after:
        body["StartAfter"] = encode(start_after)
    if page.truncated and page.last:
        body["NextContinuationToken"] = base64.urlsafe_b64encode(page.last.encode()).decode()
    if page.contents:
        owner = query_value(ctx, "fetch-owner") == "true"
        body["Contents"] = [_entry(r, encode, owner) for r in page.contents]
    return reply(ctx, body)


@handler("ListObjectVersions")
async def list_object_versions(ctx: Context) -> Reply:
    """Every version and delete marker, by key then newest first; pages end at a key
    boundary, so all versions of a key are on one page."""
    marker = query_value(ctx, "key-marker")
    await bucket(ctx)
    encode, limit = _encoder(ctx), _max_keys(ctx)
    versions = await all_versions(ctx, ctx.path_params["Bucket"])
    latest = [r for r in versions if r["IsLatest"]]
    page = walk(latest, query_value(ctx, "prefix"), query_value(ctx, "delimiter"), marker, limit)
    body = _common(ctx, page, encode, limit)
    body["KeyMarker"] = encode(marker)
    body["VersionIdMarker"] = query_value(ctx, "version-id-marker")
    if page.truncated and page.last:
        body["NextKeyMarker"] = encode(page.last)
        body["NextVersionIdMarker"] = "null"
    keys = {r["Key"] for r in page.contents}
    chosen = [r for r in versions if r["Key"] in keys]
    entries = [
        {
            **(_entry(r, encode, True) if not r.get("DeleteMarker") else {}),
            "Key": encode(r["Key"]),
            "VersionId": r.get("VersionId") or "null",
            "IsLatest": r["IsLatest"],
            "LastModified": iso(r["modified"]),
            **({"Owner": OWNER} if r.get("DeleteMarker") else {}),
        }
        for r in chosen
    ]
    plain = [e for e, r in zip(entries, chosen, strict=True) if not r.get("DeleteMarker")]
    markers = [e for e, r in zip(entries, chosen, strict=True) if r.get("DeleteMarker")]
    if plain:
        body["Versions"] = plain
    if markers:
        body["DeleteMarkers"] = markers
    return reply(ctx, body)
