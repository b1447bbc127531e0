"""Document and object field definitions: one list feeds metadata, VQL and validation.

Keeping a single source means what `/metadata/...` describes is exactly what the service
stores, what VQL can select and filter, and what create/update accept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .config import VaultConfig
from .envelope import VaultError

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class FieldDef:
    name: str
    label: str
    type: str = "String"
    required: bool = False
    editable: bool = True
    system: bool = False
    set_on_create: bool = False
    max_length: int | None = None

    def property(self) -> dict[str, Any]:
        """The `/metadata/objects/documents/properties` entry."""
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "repeating": False,
            "systemAttribute": self.system,
            "editable": self.editable,
            "setOnCreateOnly": self.set_on_create,
            "disabled": False,
            "hidden": False,
            "queryable": True,
            "label": self.label,
            "section": "generalProperties",
            "scope": "DocumentVersion",
            "definedIn": "base_document__v",
            "facetable": self.type in ("Picklist", "Boolean", "ObjectReference"),
        }
        if self.max_length is not None:
            out["maxLength"] = self.max_length
        return out

    def describe(self) -> dict[str, Any]:
        """The `queryDescribe.fields` / object-definition entry."""
        out: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "required": self.required,
        }
        if self.max_length is not None:
            out["max_length"] = self.max_length
        return out


def _sys(name: str, label: str, type_: str = "String") -> FieldDef:
    return FieldDef(name, label, type_, editable=False, system=True)


DOCUMENT_FIELDS: list[FieldDef] = [
    _sys("id", "Document ID", "id"),
    _sys("version_id", "Version ID"),
    FieldDef("name__v", "Name", required=True, system=True, max_length=100),
    FieldDef("title__v", "Title", system=True, max_length=255),
    FieldDef("type__v", "Type", "ObjectReference", required=True, system=True, set_on_create=True),
    FieldDef("subtype__v", "Subtype", "ObjectReference", system=True, set_on_create=True),
    FieldDef("classification__v", "Classification", "ObjectReference", system=True),
    FieldDef(
        "lifecycle__v",
        "Lifecycle",
        "ObjectReference",
        required=True,
        system=True,
        set_on_create=True,
    ),
    _sys("status__v", "Status"),
    _sys("major_version_number__v", "Major Version", "Number"),
    _sys("minor_version_number__v", "Minor Version", "Number"),
    _sys("document_number__v", "Document Number"),
    _sys("filename__v", "File Name"),
    _sys("format__v", "Format"),
    _sys("size__v", "Size", "Number"),
    _sys("md5checksum__v", "MD5 Checksum"),
    _sys("binder__v", "Binder", "Boolean"),
    _sys("locked__v", "Locked", "Boolean"),
    _sys("owner__v", "Owner", "ObjectReference"),
    _sys("created_by__v", "Created By", "ObjectReference"),
    _sys("last_modified_by__v", "Last Modified By", "ObjectReference"),
    _sys("document_creation_date__v", "Created Date", "DateTime"),
    _sys("version_creation_date__v", "Version Created Date", "DateTime"),
    _sys("version_modified_date__v", "Version Modified Date", "DateTime"),
    FieldDef("description__v", "Description", max_length=1500, system=True),
    FieldDef("external_id__v", "External ID", max_length=255, system=True),
]


def document_fields(config: VaultConfig) -> list[FieldDef]:
    """The built-in fields plus the configured custom ones."""
    custom = [
        FieldDef(
            f["name"],
            f.get("label", f["name"]),
            f.get("type", "String"),
            bool(f.get("required", False)),
            max_length=f.get("maxLength"),
        )
        for f in config.raw.get("document_fields", [])
    ]
    return DOCUMENT_FIELDS + custom


RECORD_SYSTEM_FIELDS: list[FieldDef] = [
    _sys("id", "ID", "ID"),
    FieldDef("name__v", "Name", required=True, max_length=128),
    FieldDef("external_id__v", "External ID", max_length=255),
    _sys("status__v", "Status", "Picklist"),
    _sys("created_date__v", "Created Date", "DateTime"),
    _sys("modified_date__v", "Last Modified Date", "DateTime"),
    _sys("created_by__v", "Created By", "Object"),
    _sys("modified_by__v", "Last Modified By", "Object"),
]


def object_fields(definition: dict[str, Any]) -> list[FieldDef]:
    custom = [
        FieldDef(
            f["name"],
            f.get("label", f["name"]),
            f.get("type", "String"),
            bool(f.get("required", False)),
            max_length=f.get("maxLength"),
        )
        for f in definition.get("fields", [])
    ]
    return RECORD_SYSTEM_FIELDS + custom


USER_FIELDS: list[FieldDef] = [
    _sys("id", "ID", "ID"),
    _sys("name__v", "Name"),
    _sys("username__sys", "User Name"),
    _sys("first_name__sys", "First Name"),
    _sys("last_name__sys", "Last Name"),
    _sys("email__sys", "Email"),
    _sys("status__v", "Status", "Picklist"),
    _sys("security_profile__sys", "Security Profile"),
    _sys("user_name__v", "User Name"),
    _sys("user_first_name__v", "First Name"),
    _sys("user_last_name__v", "Last Name"),
    _sys("user_email__v", "Email"),
    _sys("active__v", "Active", "Boolean"),
]


def check_value(field: FieldDef, value: str) -> Any:
    """Type a form value by its field, or refuse it the way Vault does."""
    if field.max_length is not None and len(value) > field.max_length:
        raise VaultError(
            "INVALID_DATA", f"Value for [{field.name}] is longer than {field.max_length}."
        )
    if field.type == "Date" and value and not _DATE.fullmatch(value):
        raise VaultError("INVALID_DATA", f"Invalid value [{value}] for date field [{field.name}].")
    if field.type == "Number" and value:
        try:
            return int(value)
        except ValueError:
            raise VaultError(
                "INVALID_DATA", f"Invalid value [{value}] for number field [{field.name}]."
            ) from None
    return value
