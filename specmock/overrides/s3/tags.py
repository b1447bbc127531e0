"""Tag sets as S3 checks them, shared by `?tagging` and PutObject's `x-amz-tagging`."""

from __future__ import annotations

from urllib.parse import parse_qsl

from .common import S3Error


def checked(tags: list[dict[str, str]]) -> list[dict[str, str]]:
    keys = [t["Key"] for t in tags]
    if len(set(keys)) != len(keys):
        raise S3Error("InvalidTag", 400, "Cannot provide multiple Tags with the same key")
    if len(tags) > 50:
        raise S3Error("BadRequest", 400, "Object tags cannot be greater than 50")
    return tags


def header_tags(header: str | None) -> list[dict[str, str]]:
    """`x-amz-tagging: a=1&b=2` (URL-encoded, as PutObject and CreateMultipartUpload send)."""
    if not header:
        return []
    return checked([{"Key": k, "Value": v} for k, v in parse_qsl(header, keep_blank_values=True)])
