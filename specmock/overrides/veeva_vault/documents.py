"""Documents: create (multipart, placeholder, CSV batch), read, list, update, delete,
versions, file download and check-out."""

from __future__ import annotations

from typing import Any

from specmock import Reply

from . import lifecycle, vql
from .docstore import Documents, Upload, check_lock, number, public, take_lock, upload_in, vkey
from .envelope import Call, VaultError, form_value, require, vault_operation
from .fields import check_value, document_fields

_MIGRATION_ONLY = {"status__v", "major_version_number__v", "minor_version_number__v"}


def _form(call: Call) -> dict[str, Any]:
    body = call.ctx.body if isinstance(call.ctx.body, dict) else {}
    return {k: form_value(v) for k, v in body.items()}


def _editable(call: Call, values: dict[str, Any], creating: bool) -> dict[str, Any]:
    """Field values a client may set; unknown or system fields are refused."""
    known = {f.name: f for f in document_fields(call.config)}
    migration = call.ctx.headers.get("x-vaultapi-migrationmode", "").lower() == "true"
    out: dict[str, Any] = {}
    for name, raw in values.items():
        if name in ("file", "createDraft"):
            continue
        field = known.get(name)
        if field is None:
            raise VaultError("ATTRIBUTE_NOT_SUPPORTED", f"Field [{name}] is not supported.")
        allowed = field.editable and (creating or not field.set_on_create)
        if creating and name in _MIGRATION_ONLY:
            allowed = migration or name != "status__v"
        if not allowed:
            raise VaultError("INVALID_DATA", f"Field [{name}] cannot be set here.")
        if raw is not None and not isinstance(raw, (str, int, float)):
            raise VaultError("INVALID_DATA", f"Field [{name}] takes one plain value.")
        text = "" if raw is None else str(raw)
        if not text and field.required:
            raise VaultError("PARAMETER_REQUIRED", f"Missing required parameter [{name}].")
        out[name] = check_value(field, text) if text else None
    return out


async def create_document(
    call: Call, values: dict[str, Any], upload: Upload | None
) -> dict[str, Any]:
    """One new document (version 0.1 unless numbers are given); returns its fields."""
    name = require(values.get("name__v"), "name__v")
    doc_type = require(values.get("type__v"), "type__v")
    cycle = require(values.get("lifecycle__v"), "lifecycle__v")
    fields = _editable(call, values, creating=True)
    kind = call.config.document_types.get(doc_type)
    if kind is None:
        raise VaultError("INVALID_DATA", f"Invalid document type [{doc_type}].")
    if cycle not in kind.get("lifecycles", []) or cycle not in call.config.lifecycles:
        raise VaultError("INVALID_DATA", f"Lifecycle [{cycle}] is not valid for [{doc_type}].")
    definition = call.config.lifecycles[cycle]
    status = fields.pop("status__v", None) or definition["initial"]
    if status not in definition["states"]:
        raise VaultError("INVALID_DATA", f"Invalid status [{status}] for [{cycle}].")
    major = int(fields.pop("major_version_number__v", None) or 0)
    minor = int(fields.pop("minor_version_number__v", None) or 0)
    if (major, minor) == (0, 0):
        minor = 1
    store = Documents(call)
    doc_id = await store.next_id()
    now = call.ctx.now()
    record: dict[str, Any] = {
        **{k: v for k, v in fields.items() if v is not None},
        "id": doc_id,
        "version_id": vkey(doc_id, major, minor),
        "name__v": name,
        "type__v": doc_type,
        "lifecycle__v": cycle,
        "status__v": status,
        "major_version_number__v": major,
        "minor_version_number__v": minor,
        "document_number__v": f"VV-{doc_id:06d}",
        "binder__v": False,
        "locked__v": False,
        "owner__v": {"users": [call.user_id], "groups": []},
        "created_by__v": call.user_id,
        "last_modified_by__v": call.user_id,
        "document_creation_date__v": now,
        "version_creation_date__v": now,
        "version_modified_date__v": now,
    }
    if upload is not None:
        record.update(await store.put_file(vkey(doc_id, major, minor), upload))
    await store.save_doc({"id": doc_id, "versions": [f"{major}.{minor}"], "lock": None})
    await store.save_version(record)
    return record


@vault_operation("createDocument")
async def create(call: Call) -> dict[str, Any]:
    record = await create_document(call, _form(call), await upload_in(call))
    return {
        "responseStatus": "SUCCESS",
        "responseMessage": "successfully created document",
        "id": record["id"],
    }


def render(call: Call, fields: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    """A version's fields as Vault shows them, with the live lock flag."""
    out = public(fields)
    out["locked__v"] = doc.get("lock") is not None
    return out


def version_refs(call: Call, doc: dict[str, Any]) -> list[dict[str, str]]:
    refs = []
    for text in doc["versions"]:
        major, minor = text.split(".")
        url = call.api(f"/objects/documents/{doc['id']}/versions/{major}/{minor}")
        refs.append({"number": text, "value": url})
    return refs


def renditions(call: Call, fields: dict[str, Any]) -> dict[str, str]:
    if not fields.get("_file"):
        return {}
    major, minor = number(fields)
    path = f"/objects/documents/{fields['id']}/versions/{major}/{minor}"
    return {"viewable_rendition__v": call.api(f"{path}/renditions/viewable_rendition__v")}


async def _detail(call: Call, fields: dict[str, Any]) -> dict[str, Any]:
    doc = await Documents(call).doc(fields["id"])
    return {
        "responseStatus": "SUCCESS",
        "document": render(call, fields, doc),
        "renditions": renditions(call, fields),
        "versions": version_refs(call, doc),
        "attachments": [],
    }


@vault_operation("retrieveDocument")
async def retrieve(call: Call) -> dict[str, Any]:
    return await _detail(call, await Documents(call).latest(call.ctx.params["doc_id"]))


@vault_operation("retrieveDocumentVersion")
async def retrieve_version(call: Call) -> dict[str, Any]:
    p = call.ctx.params
    fields = await Documents(call).version(p["doc_id"], p["major_version"], p["minor_version"])
    return await _detail(call, fields)


@vault_operation("listDocumentVersions")
async def list_versions(call: Call) -> dict[str, Any]:
    store = Documents(call)
    doc = await store.doc(call.ctx.params["doc_id"])
    latest = await store.latest(doc["id"])
    return {
        "responseStatus": "SUCCESS",
        "versions": version_refs(call, doc),
        "renditions": renditions(call, latest),
    }


def _sort(text: str, known: set[str]) -> tuple[str, bool]:
    parts = text.split()
    name = parts[0] if parts else "id"
    direction = parts[1].upper() if len(parts) > 1 else "ASC"
    if name not in known or direction not in ("ASC", "DESC") or len(parts) > 2:
        raise VaultError("INVALID_DATA", f"Invalid sort [{text}].")
    return name, direction == "DESC"


@vault_operation("listDocuments")
async def list_documents(call: Call) -> dict[str, Any]:
    """Latest versions (all with `versionscope=all`), searched, sorted and paged."""
    q = call.ctx.params
    store = Documents(call)
    if q.get("versionscope") == "all":
        rows = await call.ctx.store.items(store.versions)
    else:
        rows = await store.all_latest()
    if q.get("named_filter") == "My Documents":
        rows = [r for r in rows if r.get("created_by__v") == call.user_id]
    words = str(q.get("search") or "").lower().split()
    if words:

        def text(r: dict[str, Any]) -> str:
            keys = ("name__v", "title__v", "document_number__v", "filename__v")
            return " ".join(str(r.get(k, "")) for k in keys).lower()

        rows = [r for r in rows if all(w in text(r) for w in words)]
    sort = str(q.get("sort") or "id ASC")
    name, descending = _sort(sort, {f.name for f in document_fields(call.config)})
    present = sorted(
        (r for r in rows if r.get(name) is not None),
        key=lambda r: vql.sort_key(r[name]),
        reverse=descending,
    )
    rows = present + [r for r in rows if r.get(name) is None]
    start, limit = int(q.get("start") or 0), int(q.get("limit") or 200)
    page = rows[start : start + limit]
    docs = {d["id"]: d for d in await call.ctx.store.items(store.docs)}
    return {
        "responseStatus": "SUCCESS",
        "size": len(rows),
        "start": start,
        "limit": limit,
        "documents": [{"document": render(call, r, docs.get(r["id"], {}))} for r in page],
    }


async def update_document(call: Call, doc_id: int, values: dict[str, Any]) -> None:
    store = Documents(call)
    doc = await store.doc(doc_id)
    check_lock(call, doc)
    fields = await store.latest(doc_id)
    changes = _editable(call, values, creating=False)
    if not changes:
        raise VaultError("PARAMETER_REQUIRED", "No fields to update were given.")
    for name, value in changes.items():
        if value is None:
            fields.pop(name, None)
        else:
            fields[name] = value
    fields["last_modified_by__v"] = call.user_id
    fields["version_modified_date__v"] = call.ctx.now()
    await store.save_version(fields)


@vault_operation("updateDocument")
async def update(call: Call) -> dict[str, Any]:
    doc_id = call.ctx.params["doc_id"]
    await update_document(call, doc_id, _form(call))
    return {"responseStatus": "SUCCESS", "id": doc_id}


@vault_operation("deleteDocument")
async def delete(call: Call) -> dict[str, Any]:
    doc_id = call.ctx.params["doc_id"]
    store = Documents(call)
    check_lock(call, await store.doc(doc_id))
    await store.delete(doc_id)
    return {"responseStatus": "SUCCESS", "id": doc_id}


@vault_operation("deleteDocumentVersion")
async def delete_version(call: Call) -> dict[str, Any]:
    p = call.ctx.params
    store = Documents(call)
    doc_id, major, minor = p["doc_id"], p["major_version"], p["minor_version"]
    await store.version(doc_id, major, minor)
    doc = await store.doc(doc_id)
    if len(doc["versions"]) == 1:
        raise VaultError(
            "OPERATION_NOT_ALLOWED", "The only version of a document cannot be deleted."
        )
    doc["versions"] = [v for v in doc["versions"] if v != f"{major}.{minor}"]
    await call.ctx.store.delete(store.versions, vkey(doc_id, major, minor))
    await store.save_doc(doc)
    return {"responseStatus": "SUCCESS", "id": doc_id}


@vault_operation("createDocumentVersion")
async def new_version(call: Call) -> dict[str, Any]:
    """A new draft (`createDraft`), or the check-in of a document checked out by the caller."""
    doc_id = call.ctx.params["doc_id"]
    store = Documents(call)
    doc = await store.doc(doc_id)
    check_lock(call, doc)
    upload = await upload_in(call)
    form = _form(call)
    checking_in = doc.get("lock") is not None
    mode = str(form.get("createDraft") or "")
    if not checking_in and mode not in ("latestContent", "uploadedContent"):
        raise VaultError("PARAMETER_REQUIRED", "Missing required parameter [createDraft].")
    if (checking_in or mode == "uploadedContent") and upload is None:
        raise VaultError("PARAMETER_REQUIRED", "Missing required parameter [file].")
    latest = await store.latest(doc_id)
    cycle = call.config.lifecycles[latest["lifecycle__v"]]
    if lifecycle.state_type(cycle, latest["status__v"]) == "review":
        raise VaultError("OPERATION_NOT_ALLOWED", "No new draft while the document is in review.")
    major, minor = number(latest)
    fields = {**latest, "minor_version_number__v": minor + 1}
    fields["version_id"] = vkey(doc_id, major, minor + 1)
    fields["status__v"] = cycle["initial"]
    now = call.ctx.now()
    fields.update(version_creation_date__v=now, version_modified_date__v=now)
    fields["last_modified_by__v"] = call.user_id
    if form.get("description__v"):
        fields["description__v"] = str(form["description__v"])
    if upload is not None and (checking_in or mode == "uploadedContent"):
        fields.update(await store.put_file(vkey(doc_id, major, minor + 1), upload))
    await store.add_version(fields)
    message = "New draft successfully created."
    if checking_in:
        doc = await store.doc(doc_id)
        doc["lock"] = None
        await store.save_doc(doc)
        message = "Document successfully checked in."
    return {
        "responseStatus": "SUCCESS",
        "responseMessage": message,
        "major_version_number__v": major,
        "minor_version_number__v": minor + 1,
    }


async def _file_reply(call: Call, fields: dict[str, Any]) -> Reply:
    name, content = await Documents(call).file(fields)
    safe = name.replace('"', "")
    headers = {"Content-Disposition": f'attachment;filename="{safe}"'}
    return Reply(
        {"responseStatus": "SUCCESS"},
        headers=headers,
        raw=content,
        media_type="application/octet-stream;charset=UTF-8",
    )


@vault_operation("downloadDocumentFile")
async def download(call: Call) -> Reply:
    doc_id = call.ctx.params["doc_id"]
    fields = await Documents(call).latest(doc_id)
    reply = await _file_reply(call, fields)
    if call.ctx.params.get("lockDocument"):
        await take_lock(call, doc_id)
    return reply


@vault_operation("downloadDocumentVersionFile")
async def download_version(call: Call) -> Reply:
    p = call.ctx.params
    fields = await Documents(call).version(p["doc_id"], p["major_version"], p["minor_version"])
    return await _file_reply(call, fields)
