"""The vault specmock plays: users, lifecycles, document types, objects and options.

Defaults live here; `SPECMOCK_VEEVA_VAULT_CONFIG=path.yaml` (or .json) merges a file over
them, key by key at the top level, so a team can add its own users or lifecycle without
forking the service. The file is re-read when its modification time changes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ENV = "SPECMOCK_VEEVA_VAULT_CONFIG"

DEFAULTS: dict[str, Any] = {
    "vault": {"id": 1776, "name": "specmock Vault"},
    "idle_timeout_minutes": 30,
    "session_max_hours": 48,
    "http_errors": False,
    "static_sessions": {"specmock-static-session": "admin@specmock.example"},
    "users": [
        {
            "id": 61001,
            "username": "admin@specmock.example",
            "password": "specmock",
            "first_name": "Ada",
            "last_name": "Admin",
            "security_profile": "vault_owner__v",
        },
        {
            "id": 61002,
            "username": "reviewer@specmock.example",
            "password": "specmock",
            "first_name": "Rita",
            "last_name": "Reviewer",
            "security_profile": "document_user__v",
        },
        {
            "id": 61003,
            "username": "locked@specmock.example",
            "password": "specmock",
            "first_name": "Lee",
            "last_name": "Locked",
            "locked": True,
        },
        {
            "id": 61004,
            "username": "inactive@specmock.example",
            "password": "specmock",
            "first_name": "Ina",
            "last_name": "Inactive",
            "active": False,
        },
    ],
    "document_types": {
        "general__c": {"label": "General", "lifecycles": ["general_lifecycle__c"]},
        "promotional_piece__c": {
            "label": "Promotional Piece",
            "lifecycles": ["general_lifecycle__c"],
        },
        "trial_document__c": {"label": "Trial Document", "lifecycles": ["general_lifecycle__c"]},
    },
    "lifecycles": {
        "general_lifecycle__c": {
            "label": "General Lifecycle",
            "initial": "draft__c",
            "states": {
                "draft__c": {"label": "Draft", "type": "draft"},
                "in_review__c": {"label": "In Review", "type": "review"},
                "approved__c": {"label": "Approved", "type": "steady"},
                "superseded__c": {"label": "Superseded", "type": "superseded"},
                "obsolete__c": {"label": "Obsolete", "type": "obsolete"},
            },
            "actions": [
                {
                    "name": "send_for_review__c",
                    "label": "Send for Review",
                    "from": ["draft__c"],
                    "to": "in_review__c",
                    "requires_content": True,
                    "requires": [],
                },
                {
                    "name": "approve__c",
                    "label": "Approve",
                    "from": ["in_review__c"],
                    "to": "approved__c",
                    "requires": ["effective_date__c"],
                },
                {
                    "name": "reject__c",
                    "label": "Reject",
                    "from": ["in_review__c"],
                    "to": "draft__c",
                    "requires": [],
                },
                {
                    "name": "make_obsolete__c",
                    "label": "Make Obsolete",
                    "from": ["approved__c"],
                    "to": "obsolete__c",
                    "requires": [],
                },
            ],
        }
    },
    "document_fields": [
        {"name": "effective_date__c", "label": "Effective Date", "type": "Date"},
        {"name": "country__c", "label": "Country", "type": "String", "maxLength": 128},
        {"name": "product__c", "label": "Product", "type": "String", "maxLength": 128},
    ],
    "objects": {
        "product__v": {
            "label": "Product",
            "label_plural": "Products",
            "prefix": "00P",
            "fields": [
                {"name": "generic_name__vs", "label": "Generic Name", "type": "String"},
                {"name": "therapeutic_area__c", "label": "Therapeutic Area", "type": "String"},
                {"name": "launch_year__c", "label": "Launch Year", "type": "Number"},
            ],
        },
        "country__v": {
            "label": "Country",
            "label_plural": "Countries",
            "prefix": "00C",
            "fields": [{"name": "abbreviation__c", "label": "Abbreviation", "type": "String"}],
        },
    },
}


@dataclass
class User:
    """A configured user; `locked` and `active` drive the login errors."""

    id: int
    username: str
    password: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    locked: bool = False
    active: bool = True
    security_profile: str = "document_user__v"
    timezone: str = "America/New_York"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.username


@dataclass
class VaultConfig:
    raw: dict[str, Any]
    users: list[User] = field(default_factory=list)

    @property
    def vault_id(self) -> int:
        return int(self.raw["vault"]["id"])

    @property
    def vault_name(self) -> str:
        return str(self.raw["vault"]["name"])

    @property
    def http_errors(self) -> bool:
        return bool(self.raw.get("http_errors"))

    @property
    def idle_seconds(self) -> float:
        return float(self.raw["idle_timeout_minutes"]) * 60

    @property
    def max_seconds(self) -> float:
        return float(self.raw["session_max_hours"]) * 3600

    @property
    def lifecycles(self) -> dict[str, Any]:
        return self.raw["lifecycles"]

    @property
    def document_types(self) -> dict[str, Any]:
        return self.raw["document_types"]

    @property
    def objects(self) -> dict[str, Any]:
        return self.raw["objects"]

    def user_named(self, username: str) -> User | None:
        wanted = username.strip().lower()
        return next((u for u in self.users if u.username.lower() == wanted), None)

    def user_by_id(self, user_id: int) -> User | None:
        return next((u for u in self.users if u.id == user_id), None)


_cache: dict[str, Any] = {"key": None, "config": None}


def load() -> VaultConfig:
    """The current configuration: defaults, with the file named by the env var merged over."""
    path = os.environ.get(ENV, "")
    mtime = Path(path).stat().st_mtime if path and Path(path).is_file() else None
    key = (path, mtime)
    if _cache["key"] == key and _cache["config"] is not None:
        return _cache["config"]
    raw = dict(DEFAULTS)
    if mtime is not None:
        text = Path(path).read_text(encoding="utf-8")
        extra = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
        raw.update(extra or {})
    users = [_user(u) for u in raw["users"]]
    config = VaultConfig(raw, users)
    _cache.update(key=key, config=config)
    return config


def _user(data: dict[str, Any]) -> User:
    known = {k: v for k, v in data.items() if k in User.__dataclass_fields__}
    user = User(**known)
    if not user.email:
        user.email = user.username
    return user
