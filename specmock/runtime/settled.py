"""Settled answers: a request met before, answered from the contract alone (or by an
override that says its reply is a function of the request), is answered again without
running the stages.

A generated answer is a pure function of the request and of the server's configuration
(seed, quality, credentials, the specs), which is why the response cache keeps it. Yet
finding the cached answer costs routing, parameter parsing and checks, negotiation and
a cache key: more than half of what a stateless GET costs. This table skips them for a
request whose every byte was seen before.

The key is the request as it came: method, path, query string, every header in order,
scheme, root path, the server's own address (what `Location` and `Link` are built from)
and, for a request with a body, its bytes. A GET or HEAD is looked up before routing; a
request with a body once the body stage has read it, and only on a path that has an
answer kept. The configuration is not in the key: every change made through the control
plane, a reload, a new clock and a purge of the response cache forget the table
(`forget`). Only answers the stages marked settled are kept (`Exchange.settled`): no
fault rule, rate limit, traffic mode, idempotency record or stored state acted. An
override's reply is kept only until the time it names (`Reply.settled_until`).

Bounded: at most `capacity` answers (the response cache's size) and MAX_BYTES of keys,
least recently used first out; bodies over MAX_BODY are never keys. A hit counts as a
hit of the response cache.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .outgoing import Outgoing

MAX_HEADERS = 32
MAX_TARGET = 2048
MAX_BODY = 32 * 1024
MAX_BYTES = 16 * 1024 * 1024
_UNBODIED = ("GET", "HEAD")
_BODY_HEADERS = (b"content-length", b"transfer-encoding")
_FOREVER = float("inf")


class Settled:
    """Answers by request, for as long as the configuration they were made under lasts."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._items: OrderedDict[tuple[Any, ...], tuple[Outgoing, float, int]] = OrderedDict()
        self._bodied: dict[str, int] = {}  # path -> answers kept for requests with a body
        self.bytes = 0

    def key(self, scope: dict[str, Any], body: bytes | None = None) -> tuple[Any, ...] | None:
        """The request's key, or None when it cannot be one. Without `body`, only a
        request that carries none (a GET or HEAD without body headers)."""
        if self.capacity <= 0:
            return None
        headers = scope["headers"]
        path, query = scope["path"], scope["query_string"]
        if len(headers) > MAX_HEADERS or len(path) + len(query) > MAX_TARGET:
            return None
        if body is None:
            if scope["method"] not in _UNBODIED:
                return None
            for name, _ in headers:
                if name in _BODY_HEADERS:
                    return None
        elif len(body) > MAX_BODY:
            return None
        server = scope.get("server")  # a list from some servers: a tuple to be hashed
        where = None if server is None else tuple(server)
        method, scheme, root = scope["method"], scope["scheme"], scope["root_path"]
        return (method, path, query, tuple(headers), scheme, root, where, body)

    def expects_body(self, path: str) -> bool:
        """Whether a request with a body on this path might be found (worth its key)."""
        return path in self._bodied

    def get(self, key: tuple[Any, ...], now: Callable[[], float]) -> Outgoing | None:
        found = self._items.get(key)
        if found is None:
            return None
        out, until, _ = found
        if until < _FOREVER and now() >= until:  # the clock is read only for a limit
            self._drop(key)
            return None
        self._items.move_to_end(key)
        return out

    def put(self, key: tuple[Any, ...], out: Outgoing, until: float = _FOREVER) -> None:
        if key in self._items:
            self._drop(key)
        path, body = key[1], key[-1]
        size = len(path) + len(key[2]) + sum(len(n) + len(v) for n, v in key[3])
        if body is not None:
            size += len(body)
            self._bodied[path] = self._bodied.get(path, 0) + 1
        self._items[key] = (out, until, size)
        self.bytes += size
        while len(self._items) > self.capacity or self.bytes > MAX_BYTES:
            self._drop(next(iter(self._items)))

    def _drop(self, key: tuple[Any, ...]) -> None:
        _, _, size = self._items.pop(key)
        self.bytes -= size
        if key[-1] is not None:
            path = key[1]
            left = self._bodied[path] - 1
            if left:
                self._bodied[path] = left
            else:
                del self._bodied[path]

    def forget(self) -> None:
        """The configuration changed: no answer kept can be trusted to be the same."""
        self._items.clear()
        self._bodied.clear()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)
