"""Object operations: put, copy, get (ranges, conditions), head, delete, batch delete."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any
from urllib.parse import unquote

from specmock import Context, Reply, to_xml

from . import blobs, retention
from .common import (
    S3Error,
    http_date,
    invalid,
    iso,
    no_key,
    parse_http_date,
    query_value,
    reply,
)
from .operation import handler
from .state import (
    add_delete_marker,
    bucket,
    delete_version,
    find_version,
    objects_ns,
    remove_object,
    replace_object,
    unique,
)
from .tags import header_tags

_STORED_HEADERS = (
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "expires",
)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
DEFAULT_TYPE = "binary/octet-stream"


def user_metadata(headers: dict[str, str]) -> dict[str, str]:
    return {k[len("x-amz-meta-") :]: v for k, v in headers.items() if k.startswith("x-amz-meta-")}


def stored_headers(headers: dict[str, str]) -> dict[str, str]:
    out = {k: headers[k] for k in _STORED_HEADERS if headers.get(k)}
    encoding = [e.strip() for e in out.get("content-encoding", "").split(",")]
    encoding = [e for e in encoding if e and e != "aws-chunked"]
    if encoding:
        out["content-encoding"] = ", ".join(encoding)
    else:
        out.pop("content-encoding", None)
    return out


async def receive_checked(ctx: Context, name: str) -> tuple[blobs.Digests, dict[str, str]]:
    """Store the streamed body as blob `name`; a body failing its checks is not kept."""
    digests, trailers = await blobs.receive(ctx.store, name, ctx.stream, ctx.headers)
    try:
        check_body(digests, ctx.headers, trailers)
    except S3Error:
        blobs.remove(ctx.store, name)
        raise
    return digests, trailers


def content_md5(header: str) -> bytes:
    """The 16 bytes a Content-MD5 header names; InvalidDigest when it is not base64 of 16
    bytes (S3 tells a malformed digest from one that does not match, BadDigest)."""
    try:
        given = base64.b64decode(header.strip(), validate=True)
    except (binascii.Error, ValueError):
        given = b""
    if len(given) != 16:
        raise S3Error("InvalidDigest", 400, "The Content-MD5 you specified was invalid.")
    return given


def check_body(digests: blobs.Digests, headers: dict[str, str], trailers: dict[str, str]) -> None:
    """Content-MD5, the signed SHA-256, the decoded length and the client's checksum."""
    md5 = headers.get("content-md5")
    if md5 is not None and content_md5(md5) != digests.md5.digest():
        raise S3Error(
            "BadDigest", 400, "The Content-MD5 you specified did not match what we received."
        )
    signed = headers.get("x-amz-content-sha256", "")
    if _SHA256.fullmatch(signed) and signed != digests.sha256.hexdigest():
        raise S3Error(
            "XAmzContentSHA256Mismatch",
            400,
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        )
    decoded = headers.get("x-amz-decoded-content-length")
    if decoded is not None and decoded.isdigit() and int(decoded) != digests.size:
        raise S3Error("IncompleteBody", 400, "You did not provide the number of bytes specified.")
    algorithm = digests.algorithm
    if algorithm is None:
        return
    name = f"x-amz-checksum-{algorithm.lower()}"
    claimed = headers.get(name) or trailers.get(name)
    computed = digests.checksum()
    if claimed and computed and claimed != computed:
        raise S3Error(
            "BadDigest",
            400,
            f"The {algorithm} you specified did not match the calculated checksum.",
        )


def checksum_of(digests: blobs.Digests, headers: dict[str, str], trailers: dict[str, str]) -> dict:
    algorithm = digests.algorithm
    if algorithm is None:
        return {}
    name = f"x-amz-checksum-{algorithm.lower()}"
    value = digests.checksum() or headers.get(name) or trailers.get(name)
    return {algorithm: value} if value else {}


@handler("PutObject")
async def put_object(ctx: Context) -> Reply:
    if ctx.headers.get("x-amz-copy-source"):
        return await copy_object(ctx)
    bucket_name = ctx.path_params["Bucket"]
    lock = retention.on_put(ctx, await bucket(ctx))
    name = await unique(ctx, "blob")
    digests, trailers = await receive_checked(ctx, name)
    record = {
        "Key": ctx.path_params["Key"],
        "Size": digests.size,
        "ETag": f'"{digests.md5.hexdigest()}"',
        "modified": ctx.clock.now(),
        "type": ctx.headers.get("content-type") or DEFAULT_TYPE,
        "meta": user_metadata(ctx.headers),
        "headers": stored_headers(ctx.headers),
        "checksum": checksum_of(digests, ctx.headers, trailers),
        "blob": name,
        "tags": header_tags(ctx.headers.get("x-amz-tagging")),
        "acl": ctx.headers.get("x-amz-acl") or "private",
        **lock,
    }
    await replace_object(ctx, bucket_name, record)
    return reply(ctx, ETag=record["ETag"], **_checksum_headers(record), **version_header(record))


def version_header(record: dict[str, Any]) -> dict[str, str]:
    """`x-amz-version-id` for a version of a versioned bucket (none for unversioned ones)."""
    return {"x-amz-version-id": record["VersionId"]} if record.get("VersionId") else {}


def no_version(version_id: str) -> S3Error:
    return S3Error(
        "NoSuchVersion",
        404,
        "The specified version does not exist.",
        VersionId=version_id,
    )


async def load_version(
    ctx: Context, bucket_name: str, key: str, version_id: str | None
) -> dict[str, Any]:
    """The current version, or the one `versionId` names; a delete marker reads as a
    missing key (by id: MethodNotAllowed, as S3 answers a GET of a marker)."""
    if version_id:
        found = await find_version(ctx, bucket_name, key, version_id)
        if found is None:
            raise no_version(version_id)
        if found.get("DeleteMarker"):
            raise S3Error(
                "MethodNotAllowed",
                405,
                "The specified method is not allowed against this resource.",
                Method=ctx.operation.method,
                ResourceType="DeleteMarker",
            )
        return found
    found = await ctx.store.get(objects_ns(bucket_name), key)
    if found is None or found.get("DeleteMarker"):
        raise no_key(key)
    return found


def copy_source(ctx: Context, header: str = "x-amz-copy-source") -> tuple[str, str]:
    source = unquote(ctx.headers[header].split("?", 1)[0]).lstrip("/")
    bucket_name, _, key = source.partition("/")
    if not bucket_name or not key:
        raise invalid("Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
    return bucket_name, key


async def source_object(ctx: Context, header: str = "x-amz-copy-source") -> dict[str, Any]:
    bucket_name, key = copy_source(ctx, header)
    await bucket(ctx, bucket_name)
    _, _, query = ctx.headers[header].partition("?versionId=")
    return await load_version(ctx, bucket_name, key, unquote(query) or None)


async def copy_object(ctx: Context) -> Reply:
    target_bucket = ctx.path_params["Bucket"]
    await bucket(ctx)
    source = await source_object(ctx)
    directive = (ctx.headers.get("x-amz-metadata-directive") or "COPY").upper()
    same = copy_source(ctx) == (target_bucket, ctx.path_params["Key"])
    current = await ctx.store.get(objects_ns(target_bucket), ctx.path_params["Key"])
    older = current is not None and current.get("VersionId") != source.get("VersionId")
    if same and directive == "COPY" and not older:  # restoring an older version is allowed
        raise S3Error(
            "InvalidRequest",
            400,
            "This copy request is illegal because it is trying to copy an object to itself "
            "without changing the object's metadata, storage class, website redirect location "
            "or encryption attributes.",
        )
    name = await unique(ctx, "blob")
    md5, size = blobs.copy(ctx.store, source["blob"], name)
    replace = directive == "REPLACE"
    record = {
        **source,
        "Key": ctx.path_params["Key"],
        "Size": size,
        "ETag": f'"{md5}"',  # a copy is stored in one piece: a plain MD5 ETag
        "modified": ctx.clock.now(),
        "blob": name,
    }
    for field in ("parts", "part_sizes", "VersionId", "seq", "retention", "legal_hold"):
        record.pop(field, None)
    if replace:
        record["type"] = ctx.headers.get("content-type") or DEFAULT_TYPE
        record["meta"] = user_metadata(ctx.headers)
        record["headers"] = stored_headers(ctx.headers)
    await replace_object(ctx, target_bucket, record)
    body = {"ETag": record["ETag"], "LastModified": iso(record["modified"])}
    xml = to_xml(body, {"$ref": "#/components/schemas/CopyObjectResult"}, ctx.spec)
    headers = reply(ctx, **version_header(record)).headers
    if source.get("VersionId"):
        headers["x-amz-copy-source-version-id"] = source["VersionId"]
    return Reply(None, 200, headers, raw=xml, media_type="application/xml")


def object_headers(record: dict[str, Any]) -> dict[str, str]:
    headers = {
        "ETag": record["ETag"],
        "Last-Modified": http_date(record["modified"]),
        "Content-Type": record.get("type") or DEFAULT_TYPE,
        "Accept-Ranges": "bytes",
        **{k.title(): v for k, v in record.get("headers", {}).items()},
        **{f"x-amz-meta-{k}": v for k, v in record.get("meta", {}).items()},
    }
    if record.get("parts"):
        headers["x-amz-mp-parts-count"] = str(record["parts"])
    headers.update(version_header(record))
    if record.get("tags"):
        headers["x-amz-tagging-count"] = str(len(record["tags"]))
    headers.update(retention.lock_headers(record))
    return headers


def _checksum_headers(record: dict[str, Any]) -> dict[str, str]:
    return {f"x-amz-checksum-{k.lower()}": v for k, v in record.get("checksum", {}).items()}


async def requested_version(ctx: Context) -> dict[str, Any]:
    """The object version the request names (`versionId`, else the current one)."""
    await bucket(ctx)
    version_id = query_value(ctx, "versionId") or None
    return await load_version(ctx, ctx.path_params["Bucket"], ctx.path_params["Key"], version_id)


def preconditions(ctx: Context, record: dict[str, Any]) -> int | None:
    """304 or 412 where the conditional headers say so (RFC 9110 order), else None."""
    etag = record["ETag"]
    modified = int(record["modified"])
    if_match = ctx.headers.get("if-match")
    if if_match is not None:
        if not _etag_in(etag, if_match):
            return 412
    else:
        since = parse_http_date(ctx.headers.get("if-unmodified-since"))
        if since is not None and modified > since:
            return 412
    if_none = ctx.headers.get("if-none-match")
    if if_none is not None:
        if _etag_in(etag, if_none):
            return 304
    else:
        since = parse_http_date(ctx.headers.get("if-modified-since"))
        if since is not None and modified <= since:
            return 304
    return None


def _etag_in(etag: str, header: str) -> bool:
    wanted = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in wanted or etag in wanted or etag.strip('"') in wanted


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) for a single satisfiable range; None for none or one to ignore."""
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        length = int(last)
        if length == 0:
            raise _bad_range(size)
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None
    if start >= size:
        raise _bad_range(size)
    return start, end


def part_span(ctx: Context, record: dict[str, Any]) -> tuple[int, int] | None:
    """The bytes of part `?partNumber=N` of the object as it was uploaded (an object put in
    one piece has one part); None without `partNumber`."""
    text = query_value(ctx, "partNumber")
    if not text:
        return None
    if "range" in ctx.headers:
        raise S3Error(
            "InvalidRequest", 400, "Cannot specify both Range header and partNumber query parameter"
        )
    sizes = record.get("part_sizes") or [record["Size"]]
    number = int(text)  # the spec bounds it to 1..10000 before a handler runs
    if number > len(sizes):
        raise S3Error(
            "InvalidPartNumber", 416, "The requested partnumber is not satisfiable",
            PartNumberRequested=text, ActualPartCount=str(len(sizes)),
        )  # fmt: skip
    if not sizes[number - 1]:
        return None  # an empty object: no bytes to name in a Content-Range
    first = sum(sizes[: number - 1])
    return first, first + sizes[number - 1] - 1


def _bad_range(size: int) -> S3Error:
    return S3Error(
        "InvalidRange",
        416,
        "The requested range is not satisfiable",
        ActualObjectSize=str(size),
        RangeRequested="bytes",
    )


async def _serve(ctx: Context, head: bool) -> Reply:
    record = await requested_version(ctx)
    status = preconditions(ctx, record)
    headers = object_headers(record)
    if status == 304:
        kept = {k: headers[k] for k in ("ETag", "Last-Modified")}
        return reply(ctx, status=304, **kept)
    if status == 412:
        condition = "If-Match" if "if-match" in ctx.headers else "If-Unmodified-Since"
        raise S3Error(
            "PreconditionFailed",
            412,
            "At least one of the pre-conditions you specified did not hold",
            Condition=condition,
        )
    headers.update(_response_overrides(ctx))
    size = record["Size"]
    part = part_span(ctx, record)
    if "partNumber" in ctx.query:
        headers["x-amz-mp-parts-count"] = str(record.get("parts") or 1)
    span = part or (None if head else byte_range(ctx.headers.get("range"), size))
    if span is None:
        first, last, status = 0, size - 1, 200
        if ctx.headers.get("x-amz-checksum-mode", "").upper() == "ENABLED":
            headers.update(_checksum_headers(record))
    else:
        first, last = span
        status = 206
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    headers["Content-Length"] = str(max(last - first + 1, 0))
    full = reply(ctx, **headers)
    if head:
        return Reply(None, 206 if part else 200, full.headers)
    stream = blobs.read(ctx.store, record["blob"], first, last) if size else None
    media_type = full.headers.pop("Content-Type")  # sent once, as the body's media type
    return Reply(None, status, full.headers, raw=b"", media_type=media_type, stream=stream)


_RESPONSE_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
    "response-content-language": "Content-Language",
    "response-cache-control": "Cache-Control",
    "response-expires": "Expires",
}


def _response_overrides(ctx: Context) -> dict[str, str]:
    """`?response-content-type=...` and friends (common in presigned download links)."""
    found = {h: ctx.query[n][0] for n, h in _RESPONSE_OVERRIDES.items() if ctx.query.get(n)}
    return {h: v for h, v in found.items() if v.isprintable()}  # never a line break in a header


@handler("GetObject")
async def get_object(ctx: Context) -> Reply:
    return await _serve(ctx, head=False)


@handler("HeadObject")
async def head_object(ctx: Context) -> Reply:
    return await _serve(ctx, head=True)


@handler("DeleteObject")
async def delete_object(ctx: Context) -> Reply:
    found = await bucket(ctx)
    headers = await delete_one(
        ctx, found, ctx.path_params["Key"], query_value(ctx, "versionId") or None
    )
    return reply(ctx, status=204, **headers)


async def delete_one(
    ctx: Context, found: dict[str, Any], key: str, version_id: str | None
) -> dict[str, str]:
    """Delete a key (versioned: add a delete marker) or one version for good; the
    `x-amz-version-id` / `x-amz-delete-marker` headers S3 answers with."""
    name = found["Name"]
    if version_id:
        target = await find_version(ctx, name, key, version_id)
        if target is not None:
            retention.check_removable(ctx, target)
        removed = await delete_version(ctx, name, key, version_id)
        headers = {"x-amz-version-id": version_id}
        if removed and removed.get("DeleteMarker"):
            headers["x-amz-delete-marker"] = "true"
        return headers
    if found.get("versioning"):
        marker = await add_delete_marker(ctx, name, key, found["versioning"])
        return {"x-amz-version-id": marker, "x-amz-delete-marker": "true"}
    await remove_object(ctx, name, key)
    return {}


@handler("DeleteObjects")
async def delete_objects(ctx: Context) -> Reply:
    found = await bucket(ctx)
    md5 = ctx.headers.get("content-md5")
    if md5 is not None and content_md5(md5) != hashlib.md5(ctx.raw_body).digest():
        raise S3Error(
            "BadDigest", 400, "The Content-MD5 you specified did not match what we received."
        )
    body = ctx.body or {}
    deleted = []
    for item in body.get("Objects", []):
        headers = await delete_one(ctx, found, item["Key"], item.get("VersionId") or None)
        entry = {"Key": item["Key"]}
        if item.get("VersionId"):
            entry["VersionId"] = item["VersionId"]
        if headers.get("x-amz-delete-marker"):
            entry["DeleteMarker"] = True
            entry["DeleteMarkerVersionId"] = headers["x-amz-version-id"]
        deleted.append(entry)
    result: dict[str, Any] = {} if body.get("Quiet") else {"Deleted": deleted}
    return reply(ctx, result)


_ATTRIBUTES = frozenset({"ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"})


@handler("GetObjectAttributes")
async def get_object_attributes(ctx: Context) -> Reply:
    """The attributes `x-amz-object-attributes` names; parts as they were uploaded."""
    record = await requested_version(ctx)
    wanted = [a.strip() for a in ctx.headers.get("x-amz-object-attributes", "").split(",")]
    unknown = [a for a in wanted if a not in _ATTRIBUTES]
    if unknown or not any(wanted):
        raise S3Error(
            "InvalidArgument",
            400,
            f"Invalid attribute name specified: {(unknown or [''])[0]}",
            ArgumentName="x-amz-object-attributes",
        )
    body: dict[str, Any] = {}
    if "ETag" in wanted:
        body["ETag"] = record["ETag"].strip('"')
    if "Checksum" in wanted and record.get("checksum"):
        body["Checksum"] = {f"Checksum{k}": v for k, v in record["checksum"].items()}
    if "ObjectParts" in wanted and record.get("parts"):
        sizes = record.get("part_sizes") or []
        marker = int(ctx.headers.get("x-amz-part-number-marker") or 0)
        limit = int(ctx.headers.get("x-amz-max-parts") or 1000)
        chosen = list(enumerate(sizes, 1))[marker : marker + limit]
        body["ObjectParts"] = {
            "PartsCount": record["parts"],  # botocore reads it as TotalPartsCount
            "PartNumberMarker": marker,
            "MaxParts": limit,
            "IsTruncated": marker + limit < len(sizes),
            "Parts": [{"PartNumber": n, "Size": size} for n, size in chosen],
        }
        if chosen and marker + limit < len(sizes):
            body["ObjectParts"]["NextPartNumberMarker"] = chosen[-1][0]
    if "StorageClass" in wanted:
        body["StorageClass"] = "STANDARD"
    if "ObjectSize" in wanted:
        body["ObjectSize"] = record["Size"]
    headers = {"Last-Modified": http_date(record["modified"]), **version_header(record)}
    return reply(ctx, body, **headers)
