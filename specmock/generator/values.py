"""Seeded values for a JSON Schema that is not part of a spec.

Overrides meet schemas that arrive in requests (an LLM's `response_format`, a tool's
`parameters`). They get the same compiled, Faker-based builder the spec's own schemas
use, so a value is valid, seeded and reproducible; `#/$defs/...` references resolve
inside the schema itself.
"""

from __future__ import annotations

import random
from typing import Any

from faker import Faker

from .fake import Builder, Ctx
from .schema import Bundle
from .validators import Validator, compile_validator

_ATTEMPTS = 8
_FAKER = Faker("en_US")


def schema_validator(schema: dict[str, Any] | bool) -> Validator:
    """A compiled JSON Schema 2020-12 validator; raises ValueError for an invalid schema."""
    try:
        return compile_validator(_bundle(schema))
    except Exception as exc:
        raise ValueError(f"invalid JSON Schema: {str(exc).splitlines()[0]}") from None


def fake_value(schema: dict[str, Any] | bool, seed: int, max_depth: int = 5) -> Any:
    """A value valid against `schema`, the same one for the same seed (ValueError if the
    schema is invalid or no valid value turns up in a few tries)."""
    bundle = _bundle(schema)
    validator = schema_validator(schema)
    builder = Builder(bundle)
    value = None
    for attempt in range(_ATTEMPTS):
        ctx = Ctx(random.Random(seed + attempt), _FAKER, max_depth, complete=True)
        value = builder(ctx)
        if validator.is_valid(value):
            return value
    raise ValueError("no value valid against the schema was found")


def _bundle(schema: dict[str, Any] | bool) -> Bundle:
    defs = schema.get("$defs", {}) if isinstance(schema, dict) else {}
    return Bundle(schema, defs if isinstance(defs, dict) else {})
