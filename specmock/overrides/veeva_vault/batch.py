"""Batch document create and update from CSV: up to 500 rows, each row failing alone.
A row's `file` column names a committed file-staging path; without it the row is a
content placeholder."""

from __future__ import annotations

import csv
import io
from typing import Any

from .docstore import staged
from .documents import create_document, update_document
from .envelope import Call, VaultError, require, vault_operation

MAX_BATCH = 500


def csv_rows(call: Call) -> list[dict[str, str]]:
    """CSV body rows (header line first); refused when empty or over the batch limit."""
    text = call.ctx.body if isinstance(call.ctx.body, str) else ""
    if not text.strip():
        raise VaultError("PARAMETER_REQUIRED", "A CSV body with a header row is required.")
    try:
        rows = list(csv.DictReader(io.StringIO(text)))
    except csv.Error as exc:
        raise VaultError("INVALID_DATA", f"The CSV body cannot be read: {exc}.") from None
    if len(rows) > MAX_BATCH:
        raise VaultError("INVALID_DATA", f"At most {MAX_BATCH} rows per call.")
    return [{str(k): (v or "") for k, v in row.items() if k is not None} for row in rows]


def row_failure(error: VaultError) -> dict[str, Any]:
    return {"responseStatus": "FAILURE", "errors": [{"type": error.type, "message": error.message}]}


@vault_operation("createDocumentsBatch")
async def create_batch(call: Call) -> dict[str, Any]:
    """Each row creates a document with the staged file its `file` column names, or a
    content placeholder; rows fail independently."""
    out = []
    for row in csv_rows(call):
        values = {k: v for k, v in row.items() if k != "file" and v != ""}
        try:
            upload = None
            if row.get("file"):
                upload = await staged(call, row["file"])
                if upload is None:
                    raise VaultError("INVALID_DATA", f"No staged file at [{row['file']}].")
            record = await create_document(call, values, upload)
        except VaultError as error:
            out.append(row_failure(error))
            continue
        item: dict[str, Any] = {"responseStatus": "SUCCESS", "id": record["id"]}
        if record.get("external_id__v"):
            item["external_id__v"] = record["external_id__v"]
        out.append(item)
    return {"responseStatus": "SUCCESS", "data": out}


@vault_operation("updateDocumentsBatch")
async def update_batch(call: Call) -> dict[str, Any]:
    out = []
    for row in csv_rows(call):
        try:
            raw_id = require(row.get("id"), "id")
            if not raw_id.isdigit():
                raise VaultError("INVALID_DATA", f"Invalid document id [{raw_id}].")
            values = {k: v for k, v in row.items() if k != "id"}
            await update_document(call, int(raw_id), values)
        except VaultError as error:
            out.append(row_failure(error))
            continue
        out.append({"responseStatus": "SUCCESS", "id": int(raw_id)})
    return {"responseStatus": "SUCCESS", "data": out}
