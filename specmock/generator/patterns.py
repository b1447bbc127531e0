"""ECMA-262 regular expressions, as JSON Schema and OpenAPI mean `pattern`.

Specs are written for JavaScript engines: `\\p{L}`, `[\\d-_]` and friends are
fine there and rejected by Python's `re` and by the Rust engine behind
jsonschema-rs. Patterns both validators accept keep the plain `pattern`
keyword; the others are checked through `regress` (an ECMA-262 engine) under the
`ecmaPattern` keyword the validators are given. A pattern no engine compiles is
reported at load and not enforced.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import jsonschema
import jsonschema_rs
import regress

KEYWORD = "ecmaPattern"


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> regress.Regex | None:
    """The ECMA-262 regex (unicode mode first, as JSON Schema asks), or None."""
    for flags in ("u", ""):
        try:
            return regress.Regex(pattern, flags)
        except regress.RegressError:
            continue
    return None


@lru_cache(maxsize=4096)
def native(pattern: str) -> bool:
    """Whether both validators compile the pattern as it is."""
    try:
        re.compile(pattern)
        jsonschema_rs.validator_for({"pattern": pattern})
    except (re.error, ValueError, jsonschema_rs.ValidationError):
        return False
    return True


def matches(pattern: str, text: str) -> bool:
    compiled = compile_pattern(pattern)
    return compiled is None or compiled.find(text) is not None


class RsKeyword:
    """`ecmaPattern` for jsonschema-rs."""

    def __init__(self, parent: dict, value: str, schema_path: list) -> None:
        self.pattern = value

    def validate(self, instance: Any) -> None:
        if isinstance(instance, str) and not matches(self.pattern, instance):
            raise ValueError(f"{instance!r} does not match {self.pattern!r}")


def _py_keyword(validator: Any, value: str, instance: Any, schema: Any):
    if isinstance(instance, str) and not matches(value, instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {value!r}")


RS_KEYWORDS = {KEYWORD: RsKeyword}
PyValidator = jsonschema.validators.extend(jsonschema.Draft202012Validator, {KEYWORD: _py_keyword})
