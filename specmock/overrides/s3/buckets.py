"""Bucket operations: create (with S3's naming rules), head, list, delete, location."""

from __future__ import annotations

import base64
import ipaddress
import re
from typing import Any

from specmock import Context, Reply

from . import blobs
from .access import owner, owns
from .auth import EVERYONE
from .common import S3Error, config, decode_token, iso, query_value, reply
from .operation import handler
from .state import BUCKETS, bucket, completed_ns, objects_ns, parts_ns, uploads_ns, versions_ns

_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
OWNER = {
    "ID": "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a",
    "DisplayName": "specmock",
}


def name_problem(name: str) -> str | None:
    """Why `name` is not a valid bucket name, or None."""
    if not 3 <= len(name) <= 63:
        return "Bucket names must be between 3 and 63 characters long"
    if not _NAME.fullmatch(name):
        return (
            "Bucket names may contain only lower-case letters, digits, dots and hyphens, "
            "and must begin and end with a letter or digit"
        )
    if ".." in name or ".-" in name or "-." in name:
        return "Bucket names must not contain two adjacent periods or a period next to a hyphen"
    try:
        ipaddress.IPv4Address(name)
        return "Bucket names must not be formatted as an IP address"
    except ValueError:
        pass
    if name.startswith(("xn--", "sthree-")) or name.endswith(("-s3alias", "--ol-s3")):
        return "Bucket names must not use a reserved prefix or suffix"
    return None


@handler("CreateBucket")
async def create_bucket(ctx: Context) -> Reply:
    name = ctx.path_params["Bucket"]
    problem = name_problem(name)
    if problem:
        raise S3Error("InvalidBucketName", 400, problem, BucketName=name)
    region = ((ctx.body or {}).get("LocationConstraint") or "") if ctx.body else ""
    requester = owner(ctx)
    existing = await ctx.store.get(BUCKETS, name)
    if existing is not None:
        if not owns(existing, requester):
            raise S3Error(
                "BucketAlreadyExists",
                409,
                "The requested bucket name is not available. The bucket namespace is shared by "
                "all users of the system. Please select a different name and try again.",
                BucketName=name,
            )
        if region or existing.get("region") or config(ctx).region != "us-east-1":
            raise S3Error(
                "BucketAlreadyOwnedByYou",
                409,
                "Your previous request to create the named bucket succeeded and you already "
                "own it.",
                BucketName=name,
            )
        return reply(ctx, Location=f"/{name}")  # us-east-1 answers its owner 200 again
    record = {
        "Name": name,
        "created": ctx.clock.now(),
        "region": region,
        "owner": None if requester == EVERYONE else requester,
        "acl": ctx.headers.get("x-amz-acl") or "private",
    }
    if ctx.headers.get("x-amz-bucket-object-lock-enabled", "").lower() == "true":
        record.update(lock=True, versioning="Enabled")  # object lock needs versions
    await ctx.store.put(BUCKETS, name, record)
    return reply(ctx, Location=f"/{name}")


@handler("HeadBucket")
async def head_bucket(ctx: Context) -> Reply:
    found = await bucket(ctx)
    return reply(ctx, **{"x-amz-bucket-region": found.get("region") or config(ctx).region})


@handler("ListBuckets")
async def list_buckets(ctx: Context) -> Reply:
    """Buckets in name order, paged by `max-buckets` with a continuation token (the last
    name returned, base64) and filtered by `prefix` and `bucket-region`."""
    prefix, region = query_value(ctx, "prefix"), query_value(ctx, "bucket-region")
    token = query_value(ctx, "continuation-token")
    after = decode_token(token) if token else ""
    requester = owner(ctx)
    found = [
        b
        for b in sorted(await ctx.store.items(BUCKETS), key=lambda b: b["Name"])
        if owns(b, requester)
        and b["Name"] > after
        and b["Name"].startswith(prefix)
        and (not region or (b.get("region") or config(ctx).region) == region)
    ]
    limit = int(query_value(ctx, "max-buckets") or 10000)
    body: dict[str, Any] = {
        "Owner": OWNER,
        "Buckets": [{"Name": b["Name"], "CreationDate": iso(b["created"])} for b in found[:limit]],
    }
    if len(found) > limit:
        body["ContinuationToken"] = base64.urlsafe_b64encode(found[limit - 1]["Name"].encode())
        body["ContinuationToken"] = body["ContinuationToken"].decode()
    if prefix:
        body["Prefix"] = prefix
    return reply(ctx, body)


@handler("DeleteBucket")
async def delete_bucket(ctx: Context) -> Reply:
    name = ctx.path_params["Bucket"]
    await bucket(ctx)
    if await ctx.store.items(objects_ns(name)) or await ctx.store.items(versions_ns(name)):
        raise S3Error(
            "BucketNotEmpty",
            409,
            "The bucket you tried to delete is not empty",
            BucketName=name,
        )
    for upload in await ctx.store.items(uploads_ns(name)):
        for part in await ctx.store.items(parts_ns(upload["UploadId"])):
            blobs.remove(ctx.store, part.get("blob"))
            await ctx.store.delete(parts_ns(upload["UploadId"]), str(part["PartNumber"]))
        await ctx.store.delete(uploads_ns(name), upload["UploadId"])
    for done in await ctx.store.items(completed_ns(name)):
        await ctx.store.delete(completed_ns(name), done["UploadId"])
    await ctx.store.delete(BUCKETS, name)
    return reply(ctx, status=204)


@handler("GetBucketLocation")
async def get_bucket_location(ctx: Context) -> Reply:
    found = await bucket(ctx)
    return reply(ctx, found.get("region") or "")


@handler("GetBucketVersioning")
async def get_bucket_versioning(ctx: Context) -> Reply:
    found = await bucket(ctx)
    return reply(ctx, {"Status": found["versioning"]} if found.get("versioning") else {})


@handler("PutBucketVersioning")
async def put_bucket_versioning(ctx: Context) -> Reply:
    """Enabled or Suspended; once enabled a bucket never returns to unversioned."""
    found = await bucket(ctx)
    status = (ctx.body or {}).get("Status") if isinstance(ctx.body, dict) else None
    if status not in ("Enabled", "Suspended"):
        raise S3Error(
            "MalformedXML",
            400,
            "The XML you provided was not well-formed or did not validate against our "
            "published schema: Status must be Enabled or Suspended",
        )
    await ctx.store.put(BUCKETS, found["Name"], {**found, "versioning": status})
    return reply(ctx)
