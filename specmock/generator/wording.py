"""How paths and names are split into words, for recognizing what an operation is.

A path is read for the words its literal segments spell (`/pets/{id}/content`), without the
format suffix, the Express-style parameters or the query some specs write into it; an
operationId or a summary is read for its words whatever its case (`listPetsByOwner`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .plan import Operation

_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_EXPRESS = re.compile(r"/:(\w+)(?=/|$)")
NAMESPACE = re.compile(r"^[A-Z]\w*\.[A-Z][\w.]*$")  # `Microsoft.Batch`, `Microsoft.Storage`
_FORMAT = re.compile(r"\.(json|xml)(?=/|$)")  # `/posts.json`: the format, not a word
GLUED = re.compile(r"\{[^}]*\}")  # a parameter inside a path segment


def words(text: str) -> list[str]:
    """`listPetsByOwner`, `list_pets`, `/pets/{id}/content` -> lower-case words."""
    return list(_words(text))


@lru_cache(maxsize=8192)  # the same paths and names are split for every pattern
def _words(text: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _WORD.findall(text.replace("_", " ").replace("-", " ")))


@lru_cache(maxsize=4096)  # a pure function of the path, asked once per pattern
def route(path: str) -> str:
    """The path without a format suffix (`/t/{id}/posts.json`) or a query or fragment some
    specs write into it (`?uploadId`); where the path is bare and the fragment names the
    operation (`/#Action=SendMessage`, `/#X-Amz-Target=Logs.CreateLogGroup`), that name as
    the last segment."""
    bare, rest = re.fullmatch(r"([^?#]*)[?#]?(.*)", path, re.DOTALL).groups()  # type: ignore[union-attr]
    bare = _EXPRESS.sub(r"/{\1}", _FORMAT.sub("", bare))  # `/feed/:token`: a parameter
    if rest and not words(GLUED.sub("", bare)):
        named = re.findall(r"=([\w.-]+)", rest)
        if named:
            return f"{bare.rstrip('/')}/{named[-1].rsplit('.', 1)[-1]}"
    return bare


def subject_segments(path: str) -> list[str]:
    """The literal segments that say what an operation is about: all but the collections
    that scope a deeper one (`/subscriptions/{id}/resourceGroups/{group}/...`, `/companies/
    {id}/...`), which say where, not what; the last collection before an id stays. A
    vendor's namespace (`Microsoft.Batch`) names a product, not the operation."""
    segments = [s for s in route(path).split("/") if s]
    scoped = [i for i in range(len(segments) - 1) if "{" in segments[i + 1]][:-1]
    literals = (GLUED.sub("", s).strip(":.") for i, s in enumerate(segments) if i not in scoped)
    return [lit for lit in literals if lit and not NAMESPACE.match(lit)]


@lru_cache(maxsize=4096)  # a pure function of the path, asked once per pattern
def ends_literal(path: str) -> bool:
    """The path ends in words (`/sendMessage`, `/{id}/destroy`, `{name}:pause`), not in a
    parameter: `/list/{id}` reads a list, it does not list."""
    last = route(path).rstrip("/").rsplit("/", 1)[-1]
    return bool(GLUED.sub("", last).strip(":."))


def last_segment(op: Operation) -> str:
    """The path's last literal segment, or the literal part of one glued to a parameter
    (`{name}:pause`, `create{format}`): what the operation is about."""
    for segment in reversed(route(op.path).split("/")):
        literal = GLUED.sub("", segment).strip(":.")
        if literal:
            return literal
    return ""
