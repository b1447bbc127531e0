"""The bundled S3 service: buckets, objects, listings and multipart uploads as boto3, the
AWS CLI and s3fs use them, with S3's XML errors and signature checks (see docs/s3.md).

The runtime collects handlers from this package's namespace only, so they are imported here.
"""

from .acl import get_bucket_acl, get_object_acl, put_bucket_acl, put_object_acl
from .buckets import (
    create_bucket,
    delete_bucket,
    get_bucket_location,
    get_bucket_versioning,
    head_bucket,
    list_buckets,
    put_bucket_versioning,
)
from .errors import rejected_request
from .listing import list_object_versions, list_objects, list_objects_v2
from .lock import (
    get_object_legal_hold,
    get_object_lock_configuration,
    get_object_retention,
    put_object_legal_hold,
    put_object_lock_configuration,
    put_object_retention,
)
from .multipart import (
    abort_multipart_upload,
    complete_multipart_upload,
    create_multipart_upload,
    list_multipart_uploads,
    list_parts,
    upload_part,
)
from .objects import (
    delete_object,
    delete_objects,
    get_object,
    get_object_attributes,
    head_object,
    put_object,
)
from .policy import delete_bucket_policy, get_bucket_policy, put_bucket_policy
from .presign import mint_presigned_url
from .tagging import (
    delete_bucket_tagging,
    delete_object_tagging,
    get_bucket_tagging,
    get_object_tagging,
    put_bucket_tagging,
    put_object_tagging,
)

__all__ = [
    "abort_multipart_upload",
    "complete_multipart_upload",
    "create_bucket",
    "create_multipart_upload",
    "delete_bucket",
    "delete_bucket_policy",
    "delete_bucket_tagging",
    "delete_object",
    "delete_object_tagging",
    "delete_objects",
    "get_bucket_acl",
    "get_bucket_location",
    "get_bucket_policy",
    "get_bucket_tagging",
    "get_bucket_versioning",
    "get_object",
    "get_object_acl",
    "get_object_attributes",
    "get_object_legal_hold",
    "get_object_lock_configuration",
    "get_object_retention",
    "get_object_tagging",
    "head_bucket",
    "head_object",
    "list_buckets",
    "list_multipart_uploads",
    "list_object_versions",
    "list_objects",
    "list_objects_v2",
    "list_parts",
    "mint_presigned_url",
    "put_bucket_acl",
    "put_bucket_policy",
    "put_bucket_tagging",
    "put_bucket_versioning",
    "put_object",
    "put_object_acl",
    "put_object_legal_hold",
    "put_object_lock_configuration",
    "put_object_retention",
    "put_object_tagging",
    "rejected_request",
    "upload_part",
]
