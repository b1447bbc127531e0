"""Identity resolution: match rules unify source individuals into unified profiles.

Rules (any one links two records): the same email (case-insensitive), the same phone
number once reduced to its last ten digits, or the same first + last name at the same
normalized street address and postal code. It runs on every read, so new data is
unified as soon as it is ingested. A unified id is derived from the cluster's smallest
source key: it stays the same while that record is in the cluster.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

_ABBREVIATIONS = {"street": "st", "avenue": "ave", "road": "rd", "boulevard": "blvd"}


@dataclass
class Unified:
    """The two unified tables: profiles and the links back to their source records."""

    profiles: list[dict[str, Any]]
    links: list[dict[str, Any]]


def normalize_phone(phone: str | None) -> str:
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits[-10:] if len(digits) >= 7 else ""


def normalize_address(street: str | None, postal: str | None) -> str:
    words = re.sub(r"[^a-z0-9 ]", " ", (street or "").lower()).split()
    words = [_ABBREVIATIONS.get(w, w) for w in words]
    postal = re.sub(r"\s", "", (postal or "").lower())
    return f"{' '.join(words)}|{postal}" if words and postal else ""


def _match_keys(person: dict[str, Any]) -> list[str]:
    keys = []
    email = (person.get("email") or "").strip().lower()
    if email:
        keys.append(f"email:{email}")
    phone = normalize_phone(person.get("phone"))
    if phone:
        keys.append(f"phone:{phone}")
    first = (person.get("first_name") or "").strip().lower()
    last = (person.get("last_name") or "").strip().lower()
    address = normalize_address(person.get("street"), person.get("postal_code"))
    if first and last and address:
        keys.append(f"name-address:{first}|{last}|{address}")
    return keys


def unify(people: list[dict[str, Any]]) -> Unified:
    """people: customer records with `source` and `customer_id` added."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def join(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first_owner: dict[str, str] = {}
    by_key = {}
    for person in people:
        key = f"{person['source']}:{person['customer_id']}"
        by_key[key] = person
        find(key)
        for match in _match_keys(person):
            if match in first_owner:
                join(key, first_owner[match])
            else:
                first_owner[match] = key
    clusters: dict[str, list[str]] = {}
    for key in by_key:
        clusters.setdefault(find(key), []).append(key)
    profiles, links = [], []
    for root, members in sorted(clusters.items()):
        unified_id = "UI" + hashlib.sha256(root.encode()).hexdigest()[:16]
        people_in = [by_key[k] for k in sorted(members)]
        lead = people_in[0]
        profiles.append(
            {
                "ssot__Id__c": unified_id,
                "ssot__FirstName__c": lead.get("first_name"),
                "ssot__LastName__c": lead.get("last_name"),
                "ssot__EmailAddress__c": next(
                    (p["email"] for p in people_in if p.get("email")), None
                ),
                "ssot__TelephoneNumber__c": next(
                    (p["phone"] for p in people_in if p.get("phone")), None
                ),
                "SourceRecordCount__c": len(people_in),
            }
        )
        for person in people_in:
            links.append(
                {
                    "UnifiedRecordId__c": unified_id,
                    "SourceRecordId__c": person["customer_id"],
                    "ssot__DataSourceId__c": person["source"],
                    "ssot__DataSourceObjectId__c": "customers",
                }
            )
    return Unified(profiles, links)
