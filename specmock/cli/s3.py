"""`specmock s3 presign ...`: a presigned URL from a running S3 service, for curl and scripts."""

from __future__ import annotations

import sys

import click


@click.group()
def s3() -> None:
    """Helpers for the bundled S3 service."""


@s3.command()
@click.argument("bucket")
@click.argument("key")
@click.option(
    "--url",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="Where the s3 service is served (include its mount, e.g. /s3, when it shares a server).",
)
@click.option(
    "--method",
    type=click.Choice(["GET", "PUT", "HEAD", "DELETE"]),
    default="GET",
    show_default=True,
)
@click.option("--expires", type=click.IntRange(1, 604800), default=3600, show_default=True)
@click.option("--sigv2", is_flag=True, help="Sign with Signature V2 instead of V4.")
@click.option("--insecure", is_flag=True, help="Do not verify the server's certificate.")
def presign(
    bucket: str, key: str, url: str, method: str, expires: int, sigv2: bool, insecure: bool
) -> None:
    """Print a presigned URL for BUCKET/KEY, signed by the server with its first key."""
    body = {
        "bucket": bucket,
        "key": key,
        "method": method,
        "expires": expires,
        "signature": "v2" if sigv2 else "v4",
    }
    import httpx

    try:
        answer = httpx.post(
            url.rstrip("/") + "/_specmock/presign", json=body, verify=not insecure, timeout=30
        )
    except httpx.HTTPError as exc:
        click.echo(f"specmock s3: {exc}", err=True)
        sys.exit(2)
    if answer.status_code != 200:
        click.echo(f"specmock s3: {answer.status_code} {answer.text}", err=True)
        sys.exit(1)
    click.echo(answer.json()["url"])
