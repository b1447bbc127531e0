"""Bucket and object tags (`?tagging`, and `x-amz-tagging` on PutObject): stored with the
bucket or the object version and returned as they were put."""

from __future__ import annotations

from typing import Any

from specmock import Context, Reply

from .common import S3Error, reply
from .objects import requested_version
from .operation import handler
from .state import bucket, save_version
from .tags import checked


def tag_set(ctx: Context) -> list[dict[str, str]]:
    """The request's TagSet, checked as S3 checks it (unique keys)."""
    tags = [
        {"Key": str(t["Key"]), "Value": str(t.get("Value") or "")}
        for t in ((ctx.body or {}).get("TagSet") or [])
    ]
    return checked(tags)


@handler("GetBucketTagging")
async def get_bucket_tagging(ctx: Context) -> Reply:
    found = await bucket(ctx)
    if not found.get("tags"):
        raise S3Error("NoSuchTagSet", 404, "The TagSet does not exist", BucketName=found["Name"])
    return reply(ctx, {"TagSet": found["tags"]})


@handler("PutBucketTagging")
async def put_bucket_tagging(ctx: Context) -> Reply:
    found = await bucket(ctx)
    await ctx.store.put("s3:buckets", found["Name"], {**found, "tags": tag_set(ctx)})
    return reply(ctx, status=204)


@handler("DeleteBucketTagging")
async def delete_bucket_tagging(ctx: Context) -> Reply:
    found = await bucket(ctx)
    await ctx.store.put("s3:buckets", found["Name"], {**found, "tags": []})
    return reply(ctx, status=204)


def _version_header(record: dict[str, Any]) -> dict[str, str]:
    return {"x-amz-version-id": record["VersionId"]} if record.get("VersionId") else {}


@handler("GetObjectTagging")
async def get_object_tagging(ctx: Context) -> Reply:
    record = await requested_version(ctx)
    return reply(ctx, {"TagSet": record.get("tags") or []}, **_version_header(record))


@handler("PutObjectTagging")
async def put_object_tagging(ctx: Context) -> Reply:
    record = await requested_version(ctx)
    record["tags"] = tag_set(ctx)
    await save_version(ctx, ctx.path_params["Bucket"], record)
    return reply(ctx, **_version_header(record))


@handler("DeleteObjectTagging")
async def delete_object_tagging(ctx: Context) -> Reply:
    record = await requested_version(ctx)
    record["tags"] = []
    await save_version(ctx, ctx.path_params["Bucket"], record)
    return reply(ctx, status=204, **_version_header(record))
