"""Requests specmock refuses before a handler runs, answered with S3's <Error> body."""

from __future__ import annotations

from specmock import Context, Reply, rejected

from .common import S3Error, error_reply

_CODES = {
    413: ("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"),
    415: ("InvalidArgument", "The Content-Type is not accepted here"),
    406: ("InvalidArgument", "The Accept header asks for a media type S3 does not answer"),
}


@rejected("s3")
async def rejected_request(ctx: Context) -> Reply | None:
    if ctx.operation_id == "MintPresignedUrl":  # specmock's own JSON endpoint: its own errors
        return None
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
