"""The file staging server's resumable uploads: the one Vault route that carries a file as
raw bytes. Parts are kept per session; committing joins them into a staged file, which a
document then takes by path (the `file` column of a batch create, or `file=` on create).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from .docstore import staged, staged_key
from .envelope import Call, VaultError, form_value, require, vault_operation


async def _session(call: Call) -> dict[str, Any]:
    key = str(call.ctx.params["upload_session_id"])
    found = await call.ctx.store.get(call.ctx.namespace("/upload_sessions"), key)
    if found is None or found["owner"] != call.user_id:
        raise VaultError("INVALID_DATA", f"Upload session [{key}] does not exist.")
    return found


@vault_operation("createUploadSession")
async def create_session(call: Call) -> dict[str, Any]:
    body = call.ctx.body if isinstance(call.ctx.body, dict) else {}
    form = {k: form_value(v) for k, v in body.items()}
    path = require(form.get("path"), "path")
    size_text = require(form.get("size"), "size")
    if not size_text.isdigit() or int(size_text) == 0:
        raise VaultError("INVALID_DATA", f"Invalid size [{size_text}].")
    overwrite = str(form.get("overwrite") or "false").lower() == "true"
    if not overwrite and await staged(call, path) is not None:
        raise VaultError("ITEM_NAME_EXISTS", f"A file already exists at [{path}].")
    ns = call.ctx.namespace("/upload_sessions")
    n = await call.ctx.store.next_id(ns)
    key = hashlib.sha1(f"{call.user_id}|{n}|{path}".encode()).hexdigest()[:32]
    now = call.ctx.now()
    record = {
        "id": key,
        "path": "/" + staged_key(path),
        "name": staged_key(path).rsplit("/", 1)[-1],
        "size": int(size_text),
        "overwrite": overwrite,
        "uploaded_parts": 0,
        "uploaded": 0,
        "created_date": now,
        "last_uploaded_date": now,
        "owner": call.user_id,
    }
    await call.ctx.store.put(ns, key, {**record, "parts": {}})
    return {"responseStatus": "SUCCESS", "data": record}


@vault_operation("uploadPart")
async def upload_part(call: Call) -> dict[str, Any]:
    session = await _session(call)
    number = call.ctx.params.get("X-VaultAPI-FilePartNumber")
    if number is None:
        raise VaultError("PARAMETER_REQUIRED", "Missing header [X-VaultAPI-FilePartNumber].")
    try:
        content = base64.b64decode(call.ctx.body or "", validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise VaultError("INVALID_DATA", "The part body cannot be read.") from None
    if not content:
        raise VaultError("PARAMETER_REQUIRED", "The part body is empty.")
    md5 = hashlib.md5(content).hexdigest()
    sent = call.ctx.headers.get("content-md5", "").strip().lower()
    if sent and sent != md5:
        raise VaultError("INVALID_DATA", "Content-MD5 does not match the part.")
    parts = {**session["parts"], str(number): base64.b64encode(content).decode()}
    session.update(
        parts=parts,
        uploaded_parts=len(parts),
        uploaded=sum(len(base64.b64decode(p)) for p in parts.values()),
        last_uploaded_date=call.ctx.now(),
    )
    await call.ctx.store.put(call.ctx.namespace("/upload_sessions"), session["id"], session)
    data = {"size": len(content), "part_number": int(number), "part_content_md5": md5}
    return {"responseStatus": "SUCCESS", "data": data}


@vault_operation("commitUploadSession")
async def commit(call: Call) -> dict[str, Any]:
    session = await _session(call)
    parts = session["parts"]
    content = b"".join(base64.b64decode(parts[k]) for k in sorted(parts, key=int))
    if len(content) != session["size"]:
        raise VaultError(
            "INVALID_DATA", f"Uploaded {len(content)} bytes; the session expects {session['size']}."
        )
    data = base64.b64encode(content).decode()
    staging = call.ctx.namespace("/staging")
    await call.ctx.store.put(
        staging, staged_key(session["path"]), {"name": session["name"], "data": data}
    )
    await call.ctx.store.delete(call.ctx.namespace("/upload_sessions"), session["id"])
    job = await call.ctx.store.next_id(call.ctx.namespace("/jobs"))
    return {"responseStatus": "SUCCESS", "data": {"job_id": job}}
