"""The Plan: everything the runtime needs per operation, decided once from the spec.

Cheap structure (routes, parameters, statuses, media types, security) is built
at load. Validators and value builders are compiled per operation on first use,
or all at load with `eager=True`, so a 1,000-operation spec starts quickly
and a small one is fully checked before it serves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .errors import Problem, SpecError
from .fake import Builder
from .loader import Document
from .params import ParamSpec
from .progress import Progress
from .roles import Role
from .schema import Bundle, SchemaSet, schema_problems
from .validators import compile_validator, fallback_validator

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TEMPLATE = re.compile(r"{([^}/]+)}")


class Compiler:
    """Per-document caches of normalized bundles, validators and builders."""

    def __init__(self, doc: Document, strict: bool = False):
        self.doc = doc
        self.strict = strict
        self.problems: list[Problem] = []  # schemas served unchecked (lenient loading)
        self.operations: list[Operation] = []  # the document's, once built
        self._sets = {"request": SchemaSet(doc, "request"), "response": SchemaSet(doc, "response")}
        self._bundles: dict[tuple[int, str], Bundle] = {}
        self._validators: dict[tuple[int, str], Any] = {}
        self._builders: dict[tuple[int, str], Builder] = {}

    def bundle(self, node: Any, direction: str) -> Bundle:
        key = (id(node), direction)
        found = self._bundles.get(key)
        if found is None:
            found = self._bundles[key] = self._sets[direction].bundle(node)
        return found

    def validator(self, node: Any, direction: str, pointer: str) -> Any:
        key = (id(node), direction)
        found = self._validators.get(key)
        if found is None:
            try:
                found = compile_validator(self.bundle(node, direction))
            except Exception as exc:  # both libraries report invalid schemas with their own types
                problems = self._schema_problems(node, pointer, exc)
                if self.strict:
                    raise SpecError(problems) from None
                self.problems.extend(
                    Problem(p.file, p.pointer, p.reason, "warning") for p in problems
                )
                found = fallback_validator(self.bundle(node, direction))
            self._validators[key] = found
        return found

    def _schema_problems(self, node: Any, pointer: str, exc: Exception) -> list[Problem]:
        found = [
            Problem(self.doc.file, pointer + where, reason)
            for where, reason in schema_problems(node)
        ]
        if found:
            return found
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return [Problem(self.doc.file, pointer, f"invalid schema: {reason}")]

    def builder(self, node: Any, direction: str = "response") -> Builder:
        key = (id(node), direction)
        found = self._builders.get(key)
        if found is None:
            found = self._builders[key] = Builder(self.bundle(node, direction))
        return found


@dataclass
class Media:
    """One media type of a request body or response, with its schema and examples."""

    media_type: str
    schema: Any
    pointer: str
    examples: dict[str, Any] = field(default_factory=dict)
    encoding: dict[str, Any] = field(default_factory=dict)


@dataclass
class Header:
    name: str
    required: bool
    schema: Any
    pointer: str


@dataclass
class Response:
    status: str  # "200", "2XX" or "default"
    description: str
    headers: dict[str, Header]
    content: dict[str, Media]
    pointer: str


@dataclass
class Body:
    required: bool
    content: dict[str, Media]
    pointer: str


@dataclass
class Operation:
    """One method on one path, compiled."""

    service: str
    method: str
    path: str
    operation_id: str
    pointer: str
    params: list[ParamSpec]
    body: Body | None
    security: list[dict[str, list[str]]]
    responses: dict[str, Response]
    compiler: Compiler = field(repr=False)
    summary: str = ""
    description: str = ""
    extensions: dict[str, Any] = field(default_factory=dict)
    role: Role | None = None
    accept_declared: bool = False  # an `Accept` header parameter is declared (and ignored)

    @cached_property
    def success(self) -> Response | None:
        """The response served when nothing asks for another: lowest 2xx, else the first."""
        ordered = sorted(self.responses.values(), key=_status_rank)
        return ordered[0] if ordered else None

    def response_for(self, status: int) -> Response | None:
        text = str(status)
        return (
            self.responses.get(text)
            or self.responses.get(f"{text[0]}XX")
            or self.responses.get("default")
        )

    def compile_all(self) -> None:
        """Build every validator and builder now (lint, or eager start-up)."""
        for param in self.params:
            self.param_validator(param)
        for media in self.body.content.values() if self.body else ():
            if media.schema is not None:
                self.compiler.validator(media.schema, "request", media.pointer)
        for response in self.responses.values():
            for media in response.content.values():
                if media.schema is not None:
                    self.compiler.validator(media.schema, "response", media.pointer)
                    self.compiler.builder(media.schema)
            for header in response.headers.values():
                if header.schema is not None:
                    self.compiler.validator(header.schema, "response", header.pointer)

    def param_validator(self, param: ParamSpec) -> Any:
        return self.compiler.validator(param.schema, "request", param.pointer)


def _status_rank(response: Response) -> tuple[int, str]:
    status = response.status
    if status.isdigit():
        code = int(status)
        return (0 if 200 <= code < 300 else 2, status)
    if status.upper() == "2XX":
        return (1, status)
    return (3 if status == "default" else 2, status)


@dataclass
class Service:
    """A compiled contract: its operations and where it is mounted."""

    name: str
    document: Document
    operations: list[Operation]
    base_path: str
    security_schemes: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    stateful: bool = True

    @property
    def title(self) -> str:
        return str((self.document.root.get("info") or {}).get("title", self.name))

    def compile_all(self, progress: Progress | None = None) -> None:
        errors: list[Problem] = []
        for op in self.operations:
            try:
                op.compile_all()
            except SpecError as exc:
                errors.extend(exc.problems)
            if progress is not None:
                progress.done += 1
        if errors:
            raise SpecError(errors)
