"""S3's errors: the named ones faults and scenarios ask for, and the requests specmock
refuses before a handler runs, all answered with S3's <Error> body."""

from __future__ import annotations

from xml.sax.saxutils import escape

from specmock import (
    Catalogue,
    Context,
    Failure,
    NamedError,
    Reply,
    register_catalogue,
    rejected,
    standard_presets,
)

from .common import SERVICE, S3Error, error_reply, http_date
from .subresources import unimplemented

_CODES = {
    413: ("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"),
    415: ("InvalidArgument", "The Content-Type is not accepted here"),
    406: ("InvalidArgument", "The Accept header asks for a media type S3 does not answer"),
}


@rejected("s3")
async def rejected_request(ctx: Context) -> Reply | None:
    if ctx.operation_id == "MintPresignedUrl":  # specmock's own JSON endpoint: its own errors
        return None
    missing = unimplemented(ctx)  # `PUT /bucket?acl` is not a CreateBucket with a bad body
    if missing is not None:
        return error_reply(ctx, missing)
    if ctx.operation_id == "PutBucketPolicy":  # a body that is not JSON at all
        return error_reply(
            ctx,
            S3Error(
                "MalformedPolicy", 400, "Policies must be valid JSON and the first byte must be '{'"
            ),
        )
    status = ctx.rejection_status or 400
    detail = "; ".join(f"{v.get('pointer', '')}: {v.get('message', '')}" for v in ctx.violations)
    if any(
        v.get("in") == "path" and v.get("pointer", "").startswith("/Bucket") for v in ctx.violations
    ):
        name = ctx.path_params.get("Bucket", "")
        return error_reply(
            ctx,
            S3Error(
                "InvalidBucketName",
                400,
                f"The specified bucket is not valid: {detail}",
                BucketName=name,
            ),
        )
    if status in _CODES:
        code, message = _CODES[status]
        return error_reply(ctx, S3Error(code, status, f"{message}: {detail}"))
    if any(v.get("rule") == "syntax" or v.get("in") == "body" for v in ctx.violations):
        return error_reply(
            ctx,
            S3Error(
                "MalformedXML",
                400,
                "The XML you provided was not well-formed or did not validate against our "
                f"published schema: {detail}",
            ),
        )
    return error_reply(ctx, S3Error("InvalidArgument", 400, detail or "Invalid Argument"))


# -- the named errors S3 answers, for faults and scenarios --------------------------------
ERRORS = (
    NamedError(
        "SlowDown",
        503,
        "SlowDown",
        "Please reduce your request rate.",
        retryable=True,
        description="S3 throttles a prefix; SDKs back off and retry.",
    ),
    NamedError(
        "ServiceUnavailable", 503, "ServiceUnavailable", "Reduce your request rate.", retryable=True
    ),
    NamedError(
        "InternalError",
        500,
        "InternalError",
        "We encountered an internal error. Please try again.",
        retryable=True,
    ),
    NamedError("AccessDenied", 403, "AccessDenied", "Access Denied"),
    NamedError(
        "InvalidAccessKeyId",
        403,
        "InvalidAccessKeyId",
        "The AWS Access Key Id you provided does not exist in our records.",
    ),
    NamedError(
        "SignatureDoesNotMatch",
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you "
        "provided. Check your key and signing method.",
    ),
    NamedError(
        "RequestTimeTooSkewed",
        403,
        "RequestTimeTooSkewed",
        "The difference between the request time and the current time is too large.",
    ),
    NamedError("ExpiredToken", 400, "ExpiredToken", "The provided token has expired."),
    NamedError(
        "RequestTimeout",
        400,
        "RequestTimeout",
        "Your socket connection to the server was not read from or written to within "
        "the timeout period. Idle connections will be closed.",
        retryable=True,
    ),
    NamedError("NoSuchBucket", 404, "NoSuchBucket", "The specified bucket does not exist"),
    NamedError("NoSuchKey", 404, "NoSuchKey", "The specified key does not exist."),
    NamedError(
        "NoSuchUpload",
        404,
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the "
        "upload may have been aborted or completed.",
    ),
    NamedError(
        "BucketAlreadyExists",
        409,
        "BucketAlreadyExists",
        "The requested bucket name is not available. The bucket namespace is shared "
        "by all users of the system. Please select a different name and try again.",
    ),
    NamedError(
        "BucketNotEmpty", 409, "BucketNotEmpty", "The bucket you tried to delete is not empty"
    ),
    NamedError(
        "OperationAborted",
        409,
        "OperationAborted",
        "A conflicting conditional operation is currently in progress against this "
        "resource. Please try again.",
        retryable=True,
    ),
    NamedError(
        "PreconditionFailed",
        412,
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
    ),
    NamedError("InvalidRange", 416, "InvalidRange", "The requested range is not satisfiable"),
    NamedError(
        "InvalidPartNumber", 416, "InvalidPartNumber", "The requested partnumber is not satisfiable"
    ),
    NamedError("NoSuchVersion", 404, "NoSuchVersion", "The specified version does not exist."),
    NamedError("NoSuchTagSet", 404, "NoSuchTagSet", "The TagSet does not exist"),
    NamedError("NoSuchBucketPolicy", 404, "NoSuchBucketPolicy", "The bucket policy does not exist"),
    NamedError("MalformedPolicy", 400, "MalformedPolicy", "Policies must be valid JSON"),
    NamedError("InvalidTag", 400, "InvalidTag", "Cannot provide multiple Tags with the same key"),
    NamedError(
        "ObjectLockConfigurationNotFoundError",
        404,
        "ObjectLockConfigurationNotFoundError",
        "Object Lock configuration does not exist for this bucket",
    ),
    NamedError(
        "NoSuchObjectLockConfiguration",
        404,
        "NoSuchObjectLockConfiguration",
        "The specified object does not have a ObjectLock configuration",
    ),
    NamedError(
        "InvalidBucketState",
        409,
        "InvalidBucketState",
        "Object Lock configuration cannot be enabled on existing buckets",
    ),
    NamedError("InvalidDigest", 400, "InvalidDigest", "The Content-MD5 you specified was invalid."),
    NamedError(
        "BadDigest",
        400,
        "BadDigest",
        "The Content-MD5 you specified did not match what we received.",
    ),
    NamedError(
        "EntityTooLarge",
        400,
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed size",
    ),
    NamedError("InvalidRequest", 400, "InvalidRequest", "The request is not valid."),
    NamedError(
        "MethodNotAllowed",
        405,
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
    ),
    NamedError(
        "NotImplemented",
        501,
        "NotImplemented",
        "A header you provided implies functionality that is not implemented.",
    ),
)


def render(failure: Failure) -> Reply:
    """`<Error><Code>…</Code><Message>…</Message>…</Error>` with S3's request id headers;
    HEAD answers carry no body, as S3's do."""
    error = failure.error
    headers = {
        "x-amz-request-id": failure.request_id,
        "x-amz-id-2": failure.request_id,
        "Date": http_date(failure.now),
    }
    if failure.method == "HEAD":
        return Reply(None, error.status, headers)
    parts = [("Code", str(error.code)), ("Message", failure.message)]
    parts += [(k, str(v)) for k, v in error.fields.items()]
    parts += [
        ("Resource", failure.path),
        ("RequestId", failure.request_id),
        ("HostId", failure.request_id),
    ]
    inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in parts)
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{inner}</Error>'
    return Reply(None, error.status, headers, body.encode(), "application/xml")


CATALOGUE = register_catalogue(
    Catalogue(
        SERVICE,
        ERRORS,
        render,
        presets={
            **standard_presets(SERVICE, "SlowDown", "ServiceUnavailable", "InternalError"),
            "slowdown-burst": {
                "faults": [
                    {"service": SERVICE, "id": "s3-slowdown-burst", "first": 3, "error": "SlowDown"}
                ]
            },
        },
        statuses={
            400: "InvalidRequest",
            401: "AccessDenied",
            403: "AccessDenied",
            404: "NoSuchKey",
            405: "MethodNotAllowed",
            429: "SlowDown",
            500: "InternalError",
            501: "NotImplemented",
            503: "ServiceUnavailable",
        },
    )
)
