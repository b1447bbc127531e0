"""Check-out (lock) of documents: who holds it, taking it and giving it back."""

from __future__ import annotations

from typing import Any

from .docstore import Documents, check_lock, take_lock
from .envelope import Call, VaultError, vault_operation


@vault_operation("checkOutDocument")
async def check_out(call: Call) -> dict[str, Any]:
    await take_lock(call, call.ctx.params["doc_id"])
    return {"responseStatus": "SUCCESS", "responseMessage": "Document successfully checked out."}


@vault_operation("documentLock")
async def lock_status(call: Call) -> dict[str, Any]:
    doc = await Documents(call).doc(call.ctx.params["doc_id"])
    return {"responseStatus": "SUCCESS", "lock": doc.get("lock") or {}}


@vault_operation("undoCheckOut")
async def undo_check_out(call: Call) -> dict[str, Any]:
    store = Documents(call)
    doc = await store.doc(call.ctx.params["doc_id"])
    if doc.get("lock") is None:
        raise VaultError("OPERATION_NOT_ALLOWED", f"Document [{doc['id']}] is not checked out.")
    check_lock(call, doc)
    doc["lock"] = None
    await store.save_doc(doc)
    return {"responseStatus": "SUCCESS", "responseMessage": "Undo check out successful."}
