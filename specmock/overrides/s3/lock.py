"""Object lock (`?object-lock`, `?retention`, `?legal-hold`) on buckets created with
`x-amz-bucket-object-lock-enabled: true` (which are versioned from the start)."""

from __future__ import annotations

from specmock import Context, Reply

from .common import S3Error, iso, reply
from .objects import requested_version
from .operation import handler
from .retention import check_removable, missing_lock, parse_date
from .state import BUCKETS, bucket, save_version


@handler("GetObjectLockConfiguration")
async def get_object_lock_configuration(ctx: Context) -> Reply:
    found = await bucket(ctx)
    if not found.get("lock"):
        raise S3Error(
            "ObjectLockConfigurationNotFoundError",
            404,
            "Object Lock configuration does not exist for this bucket",
            BucketName=found["Name"],
        )
    body: dict = {"ObjectLockEnabled": "Enabled"}
    if found.get("lock_rule"):
        body["Rule"] = {"DefaultRetention": found["lock_rule"]}
    return reply(ctx, body)


@handler("PutObjectLockConfiguration")
async def put_object_lock_configuration(ctx: Context) -> Reply:
    found = await bucket(ctx)
    if not found.get("lock"):
        raise S3Error(
            "InvalidBucketState",
            409,
            "Object Lock configuration cannot be enabled on existing buckets",
            BucketName=found["Name"],
        )
    rule = ((ctx.body or {}).get("Rule") or {}).get("DefaultRetention")
    if rule and (not rule.get("Mode") or bool(rule.get("Days")) == bool(rule.get("Years"))):
        raise S3Error("MalformedXML", 400, "DefaultRetention needs a Mode and either Days or Years")
    await ctx.store.put(BUCKETS, found["Name"], {**found, "lock_rule": rule or None})
    return reply(ctx)


async def _locked_version(ctx: Context) -> dict:
    found = await bucket(ctx)
    if not found.get("lock"):
        raise missing_lock()
    return await requested_version(ctx)


def _no_config(what: str) -> S3Error:
    return S3Error(
        "NoSuchObjectLockConfiguration", 404, f"The specified object does not have a {what}"
    )


@handler("GetObjectRetention")
async def get_object_retention(ctx: Context) -> Reply:
    record = await _locked_version(ctx)
    if not record.get("retention"):
        raise _no_config("ObjectLock configuration")
    retention = record["retention"]
    return reply(ctx, {"Mode": retention["Mode"], "RetainUntilDate": iso(retention["until"])})


@handler("PutObjectRetention")
async def put_object_retention(ctx: Context) -> Reply:
    """COMPLIANCE can only be lengthened; GOVERNANCE yields to the bypass header."""
    record = await _locked_version(ctx)
    body = ctx.body or {}
    wanted = None
    if body.get("Mode") and body.get("RetainUntilDate"):
        wanted = {"Mode": body["Mode"], "until": parse_date(str(body["RetainUntilDate"]))}
    current = record.get("retention")
    shortened = wanted is None or (current and wanted["until"] < current["until"])
    if current and shortened:
        check_removable(ctx, {"retention": current})
    record["retention"] = wanted
    await save_version(ctx, ctx.path_params["Bucket"], record)
    return reply(ctx)


@handler("GetObjectLegalHold")
async def get_object_legal_hold(ctx: Context) -> Reply:
    record = await _locked_version(ctx)
    if not record.get("legal_hold"):
        raise _no_config("legal hold")
    return reply(ctx, {"Status": record["legal_hold"]})


@handler("PutObjectLegalHold")
async def put_object_legal_hold(ctx: Context) -> Reply:
    record = await _locked_version(ctx)
    record["legal_hold"] = (ctx.body or {}).get("Status") or "OFF"
    await save_version(ctx, ctx.path_params["Bucket"], record)
    return reply(ctx)
