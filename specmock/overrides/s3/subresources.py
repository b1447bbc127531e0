"""S3 sub-resources (`?acl`, `?tagging`, ...) that specmock does not serve.

The router picks the bare path's operation when a query names no declared sub-resource, so
without this check `PUT /bucket?acl` would run CreateBucket and `GET /key?acl` would return
the object's bytes. S3 itself answers a feature it lacks with `NotImplemented` (501); so do
we, for every sub-resource S3 defines that the selected operation does not own.
"""

from __future__ import annotations

from specmock import Context

from .common import S3Error

# Query names S3 treats as sub-resources (they select another operation on the same path).
SUBRESOURCES = frozenset(
    {
        "accelerate", "acl", "analytics", "attributes", "cors", "delete", "encryption",
        "intelligent-tiering", "inventory", "legal-hold", "lifecycle", "list-type",
        "location", "logging", "metadataTable", "metrics", "notification", "object-lock",
        "ownershipControls", "policy", "policyStatus", "publicAccessBlock", "renameObject",
        "replication", "requestPayment", "restore", "retention", "select", "session",
        "tagging", "torrent", "uploadId", "uploads", "versioning", "versions", "website",
    }
)  # fmt: skip

# The sub-resources each served operation owns; all others in a query are not served.
OWNED: dict[str, frozenset[str]] = {
    "ListObjectsV2": frozenset({"list-type"}),
    "ListObjectVersions": frozenset({"versions"}),
    "ListMultipartUploads": frozenset({"uploads"}),
    "GetBucketLocation": frozenset({"location"}),
    "GetBucketVersioning": frozenset({"versioning"}),
    "PutBucketVersioning": frozenset({"versioning"}),
    "GetObjectAttributes": frozenset({"attributes"}),
    **{f"{verb}ObjectLockConfiguration": frozenset({"object-lock"}) for verb in ("Get", "Put")},
    **{f"{verb}ObjectRetention": frozenset({"retention"}) for verb in ("Get", "Put")},
    **{f"{verb}ObjectLegalHold": frozenset({"legal-hold"}) for verb in ("Get", "Put")},
    **{
        f"{verb}{kind}Tagging": frozenset({"tagging"})
        for verb in ("Get", "Put", "Delete")
        for kind in ("Bucket", "Object")
    },
    **{f"{verb}BucketPolicy": frozenset({"policy"}) for verb in ("Get", "Put", "Delete")},
    **{
        f"{verb}{kind}Acl": frozenset({"acl"})
        for verb in ("Get", "Put")
        for kind in ("Bucket", "Object")
    },
    "DeleteObjects": frozenset({"delete"}),
    "CreateMultipartUpload": frozenset({"uploads"}),
    "UploadPart": frozenset({"uploadId"}),
    "ListParts": frozenset({"uploadId"}),
    "CompleteMultipartUpload": frozenset({"uploadId"}),
    "AbortMultipartUpload": frozenset({"uploadId"}),
}


def unimplemented(ctx: Context) -> S3Error | None:
    """S3's `NotImplemented` error when the query names a sub-resource this operation does
    not own; None when the request is one specmock serves."""
    if not ctx.query:
        return None
    owned = OWNED.get(ctx.operation_id or "", frozenset())
    extra = sorted(name for name in ctx.query if name in SUBRESOURCES and name not in owned)
    if not extra:
        return None
    return S3Error(
        "NotImplemented",
        501,
        "A header you provided implies functionality that is not implemented: "
        f"{ctx.operation.method} ?{extra[0]} is not served by specmock's S3",
    )
