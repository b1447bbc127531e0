"""What a list page asks of a store (`Query`) and what it gets back (`Page`), with the
filter and sort rules every backend follows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FARTHEST = 2**60  # a position no store reaches; offset + limit still fits in 64 bits


@dataclass(frozen=True)
class Query:
    """Which items of a namespace a list page shows.

    `filters` maps a top-level field to the text a client sent (`?status=sold`): an item
    matches when, for every filter, it lacks the field (so query parameters that are not
    fields filter nothing) or the field's value reads as that text. A boolean matches
    `true`/`false` in any case, a list matches when one of its elements does, null and
    objects never match. `sort` names a field (`-field` for descending), items without
    it last; without `sort` the order is insertion order. `limit` None means to the end.
    """

    filters: Mapping[str, str] = field(default_factory=dict)
    sort: str | None = None
    offset: int = 0
    limit: int | None = None

    def __post_init__(self) -> None:
        # a client may ask for offset 10**20: past the end of any store (and of SQL's 64-bit
        # integers), so an empty page, never an overflow
        object.__setattr__(self, "offset", min(max(self.offset, 0), FARTHEST))
        if self.limit is not None:
            object.__setattr__(self, "limit", min(max(self.limit, 0), FARTHEST))


@dataclass
class Page:
    items: list[dict[str, Any]]
    total: int  # every matching item, not only this page


def matches(item: Mapping[str, Any], filters: Mapping[str, str]) -> bool:
    """The Query filter rule, for stores that test items one by one."""
    return all(_same(item[k], v) for k, v in filters.items() if k in item)


def _same(value: Any, wanted: str) -> bool:
    if isinstance(value, bool):
        return str(value).lower() == wanted.lower()
    if isinstance(value, list):
        return any(not isinstance(v, list) and _same(v, wanted) for v in value)
    if value is None or isinstance(value, dict):
        return False
    if isinstance(value, float) and value.is_integer():
        return wanted in (str(value), str(int(value)))
    return str(value) == wanted


def sort_key(name: str) -> tuple[str, bool]:
    """`-name` -> ("name", descending)."""
    return (name[1:], True) if name.startswith("-") else (name, False)
