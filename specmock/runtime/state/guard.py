"""A store that is down says so: `StoreDown` naming the store and the cause.

A Redis, MySQL or SQLite store can be unreachable for a while (restarted, network
gone, disk full). Every call goes through `Guarded`, which turns the backend's own
connection errors into `StoreDown`; the app answers those with a 503 problem
naming the store, readiness asks `check()`, and nothing needs resetting when the
backend returns: the next call that works clears `down`.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .base import Store
from .query import Page, Query

CHECK_TIMEOUT = 2.0  # seconds readiness waits for the store


class StoreDown(Exception):
    def __init__(self, store: str, cause: str):
        super().__init__(f"the state store {store} is unavailable: {cause}")
        self.store = store
        self.cause = cause


def _outage_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean "cannot reach the store", not "bad request"."""
    errors: list[type[BaseException]] = [
        ConnectionError,
        TimeoutError,
        OSError,
        sqlite3.OperationalError,
    ]
    try:
        import redis.exceptions

        errors += [
            redis.exceptions.ConnectionError,
            redis.exceptions.TimeoutError,
            redis.exceptions.BusyLoadingError,
        ]
    except ImportError:  # pragma: no cover
        pass
    try:
        import pymysql

        errors += [pymysql.err.OperationalError, pymysql.err.InterfaceError]
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


def display(url: str) -> str:
    """The store's URL without its password, to name it in answers and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class Guarded:
    """Wraps any Store; the same interface, with outages raised as StoreDown."""

    def __init__(self, store: Store, name: str):
        self.store = store
        self.name = name
        self.down: str | None = None  # the last cause while the store is unreachable
        self._errors = _outage_errors()

    def _failed(self, exc: BaseException) -> StoreDown:
        cause = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
        self.down = cause
        return StoreDown(self.name, cause)

    async def _call(self, method: str, *args: Any) -> Any:
        try:
            result = await getattr(self.store, method)(*args)
        except self._errors as exc:
            raise self._failed(exc) from exc
        self.down = None
        return result

    async def get(self, namespace: str, key: str) -> dict[str, Any] | None:
        return await self._call("get", namespace, key)

    async def put(self, namespace: str, key: str, value: Mapping[str, Any]) -> None:
        await self._call("put", namespace, key, value)

    async def delete(self, namespace: str, key: str) -> bool:
        return await self._call("delete", namespace, key)

    async def items(self, namespace: str) -> list[dict[str, Any]]:
        return await self._call("items", namespace)

    async def page(self, namespace: str, query: Query) -> Page:
        return await self._call("page", namespace, query)

    async def next_id(self, namespace: str) -> int:
        return await self._call("next_id", namespace)

    async def claim(
        self,
        namespace: str,
        key: str,
        holder: str,
        now: float,
        until: float,
        value: Mapping[str, Any] | None = None,
    ) -> bool:
        return await self._call("claim", namespace, key, holder, now, until, value)

    async def claimed(
        self, namespace: str, key: str, now: float
    ) -> tuple[str, dict[str, Any] | None] | None:
        return await self._call("claimed", namespace, key, now)

    async def release(self, namespace: str, key: str, holder: str | None = None) -> bool:
        return await self._call("release", namespace, key, holder)

    async def namespaces(self, prefix: str = "") -> list[str]:
        return await self._call("namespaces", prefix)

    async def clear(self, prefix: str = "") -> None:
        await self._call("clear", prefix)

    async def close(self) -> None:
        with contextlib.suppress(self._errors):
            await self.store.close()

    async def check(self) -> str | None:
        """None when the store answers within CHECK_TIMEOUT, else why not."""
        try:
            await asyncio.wait_for(self.get("specmock:health", "ready"), CHECK_TIMEOUT)
        except StoreDown as exc:
            return exc.cause
        except TimeoutError:
            self.down = f"no answer within {CHECK_TIMEOUT:g} s"
            return self.down
        return None

    def __getattr__(self, name: str) -> Any:  # a backend's own extras (prefix, path, ...)
        return getattr(self.store, name)
