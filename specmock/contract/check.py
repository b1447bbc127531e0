"""Everything a team wrote against a contract, checked against it offline.

Overrides must target operations that exist, and each one is run once through a strict
app with a sample request so a reply that breaks the contract shows up here rather than
as a 500 in a test. Fixture items are validated against the answer schema of the
resource they seed; scenario and fault rules must parse and name real services,
operations and paths; recorded cassette exchanges are checked as the drift report checks
upstream traffic (runtime/drift.py), without an upstream.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import orjson

from ..generator.plan import Operation, Service
from ..generator.values import fake_value
from ..runtime.cassette import Cassette, CassetteError
from ..runtime.drift import response_drift
from ..runtime.factory import create_app, load_services
from ..runtime.faults import RuleError, parse_rule
from ..runtime.fixtures import read_yaml
from ..runtime.hooks import REJECTED, Overrides
from ..runtime.negotiation import is_json
from ..runtime.router import Router
from ..runtime.validation import check_body, schema_violations

MAX_DEPTH = 6


@dataclass(frozen=True)
class Problem:
    source: str  # the file (and entry) the problem is in
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


def _at(source: str, tail: str) -> str:
    """`file#/a/b`: a pointer into a file, or deeper into one already pointed into."""
    return f"{source}/{tail}" if "#" in source else f"{source}#/{tail}"


def _operation_ids(services: list[Service]) -> dict[str, Operation]:
    return {
        key: op
        for s in services
        for op in s.operations
        for key in (op.operation_id, f"{s.name}:{op.operation_id}")
    }


def _target_op(services: list[Service], target: str) -> Operation | None:
    for service in services:
        for op in service.operations:
            keys = (
                op.operation_id,
                f"{op.method} {op.path}",
                f"{service.name}:{op.operation_id}",
                f"{service.name}:{op.method} {op.path}",
            )
            if target in keys:
                return op
    return None


# -- sample requests -----------------------------------------------------------------------


def sample(schema: Any, root: dict[str, Any], depth: int = 0) -> Any:
    """A small value the schema accepts: its example, default or first enum value, else
    the least value of its type that meets the bounds."""
    from ..generator.loader import deref

    schema = deref(root, schema) if isinstance(schema, dict) else {}
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return None
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    if schema.get("enum"):
        return schema["enum"][0]
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = sample(part, root, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            return sample(schema[key][0], root, depth + 1)
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "integer" or kind == "number":
        return max(int(schema.get("minimum", 1)), 1) if kind == "integer" else 1.0
    if kind == "boolean":
        return True
    if kind == "array":
        count = int(schema.get("minItems", 0))
        return [sample(schema.get("items"), root, depth + 1) for _ in range(count)]
    if kind == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        return {
            name: sample(props.get(name), root, depth + 1)
            for name in schema.get("required") or []
            if not (deref(root, props.get(name) or {}) or {}).get("readOnly")
        }
    if schema.get("format") or schema.get("pattern"):  # the generator knows both
        try:
            return fake_value({k: v for k, v in schema.items() if "$ref" not in str(v)}, seed=1)
        except ValueError:
            pass
    text = "sample"
    return (text * 8)[: max(int(schema.get("minLength", 0)), min(6, schema.get("maxLength", 6)))]


def _request(op: Operation, service: Service, prefix: str) -> dict[str, Any]:
    root = service.document.root
    path, query, headers = op.path.split("?")[0], {}, {}
    for param in op.params:
        if not (param.required or param.location == "path"):
            continue
        value = sample(param.schema, root)
        value = "1" if value is None else value
        text = json.dumps(value) if isinstance(value, bool) else str(value)
        if param.location == "path":
            path = path.replace("{" + param.name + "}", text).replace("{" + param.name + "+}", text)
        elif param.location == "query":
            query[param.name] = text
        elif param.location == "header":
            headers[param.name] = text
    request: dict[str, Any] = {
        "method": op.method,
        "url": prefix + path + ("?" + urlencode(query) if query else ""),
        "headers": headers,
    }
    if op.body is not None and op.body.content:
        media = next(iter(op.body.content.values()))
        if is_json(media.media_type):
            request["content"] = orjson.dumps(sample(media.schema, root))
            headers["content-type"] = media.media_type
    return request


# -- the checks ----------------------------------------------------------------------------


def check_overrides(spec: list[str], sources: list[str], seed: int = 0) -> list[Problem]:
    from starlette.testclient import TestClient

    services = load_services(spec)
    found: list[Problem] = []
    loaded = Overrides()
    for source in sources:
        try:
            loaded.add(source)
        except Exception as exc:  # an import error in user code is what is reported
            found.append(Problem(source, f"does not load: {type(exc).__name__}: {exc}"))
    targets = {
        target: (module.path, handler)
        for module in loaded._modules.values()
        for target, handler in module.handlers.items()
    }
    names = {s.name for s in services}
    runnable: dict[str, tuple[Path, Any, Operation]] = {}
    for target, (path, handler) in targets.items():
        if target.endswith(f":{REJECTED}"):
            if target.split(":")[0] not in names:
                found.append(Problem(str(path), f"@rejected names no service: {target}"))
            continue
        op = _target_op(services, target)
        if op is None:
            found.append(Problem(str(path), f"@override({target!r}) names no operation"))
        else:
            runnable[target] = (path, handler, op)
    for target, (path, handler, op) in runnable.items():
        called: list[bool] = []

        def wrapped(ctx: Any, handler: Any = handler, called: list[bool] = called) -> Any:
            called.append(True)
            return handler(ctx)

        app = create_app(spec, seed=seed, strict=True, quiet=True, journal_size=0)
        app.overrides.register(target, wrapped)
        service = next(s for s in app.services if s.name == op.service)
        request = _request(op, service, app.mount_prefix(service.name))
        with TestClient(app, raise_server_exceptions=False) as client:
            answer = client.request(**request)
        where = f"{path} @override({target!r})"
        if not called:
            found.append(
                Problem(
                    where,
                    f"not run: the sample request {request['method']} {request['url']} was "
                    f"refused with {answer.status_code} ({answer.text[:200]})",
                )
            )
        elif answer.status_code >= 500:
            found.append(Problem(where, f"answered {answer.status_code}: {_detail(answer)}"))
    return found


def _detail(answer: Any) -> str:
    try:
        return str(answer.json()["detail"])
    except (ValueError, KeyError, TypeError):
        return answer.text[:300]


def each_file(
    services: list[Service], sources: list[str], check: Callable[..., list[Problem]]
) -> list[Problem]:
    """`check(services, data, source)` on each YAML/JSON file; an unreadable one is named."""
    found: list[Problem] = []
    for source in sources:
        try:
            data = read_yaml(source)
        except (OSError, ValueError) as exc:
            found.append(Problem(source, f"not readable: {exc}"))
            continue
        found += check(services, data, source)
    return found


def fixture_problems(services: list[Service], data: Any, source: str) -> list[Problem]:
    if not isinstance(data, dict):
        return [Problem(source, "fixtures must be a mapping of service → resource → items")]
    found: list[Problem] = []
    by_name = {s.name: s for s in services}
    for name, resources in data.items():
        service = by_name.get(name)
        if service is None:
            found.append(Problem(source, f"no service {name!r} (known: {', '.join(by_name)})"))
            continue
        if not isinstance(resources, dict):
            found.append(Problem(_at(source, name), "expected a mapping of resource → items"))
            continue
        readers = _readers(service)
        for resource, items in resources.items():
            where = _at(source, f"{name}/{resource}")
            read = readers.get(resource)
            if read is None:
                known = ", ".join(sorted(k for k in readers if not k.startswith("/")))
                found.append(Problem(where, f"no resource {resource!r} (known: {known})"))
                continue
            if not isinstance(items, list):
                found.append(Problem(where, "expected a list of objects"))
                continue
            validator = _item_validator(read)
            for i, item in enumerate(items):
                if validator is None or validator.is_valid(item):
                    continue
                for v in schema_violations(validator, item, "body", ""):
                    found.append(Problem(f"{where}/{i}{v.pointer.rstrip('/')}", v.message))
    return found


def _readers(service: Service) -> dict[str, Operation]:
    """Resource name and collection path → the operation that reads one item back."""
    found: dict[str, Operation] = {}
    for op in service.operations:
        resource = op.role.resource if op.role else None
        if resource is None or not resource.creatable:
            continue
        if op.role.kind == "read" or (op.role.kind in ("create", "replace") and op.success):
            for key in (resource.name, resource.collection):
                if key not in found or op.role.kind == "read":
                    found[key] = op
    return found


def _item_validator(op: Operation) -> Any:
    success = op.success
    if success is None:
        return None
    for media in success.content.values():
        if media.schema is not None and is_json(media.media_type):
            return op.compiler.validator(media.schema, "response", media.pointer)
    return None


def rule_problems(services: list[Service], rules: Any, source: str) -> list[Problem]:
    if not isinstance(rules, list):
        return [Problem(source, "fault rules must be a list")]
    found: list[Problem] = []
    ops = _operation_ids(services)
    names = {s.name for s in services}
    for i, data in enumerate(rules):
        where = _at(source, str(i))
        if not isinstance(data, dict):
            found.append(Problem(where, "a rule must be a mapping"))
            continue
        try:
            rule = parse_rule(data, i)
        except (RuleError, TypeError, ValueError) as exc:
            found.append(Problem(where, str(exc)))
            continue
        if rule.service is not None and rule.service not in names:
            found.append(Problem(where, f"{rule.id}: service {rule.service!r} is not served"))
        if rule.operation is not None and rule.operation not in ops:
            found.append(Problem(where, f"{rule.id}: no operation {rule.operation!r}"))
        if rule.path is not None and not rule.path.startswith("^") and "{" not in rule.path:
            router = Router()
            for service in services:
                router.mount(f"/{service.name}" if len(services) > 1 else "", service)
            if router.match(rule.path) is None:
                found.append(Problem(where, f"{rule.id}: no declared path matches {rule.path}"))
    return found


def scenario_problems(services: list[Service], scenarios: Any, source: str) -> list[Problem]:
    found: list[Problem] = []
    if not isinstance(scenarios, dict):
        return [Problem(source, "scenarios must be a mapping of name → scenario")]
    for name, scenario in scenarios.items():
        where = f"{source}#/{name}"
        if not isinstance(scenario, dict):
            found.append(Problem(where, "a scenario must be a mapping"))
            continue
        unknown = set(scenario) - {"faults", "fixtures", "clock", "options", "description"}
        if unknown:
            found.append(Problem(where, f"unknown field(s) {', '.join(sorted(unknown))}"))
        if "faults" in scenario:
            found += rule_problems(services, scenario["faults"], f"{where}/faults")
        if "fixtures" in scenario:
            found += fixture_problems(services, scenario["fixtures"], f"{where}/fixtures")
    return found


def check_cassettes(services: list[Service], sources: list[str]) -> list[Problem]:
    router = Router()
    for service in services:
        router.mount(f"/{service.name}" if len(services) > 1 else "", service)
    found: list[Problem] = []
    for source in sources:
        if not Path(source).is_file():
            found.append(Problem(source, "no such cassette file"))
            continue
        try:
            cassette = Cassette.load(source)
        except CassetteError as exc:
            found.append(Problem(source, str(exc)))
            continue
        for i, x in enumerate(cassette.exchanges):
            where = f"{source}#/log/entries/{i} ({x.method} {x.path} → {x.status})"
            match = router.match(x.path)
            query = parse_qs(x.query, keep_blank_values=True)
            op = match.entry.select(x.method, query, x.request_headers) if match else None
            if op is None:
                found.append(Problem(where, f"no operation is declared for {x.method} {x.path}"))
                continue
            media = next(iter(op.body.content.values()), None) if op.body else None
            if media is not None and x.request_body and is_json(media.media_type):
                try:
                    value = orjson.loads(x.request_body)
                except orjson.JSONDecodeError:
                    value = None
                for v in check_body(op, media, value):
                    found.append(Problem(where, f"request {v.pointer}: {v.message}"))
            for v in response_drift(op, x):
                found.append(Problem(where, f"response {v.pointer}: {v.message}"))
    return found


def check_all(
    spec: list[str],
    overrides: Sequence[str] = (),
    data: Sequence[str] = (),
    scenarios: Sequence[str] = (),
    faults: Sequence[str] = (),
    cassettes: Sequence[str] = (),
) -> list[Problem]:
    """Every problem found, grouped by kind in the order of the options."""
    services = load_services(list(spec), eager=False)
    found: list[Problem] = []
    if overrides:
        found += check_overrides(list(spec), list(overrides))
    found += each_file(services, list(data), fixture_problems)
    found += each_file(services, list(scenarios), scenario_problems)
    found += each_file(services, list(faults), rule_problems)
    found += check_cassettes(services, list(cassettes))
    return found


__all__ = ["Problem", "check_all"]
