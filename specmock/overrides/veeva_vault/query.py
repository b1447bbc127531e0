"""`POST /query`: VQL over stored documents, users and object records, paged the Vault way."""

from __future__ import annotations

from typing import Any

from . import vql
from .docstore import Documents, public
from .envelope import Call, VaultError, form_value, vault_operation
from .fields import USER_FIELDS, FieldDef, document_fields, object_fields
from .objects import record_rows

DEFAULT_PAGESIZE = 1000


def user_rows(call: Call) -> list[dict[str, Any]]:
    """Users as both `users` (legacy names) and `user__sys` (object names) see them."""
    return [
        {
            "id": u.id,
            "name__v": u.full_name,
            "username__sys": u.username,
            "first_name__sys": u.first_name,
            "last_name__sys": u.last_name,
            "email__sys": u.email,
            "status__v": ["active__v" if u.active else "inactive__v"],
            "security_profile__sys": u.security_profile,
            "user_name__v": u.username,
            "user_first_name__v": u.first_name,
            "user_last_name__v": u.last_name,
            "user_email__v": u.email,
            "active__v": u.active,
        }
        for u in call.config.users
    ]


async def source(call: Call, name: str) -> tuple[list[FieldDef], list[dict[str, Any]], dict]:
    """Fields, rows and the describe header of a FROM target."""
    if name == "documents":
        docs = {d["id"]: d for d in await call.ctx.store.items(Documents(call).docs)}
        rows = []
        for fields in await Documents(call).all_latest():
            row = public(fields)
            row["locked__v"] = (docs.get(fields["id"]) or {}).get("lock") is not None
            rows.append(row)
        label = {"name": "documents", "label": "Document", "label_plural": "Documents"}
        return document_fields(call.config), rows, label
    if name in ("users", "user__sys"):
        label = {"name": name, "label": "User", "label_plural": "Users"}
        return USER_FIELDS, user_rows(call), label
    definition = call.config.objects.get(name)
    if definition is None:
        raise VaultError("INCORRECT_QUERY_SYNTAX_ERROR", f"Invalid object [{name}] in FROM.")
    label = {
        "name": name,
        "label": definition.get("label", name),
        "label_plural": definition.get("label_plural", name),
    }
    return object_fields(definition), await record_rows(call, name), label


async def execute(
    call: Call, text: str, pagesize: int | None, pageoffset: int | None, query_id: str
) -> dict[str, Any]:
    try:
        statement = vql.parse(text)
    except vql.VqlError as exc:
        raise VaultError("INCORRECT_QUERY_SYNTAX_ERROR", str(exc)) from None
    fields, rows, label = await source(call, statement.source)
    known = {f.name: f for f in fields}
    unknown = sorted(statement.referenced() - set(known))
    if unknown:
        raise VaultError(
            "INCORRECT_QUERY_SYNTAX_ERROR",
            f"No such field [{unknown[0]}] on [{statement.source}].",
        )
    try:
        found = vql.run(statement, rows)
    except vql.VqlError as exc:
        raise VaultError("INCORRECT_QUERY_SYNTAX_ERROR", str(exc)) from None
    size = min(pagesize or statement.pagesize or DEFAULT_PAGESIZE, DEFAULT_PAGESIZE)
    offset = statement.pageoffset if pageoffset is None else pageoffset
    page = found[offset : offset + size]
    details: dict[str, Any] = {
        "pagesize": size,
        "pageoffset": offset,
        "size": len(page),
        "total": len(found),
    }
    base = call.api(f"/query/{query_id}")
    if offset > 0:
        details["previous_page"] = f"{base}?pagesize={size}&pageoffset={max(offset - size, 0)}"
    if offset + size < len(found):
        details["next_page"] = f"{base}?pagesize={size}&pageoffset={offset + size}"
    body: dict[str, Any] = {
        "responseStatus": "SUCCESS",
        "responseDetails": details,
        "data": [{name: row.get(name) for name in statement.fields} for row in page],
    }
    if call.ctx.headers.get("x-vaultapi-describequery", "").lower() == "true":
        body["queryDescribe"] = {
            "object": label,
            "fields": [known[name].describe() for name in statement.fields],
        }
    return body


@vault_operation("query")
async def query(call: Call) -> dict[str, Any]:
    body = call.ctx.body if isinstance(call.ctx.body, dict) else {}
    text = str(form_value(body.get("q")) or "")
    if not text.strip():
        raise VaultError("PARAMETER_REQUIRED", "Missing required parameter [q].")
    if len(text) > 50000:
        raise VaultError("INVALID_DATA", "A query may be at most 50,000 characters.")
    ns = call.ctx.namespace("/queries")
    n = await call.ctx.store.next_id(ns)
    query_id = f"00000000-0000-4000-8000-{n:012d}"
    result = await execute(call, text, None, None, query_id)
    await call.ctx.store.put(ns, query_id, {"q": text, "user_id": call.user_id})
    return result


@vault_operation("queryPage")
async def query_page(call: Call) -> dict[str, Any]:
    """A `next_page` / `previous_page` URL: the stored query, run again for that page."""
    p = call.ctx.params
    stored = await call.ctx.store.get(call.ctx.namespace("/queries"), str(p["query_id"]))
    if stored is None:
        raise VaultError("INVALID_DATA", f"Query [{p['query_id']}] is unknown or expired.")
    return await execute(call, stored["q"], p.get("pagesize"), p.get("pageoffset"), p["query_id"])
