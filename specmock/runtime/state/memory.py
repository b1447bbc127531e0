"""The default store: Python structures in this process, lost on exit.

A page costs its own items, not the collection's. Each namespace keeps:

- its items as JSON text (orjson): copied out by parsing, and invisible to the garbage
  collector, which otherwise walks every stored dict on its full collections;
- an order index, place -> key in a `SortedDict`, so the item at any position is found in
  O(log n) and a page at offset 50,000 reads 20 entries, not 50,020;
- built on first use and then kept by every put and delete: per sorted field, a
  `SortedList` of (kind, value, place) in the Query sort order, and per filtered field,
  the places of the items each filter text matches (and of those lacking the field,
  which every filter on it lets through). At most `INDEXES` fields per namespace get
  one, so arbitrary query parameters cannot grow memory; other fields are scanned.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import orjson
from sortedcontainers import SortedDict, SortedList

from .query import Page, Query, matches, sort_key

Claim = tuple[str, float, dict[str, Any] | None]  # holder, until, value
SWEEP_EVERY = 256

INDEXES = 16  # sorted or filtered fields indexed per namespace

_NUMBER, _TEXT, _LAST = 0, 1, 2


def _freeze(value: Mapping[str, Any]) -> Any:
    """What the store keeps: JSON text, or a deep copy of a value JSON cannot carry. Text,
    not orjson's bytes: those keep the 4 KB buffer they were written in (100,000 small
    items grew the process by 445 MB as bytes, 38 MB as text)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # not plain JSON (a caller's own object): the slow, general way
        return copy.deepcopy(dict(value))


def _copy(stored: Any) -> dict[str, Any]:
    """A fresh item from what the store keeps (the caller may change it)."""
    if isinstance(stored, str):
        return orjson.loads(stored)
    return copy.deepcopy(stored)


def _peek(stored: Any) -> dict[str, Any]:
    """The item for reading only."""
    return orjson.loads(stored) if isinstance(stored, str) else stored


def rank(value: Any) -> tuple[int, Any]:
    """Where a field's value sorts: numbers (booleans as 0 and 1), then text, by value;
    missing, null, objects and lists last. The order SQL gives the same JSON."""
    if isinstance(value, bool | int | float):
        return (_NUMBER, value)
    if isinstance(value, str):
        return (_TEXT, value)
    return (_LAST, 0)


def ordered(items: Iterable[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """Items sorted by one field (`-field` descending), ties and the unsortable (missing,
    null, objects, lists) in their given order, the unsortable last either way."""
    field_name, descending = sort_key(name)
    ranked = [(rank(i.get(field_name)), i) for i in items]
    present = [r for r in ranked if r[0][0] != _LAST]
    present.sort(key=lambda r: r[0], reverse=descending)  # stable either way
    return [i for _, i in present] + [i for r, i in ranked if r[0] == _LAST]


def tokens(value: Any) -> set[tuple[str, str]]:
    """The filter texts a present value matches (query.py's rule), as ("s", exact text)
    or ("b", lower-case text): a filter `wanted` matches when ("s", wanted) or
    ("b", wanted.lower()) is among them."""
    if isinstance(value, bool):
        return {("b", str(value).lower())}
    if isinstance(value, list):
        return {t for v in value if not isinstance(v, list) for t in tokens(v)}
    if value is None or isinstance(value, dict):
        return set()
    if isinstance(value, float) and value.is_integer():
        return {("s", str(value)), ("s", str(int(value)))}
    return {("s", str(value))}


class _Sorted:
    """One field's places in sort order: ascending reads the list forward; descending
    reads it backward, its ties stored by negative place so they still come oldest first."""

    def __init__(self, field_name: str, descending: bool) -> None:
        self.field, self.descending = field_name, descending
        self.entries: SortedList = SortedList()

    def entry(self, item: Mapping[str, Any], place: int) -> tuple[Any, ...]:
        kind, value = rank(item.get(self.field))
        if self.descending:
            return (-1 if kind == _LAST else kind, value, -place)
        return (kind, value, place)

    def add(self, item: Mapping[str, Any], place: int) -> None:
        self.entries.add(self.entry(item, place))

    def remove(self, item: Mapping[str, Any], place: int) -> None:
        self.entries.remove(self.entry(item, place))

    def places(self, start: int, stop: int | None) -> Iterator[int]:
        size = len(self.entries)
        stop = size if stop is None else min(stop, size)
        if start >= stop:
            return iter(())
        if self.descending:
            window = self.entries.islice(size - stop, size - start, reverse=True)
            return (-e[2] for e in window)
        return (e[2] for e in self.entries.islice(start, stop))

    def every(self) -> Iterator[int]:
        return self.places(0, None)


@dataclass
class _Filtered:
    """One field's places by the filter texts they match, and the places lacking it."""

    field: str
    by_token: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    absent: set[int] = field(default_factory=set)

    def add(self, item: Mapping[str, Any], place: int) -> None:
        if self.field not in item:
            self.absent.add(place)
            return
        for token in tokens(item[self.field]):
            self.by_token.setdefault(token, set()).add(place)

    def remove(self, item: Mapping[str, Any], place: int) -> None:
        if self.field not in item:
            self.absent.discard(place)
            return
        for token in tokens(item[self.field]):
            found = self.by_token.get(token)
            if found is not None:
                found.discard(place)
                if not found:
                    del self.by_token[token]

    def matching(self, wanted: str) -> set[int]:
        return (
            self.absent
            | self.by_token.get(("s", wanted), set())
            | self.by_token.get(("b", wanted.lower()), set())
        )


@dataclass
class _Shelf:
    """One namespace."""

    stored: dict[str, Any] = field(default_factory=dict)  # key -> frozen item
    places: dict[str, int] = field(default_factory=dict)  # key -> place
    order: SortedDict = field(default_factory=SortedDict)  # place -> key
    sorts: dict[str, _Sorted] = field(default_factory=dict)
    filters: dict[str, _Filtered] = field(default_factory=dict)
    last: int = 0

    def put(self, key: str, frozen: Any) -> None:
        place = self.places.get(key)
        if place is None:
            self.last += 1
            place = self.places[key] = self.last
            self.order[place] = key
        else:
            self._unindex(self.stored[key], place)
        self.stored[key] = frozen
        indexes = self._indexes()
        if indexes:
            item = _peek(frozen)
            for index in indexes:
                index.add(item, place)

    def delete(self, key: str) -> bool:
        if key not in self.stored:
            return False
        place = self.places.pop(key)
        self._unindex(self.stored.pop(key), place)
        del self.order[place]
        return True

    def _indexes(self) -> list[_Sorted | _Filtered]:
        return [*self.sorts.values(), *self.filters.values()]

    def _unindex(self, frozen: Any, place: int) -> None:
        indexes = self._indexes()
        if indexes:
            item = _peek(frozen)
            for index in indexes:
                index.remove(item, place)

    def _every(self) -> Iterator[tuple[int, dict[str, Any]]]:
        for key, place in self.places.items():
            yield place, _peek(self.stored[key])

    def sorted_by(self, name: str) -> _Sorted | None:
        index = self.sorts.get(name)
        if index is None and len(self.sorts) + len(self.filters) < INDEXES:
            index = _Sorted(*sort_key(name))
            index.entries.update(index.entry(item, place) for place, item in self._every())
            self.sorts[name] = index
        return index

    def filtered_by(self, name: str) -> _Filtered | None:
        index = self.filters.get(name)
        if index is None and len(self.sorts) + len(self.filters) < INDEXES:
            index = _Filtered(name)
            for place, item in self._every():
                index.add(item, place)
            self.filters[name] = index
        return index

    def chosen(self, filters: Mapping[str, str]) -> set[int]:
        """The places of the items matching every filter."""
        found: set[int] | None = None
        scanned: dict[str, str] = {}
        for name, wanted in filters.items():
            index = self.filtered_by(name)
            if index is None:
                scanned[name] = wanted
                continue
            places = index.matching(wanted)
            found = places if found is None else found & places
        if found is None:
            found = set(self.order)
        if scanned:
            found = {p for p in found if matches(_peek(self.stored[self.order[p]]), scanned)}
        return found


def _window(places: Iterable[int], start: int, stop: int | None) -> list[int]:
    return list(islice(places, start, stop))


class MemoryStore:
    def __init__(self) -> None:
        self._data: dict[str, _Shelf] = {}
        self._counters: dict[str, int] = {}
        self._claims: dict[str, dict[str, Claim]] = {}
        self._claimed = 0  # claims taken since the last sweep

    async def get(self, namespace: str, key: str) -> dict[str, Any] | None:
        shelf = self._data.get(namespace)
        found = shelf.stored.get(key) if shelf else None
        return _copy(found) if found is not None else None

    async def put(self, namespace: str, key: str, value: Mapping[str, Any]) -> None:
        self._data.setdefault(namespace, _Shelf()).put(key, _freeze(value))

    async def delete(self, namespace: str, key: str) -> bool:
        shelf = self._data.get(namespace)
        return shelf.delete(key) if shelf else False

    async def items(self, namespace: str) -> list[dict[str, Any]]:
        shelf = self._data.get(namespace)
        return [_copy(v) for v in shelf.stored.values()] if shelf else []

    async def page(self, namespace: str, query: Query) -> Page:
        shelf = self._data.get(namespace)
        if shelf is None:
            return Page([], 0)
        start = query.offset
        stop = None if query.limit is None else start + query.limit
        if not query.filters and not query.sort:
            keys = shelf.order.values()[start:stop]  # by position, O(log n) to the start
            return Page([_copy(shelf.stored[k]) for k in keys], len(shelf.order))
        chosen = shelf.chosen(query.filters) if query.filters else None
        total = len(shelf.order) if chosen is None else len(chosen)
        if query.sort:
            # few matches are sorted as found; more are taken walking the sort's index
            few = chosen is not None and len(chosen) * 20 < len(shelf.order)
            index = None if few else shelf.sorted_by(query.sort)
            if index is None:
                return self._scanned(shelf, query, chosen, total)
            if chosen is None:
                places = _window(index.places(start, stop), 0, None)
            else:
                places = _window((p for p in index.every() if p in chosen), start, stop)
        elif chosen is not None and (stop is None or len(chosen) < stop * 4):
            places = sorted(chosen)[start:stop]
        else:  # most items match: walk the order until the page is full
            places = _window((p for p in shelf.order if p in chosen), start, stop)
        return Page([_copy(shelf.stored[shelf.order[p]]) for p in places], total)

    def _scanned(self, shelf: _Shelf, query: Query, chosen: set[int] | None, total: int) -> Page:
        """A sort of the matches themselves: few of them, or no index (the namespace has
        `INDEXES` already)."""
        if chosen is None:
            every = ((p, _peek(shelf.stored[k])) for p, k in shelf.order.items())
            items = [i for _, i in every]
        else:
            items = [_peek(shelf.stored[shelf.order[p]]) for p in sorted(chosen)]
        stop = None if query.limit is None else query.offset + query.limit
        window = ordered(items, query.sort or "")[query.offset : stop]
        return Page([_copy(_freeze(i)) for i in window], total)

    async def next_id(self, namespace: str) -> int:
        self._counters[namespace] = self._counters.get(namespace, 0) + 1
        return self._counters[namespace]

    async def claim(
        self,
        namespace: str,
        key: str,
        holder: str,
        now: float,
        until: float,
        value: Mapping[str, Any] | None = None,
    ) -> bool:
        claims = self._claims.setdefault(namespace, {})
        found = claims.get(key)
        if found is not None and found[0] != holder and found[1] > now:
            return False
        claims[key] = (holder, until, None if value is None else _copy(value))
        self._claimed += 1
        if self._claimed >= SWEEP_EVERY:  # expired claims go now and then, not one by one
            self._claimed = 0
            for name in [k for k, (_, ends, _) in claims.items() if ends <= now]:
                del claims[name]
        return True

    async def claimed(
        self, namespace: str, key: str, now: float
    ) -> tuple[str, dict[str, Any] | None] | None:
        found = self._claims.get(namespace, {}).get(key)
        if found is None or found[1] <= now:
            return None
        return found[0], None if found[2] is None else _copy(found[2])

    async def release(self, namespace: str, key: str, holder: str | None = None) -> bool:
        claims = self._claims.get(namespace, {})
        found = claims.get(key)
        if found is None or (holder is not None and found[0] != holder):
            return False
        del claims[key]
        return True

    async def namespaces(self, prefix: str = "") -> list[str]:
        return sorted(n for n, shelf in self._data.items() if n.startswith(prefix) and shelf.stored)

    async def clear(self, prefix: str = "") -> None:
        for name in [n for n in self._data if n.startswith(prefix)]:
            del self._data[name]
        for name in [n for n in self._counters if n.startswith(prefix)]:
            del self._counters[name]
        for name in [n for n in self._claims if n.startswith(prefix)]:
            del self._claims[name]

    async def close(self) -> None:
        return None
