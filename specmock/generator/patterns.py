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
import warnings
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
        with warnings.catch_warnings():  # "possible nested set": fine in ECMA-262
            warnings.simplefilter("ignore", FutureWarning)
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


# Sample characters for Unicode property classes, used only to draw candidates that
# `regress` then checks: generation never trusts the translation, validation never uses it.
_PROPERTY_SAMPLES = {
    "L": "A-Za-z", "Lu": "A-Z", "Ll": "a-z", "Lt": "A-Z", "Lm": "a-z", "Lo": "a-z",
    "N": "0-9", "Nd": "0-9", "Nl": "0-9", "No": "0-9",
    "P": ".,;:!?-", "Pd": "-", "Ps": "(", "Pe": ")", "Po": ".,!?",
    "S": "+$^", "Sm": "+", "Sc": "$", "Z": " ", "Zs": " ",
    "C": "\\x01-\\x1f", "Cc": "\\x01-\\x1f",
}  # fmt: skip


def for_python(pattern: str) -> str:
    """An approximation of an ECMA-262 pattern that Python's `re` (and so rstr) reads."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt in "pP" and pattern[i + 2 : i + 3] == "{":
                end = pattern.find("}", i)
                name = pattern[i + 3 : end].split("=")[-1] if end > 0 else ""
                sample = _PROPERTY_SAMPLES.get(name, "A-Za-z")
                if in_class:
                    out.append(sample)
                else:
                    out.append(f"[{'^' if nxt == 'P' else ''}{sample}]")
                i = end + 1 if end > 0 else i + 2
                continue
            if nxt == "u" and pattern[i + 2 : i + 3] == "{":
                end = pattern.find("}", i)
                out.append(f"\\U{int(pattern[i + 3 : end], 16):08x}")
                i = end + 1
                continue
            if in_class and nxt in "dDwWsS" and pattern[i + 2 : i + 3] == "-":
                out.append(pattern[i : i + 2] + "\\-")  # ECMA reads `[\d-_]` as \d, -, _
                i += 3
                continue
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        elif ch == "(" and pattern.startswith("(?<", i) and pattern[i + 3 : i + 4] not in "=!":
            out.append("(?P<")
            i += 3
            continue
        out.append(ch)
        i += 1
    return "".join(out)
