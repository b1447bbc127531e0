"""Who may do what: each configured key pair (`--option s3_keys=A:S,B:T`) is an owner.

A bucket belongs to the key that created it; other owners get `AccessDenied`, except where
the bucket or object is public: a `public-read` canned ACL (or an AllUsers READ grant), or a
bucket policy statement that allows the `*` principal the action on the resource. Unsigned
requests are anonymous and may read only what is public. Policy `Condition` blocks are not
evaluated: a statement with one is skipped.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

from specmock import Context

from .auth import ANONYMOUS, EVERYONE
from .common import S3Error
from .state import BUCKETS, objects_ns

PUBLIC_READ = frozenset({"public-read", "public-read-write"})
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
_OBJECT_READS = frozenset({"GetObject", "HeadObject"})
_BUCKET_READS = frozenset({"ListObjects", "ListObjectsV2", "HeadBucket"})


def owner(ctx: Context) -> str | None:
    """The requester as `authorize` recorded it (EVERYONE when nothing was recorded)."""
    return getattr(ctx, "_s3_owner", EVERYONE)


def denied() -> S3Error:
    return S3Error("AccessDenied", 403, "Access Denied")


def owns(found: dict[str, Any], requester: str | None) -> bool:
    """A bucket made with authentication off (no owner) belongs to every signed requester;
    an anonymous one owns nothing."""
    if requester == EVERYONE:
        return True
    return requester is not ANONYMOUS and found.get("owner") in (None, requester)


async def authorize(ctx: Context, requester: str | None) -> None:
    """Raise AccessDenied unless the requester may run this operation on this bucket."""
    ctx._s3_owner = requester  # type: ignore[attr-defined]
    if requester == EVERYONE or ctx.operation_id == "MintPresignedUrl":
        return
    name = ctx.path_params.get("Bucket")
    found = await ctx.store.get(BUCKETS, name) if name else None
    if found is None or ctx.operation_id == "CreateBucket":
        if requester is ANONYMOUS:  # listing buckets, creating one, or a missing bucket
            raise denied()
        return
    if owns(found, requester):
        return
    if ctx.operation_id in _OBJECT_READS and await _public_object(ctx, found):
        return
    if ctx.operation_id in _BUCKET_READS and _public_bucket(found):
        return
    raise denied()


def public(acl: str | None, grants: list[dict[str, Any]] | None = None) -> bool:
    if acl in PUBLIC_READ:
        return True
    return any(
        g.get("URI") == ALL_USERS and g.get("Permission") in ("READ", "FULL_CONTROL")
        for g in grants or []
    )


async def _public_object(ctx: Context, found: dict[str, Any]) -> bool:
    key = ctx.path_params.get("Key", "")
    record = await ctx.store.get(objects_ns(found["Name"]), key) or {}
    if public(record.get("acl"), record.get("grants")):
        return True
    return policy_allows(found, "s3:GetObject", f"arn:aws:s3:::{found['Name']}/{key}")


def _public_bucket(found: dict[str, Any]) -> bool:
    if public(found.get("acl"), found.get("grants")):
        return True
    return policy_allows(found, "s3:ListBucket", f"arn:aws:s3:::{found['Name']}")


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_allows(found: dict[str, Any], action: str, resource: str) -> bool:
    """Whether the bucket policy allows anyone (`"*"`) the action on the resource; an
    explicit Deny wins."""
    try:
        document = json.loads(found.get("policy") or "{}")
    except ValueError:
        return False
    allowed = False
    for statement in _listed(document.get("Statement") or []):
        if not isinstance(statement, dict) or statement.get("Condition"):
            continue
        principal = statement.get("Principal")
        if isinstance(principal, dict):
            principal = principal.get("AWS")
        if "*" not in _listed(principal):
            continue
        actions = [str(a) for a in _listed(statement.get("Action") or [])]
        resources = [str(r) for r in _listed(statement.get("Resource") or [])]
        if any(fnmatchcase(action, a) for a in actions) and any(
            fnmatchcase(resource, r) for r in resources
        ):
            if statement.get("Effect") == "Deny":
                return False
            allowed = allowed or statement.get("Effect") == "Allow"
    return allowed
