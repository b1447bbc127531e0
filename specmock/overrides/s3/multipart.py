"""Multipart uploads: create, upload part (or copy a range into one), list parts and
uploads, complete (parts ascending, ETags matching, all but the last at least 5 MiB) and
abort. The finished object's ETag is the MD5 of the parts' MD5s plus `-N`, as S3's is.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from specmock import Context, Reply, to_xml

from . import blobs
from .common import S3Error, invalid, iso, query_value, reply
from .objects import (
    DEFAULT_TYPE,
    checksum_of,
    receive_checked,
    source_object,
    stored_headers,
    user_metadata,
)
from .operation import handler
from .state import bucket, completed_ns, parts_ns, replace_object, unique, uploads_ns
from .tags import header_tags

MIN_PART = 5 * 1024 * 1024
MAX_PARTS = 1000


def _no_upload(upload_id: str) -> S3Error:
    return S3Error(
        "NoSuchUpload",
        404,
        "The specified upload does not exist. The upload ID may be invalid, or the upload "
        "may have been aborted or completed.",
        UploadId=upload_id,
    )


async def _upload(ctx: Context) -> dict[str, Any]:
    await bucket(ctx)
    upload_id = query_value(ctx, "uploadId")
    found = await ctx.store.get(uploads_ns(ctx.path_params["Bucket"]), upload_id)
    if found is None or found["Key"] != ctx.path_params["Key"]:
        raise _no_upload(upload_id)
    return found


@handler("CreateMultipartUpload")
async def create_multipart_upload(ctx: Context) -> Reply:
    await bucket(ctx)
    upload_id = await unique(ctx, "upload")
    record = {
        "UploadId": upload_id,
        "Key": ctx.path_params["Key"],
        "initiated": ctx.clock.now(),
        "type": ctx.headers.get("content-type") or DEFAULT_TYPE,
        "meta": user_metadata(ctx.headers),
        "headers": stored_headers(ctx.headers),
        "algorithm": (ctx.headers.get("x-amz-checksum-algorithm") or "").upper() or None,
        "tags": header_tags(ctx.headers.get("x-amz-tagging")),
        "acl": ctx.headers.get("x-amz-acl") or "private",
    }
    await ctx.store.put(uploads_ns(ctx.path_params["Bucket"]), upload_id, record)
    body = {"Bucket": ctx.path_params["Bucket"], "Key": record["Key"], "UploadId": upload_id}
    headers = {}
    if record["algorithm"]:
        headers["x-amz-checksum-algorithm"] = record["algorithm"]
    return reply(ctx, body, **headers)


def _part_number(ctx: Context) -> int:
    text = query_value(ctx, "partNumber")
    if not text.isdigit() or not 1 <= int(text) <= 10000:
        raise invalid(
            "Part number must be an integer between 1 and 10000, inclusive",
            ArgumentName="partNumber",
        )
    return int(text)


@handler("UploadPart")
async def upload_part(ctx: Context) -> Reply:
    upload = await _upload(ctx)
    number = _part_number(ctx)
    name = await unique(ctx, "blob")
    if ctx.headers.get("x-amz-copy-source"):
        return await _copy_part(ctx, upload, number, name)
    digests, trailers = await receive_checked(ctx, name)
    part = {
        "PartNumber": number,
        "ETag": f'"{digests.md5.hexdigest()}"',
        "Size": digests.size,
        "modified": ctx.clock.now(),
        "checksum": checksum_of(digests, ctx.headers, trailers),
        "blob": name,
    }
    await _keep_part(ctx, upload, part)
    echoed = {f"x-amz-checksum-{k.lower()}": v for k, v in part["checksum"].items()}
    return reply(ctx, ETag=part["ETag"], **echoed)


async def _keep_part(ctx: Context, upload: dict[str, Any], part: dict[str, Any]) -> None:
    namespace = parts_ns(upload["UploadId"])
    previous = await ctx.store.get(namespace, str(part["PartNumber"]))
    await ctx.store.put(namespace, str(part["PartNumber"]), part)
    if previous:
        blobs.remove(ctx.store, previous.get("blob"))


async def _copy_part(ctx: Context, upload: dict[str, Any], number: int, name: str) -> Reply:
    source = await source_object(ctx)
    first, last = 0, source["Size"] - 1
    wanted = ctx.headers.get("x-amz-copy-source-range")
    if wanted:
        try:
            first, last = (int(v) for v in wanted.removeprefix("bytes=").split("-"))
        except ValueError:
            raise invalid(
                "The x-amz-copy-source-range value must be of the form bytes=first-last "
                "where first and last are the zero-based offsets of the first and last "
                "bytes to copy"
            ) from None
        if first > last or last >= source["Size"]:
            raise S3Error(
                "InvalidRange",
                416,
                "The requested range is not satisfiable",
                ActualObjectSize=str(source["Size"]),
            )
    md5, size = blobs.copy(ctx.store, source["blob"], name, first, last)
    part = {
        "PartNumber": number,
        "ETag": f'"{md5}"',
        "Size": size,
        "modified": ctx.clock.now(),
        "checksum": {},
        "blob": name,
    }
    await _keep_part(ctx, upload, part)
    body = {"ETag": part["ETag"], "LastModified": iso(part["modified"])}
    xml = to_xml(body, {"$ref": "#/components/schemas/CopyPartResult"}, ctx.spec)
    return Reply(None, 200, reply(ctx).headers, raw=xml, media_type="application/xml")


async def _parts(ctx: Context, upload_id: str) -> list[dict[str, Any]]:
    found = await ctx.store.items(parts_ns(upload_id))
    return sorted(found, key=lambda p: p["PartNumber"])


@handler("ListParts")
async def list_parts(ctx: Context) -> Reply:
    upload = await _upload(ctx)
    limit = int(query_value(ctx, "max-parts", str(MAX_PARTS)) or MAX_PARTS)
    marker = int(query_value(ctx, "part-number-marker", "0") or 0)
    parts = [p for p in await _parts(ctx, upload["UploadId"]) if p["PartNumber"] > marker]
    page, truncated = parts[:limit], len(parts) > limit
    body: dict[str, Any] = {
        "Bucket": ctx.path_params["Bucket"],
        "Key": upload["Key"],
        "UploadId": upload["UploadId"],
        "PartNumberMarker": marker,
        "MaxParts": limit,
        "IsTruncated": truncated,
        "StorageClass": "STANDARD",
        "Parts": [
            {
                "PartNumber": p["PartNumber"],
                "LastModified": iso(p["modified"]),
                "ETag": p["ETag"],
                "Size": p["Size"],
                **{f"Checksum{k}": v for k, v in p.get("checksum", {}).items()},
            }
            for p in page
        ],
    }
    if truncated and page:
        body["NextPartNumberMarker"] = page[-1]["PartNumber"]
    return reply(ctx, body)


@handler("ListMultipartUploads")
async def list_multipart_uploads(ctx: Context) -> Reply:
    await bucket(ctx)
    prefix = query_value(ctx, "prefix")
    limit = int(query_value(ctx, "max-uploads", "1000") or 1000)
    found = await ctx.store.items(uploads_ns(ctx.path_params["Bucket"]))
    found = sorted(
        (u for u in found if u["Key"].startswith(prefix)), key=lambda u: (u["Key"], u["initiated"])
    )
    body = {
        "Bucket": ctx.path_params["Bucket"],
        "Prefix": prefix,
        "MaxUploads": limit,
        "IsTruncated": len(found) > limit,
        "Uploads": [
            {
                "UploadId": u["UploadId"],
                "Key": u["Key"],
                "Initiated": iso(u["initiated"]),
                "StorageClass": "STANDARD",
            }
            for u in found[:limit]
        ],
    }
    return reply(ctx, body)


@handler("AbortMultipartUpload")
async def abort_multipart_upload(ctx: Context) -> Reply:
    upload = await _upload(ctx)
    await _forget(ctx, upload, keep=set())
    return reply(ctx, status=204)


async def _forget(ctx: Context, upload: dict[str, Any], keep: set[str]) -> None:
    for part in await _parts(ctx, upload["UploadId"]):
        if part["blob"] not in keep:
            blobs.remove(ctx.store, part["blob"])
        await ctx.store.delete(parts_ns(upload["UploadId"]), str(part["PartNumber"]))
    await ctx.store.delete(uploads_ns(ctx.path_params["Bucket"]), upload["UploadId"])


def _same_etag(given: str, stored: str) -> bool:
    return given.strip().strip('"') == stored.strip('"')


@handler("CompleteMultipartUpload")
async def complete_multipart_upload(ctx: Context) -> Reply:
    """Join the parts into the object. Completing an upload again answers the first
    completion's result (S3 answers 200 to a retried completion, as SDKs do on timeouts)."""
    bucket_name = (await bucket(ctx))["Name"]
    done = await ctx.store.get(completed_ns(bucket_name), query_value(ctx, "uploadId"))
    if done is not None and done["result"]["Key"] == ctx.path_params["Key"]:
        return reply(ctx, done["result"])
    upload = await _upload(ctx)
    stored = {p["PartNumber"]: p for p in await _parts(ctx, upload["UploadId"])}
    asked = (ctx.body or {}).get("Parts") or []
    numbers = [p["PartNumber"] for p in asked]
    if numbers != sorted(numbers) or len(set(numbers)) != len(numbers):
        raise S3Error(
            "InvalidPartOrder",
            400,
            "The list of parts was not in ascending order. Parts must be ordered by part number.",
        )
    chosen = []
    for item in asked:
        part = stored.get(item["PartNumber"])
        if part is None or not _same_etag(item["ETag"], part["ETag"]):
            raise S3Error(
                "InvalidPart",
                400,
                "One or more of the specified parts could not be found. The part may "
                "not have been uploaded, or the specified entity tag may not match "
                "the part's entity tag.",
                PartNumber=str(item["PartNumber"]),
                ETag=str(item["ETag"]),
            )
        chosen.append(part)
    for part in chosen[:-1]:
        if part["Size"] < MIN_PART:
            raise S3Error(
                "EntityTooSmall",
                400,
                "Your proposed upload is smaller than the minimum allowed object size.",
                ProposedSize=str(part["Size"]),
                MinSizeAllowed=str(MIN_PART),
                PartNumber=str(part["PartNumber"]),
                ETag=part["ETag"],
            )
    name = await unique(ctx, "blob")
    size = await asyncio.to_thread(blobs.concatenate, ctx.store, [p["blob"] for p in chosen], name)
    digest = hashlib.md5(b"".join(bytes.fromhex(p["ETag"].strip('"')) for p in chosen))
    record = {
        "Key": upload["Key"],
        "Size": size,
        "ETag": f'"{digest.hexdigest()}-{len(chosen)}"',
        "modified": ctx.clock.now(),
        "type": upload["type"],
        "meta": upload["meta"],
        "headers": upload["headers"],
        "checksum": {},
        "parts": len(chosen),
        "part_sizes": [p["Size"] for p in chosen],  # for `partNumber` reads
        "tags": upload.get("tags") or [],
        "acl": upload.get("acl") or "private",
        "blob": name,
    }
    await replace_object(ctx, ctx.path_params["Bucket"], record)
    await _forget(ctx, upload, keep=set())
    body = {
        "Location": f"{ctx.base_url}/{ctx.path_params['Bucket']}/{upload['Key']}",
        "Bucket": ctx.path_params["Bucket"],
        "Key": upload["Key"],
        "ETag": record["ETag"],
    }
    await ctx.store.put(
        completed_ns(bucket_name),
        upload["UploadId"],
        {"UploadId": upload["UploadId"], "result": body},
    )
    return reply(ctx, body)
