"""What every S3 handler shares: configuration, errors, request ids, times and replies.

Configuration comes from the environment so `specmock serve s3` needs no file:
`SPECMOCK_S3_AUTH` (`on`, the default, or `off`), `SPECMOCK_S3_KEYS`
(`ACCESS:SECRET[,ACCESS:SECRET...]`, default `specmock:specmock-secret`) and
`SPECMOCK_S3_REGION` (default `us-east-1`). They are read per request, so a test may
change them between calls.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime
from typing import Any

from specmock import Context, Reply

SERVICE = "s3"
DEFAULT_KEYS = "specmock:specmock-secret"
NAMESPACE_XML = "http://s3.amazonaws.com/doc/2006-03-01/"
_HEAD_OPS = ("HeadObject", "HeadBucket")


@dataclass(frozen=True)
class Config:
    auth: bool
    keys: dict[str, str]  # access key id -> secret
    region: str


def config(ctx: Context | None = None) -> Config:
    """`--option s3_keys=...` (with a request at hand) or SPECMOCK_S3_* variables."""

    def setting(name: str, default: str) -> str:
        if ctx is not None:
            return ctx.option(name, default) or default
        return os.environ.get(f"SPECMOCK_{name.upper()}", default)

    keys: dict[str, str] = {}
    for pair in setting("s3_keys", DEFAULT_KEYS).split(","):
        access, _, secret = pair.strip().partition(":")
        if access and secret:
            keys[access] = secret
    auth = setting("s3_auth", "on").strip().lower() not in ("off", "0", "false")
    return Config(auth, keys, setting("s3_region", "us-east-1"))


class S3Error(Exception):
    """An S3 error answer: code, HTTP status, message and extra <Error> fields."""

    def __init__(self, code: str, status: int, message: str, **fields: str):
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.fields = fields


def no_bucket(bucket: str) -> S3Error:
    return S3Error("NoSuchBucket", 404, "The specified bucket does not exist", BucketName=bucket)


def no_key(key: str) -> S3Error:
    return S3Error("NoSuchKey", 404, "The specified key does not exist.", Key=key)


def invalid(message: str, **fields: str) -> S3Error:
    return S3Error("InvalidArgument", 400, message, **fields)


# -- times --------------------------------------------------------------------------------
def iso(seconds: float) -> str:
    """XML timestamps: ISO 8601 with milliseconds, as S3 writes them."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def http_date(seconds: float) -> str:
    """Header timestamps: RFC 1123 (`Wed, 12 Oct 2009 17:50:00 GMT`)."""
    return formatdate(int(seconds), usegmt=True)


def parse_http_date(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


# -- replies ------------------------------------------------------------------------------
def request_id(ctx: Context) -> str:
    """Fixed per context: the header and the error body carry the same id."""
    found = getattr(ctx, "_s3_request_id", None)
    if found is None:
        found = f"{ctx.rng.getrandbits(64):016X}"
        ctx._s3_request_id = found  # type: ignore[attr-defined]
    return found


def base_headers(ctx: Context) -> dict[str, str]:
    rid = request_id(ctx)
    return {"x-amz-request-id": rid, "x-amz-id-2": rid, "Date": http_date(ctx.clock.now())}


def reply(ctx: Context, body: Any = None, status: int = 200, **headers: str) -> Reply:
    return Reply(body, status, {**base_headers(ctx), **headers})


def error_reply(ctx: Context, error: S3Error) -> Reply:
    headers = base_headers(ctx)
    if ctx.operation_id in _HEAD_OPS or ctx.operation.method == "HEAD":
        return Reply(None, error.status, headers)
    body = {
        "Code": error.code,
        "Message": error.message,
        **error.fields,
        "Resource": resource(ctx),
        "RequestId": headers["x-amz-request-id"],
        "HostId": headers["x-amz-id-2"],
    }
    return Reply(body, error.status, headers)


def query_value(ctx: Context, name: str, default: str = "") -> str:
    values = ctx.query.get(name)
    return values[0] if values else default


def resource(ctx: Context) -> str:
    bucket = ctx.path_params.get("Bucket")
    key = ctx.path_params.get("Key")
    return "/" + "/".join(p for p in (bucket, key) if p)


def decode_token(token: str) -> str:
    """The key or name a continuation token (url-safe base64 of it) resumes after."""
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid(
            "The continuation token provided is incorrect", ArgumentName="continuation-token"
        ) from None
