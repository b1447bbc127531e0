"""Buckets, objects and uploads in the state store (metadata only; bytes are blobs).

Namespaces: `s3:buckets` (key: bucket name), `s3:objects:<bucket>` (key: object key),
`s3:uploads:<bucket>` (key: upload id) and `s3:parts:<upload id>` (key: part number),
one item per part so parallel part uploads never overwrite each other.
"""

from __future__ import annotations

import hashlib
from typing import Any

from specmock import Context

from . import blobs
from .common import no_bucket

BUCKETS = "s3:buckets"


def objects_ns(bucket: str) -> str:
    return f"s3:objects:{bucket}"


def uploads_ns(bucket: str) -> str:
    return f"s3:uploads:{bucket}"


def completed_ns(bucket: str) -> str:
    """Completed uploads' results, so a retried completion answers as the first did."""
    return f"s3:completed:{bucket}"


def parts_ns(upload_id: str) -> str:
    return f"s3:parts:{upload_id}"


async def bucket(ctx: Context, name: str | None = None) -> dict[str, Any]:
    name = name or ctx.path_params["Bucket"]
    found = await ctx.store.get(BUCKETS, name)
    if found is None:
        raise no_bucket(name)
    return found


async def unique(ctx: Context, kind: str) -> str:
    """A fresh id: seeded and counted, so the same run gives the same ids."""
    number = await ctx.store.next_id(f"s3:seq:{kind}")
    salt = ctx.rng.getrandbits(32)
    return hashlib.sha256(f"{kind}|{number}|{salt}".encode()).hexdigest()[:32]


async def replace_object(ctx: Context, bucket: str, record: dict[str, Any]) -> None:
    """Store an object's metadata; the blob of the object it replaces is removed."""
    previous = await ctx.store.get(objects_ns(bucket), record["Key"])
    await ctx.store.put(objects_ns(bucket), record["Key"], record)
    if previous and previous.get("blob") != record.get("blob"):
        blobs.remove(ctx.store, previous.get("blob"))


async def remove_object(ctx: Context, bucket: str, key: str) -> bool:
    previous = await ctx.store.get(objects_ns(bucket), key)
    if previous is None:
        return False
    await ctx.store.delete(objects_ns(bucket), key)
    blobs.remove(ctx.store, previous.get("blob"))
    return True
