"""Seeded fake values compiled from a normalized schema.

A schema is turned into a tree of small closures once; producing a value then
only calls them. Every random choice goes through the context's `random.Random`
(Faker included), so one seed gives one value, byte for byte.
"""

from __future__ import annotations

import math
import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
import rstr
from faker import Faker

from .heuristics import BASIC_FORMATS, FORMATS, number_hint, string_maker, word
from .patterns import KEYWORD as ECMA_PATTERN
from .patterns import for_python, matches, native
from .schema import Bundle, flatten, key_of, merge
from .validators import compile_validator

Gen = Callable[["Ctx", int], Any]
_TRIES = 12
_NESTING = 40  # schemas compiled inside one another before the rest waits for first use
_ANNOTATIONS = (
    "discriminator",
    "description",
    "title",
    "default",
    "examples",
    "example",
    "deprecated",
    "$comment",
    "externalDocs",
    "xml",
)
_MISSING = object()


@dataclass
class Ctx:
    """What one generation run draws on."""

    rng: random.Random
    faker: Faker
    max_depth: int = 5
    direction: str = "response"
    complete: bool = False  # every optional property too (error bodies, examples)
    quality: str = "realistic"  # basic | realistic | production (see docs/quality.md)

    @property
    def basic(self) -> bool:
        return self.quality == "basic"

    @property
    def full(self) -> bool:
        """Every optional property: error bodies, examples and the production level."""
        return self.complete or self.quality == "production"


class Builder:
    """Compiles a bundle into a value generator; `$ref`s compile on first use (recursion)."""

    def __init__(self, bundle: Bundle):
        self.defs = bundle.defs
        self._refs: dict[str, Gen] = {}
        self._nesting = 0
        self.root = self.compile(bundle.schema)

    def __call__(self, ctx: Ctx) -> Any:
        ctx.faker.random = ctx.rng
        return self.root(ctx, 0)

    def deref(self, schema: Any) -> Any:
        return flatten(schema, self.defs, fold=False)

    def flatten(self, schema: Any) -> Any:
        return flatten(schema, self.defs)

    @staticmethod
    def _key(ref: str) -> str:
        return key_of(ref)

    # -- compilation ------------------------------------------------------
    def compile(self, schema: Any, name: str | None = None) -> Gen:
        if self._nesting > _NESTING:  # a cycle through merged refs (`allOf: [$ref]`)
            return self._lazy(lambda: schema, name)
        self._nesting += 1
        try:
            return self._compile(schema, name)
        finally:
            self._nesting -= 1

    def _compile(self, schema: Any, name: str | None) -> Gen:
        if schema is False:
            return lambda ctx, d: None
        if not isinstance(schema, dict):
            return self._any(name)
        if "$ref" in schema and len(schema) == 1:
            return self._ref(self._key(schema["$ref"]), name)
        schema = self.flatten(schema)
        if isinstance(schema.get("if"), dict):
            schema = self._then_branch(schema)
        if "const" in schema:
            value = schema["const"]
            return lambda ctx, d: value
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            choices = schema["enum"]
            return lambda ctx, d: ctx.rng.choice(choices)
        for key in ("oneOf", "anyOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                return self._choice(schema, key, name)
        return self._typed(schema, name)

    def _then_branch(self, schema: dict[str, Any]) -> dict[str, Any]:
        """`if`/`then`/`else`: values built to meet `if` and `then` (so `else` never applies)."""
        rest = {k: v for k, v in schema.items() if k not in ("if", "then", "else")}
        out = merge(rest, self.flatten(schema["if"]))
        then = schema.get("then")
        return merge(out, self.flatten(then)) if isinstance(then, dict) else out

    def _lazy(self, make_schema: Callable[[], Any], name: str | None) -> Gen:
        """Compile on first use: merged branches of recursive types would never finish."""
        built: list[Gen] = []

        def gen(ctx: Ctx, d: int) -> Any:
            if not built:
                built.append(self.compile(make_schema(), name))
            return built[0](ctx, d)

        return gen

    def _ref(self, key: str, name: str | None) -> Gen:
        cache_key = f"{key}\0{name or ''}"

        def gen(ctx: Ctx, d: int) -> Any:
            built = self._refs.get(cache_key)
            if built is None:
                built = self._refs[cache_key] = self.compile(self.defs.get(key, {}), name)
            return built(ctx, d)

        return gen

    def _choice(self, schema: dict[str, Any], key: str, name: str | None) -> Gen:
        rest = {k: v for k, v in schema.items() if k not in (key, *_ANNOTATIONS)}
        branches = []
        for branch in schema[key]:
            tag = self._tag(schema.get("discriminator"), branch)
            if rest:
                branches.append(
                    (self._lazy(lambda b=branch: merge(rest, self.flatten(b)), name), tag)
                )
            else:
                branches.append((self.compile(branch, name), tag))
        prop = (schema.get("discriminator") or {}).get("propertyName")

        def gen(ctx: Ctx, d: int) -> Any:
            build, tag = ctx.rng.choice(branches)
            value = build(ctx, d)
            if prop and tag is not None and isinstance(value, dict):
                value[prop] = tag
            return value

        return gen

    def _tag(self, discriminator: Any, branch: Any) -> str | None:
        if not isinstance(discriminator, dict) or not isinstance(branch, dict):
            return None
        ref = branch.get("$ref")
        if not isinstance(ref, str):
            return None
        schema_name = self._key(ref).rsplit("/", 1)[-1]
        for tag, target in (discriminator.get("mapping") or {}).items():
            if target == schema_name or str(target).rsplit("/", 1)[-1] == schema_name:
                return tag
        # the implicit tag is the schema's name, unless the branch fixes the property to
        # values of its own (OpenAI's `ClosedStatus` has `type: enum [closed]`): then the
        # branch's own value is the one that validates
        flat = self.flatten(branch)
        own = (flat.get("properties") or {}) if isinstance(flat, dict) else {}
        own = self.flatten(own.get(discriminator.get("propertyName")))
        if isinstance(own, dict) and ("const" in own or "enum" in own):
            return None
        return schema_name

    def _typed(self, schema: dict[str, Any], name: str | None) -> Gen:
        kind = schema.get("type")
        kinds = list(kind) if isinstance(kind, list) else [kind] if kind else [_infer(schema)]
        excluded = _excluded_types(schema.get("not"))
        if excluded:
            kept = [k for k in kinds if k not in excluded]
            if not kept and not kind:
                kept = [k for k in ("object", "integer", "boolean", "array") if k not in excluded]
            kinds = kept or kinds
        nullable = "null" in kinds
        kinds = [k for k in kinds if k != "null"]
        if not kinds:
            return lambda ctx, d: None
        gens = [self._of_type(k, schema, name) for k in kinds]

        def gen(ctx: Ctx, d: int) -> Any:
            if nullable and ctx.rng.random() < 0.1:
                return None
            return gens[0](ctx, d) if len(gens) == 1 else ctx.rng.choice(gens)(ctx, d)

        return gen

    def _of_type(self, kind: str, schema: dict[str, Any], name: str | None) -> Gen:
        if kind == "object":
            return self._object(schema)
        if kind == "array":
            return self._array(schema, name)
        if kind in ("integer", "number"):
            return _number(schema, kind == "integer", name)
        if kind == "boolean":
            return lambda ctx, d: ctx.rng.random() < 0.5
        return _string(schema, name)

    def _any(self, name: str | None) -> Gen:
        maker = string_maker(name)
        if maker:
            return lambda ctx, d: word(ctx.rng) if ctx.basic else maker(ctx.rng, ctx.faker)
        return lambda ctx, d: word(ctx.rng)

    def _object(self, schema: dict[str, Any]) -> Gen:
        hide = "writeOnly"
        required = list(dict.fromkeys(schema.get("required") or []))
        names = _NameRule(schema.get("propertyNames"), self)
        props = []
        declared = schema.get("properties") or {}
        for pname, pschema in declared.items():
            if pname not in required and not names.allows(pname):
                continue  # an optional property `propertyNames` rules out
            flat = self.deref(pschema)
            flags = flat if isinstance(flat, dict) else {}
            props.append((pname, self.compile(pschema, pname), pname in required, flags))
        max_props = schema.get("maxProperties")
        if max_props is not None:  # required first, so maxProperties keeps them
            props.sort(key=lambda p: not p[2])
        keyed = _KeyedValues(schema, self, names)
        undeclared = [(n, keyed.for_name(n)) for n in required if n not in declared]
        depends = {
            k: [n for n in v if isinstance(n, str)]
            for k, v in (schema.get("dependentRequired") or {}).items()
            if isinstance(v, list)
        }
        want_extra = keyed.open and keyed.schema_given and not props and not undeclared
        min_props = schema.get("minProperties", 0)

        def gen(ctx: Ctx, d: int) -> Any:
            out: dict[str, Any] = {}
            deep = d >= ctx.max_depth
            skip = "readOnly" if ctx.direction == "request" else hide
            for pname, build in undeclared:
                out[pname] = build(ctx, d + 1)
            for pname, build, req, flags in props:
                if flags.get(skip) and not req:
                    continue
                if not req and ctx.basic:
                    continue
                if req or (not deep and (ctx.full or ctx.rng.random() < 0.8)):
                    if max_props is not None and len(out) >= max_props and not req:
                        continue
                    if not req and _needs_more(pname, depends, out, max_props):
                        continue
                    out[pname] = build(ctx, d + 1)
            _fill(ctx, d, out, props, keyed, want_extra, min_props, max_props, depends)
            for key in [k for k in out if k in depends]:
                for dependent in depends[key]:
                    if dependent not in out:
                        out[dependent] = _value_for(dependent, props, keyed)(ctx, d + 1)
            return out

        return gen

    def _array(self, schema: dict[str, Any], name: str | None) -> Gen:
        items = schema.get("items")
        item_gen = self.compile(items if isinstance(items, dict) else {}, _singular(name))
        prefix = [self.compile(s, name) for s in schema.get("prefixItems") or []]
        low = schema.get("minItems", 0)
        high = schema.get("maxItems")
        unique = schema.get("uniqueItems", False)
        if items is False and prefix:
            high = len(prefix) if high is None else min(high, len(prefix))
        contains = schema.get("contains")
        need = 0
        contain_gen: Gen | None = None
        if isinstance(contains, dict):
            need = schema.get("minContains", 1)
            base = self.flatten(items) if isinstance(items, dict) else {}
            contain_gen = self.compile(merge(base, self.flatten(contains)), _singular(name))
            low = max(low, need)

        def gen(ctx: Ctx, d: int) -> Any:
            shallow = d < ctx.max_depth
            top = max(low, min(low + 3, 3)) if shallow and not ctx.basic else low
            floor = max(low, 1) if ctx.complete and shallow else low
            if ctx.quality == "production" and shallow:  # fuller, still bounded
                top, floor = max(low, min(low + 5, 5)), max(low, 2)
            if high is not None:
                top = min(top, high)
            count = ctx.rng.randint(min(floor, top), top)
            out = [p(ctx, d + 1) for p in prefix[:count]]
            seen = {orjson.dumps(v, option=orjson.OPT_SORT_KEYS) for v in out} if unique else None
            out.extend(_draw(ctx, d, item_gen, count - len(out), seen))
            if contain_gen is not None and need:  # the last items are made for `contains`
                made = _draw(ctx, d, contain_gen, need, seen)
                out[max(len(prefix), len(out) - len(made)) :] = made
            return out

        return gen


def _draw(ctx: Ctx, d: int, build: Gen, count: int, seen: set[bytes] | None) -> list[Any]:
    """`count` values (fewer if they keep repeating), unique against `seen` when given."""
    made: list[Any] = []
    for _ in range(count * 10):
        if len(made) >= count:
            break
        value = build(ctx, d + 1)
        if seen is not None:
            key = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
            if key in seen:
                continue
            seen.add(key)
        made.append(value)
    return made


def _fill(ctx, d, out, props, keyed, want_extra, min_props, max_props, depends) -> None:
    """Top an object up to `minProperties` (and give free-form maps a couple of keys)."""
    for pname, build, _req, _flags in props:
        if len(out) >= min_props:
            break
        if pname not in out and not _needs_more(pname, depends, out, max_props):
            out[pname] = build(ctx, d + 1)
    wanted = max(min_props, ctx.rng.randint(1, 2) if want_extra and d < ctx.max_depth else 0)
    if max_props is not None:
        wanted = min(wanted, max_props)
    tries = 0
    while len(out) < wanted and tries < 40:
        tries += 1
        made = keyed.draw(ctx, d)
        if made is None:
            return
        key, build = made
        if key not in out and key not in depends:
            out[key] = build(ctx, d + 1)


def _needs_more(name: str, depends: dict[str, list[str]], out: dict, high: int | None) -> bool:
    """Whether adding `name` would pull in dependents past `maxProperties`."""
    if high is None or name not in depends:
        return False
    return len(out) + 1 + sum(n not in out for n in depends[name]) > high


def _value_for(name: str, props: list, keyed: _KeyedValues) -> Gen:
    for pname, build, _req, _flags in props:
        if pname == name:
            return build
    return keyed.for_name(name)


def _excluded_types(schema: Any) -> set[str]:
    if not isinstance(schema, dict) or set(schema) - {"type"}:
        return set()
    kind = schema.get("type")
    found = set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()
    return found | ({"integer"} if "number" in found else set())


class _NameRule:
    """`propertyNames`: which keys an object may have (checked with the real validator)."""

    def __init__(self, schema: Any, builder: Builder):
        self.schema = schema if isinstance(schema, dict) else None
        self.check: Callable[[str], bool] = lambda name: True
        self.draw: Gen | None = None
        if self.schema is not None:
            validator = compile_validator(Bundle(self.schema, builder.defs))
            self.check = validator.is_valid
            self.draw = builder.compile({**builder.flatten(self.schema), "type": "string"})

    def allows(self, name: str) -> bool:
        return self.check(name)


class _KeyedValues:
    """Keys and values for properties the schema does not list by name:
    `patternProperties` first, then `additionalProperties`, within `propertyNames`."""

    def __init__(self, schema: dict[str, Any], builder: Builder, names: _NameRule):
        self.builder = builder
        self.names = names
        extra = schema.get("additionalProperties", schema.get("unevaluatedProperties"))
        self.open = extra is not False
        self.schema_given = isinstance(extra, dict)
        self.extra = builder.compile(extra) if isinstance(extra, dict) else None
        self.patterns = [
            (pattern, _pattern_keys(pattern), builder.compile(sub))
            for pattern, sub in (schema.get("patternProperties") or {}).items()
            if isinstance(pattern, str)
        ]

    def for_name(self, name: str) -> Gen:
        """The value builder for a property named only in `required` (or a dependency)."""
        for pattern, _keys, build in self.patterns:
            if matches(pattern, name):
                return build
        if self.extra is not None:
            return self.extra
        maker = string_maker(name)
        return (lambda ctx, d: maker(ctx.rng, ctx.faker)) if maker else (lambda c, d: word(c.rng))

    def draw(self, ctx: Ctx, d: int) -> tuple[str, Gen] | None:
        """A fresh key and its value builder, or None when no key may be added."""
        for _ in range(_TRIES):
            if self.patterns and (not self.open or ctx.rng.random() < 0.7):
                _pattern_text, keys, build = ctx.rng.choice(self.patterns)
                key = keys(ctx, d)
            elif self.open:
                key = self.names.draw(ctx, d) if self.names.draw else word(ctx.rng)
                if any(matches(p, key) for p, _k, _b in self.patterns):
                    continue
                build = self.extra or (lambda c, dd: word(c.rng))
            else:
                return None
            if isinstance(key, str) and self.names.allows(key):
                return key, build
        return None


def _pattern_keys(pattern: str) -> Gen:
    return (
        _pattern(pattern, 1, None)
        if native(pattern)
        else _pattern(for_python(pattern), 1, None, pattern)
    )


def _infer(schema: dict[str, Any]) -> str:
    if any(k in schema for k in ("properties", "additionalProperties", "required")):
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    if any(k in schema for k in ("minimum", "maximum", "multipleOf")):
        return "number"
    return "string"


def _singular(name: str | None) -> str | None:
    if name and name.endswith("s") and len(name) > 3:
        return name[:-1]
    return name


def _bounds(schema: dict[str, Any], integer: bool, name: str | None) -> tuple[float, float]:
    """A realistic window (by name, else 1..1000) inside the schema's own bounds."""
    low = schema.get("minimum", -math.inf)
    high = schema.get("maximum", math.inf)
    ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    step = 1 if integer else 1e-6
    if isinstance(ex_low, int | float) and not isinstance(ex_low, bool):
        low = max(low, ex_low + step)
    if isinstance(ex_high, int | float) and not isinstance(ex_high, bool):
        high = min(high, ex_high - step)
    if schema.get("format") == "int32":
        low, high = max(low, -(2**31)), min(high, 2**31 - 1)
    hint = number_hint(name)
    want_low, want_high = (hint[0], hint[1]) if hint else (1, 1000)
    lo, hi = max(low, want_low), min(high, want_high)
    spread = want_high - want_low
    if hi - lo < min(spread, high - low):  # the window barely overlaps the schema's bounds
        if low > -math.inf:
            lo, hi = low, min(high, low + spread)
        else:
            lo, hi = max(low, high - spread), high
    return lo, hi


def _number(schema: dict[str, Any], integer: bool, name: str | None) -> Gen:
    lo, hi = _bounds(schema, integer, name)
    hint = number_hint(name)
    decimals = 0 if integer else (hint[2] if hint and hint[2] else 2)
    step = schema.get("multipleOf")
    if step:
        k_lo, k_hi = math.ceil(lo / step), math.floor(hi / step)
        if k_lo > k_hi:  # no multiple in the realistic window: use the schema's own bounds
            lo, hi = _bounds({k: v for k, v in schema.items() if k != "format"}, integer, None)
            low = schema.get("minimum", schema.get("exclusiveMinimum", -math.inf))
            high = schema.get("maximum", schema.get("exclusiveMaximum", math.inf))
            k_lo = math.ceil(max(low, lo - 10 * step) / step)
            k_hi = math.floor(min(high, hi + 10 * step) / step)
        places = max(0, -math.floor(math.log10(step))) + 2 if step < 1 else 0

        def multiple(ctx: Ctx, d: int) -> Any:
            k = ctx.rng.randint(k_lo, max(k_lo, k_hi))
            value = round(k * step, places) if places else k * step
            return int(value) if integer else value

        return multiple
    if integer:
        ilo, ihi = math.ceil(lo), math.floor(hi)
        return lambda ctx, d: ctx.rng.randint(ilo, max(ilo, ihi))

    def number(ctx: Ctx, d: int) -> Any:
        value = round(ctx.rng.uniform(lo, hi), decimals)
        return min(max(value, lo), hi)

    return number


def _string(schema: dict[str, Any], name: str | None) -> Gen:
    low = schema.get("minLength", 0)
    high = schema.get("maxLength")
    pattern = schema.get("pattern")
    fmt = schema.get("format")
    if pattern:
        return _pattern(pattern, low, high)
    ecma = schema.get(ECMA_PATTERN)
    if isinstance(ecma, str):
        return _pattern(for_python(ecma), low, high, ecma)
    maker = FORMATS.get(fmt) if fmt else None
    exact = maker is not None
    cheap = BASIC_FORMATS.get(fmt, maker) if fmt else None
    cheap = cheap or (lambda r, _: word(r))
    maker = maker or string_maker(name) or word

    def gen(ctx: Ctx, d: int) -> Any:
        value = str((cheap if ctx.basic else maker)(ctx.rng, ctx.faker))
        if not exact:
            return _fit(value, low, high, ctx.rng)
        for _ in range(_TRIES):  # a format value cannot be cut to length; draw another
            if len(value) >= low and (high is None or len(value) <= high):
                return value
            value = str(maker(ctx.rng, ctx.faker))
        return _short_format(fmt, value, high, ctx.rng)

    return gen


def _short_format(fmt: str | None, value: str, high: int | None, rng: random.Random) -> str:
    """Last resort for a format under a tight maxLength: the shortest plausible value."""
    if high is None:
        return value
    if fmt in ("email", "idn-email") and high >= 6:
        local = "".join(rng.choice(string.ascii_lowercase) for _ in range(max(1, high - 5)))
        return f"{local[: max(1, high - 5)]}@x.io"
    if fmt in ("uri", "url", "iri") and high >= 10:
        return "http://x.io"[:high] if high >= 11 else "http://x.i"
    return value


def _fit(value: str, low: int, high: int | None, rng: random.Random) -> str:
    if high is not None and len(value) > high:
        value = value[:high].rstrip() or value[:high]
    if len(value) < low:
        value += "".join(rng.choice(string.ascii_lowercase) for _ in range(low - len(value)))
    return value


class _ShortXeger(rstr.Rstr):
    """rstr repeats `+` and `*` up to 100 times; a dozen reads more like real data."""

    def _handle_repeat(self, start_range: int, end_range: int, value: str) -> str:
        end = min(end_range, max(start_range, 12))
        times = self._random.randint(start_range, end)
        return "".join("".join(self._handle_state(i) for i in value) for _ in range(times))


def _pattern(pattern: str, low: int, high: int | None, ecma: str | None = None) -> Gen:
    """Strings drawn from the pattern; an ECMA-262 one (`ecma`) is drawn from its Python
    approximation and each candidate checked by the ECMA engine."""

    def gen(ctx: Ctx, d: int) -> Any:
        xeger = _ShortXeger(ctx.rng)
        value = ""
        for _ in range(_TRIES):
            try:
                value = xeger.xeger(pattern)
            except Exception:  # an ECMA-only construct Python's re cannot read
                return _fit(word(ctx.rng), low, high, ctx.rng)
            if ecma is not None and not matches(ecma, value):
                continue
            if len(value) >= low and (high is None or len(value) <= high):
                return value
        return value

    return gen
