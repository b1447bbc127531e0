"""Claims in a MySQL/MariaDB store: a key held by one holder until a time, for the
idempotency and order stages that must run once across every process sharing the database.

A claim is one row; taking it is an INSERT that does nothing when the row exists, then an
UPDATE that succeeds only when the holder is the same or the claim has expired, so two
processes racing for a key never both win. Expired rows are swept now and then, not one by
one. The statements run on the store's connection, under its lock.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

SWEEP_EVERY = 256  # claims taken between two sweeps of a namespace's expired ones


def schema(table: str, text: str) -> str:
    """Claims: a key held by one holder until `ends`; `n` changes on every take, so the
    UPDATE that takes a claim counts one affected row even when nothing else changed."""
    return (
        f"CREATE TABLE IF NOT EXISTS {table} ("
        f" namespace {text}, k {text}, holder {text}, ends DOUBLE NOT NULL,"
        " value LONGTEXT CHARACTER SET utf8mb4 NULL, n BIGINT NOT NULL DEFAULT 0,"
        " PRIMARY KEY (namespace, k), KEY ns_ends (namespace, ends)) ENGINE=InnoDB"
    )


class MysqlClaims:
    """The claims table of one store, reached through the store's lock and connection."""

    def __init__(self, table: str, lock: threading.Lock, live: Callable[[], Any]) -> None:
        self.table = table
        self._lock, self._live = lock, live
        self._taken = 0  # claims taken since the last sweep

    def _claim(
        self, namespace: str, key: str, holder: str, now: float, until: float, text: str | None
    ) -> bool:
        with self._lock, self._live().cursor() as cursor:
            self._taken += 1
            if self._taken >= SWEEP_EVERY:
                self._taken = 0
                cursor.execute(
                    f"DELETE FROM {self.table} WHERE namespace = %s AND ends <= %s",
                    (namespace, now),
                )
            # 1 when inserted; 0 when the key exists (`n = n` changes nothing).
            if cursor.execute(
                f"INSERT INTO {self.table} (namespace, k, holder, ends, value) "
                "VALUES (%s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE n = n",
                (namespace, key, holder, until, text),
            ):
                return True
            taken = cursor.execute(
                f"UPDATE {self.table} SET holder = %s, ends = %s, value = %s, n = n + 1"
                " WHERE namespace = %s AND k = %s AND (holder = %s OR ends <= %s)",
                (holder, until, text, namespace, key, holder, now),
            )
            return taken > 0

    async def claim(
        self, namespace: str, key: str, holder: str, now: float, until: float, text: str | None
    ) -> bool:
        return await asyncio.to_thread(self._claim, namespace, key, holder, now, until, text)

    def _fetch(self, sql: str, params: tuple[Any, ...]) -> Any:
        with self._lock, self._live().cursor() as cursor:
            count = cursor.execute(sql, params)
            return cursor.fetchall() if sql.startswith("SELECT") else count

    async def claimed(
        self, namespace: str, key: str, now: float
    ) -> tuple[str, dict[str, Any] | None] | None:
        rows = await asyncio.to_thread(
            self._fetch,
            f"SELECT holder, value FROM {self.table} WHERE namespace = %s AND k = %s AND ends > %s",
            (namespace, key, now),
        )
        if not rows:
            return None
        holder, text = rows[0]
        return holder, None if text is None else json.loads(text)

    async def release(self, namespace: str, key: str, holder: str | None = None) -> bool:
        sql = f"DELETE FROM {self.table} WHERE namespace = %s AND k = %s"
        params: tuple[Any, ...] = (namespace, key)
        if holder is not None:
            sql, params = sql + " AND holder = %s", (*params, holder)
        return bool(await asyncio.to_thread(self._fetch, sql, params))
