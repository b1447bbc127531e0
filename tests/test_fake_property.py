"""Property tests: whatever schema a contract declares, the fake value generator fits it.

Random JSON Schemas (2020-12, as OpenAPI 3.1 carries them) are wrapped in a tiny
OpenAPI document, compiled by the engine's own loader and builder, and the value
it generates is checked by an *independent* oracle: the `jsonschema` library with
format checking on (never the engine's own `jsonschema_rs` validator).

Two families:

* single-try: types, bounds, lengths, formats, enums, consts, arrays, objects,
  nullables and `allOf` of objects. One generation run must already be valid.
* retried: adds `pattern` (whose length may disagree with min/maxLength), `oneOf`
  and `anyOf`. The runtime (`responder._body_value`) tries up to 8 seeds and
  serves the first one its validator accepts, so here that served value must
  exist and be valid for the oracle too.
"""

from __future__ import annotations

import copy
import math
import random
from decimal import Decimal
from fractions import Fraction
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import orjson
import pytest
from faker import Faker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from specmock.generator.build import build_service
from specmock.generator.fake import Ctx
from specmock.generator.loader import load_document

ATTEMPTS = 8  # specmock.runtime.responder._ATTEMPTS
FAKER = Faker("en_US")

# -- the oracle -----------------------------------------------------------------

_FORMATS = jsonschema.FormatChecker()
_FORMATS.checkers = dict(Draft202012Validator.FORMAT_CHECKER.checkers)


@_FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    # jsonschema only checks `uri` when the optional rfc3987 package is installed (it is
    # not here); an absolute URI needs a scheme, and a generated one also a host.
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc) and not any(c.isspace() for c in value)


def _multiple_of(validator, step, instance, schema):
    # jsonschema divides binary floats (0.07 / 0.01 == 7.000000000000001) and so rejects
    # 0.07 as a multiple of 0.01. JSON numbers are decimal: compare their decimal texts.
    if not validator.is_type(instance, "number"):
        return
    if Decimal(repr(instance)) % Decimal(repr(step)) != 0:
        yield jsonschema.ValidationError(f"{instance!r} is not a multiple of {step!r}")


Oracle = jsonschema.validators.extend(Draft202012Validator, {"multipleOf": _multiple_of})


def oracle(schema: Any) -> Any:
    Draft202012Validator.check_schema(schema)
    return Oracle(schema, format_checker=_FORMATS)


def oracle_errors(validator: Any, value: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(value)]


# -- the engine -----------------------------------------------------------------


def document(schema: Any, components: dict[str, Any] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "property", "version": "1"},
        "paths": {
            "/x": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": schema}},
                        }
                    }
                }
            }
        },
    }
    if components:
        doc["components"] = {"schemas": components}
    return doc


class Compiled:
    """One schema compiled by the engine: its builder and (for the retry rule) validator."""

    def __init__(self, schema: Any, components: dict[str, Any] | None = None):
        doc = load_document(document(copy.deepcopy(schema), copy.deepcopy(components)))
        service = build_service(doc)
        (op,) = service.operations
        media = op.success.content["application/json"]
        self.builder = op.compiler.builder(media.schema)
        self.engine_validator = op.compiler.validator(media.schema, "response", media.pointer)

    def value(self, seed: int, max_depth: int = 5) -> Any:
        return self.builder(Ctx(random.Random(seed), FAKER, max_depth))

    def served(self, seed: int) -> tuple[bool, Any, list[Any]]:
        """What the responder serves for `seed`: the first attempt its validator accepts."""
        tried = []
        for attempt in range(ATTEMPTS):
            value = self.value(seed + attempt)
            tried.append(value)
            if self.engine_validator.is_valid(value):
                return True, value, tried
        return False, None, tried


# -- schema strategies ----------------------------------------------------------

NAMES = [
    "id", "name", "email", "title", "status", "count", "price", "tags", "value", "note",
    "created_at", "age", "rating", "a", "b", "c", "zeta", "owner_id", "color", "total",
]  # fmt: skip
FORMATS = ["date-time", "date", "email", "uuid", "uri", "ipv4"]
# (pattern, shortest and longest string it matches)
PATTERNS = [
    ("^[a-z]{2,5}$", 2, 5),
    ("^[A-Z]{3}-[0-9]{4}$", 8, 8),
    ("^[0-9]{3,6}$", 3, 6),
    ("^(red|green|blue)$", 3, 5),
    ("^[a-f0-9]{8}$", 8, 8),
]
FLOAT_STEPS = [0.5, 0.25, 0.01]
NICE_NUMBERS = [-1000, -250, -10, -2.5, -1, 0, 0.01, 0.5, 1, 2, 3.75, 7, 10, 99.5, 100, 1e6]


def _maybe(draw, key: str, strategy, out: dict[str, Any]) -> None:
    if draw(st.booleans()):
        out[key] = draw(strategy)


@st.composite
def string_schemas(draw, rich: bool = False) -> dict[str, Any]:
    kind = draw(st.sampled_from(["plain", "plain", "format", "enum"] if not rich else ["plain"]))
    out: dict[str, Any] = {"type": "string"}
    if kind == "format":
        out["format"] = draw(st.sampled_from(FORMATS))
    elif kind == "enum":
        out["enum"] = draw(
            st.lists(
                st.text("abcxyz-_ ", min_size=0, max_size=6), min_size=1, max_size=4, unique=True
            )
        )
    else:
        low = draw(st.integers(0, 12)) if not rich else draw(st.integers(0, 3))
        high = draw(st.integers(max(low, 5 if rich else 0), 40))
        if draw(st.booleans()):
            out["minLength"] = low
        if draw(st.booleans()) or (rich and draw(st.booleans())):
            out["maxLength"] = high
    return out


def _allowed(low, high, ex_low, ex_high, step, integer) -> int:
    """How many values the bounds and step allow (capped), computed exactly."""
    lo = Fraction(str(low)) if low is not None else Fraction(-(10**9))
    hi = Fraction(str(high)) if high is not None else Fraction(10**9)
    if integer:  # integers that are multiples of step: multiples of lcm(step, 1)
        unit = Fraction(1) if step is None else Fraction(Fraction(str(step)).numerator)
    else:
        unit = Fraction(str(step)) if step is not None else Fraction(1, 10**6)
    first = -(-lo // unit) * unit
    if ex_low and first == lo:
        first += unit
    last = (hi // unit) * unit
    if ex_high and last == hi:
        last -= unit
    return max(0, min(10**6, int((last - first) / unit) + 1))


def _clear_of_window(low, high, ex_low, ex_high) -> bool:
    lo = -math.inf if low is None else low
    hi = math.inf if high is None else high
    holds = (lo < 1 or (lo == 1 and not ex_low)) and (hi > 2000 or (hi == 2000 and not ex_high))
    misses = hi < 0 or (hi == 0 and ex_high) or lo > 2000 or (lo == 2000 and ex_low)
    return holds or misses


@st.composite
def number_schemas(draw, integer: bool, rich: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "integer" if integer else "number"}
    pool = [int(n) for n in NICE_NUMBERS if float(n).is_integer()] if integer else NICE_NUMBERS
    low = draw(st.one_of(st.none(), st.sampled_from(pool)))
    high = draw(st.one_of(st.none(), st.sampled_from(pool)))
    if low is not None and high is not None and low > high:
        low, high = high, low
    ex_low = low is not None and draw(st.booleans())
    ex_high = high is not None and draw(st.booleans())
    steps = [2, 3, 5, 7, 10] if integer else [2, 5, *FLOAT_STEPS]
    step = draw(st.one_of(st.none(), st.sampled_from(steps), st.sampled_from(FLOAT_STEPS)))
    # Only satisfiable schemas: when nothing fits, drop the exclusivity and the step.
    if _allowed(low, high, ex_low, ex_high, step, integer) == 0:
        ex_low = ex_high = False
        step = None
    # For uniqueItems arrays: many distinct values, so open the upper end if needed.
    if rich and _allowed(low, high, ex_low, ex_high, step, integer) < 100:
        high, ex_high = None, False
    # Known bugs (test_known_generator_bug[multipleOf-...] and [uniqueItems-...]):
    # the engine draws numbers from its preferred window ([1, 1000], or a name's hint such
    # as `rating` [0, 5]) cut by the bounds; a range that only grazes that window leaves
    # no multiple of `multipleOf` (out-of-range value) or too few values for uniqueItems.
    # Ranges that hold [1, 2000] or miss [0, 2000] entirely do not meet that bug.
    if (step is not None or rich) and not _clear_of_window(low, high, ex_low, ex_high):
        if rich:
            low = high = None
        step = None
    if low is not None:
        out["exclusiveMinimum" if ex_low else "minimum"] = low
    if high is not None:
        out["exclusiveMaximum" if ex_high else "maximum"] = high
    if step is not None:
        out["multipleOf"] = step
    return out


def scalar_schemas(rich: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    if rich:  # many distinct values: fit for uniqueItems arrays
        return st.one_of(
            string_schemas(rich=True),
            number_schemas(integer=True, rich=True),
            number_schemas(integer=False, rich=True),
        )
    return st.one_of(
        string_schemas(),
        number_schemas(integer=True),
        number_schemas(integer=False),
        st.just({"type": "boolean"}),
        st.just({"type": "null"}),
        st.sampled_from(
            [{"const": "fixed"}, {"const": 7}, {"const": None}, {"const": [1, "a"]}, {"const": {}}]
        ),
        st.builds(
            lambda values: {"type": "integer", "enum": values},
            st.lists(st.integers(-50, 50), min_size=1, max_size=5, unique=True),
        ),
    )


def pattern_schemas() -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def build(draw) -> dict[str, Any]:
        pattern, shortest, longest = draw(st.sampled_from(PATTERNS))
        out: dict[str, Any] = {"type": "string", "pattern": pattern}
        # Lengths every match of the pattern meets (possibly exactly). Lengths that only
        # some matches meet: known bug, test_known_generator_bug[pattern-...].
        low = draw(st.integers(0, shortest))
        high = draw(st.integers(longest, longest + 5))
        _maybe(draw, "minLength", st.just(low), out)
        _maybe(draw, "maxLength", st.just(high), out)
        return out

    return build()


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    out = dict(schema)
    if isinstance(out.get("type"), str) and out["type"] != "null":
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


@st.composite
def object_schemas(draw, children, closed_ok: bool = True, names=NAMES) -> dict[str, Any]:
    props = draw(st.dictionaries(st.sampled_from(names), children, max_size=4))
    out: dict[str, Any] = {"type": "object", "properties": props}
    required = draw(st.lists(st.sampled_from(sorted(props)), unique=True)) if props else []
    if required:
        out["required"] = required
    extra = draw(
        st.sampled_from(["absent", "true", "schema", "false"] if closed_ok else ["absent", "true"])
    )
    if extra == "true":
        out["additionalProperties"] = True
    elif extra == "false":
        out["additionalProperties"] = False
    elif extra == "schema":
        out["additionalProperties"] = draw(children)
    if draw(st.booleans()):
        most = len(props) if extra == "false" else len(props) + 2
        out["minProperties"] = draw(st.integers(0, most))
    return out


@st.composite
def array_schemas(draw, children) -> dict[str, Any]:
    unique = draw(st.booleans())
    items = draw(scalar_schemas(rich=True) if unique else children)
    out: dict[str, Any] = {"type": "array", "items": items}
    low = draw(st.integers(0, 4))
    high = draw(st.integers(low, 6))
    _maybe(draw, "minItems", st.just(low), out)
    _maybe(draw, "maxItems", st.just(high), out)
    if unique:
        out["uniqueItems"] = True
    return out


@st.composite
def all_of_objects(draw, children) -> dict[str, Any]:
    # Two open object schemas with different property names: jointly satisfiable.
    left = draw(object_schemas(children, closed_ok=False, names=NAMES[::2]))
    right = draw(object_schemas(children, closed_ok=False, names=NAMES[1::2]))
    return {"allOf": [left, right]}


@st.composite
def one_of_kinds(draw, children) -> dict[str, Any]:
    """Disjoint object branches told apart by a required `kind` const."""
    count = draw(st.integers(2, 3))
    branches = []
    for tag in ["cat", "dog", "fish"][:count]:
        branch = draw(object_schemas(children))
        branch["properties"] = {**branch["properties"], "kind": {"const": tag}}
        branch["required"] = ["kind", *branch.get("required", [])]
        if branch.get("additionalProperties") is False:
            branch["minProperties"] = min(branch.get("minProperties", 0), len(branch["properties"]))
        branches.append(branch)
    out: dict[str, Any] = {"oneOf": branches}
    if draw(st.booleans()):
        out["discriminator"] = {"propertyName": "kind"}
    return out


def single_try_schemas() -> st.SearchStrategy[dict[str, Any]]:
    def extend(children):
        return st.one_of(
            object_schemas(children),
            array_schemas(children),
            all_of_objects(children),
            children.map(_nullable),
        )

    return st.recursive(scalar_schemas(), extend, max_leaves=12)


def retried_schemas() -> st.SearchStrategy[dict[str, Any]]:
    leaves = st.one_of(scalar_schemas(), pattern_schemas(), pattern_schemas().map(_nullable))

    def extend(children):
        return st.one_of(
            object_schemas(children),
            array_schemas(children),
            all_of_objects(children),
            one_of_kinds(children),
            st.lists(children, min_size=1, max_size=3).map(lambda b: {"anyOf": b}),
            children.map(_nullable),
        )

    return st.recursive(leaves, extend, max_leaves=12)


SEEDS = st.integers(0, 2**32 - 1)
SETTINGS = settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# -- properties -----------------------------------------------------------------


@SETTINGS
@given(schema=single_try_schemas(), seed=SEEDS)
def test_single_try_value_is_valid(schema: dict[str, Any], seed: int) -> None:
    check = oracle(schema)
    value = Compiled(schema).value(seed)
    orjson.dumps(value)  # JSON-serializable as generated
    errors = oracle_errors(check, value)
    assert not errors, f"seed {seed}: {value!r} breaks {schema!r}: {errors}"


@SETTINGS
@given(schema=retried_schemas(), seed=SEEDS)
def test_served_value_is_valid_within_attempts(schema: dict[str, Any], seed: int) -> None:
    check = oracle(schema)
    found, served, tried = Compiled(schema).served(seed)
    assert any(check.is_valid(v) for v in tried), (
        f"seed {seed}: none of {ATTEMPTS} attempts fits {schema!r}: {tried!r}"
    )
    assert found, f"seed {seed}: the engine validator rejected all of {tried!r}"
    errors = oracle_errors(check, served)
    assert not errors, f"seed {seed}: served {served!r} breaks {schema!r}: {errors}"


# -- recursion ------------------------------------------------------------------

TREE = {
    "type": "object",
    "required": ["label", "children"],
    "properties": {
        "label": {"type": "string", "minLength": 1},
        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}},
    },
    "additionalProperties": False,
}
CHAIN = {  # a required link that may be null: the recursion must end by chance
    "type": "object",
    "required": ["value", "next"],
    "properties": {
        "value": {"type": "integer"},
        "next": {"anyOf": [{"$ref": "#/components/schemas/Chain"}, {"type": "null"}]},
    },
}
COMPONENTS = {"Tree": TREE, "Chain": CHAIN}


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


@pytest.mark.parametrize("name", ["Tree", "Chain"])
@pytest.mark.parametrize("max_depth", [1, 3, 5, 8])
def test_recursive_schema_gives_finite_valid_value(name: str, max_depth: int) -> None:
    ref = {"$ref": f"#/components/schemas/{name}"}
    compiled = Compiled(ref, COMPONENTS)
    # The oracle resolves the same reference inside the whole OpenAPI-shaped document.
    check = oracle({**ref, "components": {"schemas": COMPONENTS}})
    deepest = 0
    for seed in range(200):
        value = compiled.value(seed, max_depth)
        orjson.dumps(value)
        assert not oracle_errors(check, value), (seed, value)
        deepest = max(deepest, _depth(value))
    if name == "Tree":
        # Each level is an object and an array; arrays below max_depth are cut to minItems 0.
        assert deepest <= 2 * (max_depth + 1) + 1, deepest
        assert deepest > 2 or max_depth <= 1  # and it does recurse when allowed to


# -- determinism ----------------------------------------------------------------

RICH = {
    "type": "object",
    "required": ["id", "email", "created_at", "price", "tags", "nested"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "email": {"type": "string", "format": "email"},
        "created_at": {"type": "string", "format": "date-time"},
        "price": {"type": "number", "minimum": 0, "maximum": 1000, "multipleOf": 0.01},
        "tags": {"type": "array", "minItems": 2, "items": {"type": "string"}},
        "code": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
        "nested": {
            "oneOf": [
                {
                    "type": "object",
                    "required": ["kind", "n"],
                    "properties": {"kind": {"const": "a"}, "n": {"type": "integer"}},
                },
                {
                    "type": "object",
                    "required": ["kind", "s"],
                    "properties": {"kind": {"const": "b"}, "s": {"type": "string"}},
                },
            ]
        },
    },
}


def test_same_seed_same_value_different_seed_different_value() -> None:
    check = oracle(RICH)
    first = Compiled(RICH)
    again = Compiled(RICH)  # a separate compilation must not matter either
    values = []
    for seed in (0, 1, 2, 12345, 2**32 - 1):
        value = first.value(seed)
        assert orjson.dumps(value) == orjson.dumps(first.value(seed))
        assert orjson.dumps(value) == orjson.dumps(again.value(seed))
        assert not oracle_errors(check, value), (seed, value)
        values.append(orjson.dumps(value, option=orjson.OPT_SORT_KEYS))
    assert len(set(values)) == len(values), "different seeds gave the same value"
    # The shared Faker's state must not leak between runs: interleaving changes nothing.
    a = orjson.dumps(first.value(7))
    first.value(8)
    FAKER.word()
    assert orjson.dumps(first.value(7)) == a


# -- known generator bugs -------------------------------------------------------
# Each schema is satisfiable, yet the runtime serves a contract-breaking value (a 500 in
# strict mode) for most or all seeds. The property strategies above steer clear of these
# exact triggers; these tests show them and start to XPASS (and so fail) once fixed.

FORMER_BUGS = [
    # `_number` draws k in [ceil(lo/step), floor(hi/step)] of the *preferred* window
    # [max(min, 1), min(max, 1000)] = [1, 2]: empty, so k = 1 and 5 is served (0 fits).
    pytest.param(
        {"type": "integer", "maximum": 2, "multipleOf": 5},
        id="multipleOf-outside-default-window",
    ),
    # The window [max(1000, 1), min(inf, 1000)] is the single value 1000: uniqueItems can
    # never reach minItems 2 although every integer >= 1000 is allowed.
    pytest.param(
        {
            "type": "array",
            "minItems": 2,
            "uniqueItems": True,
            "items": {"type": "integer", "minimum": 1000},
        },
        id="uniqueItems-numbers-collapse-to-one-value",
    ),
    # `_pattern` ignores minLength/maxLength; rstr draws `+` up to 100 characters.
    pytest.param(
        {"type": "string", "pattern": "^[a-z]+$", "maxLength": 3},
        id="pattern-ignores-maxLength",
    ),
    # Format makers are `exact`: min/maxLength are not applied to them at all.
    pytest.param(
        {"type": "string", "format": "email", "maxLength": 16},
        id="format-ignores-maxLength",
    ),
]


@pytest.mark.parametrize("schema", FORMER_BUGS)
def test_former_generator_bug(schema: dict[str, Any]) -> None:
    check = oracle(schema)
    compiled = Compiled(schema)
    broken = []
    for seed in range(40):
        found, served, tried = compiled.served(seed)
        if not found or not check.is_valid(served):
            broken.append((seed, tried[0]))
    assert not broken, f"{len(broken)}/40 seeds serve no valid value, e.g. {broken[:3]}"
