"""Quality levels: how rich a generated answer is, and the cheap fixes that make the
richest level read as one consistent record (dates in order, a name and its email)."""

from __future__ import annotations

import re
from typing import Any

LEVELS = ("basic", "realistic", "production", "exact")
EXTENSION = "x-specmock-quality"
DEFAULT = "realistic"

# Keys whose values should come in this order when an object carries several of them.
_ORDER = (
    "created",
    "issued",
    "start",
    "begin",
    "published",
    "updated",
    "modified",
    "end",
    "finish",
    "completed",
    "closed",
    "expires",
    "expiry",
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
_NAME_KEYS = ("name", "full_name", "fullname", "display_name", "displayname", "username")


def problem(value: Any) -> str | None:
    """Why `value` is not a quality level, or None when it is one."""
    if value in LEVELS:
        return None
    return f"quality {value!r} is not one of {', '.join(LEVELS)}"


def consistent(value: Any) -> Any:
    """A copy of `value` whose objects agree with themselves, at every depth."""
    if isinstance(value, list):
        return [consistent(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: consistent(v) for k, v in value.items()}
    _order_dates(out)
    _agree_email(out)
    return out


def _rank(key: str) -> int | None:
    low = key.lower()
    for i, stem in enumerate(_ORDER):
        if low.startswith(stem) or low.endswith(stem) or f"_{stem}" in low:
            return i
    return None


def _order_dates(obj: dict[str, Any]) -> None:
    """Dated keys (created, updated, expires, ...) of one shape get their values sorted."""
    ranked = [
        (rank, key)
        for key, v in obj.items()
        if isinstance(v, str) and _DATE.match(v) and (rank := _rank(key)) is not None
    ]
    for shape in {len(obj[k]) for _, k in ranked}:
        keys = [k for _, k in sorted(ranked) if len(obj[k]) == shape]
        for key, v in zip(keys, sorted(obj[k] for k in keys), strict=True):
            obj[key] = v


def _agree_email(obj: dict[str, Any]) -> None:
    """An email beside a person's name is made from that name, on the email's own domain."""
    email = next((k for k in obj if k.lower() in ("email", "email_address", "emailaddress")), None)
    if email is None or not isinstance(obj[email], str) or "@" not in obj[email]:
        return
    lowered = {k.lower(): k for k in obj}
    parts: list[str] = []
    first = lowered.get("first_name") or lowered.get("firstname") or lowered.get("given_name")
    last = lowered.get("last_name") or lowered.get("lastname") or lowered.get("family_name")
    if first and last and isinstance(obj[first], str) and isinstance(obj[last], str):
        parts = [obj[first], obj[last]]
    else:
        named = next((lowered[k] for k in _NAME_KEYS if k in lowered), None)
        if named and isinstance(obj[named], str):
            parts = obj[named].split()
    local = ".".join(re.sub(r"[^a-z0-9]", "", p.lower()) for p in parts)
    local = re.sub(r"\.+", ".", local).strip(".")
    if local:
        obj[email] = f"{local}@{obj[email].rsplit('@', 1)[1]}"
