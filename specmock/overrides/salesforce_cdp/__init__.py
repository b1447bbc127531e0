"""Salesforce Data Cloud (CDP): the behaviour behind specs/salesforce_cdp.yaml.

specmock collects the handlers from this package's namespace, so each one is re-exported
here; the modules stay small and each covers one API family.
"""

from .auth import exchange_token, oauth_revoke, oauth_token, tenant_revoke
from .errors import CATALOGUE
from .insights import create_insight, insight_query, metadata_list, metadata_one
from .jobs import create_job, delete_job, get_job, list_jobs, update_job, upload
from .profile import metadata as profile_metadata
from .profile import profile_children, profile_insight, profile_list, profile_record
from .query import metadata, next_batch, query_v1, query_v2
from .query_sql import cancel_sql_query, create_sql_query, get_sql_query, get_sql_query_rows
from .segments import (
    count_segment,
    create,
    delete_segment,
    get_segment,
    list_segments,
    publish_segment,
    segment_members,
)
from .streaming import delete, ingest, test_payload

__all__ = [
    "CATALOGUE",
    "cancel_sql_query",
    "count_segment",
    "create",
    "create_insight",
    "create_job",
    "create_sql_query",
    "delete",
    "delete_job",
    "delete_segment",
    "exchange_token",
    "get_job",
    "get_segment",
    "get_sql_query",
    "get_sql_query_rows",
    "ingest",
    "insight_query",
    "list_jobs",
    "list_segments",
    "metadata",
    "metadata_list",
    "metadata_one",
    "next_batch",
    "oauth_revoke",
    "oauth_token",
    "profile_children",
    "profile_insight",
    "profile_list",
    "profile_metadata",
    "profile_record",
    "publish_segment",
    "query_v1",
    "query_v2",
    "segment_members",
    "tenant_revoke",
    "test_payload",
    "update_job",
    "upload",
]
