"""The bundled `veeva_vault` service's behaviour: sessions, documents with files,
lifecycles, metadata, VQL and object records, on the public override API.

specmock applies the handlers named here to the service called `veeva_vault`;
see docs/veeva_vault.md for what is supported and how to configure it.
"""

from .batch import create_batch, update_batch
from .documents import (
    create,
    delete,
    delete_version,
    download,
    download_version,
    list_documents,
    list_versions,
    new_version,
    retrieve,
    retrieve_version,
    update,
)
from .envelope import refused
from .errors import CATALOGUE
from .lifecycle import entry_requirements, list_actions, run_action
from .locks import check_out, lock_status, undo_check_out
from .metadata import document_type, list_objects, me, object_metadata, properties, types, users
from .objects import create_records, delete_records, list_records, retrieve_record, update_records
from .query import query, query_page
from .sessions import authenticate, end_session, keep_alive
from .sessions import list_versions as api_versions
from .staging import commit, create_session, upload_part

__all__ = [
    "CATALOGUE",
    "api_versions",
    "authenticate",
    "check_out",
    "commit",
    "create",
    "create_batch",
    "create_records",
    "create_session",
    "delete",
    "delete_records",
    "delete_version",
    "document_type",
    "download",
    "download_version",
    "end_session",
    "entry_requirements",
    "keep_alive",
    "list_actions",
    "list_documents",
    "list_objects",
    "list_records",
    "list_versions",
    "lock_status",
    "me",
    "new_version",
    "object_metadata",
    "properties",
    "query",
    "query_page",
    "refused",
    "retrieve",
    "retrieve_record",
    "retrieve_version",
    "run_action",
    "types",
    "undo_check_out",
    "update",
    "update_batch",
    "update_records",
    "upload_part",
    "users",
]
