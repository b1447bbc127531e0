"""The rules file (`--option llm_rules=rules.yaml`): which request gets which reply.

    rules:
      - when: {last_user: {contains: "weather"}}     # or exact / regex
        tool_calls:
          - name: get_weather
            arguments: {city: "{{ last_user.split()[-1] }}"}
      - when: {path: "$.model", exact: "gpt-4o-mini"}  # any JSONPath into the request
        reply: "Hello {{ request.user or 'there' }}, you sent {{ messages | length }} messages."
      - when: {last_user: {regex: "^slow"}}
        fault: {first_byte_ms: 500, drop_after: 3}

The first rule whose `when` matches applies (a rule without `when` matches everything).
`reply` is a Jinja2 template (sandboxed) that sees `request` (the body), `messages`,
`last_user` and `model`; string values inside `tool_calls` arguments are templates too.
`fault` takes the names the `X-Specmock-LLM-Fault` header takes (see faults.py).
The file is read again when it changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jsonpath_ng.exceptions import JsonPathParserError
from jsonpath_ng.ext import parse as parse_path

_ENV = ImmutableSandboxedEnvironment(autoescape=False, keep_trailing_newline=True)
_TESTS = ("exact", "contains", "regex")


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the rule and the field."""


@dataclass(frozen=True)
class Test:
    path: str | None  # None: the last user message
    kind: str
    value: str

    def matches(self, request: dict[str, Any], last_user: str) -> bool:
        if self.path is None:
            found = [last_user]
        else:
            found = [m.value for m in _path(self.path).find(request)]
        for value in found:
            text = value if isinstance(value, str) else str(value)
            if self.kind == "exact" and text == self.value:
                return True
            if self.kind == "contains" and self.value in text:
                return True
            if self.kind == "regex" and re.search(self.value, text):
                return True
        return False


@dataclass(frozen=True)
class Rule:
    number: int
    tests: tuple[Test, ...]
    reply: str | None = None
    tool_calls: tuple[dict[str, Any], ...] = ()
    fault: dict[str, Any] = field(default_factory=dict)

    def matches(self, request: dict[str, Any], last_user: str) -> bool:
        return all(test.matches(request, last_user) for test in self.tests)


def find(path: str | None, request: dict[str, Any], last_user: str) -> Rule | None:
    """The first rule of the file at `path` that matches the request."""
    if not path:
        return None
    file = Path(path)
    try:
        mtime = file.stat().st_mtime
    except OSError:
        raise RulesError(f"llm_rules: cannot read {path}") from None
    for rule in _load(str(file), mtime):
        if rule.matches(request, last_user):
            return rule
    return None


def render(template: str, request: dict[str, Any], last_user: str) -> str:
    """A reply template filled in from the request."""
    try:
        return _template(template).render(
            request=request,
            messages=request.get("messages") or request.get("input") or [],
            last_user=last_user,
            model=request.get("model"),
        )
    except TemplateError as exc:
        raise RulesError(f"llm_rules: template {template!r} failed: {exc}") from None


def render_value(value: Any, request: dict[str, Any], last_user: str) -> Any:
    """Tool arguments: every string inside is a template."""
    if isinstance(value, str):
        return render(value, request, last_user)
    if isinstance(value, dict):
        return {k: render_value(v, request, last_user) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(v, request, last_user) for v in value]
    return value


@lru_cache(maxsize=512)
def _template(text: str) -> Any:
    try:
        return _ENV.from_string(text)
    except TemplateError as exc:
        raise RulesError(f"llm_rules: template {text!r} does not parse: {exc}") from None


@lru_cache(maxsize=256)
def _path(text: str) -> Any:
    return parse_path(text)


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> tuple[Rule, ...]:
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"llm_rules: {path} is not readable YAML: {exc}") from None
    items = data.get("rules") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise RulesError(f"llm_rules: {path} must hold a list under `rules`")
    return tuple(_rule(i + 1, item) for i, item in enumerate(items))


def _rule(number: int, item: Any) -> Rule:
    where = f"llm_rules: rule {number}"
    if not isinstance(item, dict):
        raise RulesError(f"{where} must be a mapping")
    unknown = set(item) - {"when", "reply", "tool_calls", "fault"}
    if unknown:
        raise RulesError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    when = item.get("when") or {}
    if not isinstance(when, dict):
        raise RulesError(f"{where}.when must be a mapping")
    tests: list[Test] = []
    if "last_user" in when:
        tests.append(_test(where + ".when.last_user", None, when["last_user"]))
    if "path" in when:
        path = when["path"]
        try:
            _path(str(path))
        except (JsonPathParserError, Exception) as exc:
            raise RulesError(f"{where}.when.path {path!r} is not a JSONPath: {exc}") from None
        rest = {k: v for k, v in when.items() if k in _TESTS}
        tests.append(_test(where + ".when", str(path), rest))
    extra = set(when) - {"last_user", "path", *_TESTS}
    if extra:
        raise RulesError(f"{where}.when: unknown field {sorted(extra)[0]!r}")
    reply = item.get("reply")
    if reply is not None:
        reply = str(reply)
        _template(reply)
    calls = item.get("tool_calls") or []
    if not isinstance(calls, list) or not all(
        isinstance(c, dict) and isinstance(c.get("name"), str) for c in calls
    ):
        raise RulesError(f"{where}.tool_calls must be a list of {{name, arguments}}")
    fault = item.get("fault") or {}
    if not isinstance(fault, dict):
        raise RulesError(f"{where}.fault must be a mapping")
    return Rule(number, tuple(tests), reply, tuple(calls), fault)


def _test(where: str, path: str | None, spec: Any) -> Test:
    if not isinstance(spec, dict) or len([k for k in spec if k in _TESTS]) != 1:
        raise RulesError(f"{where} needs exactly one of exact, contains, regex")
    kind = next(k for k in spec if k in _TESTS)
    value = str(spec[kind])
    if kind == "regex":
        try:
            re.compile(value)
        except re.error as exc:
            raise RulesError(f"{where}.regex {value!r} does not compile: {exc}") from None
    return Test(path, kind, value)
