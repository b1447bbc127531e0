"""Presigned URLs minted by the server, for shell scripts and clients without an SDK.

botocore signs them, exactly as boto3's `generate_presigned_url` would with the first
configured key, so the URL passes the same checks as one a client made itself.
"""

from __future__ import annotations

from botocore.config import Config as BotoConfig
from botocore.exceptions import ParamValidationError
from botocore.session import get_session

from specmock import Context, Reply, override

from .common import SERVICE, Config, config

_CLIENT_METHODS = {
    "GET": "get_object",
    "PUT": "put_object",
    "HEAD": "head_object",
    "DELETE": "delete_object",
}


def presign(
    endpoint: str,
    bucket: str,
    key: str,
    method: str = "GET",
    expires: int = 3600,
    v2: bool = False,
    cfg: Config | None = None,
) -> str:
    cfg = cfg or config()
    access, secret = next(iter(cfg.keys.items()))
    client = get_session().create_client(
        "s3",
        endpoint_url=endpoint,
        region_name=cfg.region,
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        config=BotoConfig(signature_version="s3" if v2 else "s3v4"),
    )
    return client.generate_presigned_url(
        _CLIENT_METHODS[method], Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires
    )


@override(f"{SERVICE}:MintPresignedUrl")
async def mint_presigned_url(ctx: Context) -> Reply:
    body = ctx.body or {}
    method = body.get("method", "GET")
    expires = int(body.get("expires", 3600))
    cfg = config(ctx)
    if not cfg.keys:
        return Reply({"detail": "no access keys are configured (SPECMOCK_S3_KEYS)"}, 400)
    try:
        url = presign(
            ctx.base_url,
            body["bucket"],
            body["key"],
            method,
            expires,
            v2=body.get("signature") == "v2",
            cfg=cfg,
        )
    except ParamValidationError as exc:  # botocore's own rules for bucket names and keys
        return Reply({"detail": str(exc)}, 400)
    return Reply({"url": url, "method": method, "expires_at": int(ctx.clock.now()) + expires})
