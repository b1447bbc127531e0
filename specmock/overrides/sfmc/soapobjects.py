"""The object kinds of the SOAP API and how each is created, read, changed and deleted.

Storage is the REST API's: data extensions and their rows (`rows`), lists and their
members (`contacts`), triggered send definitions (`sends`, also used by REST triggered
sends). Values travel as text, as SOAP carries them.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from specmock import Context

from .common import counter, new_id
from .contacts import LISTS, members_ns
from .rows import DES, check_row, find_de, rows_ns, store_row
from .sends import TRIGGERED, queue_triggered
from .soapxml import many

SUBSCRIBERS = "/subscribers"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_FIELD_TYPES = {"Text", "Number", "Date", "Boolean", "EmailAddress", "Phone", "Decimal", "Locale"}
_TS_STATES = {"New", "Active", "Inactive", "Canceled", "Deleted"}
# ErrorCode values of per-object results (docs/sfmc.md lists them)
UNSUPPORTED = 1
ROW_INVALID = 2
NOT_FOUND = 3
DUPLICATE = 12014
INVALID = 4
NOT_ACTIVE = 5


@dataclass
class Outcome:
    """How one object of a Create/Update/Delete went; becomes one `Results` entry."""

    ok: bool
    message: str
    code: int = 0
    new_id: int = 0
    new_object_id: str = ""
    obj: dict[str, Any] | None = None

    @classmethod
    def error(cls, message: str, code: int) -> Outcome:
        return cls(False, message, code)

    def result(self, operation: str, ordinal: int) -> dict[str, Any]:
        out: dict[str, Any] = {
            "StatusCode": "OK" if self.ok else "Error",
            "StatusMessage": self.message,
            "OrdinalID": ordinal,
        }
        if not self.ok:
            out["ErrorCode"] = self.code
        if operation == "Create":
            out["NewID"] = self.new_id
            if self.new_object_id:
                out["NewObjectID"] = self.new_object_id
        if self.obj is not None:
            out["Object"] = self.obj
        return out


Operation = Callable[[Context, dict[str, Any]], Awaitable[Outcome]]
Lister = Callable[[Context, str], Awaitable[list[dict[str, Any]] | None]]


@dataclass
class Kind:
    """One object type: its operations and the flat records Retrieve reads and filters."""

    operations: dict[str, Operation] = field(default_factory=dict)
    records: Lister | None = None
    properties: tuple[str, ...] = ()  # retrievable; () = the record's own keys (DE rows)


def text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def flag(value: Any) -> bool:
    return text(value).strip().lower() in ("true", "1")


def pairs(container: Any, name: str) -> dict[str, str | None]:
    """`<Properties><Property><Name/><Value/></Property>...` as a name -> value dict."""
    items = many(container.get(name)) if isinstance(container, dict) else []
    out: dict[str, str | None] = {}
    for item in items:
        if isinstance(item, dict) and text(item.get("Name")):
            value = item.get("Value")
            out[item["Name"]] = value if isinstance(value, str) else None
    return out


# -- data extensions ---------------------------------------------------------------------------
async def _de_of(ctx: Context, obj: dict[str, Any]) -> dict[str, Any] | None:
    key, name = text(obj.get("CustomerKey")), text(obj.get("Name"))
    if key:
        return await find_de(ctx, "key:" + key)
    if name:
        return await de_by_name(ctx, name)
    return None


async def de_by_name(ctx: Context, name: str) -> dict[str, Any] | None:
    items = await ctx.store.items(ctx.namespace(DES))
    return next((d for d in items if d["name"].casefold() == name.casefold()), None)


def _fields(obj: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    container = obj.get("Fields")
    given = many(container.get("Field")) if isinstance(container, dict) else []
    fields: list[dict[str, Any]] = []
    for f in given:
        f = f if isinstance(f, dict) else {}
        name, kind = text(f.get("Name")), text(f.get("FieldType")) or "Text"
        if not name:
            return [], "Every Field needs a Name"
        if kind not in _FIELD_TYPES:
            return [], f"Field {name}: FieldType {kind} is not one of {sorted(_FIELD_TYPES)}"
        if any(x["name"].lower() == name.lower() for x in fields):
            return [], f"Field name {name} is used twice"
        pk = flag(f.get("IsPrimaryKey"))
        field_ = {"name": name, "type": kind, "isPrimaryKey": pk}
        field_["isNullable"] = not (pk or flag(f.get("IsRequired")))
        if text(f.get("MaxLength")).isdigit():
            field_["length"] = int(f["MaxLength"])
        if isinstance(f.get("DefaultValue"), str):
            field_["defaultValue"] = f["DefaultValue"]
        fields.append(field_)
    return fields, None


async def create_de(ctx: Context, obj: dict[str, Any]) -> Outcome:
    name = text(obj.get("Name"))
    if not name:
        return Outcome.error("Name is required to create a DataExtension", INVALID)
    fields, problem = _fields(obj)
    if problem:
        return Outcome.error(problem, INVALID)
    if not fields:
        return Outcome.error("A DataExtension needs at least one Field", INVALID)
    new = await new_id(ctx)
    key = text(obj.get("CustomerKey")) or new.upper()
    if await find_de(ctx, "key:" + key) is not None:
        return Outcome.error(f"A DataExtension with CustomerKey {key} already exists", DUPLICATE)
    now = ctx.now()
    de = {"id": new, "key": key, "name": name, "fields": fields}
    if isinstance(obj.get("Description"), str):
        de["description"] = obj["Description"]
    de.update(createdDate=now, modifiedDate=now)
    await ctx.store.put(ctx.namespace(DES), new, de)
    echo = {"@type": "DataExtension", "ObjectID": new, "CustomerKey": key, "Name": name}
    return Outcome(True, "Data Extension created.", new_object_id=new, obj=echo)


async def update_de(ctx: Context, obj: dict[str, Any]) -> Outcome:
    de = await _de_of(ctx, {"CustomerKey": obj.get("CustomerKey")})
    if de is None:
        return Outcome.error(
            f"No DataExtension with CustomerKey {obj.get('CustomerKey')}", NOT_FOUND
        )
    fields, problem = _fields(obj)
    if problem:
        return Outcome.error(problem, INVALID)
    known = {f["name"].lower() for f in de["fields"]}
    de["fields"] += [f for f in fields if f["name"].lower() not in known]
    for name in ("Name", "Description"):
        if isinstance(obj.get(name), str):
            de[name.lower()] = obj[name]
    de["modifiedDate"] = ctx.now()
    await ctx.store.put(ctx.namespace(DES), de["id"], de)
    return Outcome(True, "Data Extension updated.")


async def delete_de(ctx: Context, obj: dict[str, Any]) -> Outcome:
    de = await _de_of(ctx, {"CustomerKey": obj.get("CustomerKey")})
    if de is None:
        return Outcome.error(
            f"No DataExtension with CustomerKey {obj.get('CustomerKey')}", NOT_FOUND
        )
    await ctx.store.delete(ctx.namespace(DES), de["id"])
    await ctx.store.clear(rows_ns(ctx, de["id"]))
    return Outcome(True, "Data Extension deleted.")


async def de_records(ctx: Context, _: str) -> list[dict[str, Any]]:
    return [
        {
            "ObjectID": de["id"],
            "CustomerKey": de["key"],
            "Name": de["name"],
            "Description": de.get("description", ""),
            "IsSendable": "false",
            "CreatedDate": de["createdDate"],
            "ModifiedDate": de["modifiedDate"],
        }
        for de in await ctx.store.items(ctx.namespace(DES))
    ]


async def field_records(ctx: Context, _: str) -> list[dict[str, Any]]:
    out = []
    for de in await ctx.store.items(ctx.namespace(DES)):
        for ordinal, f in enumerate(de["fields"]):
            out.append(
                {
                    "ObjectID": f"{de['id']}.{ordinal}",
                    "CustomerKey": f"[{de['name']}].[{f['name']}]",
                    "Name": f["name"],
                    "FieldType": f.get("type", "Text"),
                    "IsPrimaryKey": str(bool(f.get("isPrimaryKey"))).lower(),
                    "IsRequired": str(not f.get("isNullable", True)).lower(),
                    "MaxLength": str(f.get("length", "")),
                    "DefaultValue": f.get("defaultValue", ""),
                    "Ordinal": str(ordinal),
                    "DataExtension.CustomerKey": de["key"],
                }
            )
    return out


# -- data extension rows -----------------------------------------------------------------------
async def _row_target(ctx: Context, obj: dict[str, Any]) -> tuple[dict | None, Outcome | None]:
    de = await _de_of(ctx, obj)
    if de is None:
        ref = text(obj.get("CustomerKey")) or text(obj.get("Name")) or "(none given)"
        return None, Outcome.error(f"No DataExtension {ref} (give CustomerKey or Name)", NOT_FOUND)
    return de, None


async def _checked_row(ctx: Context, obj: dict[str, Any]) -> tuple[dict[str, Any], Any] | Outcome:
    """The row's data extension and its checked values, or the Outcome that refuses it."""
    de, missing = await _row_target(ctx, obj)
    if de is None:
        return missing  # type: ignore[return-value]
    checked = check_row(
        de, {**pairs(obj.get("Keys"), "Key"), **pairs(obj.get("Properties"), "Property")}
    )
    if checked.errors:
        return Outcome.error("; ".join(checked.errors), ROW_INVALID)
    return de, checked


async def create_row(ctx: Context, obj: dict[str, Any]) -> Outcome:
    found = await _checked_row(ctx, obj)
    if isinstance(found, Outcome):
        return found
    de, checked = found
    problem = await store_row(ctx, de, checked, insert_only=True)
    if problem:
        return Outcome.error(problem, ROW_INVALID)
    return Outcome(True, "Created DataExtensionObject")


async def update_row(ctx: Context, obj: dict[str, Any]) -> Outcome:
    found = await _checked_row(ctx, obj)
    if isinstance(found, Outcome):
        return found
    de, checked = found
    if await ctx.store.get(rows_ns(ctx, de["id"]), checked.key) is None:
        return Outcome.error("No row has these primary key values; Create adds rows", NOT_FOUND)
    problem = await store_row(ctx, de, checked)
    if problem:
        return Outcome.error(problem, ROW_INVALID)
    return Outcome(True, "Updated DataExtensionObject")


async def delete_row(ctx: Context, obj: dict[str, Any]) -> Outcome:
    de, missing = await _row_target(ctx, obj)
    if de is None:
        return missing  # type: ignore[return-value]
    checked = check_row(de, pairs(obj.get("Keys"), "Key"))
    if checked.errors:
        return Outcome.error("; ".join(checked.errors), ROW_INVALID)
    if not await ctx.store.delete(rows_ns(ctx, de["id"]), checked.key):
        return Outcome.error("No row has these primary key values", NOT_FOUND)
    return Outcome(True, "Deleted DataExtensionObject")


async def row_records(ctx: Context, name: str) -> list[dict[str, Any]] | None:
    de = await de_by_name(ctx, name) or await find_de(ctx, "key:" + name)
    if de is None:
        return None
    return list(await ctx.store.items(rows_ns(ctx, de["id"])))


# -- subscribers and lists ---------------------------------------------------------------------
async def _list_record(ctx: Context, list_id: str) -> dict[str, Any] | None:
    return await ctx.store.get(ctx.namespace(LISTS), list_id)


async def _join_lists(ctx: Context, subscriber: dict[str, Any], lists: Any) -> str | None:
    for entry in many(lists):
        entry = entry if isinstance(entry, dict) else {}
        list_id = text(entry.get("ID"))
        if await _list_record(ctx, list_id) is None:
            return f"No List with ID {list_id or '(none given)'}"
        ns = members_ns(ctx, list_id)
        if text(entry.get("Action")).lower() == "delete":
            await ctx.store.delete(ns, subscriber["SubscriberKey"])
            continue
        member = {
            "subscriberKey": subscriber["SubscriberKey"],
            "emailAddress": subscriber["EmailAddress"],
            "status": text(entry.get("Status")) or "Active",
            "listId": list_id,
            "modifiedDate": ctx.now(),
        }
        await ctx.store.put(ns, subscriber["SubscriberKey"], member)
    return None


def _attributes(value: Any) -> dict[str, str]:
    return {text(a.get("Name")): text(a.get("Value")) for a in many(value) if isinstance(a, dict)}


async def create_subscriber(ctx: Context, obj: dict[str, Any]) -> Outcome:
    email = text(obj.get("EmailAddress"))
    if not _EMAIL.match(email):
        return Outcome.error(f"EmailAddress {email!r} is not a valid email address", INVALID)
    key = text(obj.get("SubscriberKey")) or email
    ns = ctx.namespace(SUBSCRIBERS)
    if await ctx.store.get(ns, key.lower()) is not None:
        return Outcome.error("The subscriber already exists.", DUPLICATE)
    subscriber = {
        "ID": await counter(ctx, "subscribers"),
        "SubscriberKey": key,
        "EmailAddress": email,
        "Status": text(obj.get("Status")) or "Active",
        "Attributes": _attributes(obj.get("Attributes")),
        "CreatedDate": ctx.now(),
    }
    problem = await _join_lists(ctx, subscriber, obj.get("Lists"))
    if problem:
        return Outcome.error(problem, NOT_FOUND)
    await ctx.store.put(ns, key.lower(), subscriber)
    return Outcome(True, "Created Subscriber.", new_id=subscriber["ID"])


async def _subscriber_of(ctx: Context, obj: dict[str, Any]) -> dict[str, Any] | None:
    key = text(obj.get("SubscriberKey")) or text(obj.get("EmailAddress"))
    return await ctx.store.get(ctx.namespace(SUBSCRIBERS), key.lower()) if key else None


async def update_subscriber(ctx: Context, obj: dict[str, Any]) -> Outcome:
    subscriber = await _subscriber_of(ctx, obj)
    if subscriber is None:
        return Outcome.error(f"No subscriber {obj.get('SubscriberKey')}", NOT_FOUND)
    email = text(obj.get("EmailAddress"))
    if email and not _EMAIL.match(email):
        return Outcome.error(f"EmailAddress {email!r} is not a valid email address", INVALID)
    if email:
        subscriber["EmailAddress"] = email
    if text(obj.get("Status")):
        subscriber["Status"] = obj["Status"]
    subscriber["Attributes"].update(_attributes(obj.get("Attributes")))
    problem = await _join_lists(ctx, subscriber, obj.get("Lists"))
    if problem:
        return Outcome.error(problem, NOT_FOUND)
    await ctx.store.put(ctx.namespace(SUBSCRIBERS), subscriber["SubscriberKey"].lower(), subscriber)
    return Outcome(True, "Updated Subscriber.")


async def delete_subscriber(ctx: Context, obj: dict[str, Any]) -> Outcome:
    subscriber = await _subscriber_of(ctx, obj)
    if subscriber is None:
        return Outcome.error(f"No subscriber {obj.get('SubscriberKey')}", NOT_FOUND)
    await ctx.store.delete(ctx.namespace(SUBSCRIBERS), subscriber["SubscriberKey"].lower())
    for record in await ctx.store.items(ctx.namespace(LISTS)):
        await ctx.store.delete(members_ns(ctx, record["id"]), subscriber["SubscriberKey"])
    return Outcome(True, "Subscriber deleted")


async def subscriber_records(ctx: Context, _: str) -> list[dict[str, Any]]:
    return [
        {k: str(v) for k, v in s.items() if k != "Attributes"}
        for s in await ctx.store.items(ctx.namespace(SUBSCRIBERS))
    ]


async def create_list(ctx: Context, obj: dict[str, Any]) -> Outcome:
    name = text(obj.get("ListName"))
    if not name:
        return Outcome.error("ListName is required to create a List", INVALID)
    record = {
        "id": str(await counter(ctx, "lists")),
        "name": name,
        "description": text(obj.get("Description")),
        "createdDate": ctx.now(),
    }
    await ctx.store.put(ctx.namespace(LISTS), record["id"], record)
    return Outcome(True, "Created List.", new_id=int(record["id"]))


async def update_list(ctx: Context, obj: dict[str, Any]) -> Outcome:
    record = await _list_record(ctx, text(obj.get("ID")))
    if record is None:
        return Outcome.error(f"No List with ID {obj.get('ID')}", NOT_FOUND)
    if text(obj.get("ListName")):
        record["name"] = obj["ListName"]
    if isinstance(obj.get("Description"), str):
        record["description"] = obj["Description"]
    await ctx.store.put(ctx.namespace(LISTS), record["id"], record)
    return Outcome(True, "Updated List.")


async def delete_list(ctx: Context, obj: dict[str, Any]) -> Outcome:
    list_id = text(obj.get("ID"))
    if not await ctx.store.delete(ctx.namespace(LISTS), list_id):
        return Outcome.error(f"No List with ID {list_id}", NOT_FOUND)
    await ctx.store.clear(members_ns(ctx, list_id))
    return Outcome(True, "Deleted List.")


async def list_records(ctx: Context, _: str) -> list[dict[str, Any]]:
    return [
        {
            "ID": r["id"],
            "ListName": r["name"],
            "Description": r.get("description", ""),
            "Type": "Private",
            "CreatedDate": r["createdDate"],
        }
        for r in await ctx.store.items(ctx.namespace(LISTS))
    ]


# -- triggered sends ---------------------------------------------------------------------------
async def _definition(ctx: Context, obj: Any) -> dict[str, Any] | None:
    key = text(obj.get("CustomerKey")) if isinstance(obj, dict) else ""
    return await ctx.store.get(ctx.namespace(TRIGGERED), key.lower()) if key else None


def _status(obj: dict[str, Any], default: str) -> tuple[str, str | None]:
    status = text(obj.get("TriggeredSendStatus")) or default
    if status not in _TS_STATES:
        return status, f"TriggeredSendStatus {status} is not one of {sorted(_TS_STATES)}"
    return status, None


async def create_tsd(ctx: Context, obj: dict[str, Any]) -> Outcome:
    key = text(obj.get("CustomerKey")) or (await new_id(ctx)).upper()
    if await _definition(ctx, {"CustomerKey": key}) is not None:
        return Outcome.error(f"A TriggeredSendDefinition with CustomerKey {key} exists", DUPLICATE)
    status, problem = _status(obj, "New")
    if problem:
        return Outcome.error(problem, INVALID)
    email = obj.get("Email") if isinstance(obj.get("Email"), dict) else {}
    now = ctx.now()
    record = {
        "ObjectID": await new_id(ctx),
        "CustomerKey": key,
        "Name": text(obj.get("Name")) or key,
        "Description": text(obj.get("Description")),
        "TriggeredSendStatus": status,
        "EmailID": text(email.get("ID")),
        "CreatedDate": now,
        "ModifiedDate": now,
    }
    await ctx.store.put(ctx.namespace(TRIGGERED), key.lower(), record)
    return Outcome(True, "TriggeredSendDefinition created", new_object_id=record["ObjectID"])


async def update_tsd(ctx: Context, obj: dict[str, Any]) -> Outcome:
    record = await _definition(ctx, obj)
    if record is None:
        return Outcome.error(f"No TriggeredSendDefinition {obj.get('CustomerKey')}", NOT_FOUND)
    status, problem = _status(obj, record["TriggeredSendStatus"])
    if problem:
        return Outcome.error(problem, INVALID)
    record["TriggeredSendStatus"] = status
    for name in ("Name", "Description"):
        if isinstance(obj.get(name), str):
            record[name] = obj[name]
    record["ModifiedDate"] = ctx.now()
    await ctx.store.put(ctx.namespace(TRIGGERED), record["CustomerKey"].lower(), record)
    return Outcome(True, "TriggeredSendDefinition updated")


async def delete_tsd(ctx: Context, obj: dict[str, Any]) -> Outcome:
    record = await _definition(ctx, obj)
    if record is None:
        return Outcome.error(f"No TriggeredSendDefinition {obj.get('CustomerKey')}", NOT_FOUND)
    await ctx.store.delete(ctx.namespace(TRIGGERED), record["CustomerKey"].lower())
    return Outcome(True, "TriggeredSendDefinition deleted")


async def tsd_records(ctx: Context, _: str) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in r.items() if k != "EmailID"}
        for r in await ctx.store.items(ctx.namespace(TRIGGERED))
    ]


async def create_triggered_send(ctx: Context, obj: dict[str, Any]) -> Outcome:
    """Each subscriber's message joins the transactional email messages (REST sends too)."""
    record = await _definition(ctx, obj.get("TriggeredSendDefinition"))
    if record is None:
        return Outcome.error("No TriggeredSendDefinition with that CustomerKey", NOT_FOUND)
    if record["TriggeredSendStatus"] != "Active":
        state = record["TriggeredSendStatus"]
        return Outcome.error(
            f"TriggeredSendDefinition {record['CustomerKey']} is {state}, not Active", NOT_ACTIVE
        )
    subscribers = [s for s in many(obj.get("Subscribers")) if isinstance(s, dict)]
    if not subscribers:
        return Outcome.error("A TriggeredSend needs at least one Subscriber", INVALID)
    bad = [
        text(s.get("EmailAddress"))
        for s in subscribers
        if not _EMAIL.match(text(s.get("EmailAddress")))
    ]
    if bad:
        return Outcome.error(f"EmailAddress {bad[0]!r} is not a valid email address", INVALID)
    shared = _attributes(obj.get("Attributes"))
    definition = {"definitionKey": record["CustomerKey"], "status": "Active"}
    for s in subscribers:
        attrs = {**shared, **_attributes(s.get("Attributes"))}
        email = s["EmailAddress"]
        await queue_triggered(ctx, definition, email, text(s.get("SubscriberKey")) or email, attrs)
    return Outcome(True, "Created TriggeredSend")


KINDS: dict[str, Kind] = {
    "DataExtension": Kind(
        {"Create": create_de, "Update": update_de, "Delete": delete_de},
        de_records,
        (
            "ObjectID",
            "CustomerKey",
            "Name",
            "Description",
            "IsSendable",
            "CreatedDate",
            "ModifiedDate",
        ),
    ),
    "DataExtensionField": Kind(
        {},
        field_records,
        (
            "ObjectID",
            "CustomerKey",
            "Name",
            "FieldType",
            "IsPrimaryKey",
            "IsRequired",
            "MaxLength",
            "DefaultValue",
            "Ordinal",
            "DataExtension.CustomerKey",
        ),
    ),
    "DataExtensionObject": Kind(
        {"Create": create_row, "Update": update_row, "Delete": delete_row}, row_records
    ),
    "Subscriber": Kind(
        {"Create": create_subscriber, "Update": update_subscriber, "Delete": delete_subscriber},
        subscriber_records,
        ("ID", "SubscriberKey", "EmailAddress", "Status", "CreatedDate"),
    ),
    "List": Kind(
        {"Create": create_list, "Update": update_list, "Delete": delete_list},
        list_records,
        ("ID", "ListName", "Description", "Type", "CreatedDate"),
    ),
    "TriggeredSendDefinition": Kind(
        {"Create": create_tsd, "Update": update_tsd, "Delete": delete_tsd},
        tsd_records,
        (
            "ObjectID",
            "CustomerKey",
            "Name",
            "Description",
            "TriggeredSendStatus",
            "CreatedDate",
            "ModifiedDate",
        ),
    ),
    "TriggeredSend": Kind({"Create": create_triggered_send}),
}
