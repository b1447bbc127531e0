"""The store interface every backend implements.

State is organised in namespaces (one per service and resource, e.g.
`petstore:pets`, or `petstore:owners/7/pets` for a nested collection). Items
are JSON-serializable dicts keyed by a string id and kept in insertion order.
Counters give ids that stay unique across workers sharing one store, and claims (a key
held by one holder until a time, like Redis' SET NX PX) let exactly one of them do a piece
of work, or keep a record that expires.

A list page is asked of the store (`page`), not cut from `items()`: each backend
filters, sorts and counts where the data lives, so a page of 20 costs about 20
items, not the whole collection.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import urlparse

from .query import Page, Query

__all__ = ["Page", "Query", "Store", "open_store"]


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

    async def claim(
        self,
        namespace: str,
        key: str,
        holder: str,
        now: float,
        until: float,
        value: Mapping[str, Any] | None = None,
    ) -> bool:
        """Take `key` for `holder` until `until`, with an optional value, when it is free:
        never taken, released, or its holder's time is up (its until <= `now`); or renew it
        (a new until and value) when `holder` already has it. Atomic across processes
        sharing the store, so of several asking at once exactly one gets True. `now` and
        `until` are on whatever clock the caller keeps (wall time for a lease on work, the
        app's clock for a record that expires); expired claims are swept lazily."""

    async def claimed(
        self, namespace: str, key: str, now: float
    ) -> tuple[str, dict[str, Any] | None] | None:
        """(holder, value) of a claim that is live at `now`, else None."""

    async def release(self, namespace: str, key: str, holder: str | None = None) -> bool:
        """Free `key` if `holder` has it (whoever has it when holder is None)."""

    async def namespaces(self, prefix: str = "") -> list[str]: ...

    async def clear(self, prefix: str = "") -> None:
        """Forget every namespace starting with prefix (all of them for ""), its counter and
        its claims."""

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
