"""The store interface every backend implements.

State is organised in namespaces (one per service and resource, e.g.
`petstore:pets`, or `petstore:owners/7/pets` for a nested collection). Items
are JSON-serializable dicts keyed by a string id and kept in insertion order.
Counters give ids that stay unique across workers sharing one store.

A list page is asked of the store (`page`), not cut from `items()`: each backend
filters, sorts and counts where the data lives, so a page of 20 costs about 20
items, not the whole collection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlparse


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


class Store(Protocol):
    """Async so that network-backed stores never block the event loop."""

    async def get(self, namespace: str, key: str) -> dict[str, Any] | None: ...

    async def put(self, namespace: str, key: str, value: Mapping[str, Any]) -> None:
        """Insert or replace; a replaced item keeps its place in the order."""

    async def delete(self, namespace: str, key: str) -> bool:
        """True when something was deleted."""

    async def items(self, namespace: str) -> list[dict[str, Any]]:
        """Every item of a namespace, oldest first (for small namespaces; lists use page)."""

    async def page(self, namespace: str, query: Query) -> Page:
        """The items `query` selects, from `offset`, at most `limit`, and how many match in
        all. Only the returned items are copied out of the store; a caller may change them."""

    async def next_id(self, namespace: str) -> int:
        """1, 2, 3, ... per namespace, atomically, across processes sharing the store."""

    async def namespaces(self, prefix: str = "") -> list[str]: ...

    async def clear(self, prefix: str = "") -> None:
        """Forget every namespace starting with prefix (all of them for "") and its counter."""

    async def close(self) -> None: ...


def open_store(url: str | None) -> Store:
    """`memory://` (default), `sqlite:///path.db` or `redis://host:port/db`."""
    if not url or url.startswith("memory"):
        from .memory import MemoryStore

        return MemoryStore()
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        from .sqlite import SqliteStore

        return SqliteStore.from_url(url)
    if scheme in ("redis", "rediss", "unix"):
        from .redis import RedisStore

        return RedisStore.from_url(url)
    if scheme in ("mysql", "mariadb"):
        from .mysql import MysqlStore

        return MysqlStore.from_url(url)
    raise ValueError(f"unknown state store {url!r}: use memory://, sqlite:///path.db or redis://")
