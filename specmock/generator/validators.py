"""Compiled validators, chosen by size.

jsonschema-rs is ~100x faster per call but compiles every referenced schema
into each validator: on a spec like Stripe's, where one response reaches
hundreds of definitions, that costs ~5 MB per operation. Schemas that reach
many definitions therefore get the pure-Python validator, which resolves
references lazily and shares the normalized definitions; small ones get the
fast one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import jsonschema_rs

from .patterns import RS_KEYWORDS, PyValidator
from .schema import Bundle

# definitions a bundle may reach and still get jsonschema-rs. OpenAI's chat request
# reaches 59 and compiles in 13 ms with no measurable RSS growth (2026-12-07, this machine);
# the pure-Python validator costs it ~12 ms per request.
RS_DEF_LIMIT = 64


class SchemaError(Protocol):
    instance_path: list[Any]
    schema_path: list[Any]
    message: str


class Validator(Protocol):
    def is_valid(self, instance: Any) -> bool: ...
    def iter_errors(self, instance: Any) -> Iterator[SchemaError]: ...


@dataclass
class _Error:
    instance_path: list[Any]
    schema_path: list[Any]
    message: str


class LazyValidator:
    """python-jsonschema behind the same two methods jsonschema-rs offers."""

    def __init__(self, document: dict[str, Any]):
        self._validator = PyValidator(document, format_checker=PyValidator.FORMAT_CHECKER)

    def is_valid(self, instance: Any) -> bool:
        return self._validator.is_valid(instance)

    def iter_errors(self, instance: Any) -> Iterator[SchemaError]:
        for error in self._validator.iter_errors(instance):
            message = error.message
            if error.validator == "required" and isinstance(error.instance, dict):
                missing = set(error.validator_value) - set(error.instance)
                name = next(iter(sorted(missing)), None) if missing else None
                if name is not None:
                    message = f'"{name}" is a required property'
            yield _Error(list(error.absolute_path), list(error.absolute_schema_path), message)


def compile_validator(bundle: Bundle) -> Validator:
    """Build a validator for a bundle; raises on an invalid schema."""
    document = bundle.document()
    if len(bundle.defs) <= RS_DEF_LIMIT:
        return jsonschema_rs.Draft202012Validator(
            document, validate_formats=True, keywords=RS_KEYWORDS
        )
    # No meta-schema pass here: on a large bundle it costs seconds; `specmock validate
    # --strict-spec` runs it, and build-time lint has already checked the types.
    return LazyValidator(document)


class AnyValidator:
    """Stands in for a schema no validator compiles: nothing is checked against it."""

    def is_valid(self, instance: Any) -> bool:
        return True

    def iter_errors(self, instance: Any) -> Iterator[SchemaError]:
        return iter(())


def fallback_validator(bundle: Bundle) -> Validator:
    """For lenient loading: the pure-Python validator, else one that accepts anything."""
    try:
        document = bundle.document()
        PyValidator.check_schema(document)
        return LazyValidator(document)
    except Exception:  # any failure means the schema cannot be checked
        return AnyValidator()
