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
    """Store an object's metadata as the key's current version. Unversioned, the blob of
    the object it replaces is removed; versioned, the replaced version is kept (suspended:
    except a `null` one, which the new `null` version replaces)."""
    status = (await ctx.store.get(BUCKETS, bucket) or {}).get("versioning")
    if status:
        record["VersionId"] = await unique(ctx, "version") if status == "Enabled" else "null"
        record["seq"] = await ctx.store.next_id(f"s3:seq:versions:{bucket}")
    previous = await ctx.store.get(objects_ns(bucket), record["Key"])
    await ctx.store.put(objects_ns(bucket), record["Key"], record)
    if status == "Suspended":  # the new `null` version replaces an older noncurrent one
        older_null = await ctx.store.get(versions_ns(bucket), f"{record['Key']}\nnull")
        if older_null is not None:
            await ctx.store.delete(versions_ns(bucket), version_key(older_null))
            blobs.remove(ctx.store, older_null.get("blob"))
    if previous is None:
        return
    kept = status == "Enabled" or (status and previous.get("VersionId") not in (None, "null"))
    if kept:  # an object from before versioning was enabled is its `null` version
        previous = {"VersionId": "null", "seq": 0, **previous}
        await ctx.store.put(versions_ns(bucket), version_key(previous), previous)
    elif previous.get("blob") != record.get("blob"):
        blobs.remove(ctx.store, previous.get("blob"))


# -- versions -------------------------------------------------------------------------------
def versions_ns(bucket: str) -> str:
    """Noncurrent versions and delete markers of a versioned bucket (current ones stay in
    `objects_ns`), keyed `<key>\n<version id>`."""
    return f"s3:versions:{bucket}"


def version_key(record: dict[str, Any]) -> str:
    return f"{record['Key']}\n{record.get('VersionId') or 'null'}"


async def all_versions(ctx: Context, bucket: str) -> list[dict[str, Any]]:
    """Every version and delete marker, current ones flagged `IsLatest`, by key then newest
    first."""
    current = [{**r, "IsLatest": True} for r in await ctx.store.items(objects_ns(bucket))]
    older = [{**r, "IsLatest": False} for r in await ctx.store.items(versions_ns(bucket))]
    return sorted(current + older, key=lambda r: (r["Key"], -r.get("seq", 0)))


async def find_version(
    ctx: Context, bucket: str, key: str, version_id: str
) -> dict[str, Any] | None:
    current = await ctx.store.get(objects_ns(bucket), key)
    if current is not None and (current.get("VersionId") or "null") == version_id:
        return current
    return await ctx.store.get(versions_ns(bucket), f"{key}\n{version_id}")


async def add_delete_marker(ctx: Context, bucket: str, key: str, status: str) -> str:
    """DeleteObject without a version id on a versioned bucket: a delete marker becomes the
    current version; its version id is returned."""
    marker = {
        "Key": key,
        "DeleteMarker": True,
        "modified": ctx.clock.now(),
        "Size": 0,
        "ETag": "",
    }
    await replace_object(ctx, bucket, marker)
    return marker["VersionId"]


async def delete_version(ctx: Context, bucket: str, key: str, version_id: str) -> dict | None:
    """Remove one version for good (the record removed, or None); when it was the current
    one the newest remaining version becomes current."""
    found = await find_version(ctx, bucket, key, version_id)
    if found is None:
        return None
    current = await ctx.store.get(objects_ns(bucket), key)
    if current is not None and (current.get("VersionId") or "null") == version_id:
        await ctx.store.delete(objects_ns(bucket), key)
        older = [r for r in await ctx.store.items(versions_ns(bucket)) if r["Key"] == key]
        if older:
            newest = max(older, key=lambda r: r.get("seq", 0))
            await ctx.store.delete(versions_ns(bucket), version_key(newest))
            await ctx.store.put(objects_ns(bucket), key, newest)
    else:
        await ctx.store.delete(versions_ns(bucket), version_key(found))
    blobs.remove(ctx.store, found.get("blob"))
    return found


async def remove_object(ctx: Context, bucket: str, key: str) -> bool:
    previous = await ctx.store.get(objects_ns(bucket), key)
    if previous is None:
        return False
    await ctx.store.delete(objects_ns(bucket), key)
    blobs.remove(ctx.store, previous.get("blob"))
    return True


async def save_version(ctx: Context, bucket: str, record: dict[str, Any]) -> None:
    """Write back a changed version record (its tags) where it lives: current or older."""
    current = await ctx.store.get(objects_ns(bucket), record["Key"])
    if current is not None and current.get("VersionId") == record.get("VersionId"):
        await ctx.store.put(objects_ns(bucket), record["Key"], record)
    else:
        await ctx.store.put(versions_ns(bucket), version_key(record), record)
