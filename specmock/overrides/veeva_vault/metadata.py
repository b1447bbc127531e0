"""Metadata and users, derived from the same definitions the service stores and queries."""

from __future__ import annotations

from typing import Any

from .envelope import Call, VaultError, vault_operation
from .fields import document_fields, object_fields
from .objects import object_ref

RENDITIONS = ["viewable_rendition__v"]


@vault_operation("documentProperties")
async def properties(call: Call) -> dict[str, Any]:
    fields = document_fields(call.config)
    return {"responseStatus": "SUCCESS", "properties": [f.property() for f in fields]}


@vault_operation("documentTypes")
async def types(call: Call) -> dict[str, Any]:
    base = call.api("/metadata/objects/documents/types")
    return {
        "responseStatus": "SUCCESS",
        "types": [
            {"label": t.get("label", name), "value": f"{base}/{name}"}
            for name, t in call.config.document_types.items()
        ],
        "lock": call.api("/metadata/objects/documents/lock"),
    }


@vault_operation("documentType")
async def document_type(call: Call) -> dict[str, Any]:
    name = call.ctx.params["type"]
    found = call.config.document_types.get(name)
    if found is None:
        raise VaultError("INVALID_DATA", f"Document type [{name}] does not exist.")
    cycles = call.config.lifecycles
    return {
        "responseStatus": "SUCCESS",
        "name": name,
        "label": found.get("label", name),
        "properties": [f.property() for f in document_fields(call.config)],
        "renditions": RENDITIONS,
        "relationshipTypes": [],
        "templates": [],
        "availableLifecycles": [
            {"name": c, "label": cycles.get(c, {}).get("label", c)}
            for c in found.get("lifecycles", [])
        ],
    }


@vault_operation("listObjectMetadata")
async def list_objects(call: Call) -> dict[str, Any]:
    objects = []
    for order, name in enumerate(call.config.objects, start=1):
        ref = object_ref(call, name)
        objects.append(
            {
                **ref,
                "order": order,
                "in_menu": True,
                "source": "custom" if name.endswith("__c") else "standard",
                "status": ["active__v"],
                "configuration_state": "STEADY_STATE",
            }
        )
    return {"responseStatus": "SUCCESS", "objects": objects}


@vault_operation("objectMetadata")
async def object_metadata(call: Call) -> dict[str, Any]:
    name = call.ctx.params["object_name"]
    ref = object_ref(call, name)
    fields = object_fields(call.config.objects[name])
    out = []
    for f in fields:
        entry = {**f.describe(), "editable": f.editable, "unique": f.name == "id"}
        entry["system_managed_name"] = False
        out.append(entry)
    return {
        "responseStatus": "SUCCESS",
        "object": {
            "name": name,
            "label": ref["label"],
            "label_plural": ref["label_plural"],
            "prefix": ref["prefix"],
            "source": "custom" if name.endswith("__c") else "standard",
            "status": ["active__v"],
            "available_lifecycles": [],
            "relationships": [],
            "fields": out,
        },
    }


def _user(call: Call, user: Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "user_name__v": user.username,
        "user_first_name__v": user.first_name,
        "user_last_name__v": user.last_name,
        "user_email__v": user.email,
        "user_timezone__v": user.timezone,
        "user_locale__v": "en_US",
        "user_language__v": "en",
        "active__v": user.active,
        "security_profile__v": user.security_profile,
    }


@vault_operation("retrieveMyUser")
async def me(call: Call) -> dict[str, Any]:
    return {"responseStatus": "SUCCESS", "size": 1, "users": [{"user": _user(call, call.user)}]}


@vault_operation("listUsers")
async def users(call: Call) -> dict[str, Any]:
    found = [{"user": _user(call, u)} for u in call.config.users]
    return {"responseStatus": "SUCCESS", "size": len(found), "users": found}
