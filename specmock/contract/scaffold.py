"""Override modules that start from the contract: one handler per chosen operation, the
request's parameters and body as TypedDicts, specmock's default answer as the starting
point, and a test that sends each operation a sample request through a strict app (so a
reply that breaks the contract fails it)."""

from __future__ import annotations

import json
import keyword
import re
from pathlib import Path
from typing import Any

from ..generator.loader import deref
from ..generator.plan import Operation, Service
from ..runtime.negotiation import is_json
from .check import _request, _target_op

PY_TYPES = {"integer": "int", "number": "float", "string": "str", "boolean": "bool"}


class ScaffoldError(ValueError):
    pass


def snake(name: str) -> str:
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    text = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower() or "operation"
    text = f"op_{text}" if text[0].isdigit() else text
    return f"{text}_" if keyword.iskeyword(text) else text


def camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake(name).split("_"))


def py_type(schema: Any, root: dict[str, Any]) -> str:
    schema = deref(root, schema) if isinstance(schema, dict) else {}
    kind = schema.get("type") if isinstance(schema, dict) else None
    kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
    if kind == "array":
        return f"list[{py_type(schema.get('items'), root)}]"
    if kind == "object" or (isinstance(schema, dict) and "properties" in schema):
        return "dict[str, Any]"
    return PY_TYPES.get(kind or "", "Any")


def _fields(schema: Any, root: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    schema = deref(root, schema) if isinstance(schema, dict) else {}
    props: dict[str, Any] = dict(schema.get("properties") or {})
    required = set(schema.get("required") or [])
    for part in schema.get("allOf") or []:
        more, needed = _fields(part, root)
        props.update(more)
        required |= needed
    return props, required


def _typed_dict(name: str, fields: dict[str, str], required: set[str]) -> str:
    if not fields:
        return f'{name} = TypedDict("{name}", {{}})\n'
    items = [
        f"        {json.dumps(key)}: {kind if key in required else f'NotRequired[{kind}]'},"
        for key, kind in fields.items()
    ]
    inner = "\n".join(items)
    return f'{name} = TypedDict(\n    "{name}",\n    {{\n{inner}\n    }},\n)\n'


def _handler(op: Operation, service: Service) -> tuple[str, str]:
    root = service.document.root
    name, kind = snake(op.operation_id), camel(op.operation_id)
    params = {p.name: py_type(p.schema, root) for p in op.params}
    required = {p.name for p in op.params if p.required}
    types = _typed_dict(f"{kind}Params", params, required)
    lines = [f"    params: {kind}Params = ctx.params  # type: ignore[assignment]"]
    media = next(iter(op.body.content.values()), None) if op.body else None
    if media is not None and is_json(media.media_type):
        props, needed = _fields(media.schema, root)
        fields = {k: py_type(v, root) for k, v in props.items()}
        types += "\n\n" + _typed_dict(f"{kind}Body", fields, needed & set(fields))
        lines.append(f"    body: {kind}Body = ctx.body  # type: ignore[assignment]")
    success = op.success
    answer = f"{success.status}" if success else "no declared answer"
    summary = (op.summary or op.operation_id).rstrip(".")
    handler = (
        f'@override("{service.name}:{op.operation_id}")\n'
        f"async def {name}(ctx: Context) -> Reply:\n"
        f'    """{summary}: {op.method} {op.path} (answers {answer})."""\n'
        + "\n".join(lines)
        + "\n    reply = await ctx.default()  # what specmock answers without this handler\n"
        "    return reply\n"
    )
    return types, handler


def scaffold_module(spec: str, service: Service, ops: list[Operation]) -> str:
    ids = ", ".join(op.operation_id for op in ops)
    body = "".join("\n\n" + "\n\n".join(_handler(op, service)) for op in ops)
    names = [n for n in ("Any", "NotRequired") if re.search(rf"\b{n}\[|\b{n}\b", body)]
    return (
        f'"""Overrides for {service.name}: {ids}.\n\n'
        f"    specmock serve {spec} --overrides <this file>\n"
        '"""\n\n'
        "from __future__ import annotations\n\n"
        f"from typing import {', '.join([*names, 'TypedDict'])}\n\n"
        "from specmock import Context, Reply, override\n" + body
    )


def scaffold_test(
    spec: str, module: Path, service: Service, prefix: str, ops: list[Operation]
) -> str:
    cases = []
    for op in ops:
        request = _request(op, service, prefix)
        status = int(op.success.status) if op.success and op.success.status.isdigit() else 200
        content = request.get("content")
        cases.append(
            f"    ({op.operation_id!r}, {request['method']!r}, {request['url']!r}, "
            f"{request['headers']!r}, {content!r}, {status}),"
        )
    table = "\n".join(cases)
    return (
        f'"""Each override in {module.name} answers a sample request within the contract."""\n\n'
        "from pathlib import Path\n\n"
        "import pytest\n"
        "from starlette.testclient import TestClient\n\n"
        "from specmock import create_app\n\n"
        f"SPEC = {spec!r}\n"
        f"OVERRIDES = Path(__file__).with_name({module.name!r})\n"
        "CASES = [\n"
        f"{table}\n"
        "]\n\n\n"
        '@pytest.fixture(scope="module")\n'
        "def client():\n"
        "    # strict: an answer that breaks the contract is a 500; stateless: no fixtures needed\n"
        "    app = create_app(SPEC, seed=1, strict=True, stateful=False, overrides=[OVERRIDES])\n"
        "    with TestClient(app) as client:\n"
        "        yield client\n\n\n"
        '@pytest.mark.parametrize("operation, method, url, headers, content, status", CASES)\n'
        "def test_override_answers_within_the_contract(\n"
        "    client, operation, method, url, headers, content, status\n"
        "):\n"
        "    answer = client.request(method, url, headers=headers, content=content)\n"
        "    assert answer.status_code == status, answer.text\n"
    )


def find_operations(services: list[Service], names: list[str]) -> tuple[Service, list[Operation]]:
    ops = []
    for name in names:
        op = _target_op(services, name)
        if op is None:
            known = ", ".join(o.operation_id for s in services for o in s.operations)
            raise ScaffoldError(f"no operation {name!r} (known: {known})")
        ops.append(op)
    owners = {op.service for op in ops}
    if len(owners) > 1:
        raise ScaffoldError(f"operations of one service at a time (given: {', '.join(owners)})")
    service = next(s for s in services if s.name == ops[0].service)
    return service, ops
