"""Documents in the specmock store: one record per document, one per version, one per file.

`/documents` holds `{id, versions: ["0.1", ...], lock}`; `/document_versions` holds each
version's fields under `"{id}_{major}_{minor}"`; `/files` holds file bytes (base64) under
the key of the version that uploaded them, so versions that share content share the key.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
from dataclasses import dataclass
from typing import Any

from .envelope import Call, VaultError


@dataclass
class Upload:
    """A file a client sent: its name and, when the engine passed them on, its bytes."""

    filename: str
    content: bytes


def upload_from(value: Any) -> Upload | None:
    """Read a multipart `file` field in whatever form the request body carries it."""
    if isinstance(value, list):
        value = value[-1] if value else None
    if value is None or value == "":
        return None
    if isinstance(value, (bytes, bytearray)):
        return Upload("file", bytes(value))
    name = getattr(value, "filename", None)
    content = getattr(value, "content", None)
    if name is not None and isinstance(content, (bytes, bytearray)):
        return Upload(str(name), bytes(content))
    handle = getattr(value, "file", None)
    if name is not None and handle is not None:
        handle.seek(0)
        return Upload(str(name), handle.read())
    if isinstance(value, dict) and "filename" in value:
        raw = value.get("content", b"")
        return Upload(str(value["filename"]), raw if isinstance(raw, bytes) else str(raw).encode())
    # Multipart file parts currently reach overrides as their file name only.
    return Upload(str(value), b"")


async def upload_in(call: Call) -> Upload | None:
    """The request's `file`: the context's file parts where the engine provides them, else
    the body, where a multipart file currently appears by name only, and where a name that
    is a committed file-staging path stands for that staged file."""
    files = getattr(call.ctx, "files", None)
    if isinstance(files, dict) and files.get("file"):
        return upload_from(files["file"])
    body = call.ctx.body if isinstance(call.ctx.body, dict) else {}
    upload = upload_from(body.get("file"))
    if upload is not None and not upload.content:
        return await staged(call, upload.filename) or upload
    return upload


def vkey(doc_id: int, major: int, minor: int) -> str:
    return f"{doc_id}_{major}_{minor}"


def number(fields: dict[str, Any]) -> tuple[int, int]:
    return int(fields["major_version_number__v"]), int(fields["minor_version_number__v"])


class Documents:
    """Store access for one call; raises Vault errors for what does not exist."""

    def __init__(self, call: Call):
        self.call = call
        self.store = call.ctx.store
        self.docs = call.ctx.namespace("/documents")
        self.versions = call.ctx.namespace("/document_versions")
        self.files = call.ctx.namespace("/files")

    async def next_id(self) -> int:
        return await self.store.next_id(self.docs)

    async def doc(self, doc_id: int) -> dict[str, Any]:
        found = await self.store.get(self.docs, str(doc_id))
        if found is None:
            raise VaultError("INVALID_DATA", f"Invalid document id [{doc_id}].")
        return found

    async def version(self, doc_id: int, major: int, minor: int) -> dict[str, Any]:
        await self.doc(doc_id)
        found = await self.store.get(self.versions, vkey(doc_id, major, minor))
        if found is None:
            raise VaultError(
                "INVALID_DATA", f"Invalid version [{major}.{minor}] of document [{doc_id}]."
            )
        return found

    async def latest(self, doc_id: int) -> dict[str, Any]:
        doc = await self.doc(doc_id)
        major, minor = (int(p) for p in doc["versions"][-1].split("."))
        return await self.version(doc_id, major, minor)

    async def all_latest(self) -> list[dict[str, Any]]:
        out = []
        for doc in await self.store.items(self.docs):
            major, minor = (int(p) for p in doc["versions"][-1].split("."))
            fields = await self.store.get(self.versions, vkey(doc["id"], major, minor))
            if fields is not None:
                out.append(fields)
        return out

    async def save_doc(self, doc: dict[str, Any]) -> None:
        await self.store.put(self.docs, str(doc["id"]), doc)

    async def save_version(self, fields: dict[str, Any]) -> None:
        major, minor = number(fields)
        await self.store.put(self.versions, vkey(fields["id"], major, minor), fields)

    async def add_version(self, fields: dict[str, Any]) -> None:
        """Store a new version and append it to the document's history."""
        doc = await self.doc(fields["id"])
        major, minor = number(fields)
        doc["versions"] = [*doc["versions"], f"{major}.{minor}"]
        await self.save_version(fields)
        await self.save_doc(doc)

    async def put_file(self, key: str, upload: Upload) -> dict[str, Any]:
        """Store bytes; returns the file fields (name, format, size, md5) a version carries."""
        data = base64.b64encode(upload.content).decode()
        await self.store.put(self.files, key, {"filename": upload.filename, "data": data})
        kind = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
        return {
            "filename__v": upload.filename,
            "format__v": kind,
            "size__v": len(upload.content),
            "md5checksum__v": hashlib.md5(upload.content).hexdigest(),
            "_file": key,
        }

    async def file(self, fields: dict[str, Any]) -> tuple[str, bytes]:
        key = fields.get("_file")
        found = await self.store.get(self.files, key) if key else None
        if found is None:
            raise VaultError(
                "INVALID_DATA", f"Document [{fields['id']}] has no file (content placeholder)."
            )
        return str(found["filename"]), base64.b64decode(found["data"])

    async def delete(self, doc_id: int) -> None:
        doc = await self.doc(doc_id)
        for number_text in doc["versions"]:
            major, minor = (int(p) for p in number_text.split("."))
            await self.store.delete(self.versions, vkey(doc_id, major, minor))
            await self.store.delete(self.files, vkey(doc_id, major, minor))
        await self.store.delete(self.docs, str(doc_id))


def public(fields: dict[str, Any]) -> dict[str, Any]:
    """A version's fields as clients see them: internal keys (leading `_`) dropped."""
    return {k: v for k, v in fields.items() if not k.startswith("_")}


def check_lock(call: Call, doc: dict[str, Any]) -> None:
    lock = doc.get("lock")
    if lock is not None and lock["locked_by__v"] != call.user_id:
        raise VaultError(
            "OPERATION_NOT_ALLOWED", f"Document [{doc['id']}] is checked out by another user."
        )


async def take_lock(call: Call, doc_id: int) -> None:
    store = Documents(call)
    doc = await store.doc(doc_id)
    if doc.get("lock") is not None:
        raise VaultError("OPERATION_NOT_ALLOWED", f"Document [{doc_id}] is already checked out.")
    doc["lock"] = {"locked_by__v": call.user_id, "locked_date__v": call.ctx.now()}
    await store.save_doc(doc)


def staged_key(path: str) -> str:
    """Staging paths are written with or without their leading slash; one key for both."""
    return path.strip().lstrip("/")


async def staged(call: Call, path: str) -> Upload | None:
    found = await call.ctx.store.get(call.ctx.namespace("/staging"), staged_key(path))
    if found is None:
        return None
    return Upload(str(found["name"]), base64.b64decode(found["data"]))
