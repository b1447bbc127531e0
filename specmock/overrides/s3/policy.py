"""Bucket policies (`?policy`): the JSON document is checked for being JSON, stored with
the bucket and returned byte for byte. Statements are not evaluated (see docs/s3.md)."""

from __future__ import annotations

import json

from specmock import Context, Reply

from .common import S3Error, reply
from .operation import handler
from .state import BUCKETS, bucket


@handler("PutBucketPolicy")
async def put_bucket_policy(ctx: Context) -> Reply:
    found = await bucket(ctx)
    text = ctx.raw_body.decode("utf-8", "replace")
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if not isinstance(document, dict) or not isinstance(document.get("Statement"), list):
        raise S3Error(
            "MalformedPolicy",
            400,
            "Policies must be valid JSON and the first byte must be '{' with a Statement list",
            BucketName=found["Name"],
        )
    await ctx.store.put(BUCKETS, found["Name"], {**found, "policy": text})
    return reply(ctx, status=204)


@handler("GetBucketPolicy")
async def get_bucket_policy(ctx: Context) -> Reply:
    found = await bucket(ctx)
    if not found.get("policy"):
        raise S3Error(
            "NoSuchBucketPolicy",
            404,
            "The bucket policy does not exist",
            BucketName=found["Name"],
        )
    headers = reply(ctx).headers
    return Reply(None, 200, headers, raw=found["policy"].encode(), media_type="application/json")


@handler("DeleteBucketPolicy")
async def delete_bucket_policy(ctx: Context) -> Reply:
    found = await bucket(ctx)
    await ctx.store.put(BUCKETS, found["Name"], {k: v for k, v in found.items() if k != "policy"})
    return reply(ctx, status=204)
