"""Vault object records (`/vobjects/{object}`): batch create, update and delete (JSON
array or CSV), read and list, with Vault-style ids (object prefix + counter)."""

from __future__ import annotations

import csv
import io
from typing import Any

from .envelope import Call, VaultError, vault_operation
from .fields import FieldDef, object_fields

MAX_BATCH = 500


def definition(call: Call, name: str) -> dict[str, Any]:
    found = call.config.objects.get(name)
    if found is None:
        raise VaultError("INVALID_DATA", f"Object [{name}] does not exist.")
    return found


def object_ref(call: Call, name: str) -> dict[str, Any]:
    d = definition(call, name)
    return {
        "url": call.api(f"/metadata/vobjects/{name}"),
        "label": d.get("label", name),
        "name": name,
        "label_plural": d.get("label_plural", name),
        "prefix": d.get("prefix", "V00"),
    }


def _ns(call: Call, name: str) -> str:
    return call.ctx.namespace(f"/vobjects/{name}")


async def record_rows(call: Call, name: str) -> list[dict[str, Any]]:
    return await call.ctx.store.items(_ns(call, name))


def _rows(call: Call) -> list[dict[str, Any]]:
    """The batch body: a JSON array of objects or CSV with a header row."""
    body = call.ctx.body
    if isinstance(body, str):
        if not body.strip():
            raise VaultError("PARAMETER_REQUIRED", "A CSV body with a header row is required.")
        try:
            rows = [dict(r) for r in csv.DictReader(io.StringIO(body))]
        except csv.Error as exc:
            raise VaultError("INVALID_DATA", f"The CSV body cannot be read: {exc}.") from None
        rows = [{str(k): v for k, v in r.items() if k is not None} for r in rows]
    elif isinstance(body, list):
        rows = body
    else:
        raise VaultError("PARAMETER_REQUIRED", "A JSON array or CSV body of records is required.")
    if not rows:
        raise VaultError("PARAMETER_REQUIRED", "No records were given.")
    if len(rows) > MAX_BATCH:
        raise VaultError("INVALID_DATA", f"At most {MAX_BATCH} records per call.")
    return rows


def _typed(field: FieldDef, value: Any) -> Any:
    if value is None or value == "":
        return None
    if field.type == "Number":
        if isinstance(value, bool):
            raise VaultError("INVALID_DATA", f"Invalid value for number field [{field.name}].")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise VaultError(
                "INVALID_DATA", f"Invalid value [{value}] for number field [{field.name}]."
            ) from None
        return int(number) if number.is_integer() else number
    if isinstance(value, (dict, list)):
        raise VaultError("INVALID_DATA", f"Invalid value for field [{field.name}].")
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if field.max_length is not None and len(text) > field.max_length:
        raise VaultError("INVALID_DATA", f"Value for [{field.name}] is too long.")
    return text


def _values(fields: dict[str, FieldDef], row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        field = fields.get(str(key))
        if field is None:
            raise VaultError("ATTRIBUTE_NOT_SUPPORTED", f"Field [{key}] is not supported.")
        if not field.editable:
            raise VaultError("INVALID_DATA", f"Field [{key}] is system-managed.")
        out[field.name] = _typed(field, value)
    return out


def _success(call: Call, name: str, record_id: str, event: str) -> dict[str, Any]:
    url = call.api(f"/vobjects/{name}/{record_id}")
    data = {"id": record_id, "url": url, "event": event}
    return {"responseStatus": "SUCCESS", "data": data}


def _failure(error: VaultError) -> dict[str, Any]:
    return {"responseStatus": "FAILURE", "errors": [{"type": error.type, "message": error.message}]}


@vault_operation("createObjectRecords")
async def create_records(call: Call) -> dict[str, Any]:
    name = call.ctx.params["object_name"]
    d = definition(call, name)
    fields = {f.name: f for f in object_fields(d)}
    out = []
    for row in _rows(call):
        try:
            if not isinstance(row, dict):
                raise VaultError("INVALID_DATA", "Each record must be an object.")
            values = _values(fields, row)
            if not values.get("name__v"):
                raise VaultError("PARAMETER_REQUIRED", "Missing required field [name__v].")
        except VaultError as error:
            out.append(_failure(error))
            continue
        n = await call.ctx.store.next_id(_ns(call, name))
        record_id = f"{d.get('prefix', 'V00')}{n:012d}"
        now = call.ctx.now()
        record = {
            **{k: v for k, v in values.items() if v is not None},
            "id": record_id,
            "status__v": ["active__v"],
            "created_date__v": now,
            "modified_date__v": now,
            "created_by__v": call.user_id,
            "modified_by__v": call.user_id,
        }
        await call.ctx.store.put(_ns(call, name), record_id, record)
        out.append(_success(call, name, record_id, "created__sys"))
    return {"responseStatus": "SUCCESS", "data": out}


@vault_operation("updateObjectRecords")
async def update_records(call: Call) -> dict[str, Any]:
    name = call.ctx.params["object_name"]
    fields = {f.name: f for f in object_fields(definition(call, name))}
    out = []
    for row in _rows(call):
        try:
            if not isinstance(row, dict) or not row.get("id"):
                raise VaultError("PARAMETER_REQUIRED", "Missing required field [id].")
            record_id = str(row["id"])
            record = await call.ctx.store.get(_ns(call, name), record_id)
            if record is None:
                raise VaultError("INVALID_DATA", f"Record [{record_id}] does not exist.")
            changes = _values(fields, {k: v for k, v in row.items() if k != "id"})
            if "name__v" in changes and not changes["name__v"]:
                raise VaultError("PARAMETER_REQUIRED", "Field [name__v] cannot be cleared.")
        except VaultError as error:
            out.append(_failure(error))
            continue
        for key, value in changes.items():
            if value is None:
                record.pop(key, None)
            else:
                record[key] = value
        record.update(modified_date__v=call.ctx.now(), modified_by__v=call.user_id)
        await call.ctx.store.put(_ns(call, name), record_id, record)
        out.append(_success(call, name, record_id, "updated__sys"))
    return {"responseStatus": "SUCCESS", "data": out}


@vault_operation("deleteObjectRecords")
async def delete_records(call: Call) -> dict[str, Any]:
    name = call.ctx.params["object_name"]
    definition(call, name)
    out = []
    for row in _rows(call):
        record_id = str(row.get("id") or "") if isinstance(row, dict) else ""
        if not record_id or not await call.ctx.store.delete(_ns(call, name), record_id):
            message = f"Record [{record_id}] does not exist." if record_id else "Missing [id]."
            out.append(_failure(VaultError("INVALID_DATA", message)))
            continue
        out.append(_success(call, name, record_id, "deleted__sys"))
    return {"responseStatus": "SUCCESS", "data": out}


@vault_operation("retrieveObjectRecord")
async def retrieve_record(call: Call) -> dict[str, Any]:
    name = call.ctx.params["object_name"]
    ref = object_ref(call, name)
    record_id = str(call.ctx.params["object_record_id"])
    record = await call.ctx.store.get(_ns(call, name), record_id)
    if record is None:
        raise VaultError("INVALID_DATA", f"Record [{record_id}] does not exist.")
    return {
        "responseStatus": "SUCCESS",
        "responseDetails": {"url": call.api(f"/vobjects/{name}/{record_id}"), "object": ref},
        "data": record,
    }


@vault_operation("listObjectRecords")
async def list_records(call: Call) -> dict[str, Any]:
    name = call.ctx.params["object_name"]
    ref = object_ref(call, name)
    rows = await record_rows(call, name)
    limit = int(call.ctx.params.get("limit") or 200)
    offset = int(call.ctx.params.get("offset") or 0)
    page = rows[offset : offset + limit]
    details: dict[str, Any] = {
        "limit": limit,
        "offset": offset,
        "size": len(page),
        "total": len(rows),
        "object": ref,
    }
    base = call.api(f"/vobjects/{name}")
    if offset + limit < len(rows):
        details["next_page"] = f"{base}?limit={limit}&offset={offset + limit}"
    if offset > 0:
        details["previous_page"] = f"{base}?limit={limit}&offset={max(offset - limit, 0)}"
    return {"responseStatus": "SUCCESS", "responseDetails": details, "data": page}
