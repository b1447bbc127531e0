"""Request signatures, checked the way S3 checks them, with botocore computing the expected one.

Four forms are accepted: SigV4 in the `Authorization` header, SigV4 presigned query
parameters (`X-Amz-Signature`, with `X-Amz-Expires` between 1 second and 7 days), SigV2
presigned query parameters (`AWSAccessKeyId`, `Signature`, `Expires`: what boto3's
`generate_presigned_url` makes by default against a custom endpoint) and the SigV2 header
(`Authorization: AWS key:signature`). The expected signature is rebuilt from the request as
received with botocore's own signers, so the mock agrees with the client byte for byte.
"""

from __future__ import annotations

import hmac
from calendar import timegm
from datetime import datetime
from urllib.parse import parse_qsl, quote, urlsplit

from botocore.auth import HmacV1Auth, S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

from specmock import Context

from .common import Config, S3Error

MAX_EXPIRES = 7 * 24 * 3600
_SIGV4 = "AWS4-HMAC-SHA256"


ANONYMOUS = None  # an unsigned request: it may read what is public, nothing else
EVERYONE = "*"  # authentication off: every request acts as every owner


def verify(ctx: Context, cfg: Config) -> str | None:
    """The access key that signed the request (its owner), ANONYMOUS when unsigned, or
    EVERYONE with authentication off; raises the S3Error a real bucket would answer a
    badly signed request with."""
    if not cfg.auth:
        return EVERYONE
    header = ctx.headers.get("authorization", "")
    query = _query_pairs(ctx)
    names = {k for k, _ in query}
    if header.startswith(_SIGV4):
        return _sigv4_header(ctx, cfg, header)
    if header.startswith("AWS "):
        access = header[4:].rpartition(":")[0]
        _sigv2(ctx, cfg, access, header.rpartition(":")[2], None)
        return access
    if "X-Amz-Signature" in names:
        return _sigv4_query(ctx, cfg, dict(query))
    if "Signature" in names and "AWSAccessKeyId" in names:
        params = dict(query)
        _sigv2(ctx, cfg, params["AWSAccessKeyId"], params["Signature"], params.get("Expires"))
        return params["AWSAccessKeyId"]
    return ANONYMOUS


def _secret(cfg: Config, access_key: str) -> str:
    secret = cfg.keys.get(access_key)
    if secret is None:
        raise S3Error(
            "InvalidAccessKeyId",
            403,
            "The AWS Access Key Id you provided does not exist in our records.",
            AWSAccessKeyId=access_key,
        )
    return secret


def _mismatch() -> S3Error:
    return S3Error(
        "SignatureDoesNotMatch",
        403,
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
    )


def _sigv4_header(ctx: Context, cfg: Config, header: str) -> str:
    fields = dict(part.strip().partition("=")[::2] for part in header[len(_SIGV4) :].split(","))
    credential = fields.get("Credential", "").split("/")
    if len(credential) != 5 or not fields.get("Signature") or not fields.get("SignedHeaders"):
        raise S3Error("AuthorizationHeaderMalformed", 400, "The authorization header is malformed")
    access, day, region, service, _ = credential
    secret = _secret(cfg, access)
    timestamp = ctx.headers.get("x-amz-date", "")
    if timestamp[:8] != day:
        raise S3Error("AuthorizationHeaderMalformed", 400, "X-Amz-Date and the credential differ")
    request = _request(ctx, fields["SignedHeaders"].split(";"), _raw_query(ctx))
    signer = S3SigV4Auth(Credentials(access, secret), service, region)
    _compare(signer, request, timestamp, fields["Signature"])
    return access


def _sigv4_query(ctx: Context, cfg: Config, params: dict[str, str]) -> str:
    credential = params.get("X-Amz-Credential", "").split("/")
    if len(credential) != 5:
        raise S3Error("AuthorizationQueryParametersError", 400, "X-Amz-Credential is malformed")
    access, _, region, service, _ = credential
    secret = _secret(cfg, access)
    try:
        expires = int(params.get("X-Amz-Expires", ""))
        signed_at = timegm(datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").timetuple())
    except (KeyError, ValueError):
        raise S3Error(
            "AuthorizationQueryParametersError",
            400,
            "X-Amz-Date and X-Amz-Expires must be a timestamp and a number of seconds",
        ) from None
    if not 1 <= expires <= MAX_EXPIRES:
        raise S3Error(
            "AuthorizationQueryParametersError",
            400,
            "X-Amz-Expires must be between 1 second and 604800 seconds (7 days)",
        )
    if ctx.clock.now() > signed_at + expires:
        raise S3Error("AccessDenied", 403, "Request has expired", Expires=str(signed_at + expires))
    unsigned = "&".join(
        p for p in _raw_query(ctx).split("&") if p.partition("=")[0] != "X-Amz-Signature"
    )
    request = _request(ctx, params.get("X-Amz-SignedHeaders", "host").split(";"), unsigned)
    signer = S3SigV4QueryAuth(Credentials(access, secret), service, region)
    _compare(signer, request, params["X-Amz-Date"], params.get("X-Amz-Signature", ""))
    return access


def _sigv2(ctx: Context, cfg: Config, access: str, signature: str, expires: str | None) -> None:
    secret = _secret(cfg, access)
    headers = HTTPHeaders()
    for name, value in ctx.headers.items():
        if name in ("content-md5", "content-type", "date") or name.startswith("x-amz-"):
            headers[name] = value
    if expires is not None:
        try:
            deadline = int(expires)
        except ValueError:
            raise S3Error("AccessDenied", 403, "Expires is not a number of seconds") from None
        if ctx.clock.now() > deadline:
            raise S3Error("AccessDenied", 403, "Request has expired", Expires=expires)
    signer = _SigV2(Credentials(access, secret), expires or ctx.headers.get("date", ""))
    split = urlsplit(_resource(ctx) + "?" + _raw_query(ctx))
    expected = signer.sign_string(signer.canonical_string(ctx.operation.method, split, headers))
    if not hmac.compare_digest(expected, signature):
        raise _mismatch()


class _SigV2(HmacV1Auth):
    """botocore's SigV2 signer with the date line taken from the request, not the clock."""

    def __init__(self, credentials: Credentials, date: str):
        super().__init__(credentials)
        self._date = date

    def _get_date(self) -> str:
        return self._date


def _compare(signer: S3SigV4Auth, request: AWSRequest, timestamp: str, given: str) -> None:
    request.context["timestamp"] = timestamp
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, given):
        raise _mismatch()


def _request(ctx: Context, signed: list[str], query: str) -> AWSRequest:
    headers = {name: ctx.headers.get(name, "") for name in signed}
    url = "http://" + ctx.headers.get("host", "localhost") + _path(ctx, virtual=True)
    return AWSRequest(ctx.operation.method, url + ("?" + query if query else ""), headers)


def _path(ctx: Context, virtual: bool = False) -> str:
    """The path as a SigV4 client signed it: mount prefix and bucket, keys percent-encoded;
    a virtual-host request (`bucket.localhost`) signed the path without the bucket.
    (SigV2 signs `/bucket/key` whatever the URL: `_resource`.)"""
    bucket = ctx.path_params.get("Bucket")
    host = ctx.headers.get("host", "").rsplit(":", 1)[0]
    path = _resource(ctx)
    if virtual and bucket and host.startswith(bucket + "."):
        path = path[len(bucket) + 1 :] or "/"
    mount = urlsplit(ctx.base_url).path.rstrip("/")  # `/s3` when served beside other specs
    return mount + path if mount and path != "/" else (mount or path)


def _resource(ctx: Context) -> str:
    bucket = ctx.path_params.get("Bucket")
    key = ctx.path_params.get("Key")
    return "/" + "/".join(quote(p, safe="/~") for p in (bucket, key) if p)


def _raw_query(ctx: Context) -> str:
    """The query in canonical form (botocore sends it canonically encoded, so it matches)."""
    return "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, values in ctx.query.items()
        for v in values
    )


def _query_pairs(ctx: Context) -> list[tuple[str, str]]:
    return parse_qsl(_raw_query(ctx), keep_blank_values=True)
