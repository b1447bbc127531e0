"""Access control lists (`?acl`, `x-amz-acl`, `x-amz-grant-*`): stored with the bucket or
the object version and returned as S3 returns them (a canned ACL expanded into grants).
`access` reads them to decide what is public."""

from __future__ import annotations

import re
from typing import Any

from specmock import Context, Reply

from .access import ALL_USERS
from .buckets import OWNER
from .common import S3Error, reply
from .objects import requested_version
from .operation import handler
from .state import BUCKETS, bucket, save_version

XSI = "http://www.w3.org/2001/XMLSchema-instance"
AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
CANNED = {
    "private": [],
    "public-read": [(ALL_USERS, "READ")],
    "public-read-write": [(ALL_USERS, "READ"), (ALL_USERS, "WRITE")],
    "authenticated-read": [(AUTHENTICATED, "READ")],
    "bucket-owner-read": [],
    "bucket-owner-full-control": [],
    "aws-exec-read": [],
    "log-delivery-write": [],
}
_GRANT_HEADERS = {
    "x-amz-grant-read": "READ",
    "x-amz-grant-write": "WRITE",
    "x-amz-grant-read-acp": "READ_ACP",
    "x-amz-grant-write-acp": "WRITE_ACP",
    "x-amz-grant-full-control": "FULL_CONTROL",
}
_GRANTEE = re.compile(r'\s*(id|uri|emailAddress)\s*=\s*"?([^",]+)"?\s*')


def _owner_grant() -> dict[str, Any]:
    grantee = {"XmlnsXsi": XSI, "Type": "CanonicalUser", **OWNER}
    return {"Grantee": grantee, "Permission": "FULL_CONTROL"}


def _group(uri: str, permission: str) -> dict[str, Any]:
    return {"Grantee": {"XmlnsXsi": XSI, "Type": "Group", "URI": uri}, "Permission": permission}


def grants(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Explicit grants where the ACL was put as grants, else the canned ACL's."""
    if record.get("grants") is not None:
        return [
            {"Grantee": {"XmlnsXsi": XSI, **{k: v for k, v in g.items() if k != "Permission"}},
             "Permission": g["Permission"]}
            for g in record["grants"]
        ]  # fmt: skip
    canned = CANNED.get(record.get("acl") or "private", [])
    return [_owner_grant(), *(_group(uri, permission) for uri, permission in canned)]


def _header_grants(ctx: Context) -> list[dict[str, str]] | None:
    found: list[dict[str, str]] = []
    for header, permission in _GRANT_HEADERS.items():
        for part in (ctx.headers.get(header) or "").split(","):
            if not part.strip():
                continue
            match = _GRANTEE.fullmatch(part)
            if match is None:
                raise S3Error("InvalidArgument", 400, f"{header} is malformed: {part.strip()}")
            kind, value = match.groups()
            grantee = {
                "id": {"Type": "CanonicalUser", "ID": value},
                "uri": {"Type": "Group", "URI": value},
                "emailAddress": {"Type": "AmazonCustomerByEmail", "EmailAddress": value},
            }[kind]
            found.append({**grantee, "Permission": permission})
    return found or None


def requested(ctx: Context) -> dict[str, Any]:
    """The ACL a Put*Acl request sets: a canned one, grant headers, or the body's grants."""
    canned = ctx.headers.get("x-amz-acl")
    if canned:
        if canned not in CANNED:
            raise S3Error("InvalidArgument", 400, f"x-amz-acl {canned!r} is not a canned ACL")
        return {"acl": canned, "grants": None}
    from_headers = _header_grants(ctx)
    if from_headers is not None:
        return {"acl": None, "grants": from_headers}
    body = ctx.body if isinstance(ctx.body, dict) else None
    if body is None or "AccessControlList" not in body:
        raise S3Error(
            "MissingSecurityHeader", 400, "Your request was missing a required header: x-amz-acl"
        )
    listed = []
    for grant in body.get("AccessControlList") or []:
        grantee = {k: v for k, v in (grant.get("Grantee") or {}).items() if k != "XmlnsXsi"}
        if "Type" not in grantee:
            grantee["Type"] = "Group" if "URI" in grantee else "CanonicalUser"
        listed.append({**grantee, "Permission": grant["Permission"]})
    return {"acl": None, "grants": listed}


def _policy(record: dict[str, Any]) -> dict[str, Any]:
    return {"Owner": OWNER, "AccessControlList": grants(record)}


@handler("GetBucketAcl")
async def get_bucket_acl(ctx: Context) -> Reply:
    return reply(ctx, _policy(await bucket(ctx)))


@handler("PutBucketAcl")
async def put_bucket_acl(ctx: Context) -> Reply:
    found = await bucket(ctx)
    await ctx.store.put(BUCKETS, found["Name"], {**found, **requested(ctx)})
    return reply(ctx)


@handler("GetObjectAcl")
async def get_object_acl(ctx: Context) -> Reply:
    return reply(ctx, _policy(await requested_version(ctx)))


@handler("PutObjectAcl")
async def put_object_acl(ctx: Context) -> Reply:
    record = await requested_version(ctx)
    record.update(requested(ctx))
    await save_version(ctx, ctx.path_params["Bucket"], record)
    return reply(ctx)
