"""Document lifecycles: user actions that may run from the current state, and running them.

A lifecycle is configuration (see config.py): states with a type (`draft`, `review`,
`steady`, `superseded`, `obsolete`) and actions (`from` states, `to` state, required
fields, whether content is needed). Entering a `steady` state makes a new major version
and supersedes the previously approved one, as Vault does.
"""

from __future__ import annotations

from typing import Any

from .docstore import Documents, number, vkey
from .envelope import Call, VaultError, form_value, vault_operation
from .fields import check_value, document_fields


def state_type(cycle: dict[str, Any], state: str) -> str:
    return str(cycle["states"].get(state, {}).get("type", ""))


def _available(call: Call, fields: dict[str, Any], latest: bool) -> list[dict[str, Any]]:
    """Actions that may run on this version now: it must be the latest and unlocked."""
    if not latest:
        return []
    cycle = call.config.lifecycles.get(fields["lifecycle__v"], {})
    return [a for a in cycle.get("actions", []) if fields["status__v"] in a.get("from", [])]


async def _version(call: Call) -> tuple[dict[str, Any], dict[str, Any], bool]:
    p = call.ctx.params
    store = Documents(call)
    fields = await store.version(p["doc_id"], p["major_version"], p["minor_version"])
    doc = await store.doc(p["doc_id"])
    major, minor = number(fields)
    return fields, doc, doc["versions"][-1] == f"{major}.{minor}"


def _action_url(call: Call, fields: dict[str, Any], name: str) -> str:
    major, minor = number(fields)
    path = f"/objects/documents/{fields['id']}/versions/{major}/{minor}/lifecycle_actions/{name}"
    return call.api(path)


@vault_operation("documentLifecycleActions")
async def list_actions(call: Call) -> dict[str, Any]:
    fields, doc, latest = await _version(call)
    actions = [] if doc.get("lock") else _available(call, fields, latest)
    return {
        "responseStatus": "SUCCESS",
        "responseMessage": "Success",
        "lifecycle_actions__v": [
            {
                "name__v": a["name"],
                "label__v": a.get("label", a["name"]),
                "lifecycle_action_type__v": "stateChange",
                "lifecycle__v": fields["lifecycle__v"],
                "state__v": fields["status__v"],
                "executable__v": "true",
                "entry_requirements__v": _action_url(call, fields, a["name"])
                + "/entry_requirements",
            }
            for a in actions
        ],
    }


def _find(call: Call, fields: dict[str, Any], name: str) -> dict[str, Any]:
    cycle = call.config.lifecycles.get(fields["lifecycle__v"], {})
    for action in cycle.get("actions", []):
        if action["name"] == name:
            return action
    raise VaultError("INSUFFICIENT_ACCESS", f"Lifecycle action [{name}] does not exist.")


@vault_operation("actionEntryRequirements")
async def entry_requirements(call: Call) -> dict[str, Any]:
    fields, _, _ = await _version(call)
    action = _find(call, fields, call.ctx.params["action_name"])
    known = {f.name: f for f in document_fields(call.config)}
    props = []
    for name in action.get("requires", []):
        field = known.get(name)
        props.append(
            {
                "name": name,
                "description": field.label if field else name,
                "type": [field.type if field else "String"],
                "required": True,
                "editable": True,
                "repeating": False,
                "scope": "Document",
            }
        )
    return {"responseStatus": "SUCCESS", "responseMessage": "Success", "properties": props}


@vault_operation("runLifecycleAction")
async def run_action(call: Call) -> dict[str, Any]:
    """Move the version to the action's target state, checking the entry requirements."""
    fields, doc, latest = await _version(call)
    name = call.ctx.params["action_name"]
    action = _find(call, fields, name)
    if doc.get("lock") is not None:
        raise VaultError("OPERATION_NOT_ALLOWED", "The document is checked out.")
    if not latest or fields["status__v"] not in action.get("from", []):
        raise VaultError(
            "OPERATION_NOT_ALLOWED",
            f"Action [{name}] cannot run from state [{fields['status__v']}] on this version.",
        )
    body = call.ctx.body if isinstance(call.ctx.body, dict) else {}
    given = {k: form_value(v) for k, v in body.items()}
    known = {f.name: f for f in document_fields(call.config)}
    for required in action.get("requires", []):
        value = given.get(required) or fields.get(required)
        if value in (None, ""):
            raise VaultError(
                "PARAMETER_REQUIRED", f"Entry requirement [{required}] of [{name}] is not met."
            )
        if required in given and required in known:
            fields[required] = check_value(known[required], str(given[required]))
    if action.get("requires_content") and not fields.get("_file"):
        raise VaultError("OPERATION_NOT_ALLOWED", f"Action [{name}] needs a document file.")
    await _enter(call, fields, action["to"])
    return {"responseStatus": "SUCCESS", "id": fields["id"]}


async def _enter(call: Call, fields: dict[str, Any], state: str) -> None:
    store = Documents(call)
    cycle = call.config.lifecycles[fields["lifecycle__v"]]
    now = call.ctx.now()
    fields.update(last_modified_by__v=call.user_id, version_modified_date__v=now)
    if state_type(cycle, state) != "steady":
        fields["status__v"] = state
        await store.save_version(fields)
        return
    await store.save_version(fields)  # the reviewed version keeps its own history entry
    await _supersede(call, fields["id"], cycle)
    major, _ = number(fields)
    doc_id = fields["id"]
    steady = {**fields, "status__v": state, "version_creation_date__v": now}
    steady.update(major_version_number__v=major + 1, minor_version_number__v=0)
    steady["version_id"] = vkey(doc_id, major + 1, 0)
    await store.add_version(steady)


async def _supersede(call: Call, doc_id: int, cycle: dict[str, Any]) -> None:
    """Earlier steady versions move to the lifecycle's superseded state."""
    target = next((s for s in cycle["states"] if state_type(cycle, s) == "superseded"), None)
    if target is None:
        return
    store = Documents(call)
    doc = await store.doc(doc_id)
    for text in doc["versions"]:
        major, minor = (int(p) for p in text.split("."))
        version = await store.version(doc_id, major, minor)
        if state_type(cycle, version["status__v"]) == "steady":
            await store.save_version({**version, "status__v": target})
