"""Text reports for `validate` and `explain`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..generator.errors import Problem, SpecError
from ..generator.plan import Operation, Service
from ..generator.recognize import recognize_all
from ..generator.sources import expand
from ..runtime.factory import load_services


def lint_sources(
    sources: list[str], meta: bool = False, strict: bool = False
) -> tuple[list[Problem], list[Problem]]:
    """Load and fully compile each spec; optionally run the OpenAPI meta-schema check."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    try:
        files = expand(list(sources))
    except SpecError as exc:
        return exc.problems, []
    for file in files:
        try:
            (service,) = load_services([file], eager=True, strict_spec=strict)
            warnings.extend(p for p in service.problems if p.severity != "error")
        except SpecError as exc:
            errors.extend(exc.problems)
            continue
        if meta:
            errors.extend(_meta(file))
    return errors, warnings


def _meta(file: Path) -> list[Problem]:
    from openapi_spec_validator import validate
    from openapi_spec_validator.readers import read_from_filename

    spec, base_uri = read_from_filename(str(file))
    try:
        validate(spec, base_uri=base_uri)
    except Exception as exc:  # the validator raises several error types
        path = "/".join(str(p) for p in getattr(exc, "path", []) or [])
        message = getattr(exc, "message", None) or str(exc).splitlines()[0] or type(exc).__name__
        return [Problem(str(file), "/" + path if path else "", message)]
    return []


def _answer(op: Operation) -> str:
    success = op.success
    if success is None:
        return "no response declared"
    kinds = []
    for media_type, media in success.content.items():
        source = "examples " + ", ".join(media.examples) if media.examples else "generated"
        kinds.append(f"{media_type} ({source})")
    body = "; ".join(kinds) or "no body"
    return f"{success.status}: {body}"


def _role(op: Operation, service: Service) -> str:
    role = op.role
    if role is None:
        return "other"
    resource = role.resource
    if resource is None:
        return role.kind
    where = f"{resource.name} at {resource.collection}"
    if not (role.stateful and service.stateful):
        why = resource.mismatch or f"nothing creates {resource.name}"
        return f"{role.kind} {where} (generated: {why})"
    return f"{role.kind} {where}, id field {resource.id_field or '-'} from the store"


def _defects(service: Service, op: Operation) -> list[Problem]:
    """Warnings located inside this operation: each says how it is answered instead."""
    prefix = op.pointer + "/"
    return [p for p in service.problems if p.severity != "error" and p.pointer.startswith(prefix)]


def explain_services(services: list[Service]) -> str:
    lines = []
    for service in services:
        lines.append(
            f"{service.name}: {service.title} "
            f"({service.document.version}, {len(service.operations)} operations, "
            f"base path {service.base_path or '/'})"
        )
        recognized = recognize_all(service)
        for op in service.operations:
            checks = []
            if op.params:
                checks.append("params " + ",".join(f"{p.location}:{p.name}" for p in op.params))
            if op.body:
                checks.append("body " + ",".join(op.body.content))
            if op.security:
                checks.append("auth " + "|".join("+".join(a) or "none" for a in op.security))
            statuses = ",".join(op.responses)
            lines.append(f"  {op.method:7} {op.path}  [{op.operation_id}]")
            lines.append(f"          answers {_answer(op)}; declares {statuses}")
            lines.append(f"          role {_role(op, service)}")
            found = recognized[id(op)]
            paging = f", {found.pagination} pagination" if found.pagination else ""
            lines.append(
                f"          pattern {found.pattern}{paging} (confidence {found.confidence:.2f}:"
                f" {'; '.join(found.features)})"
            )
            if checks:
                lines.append(f"          checks {'; '.join(checks)}")
            for problem in _defects(service, op):
                lines.append(f"          spec defect {problem.pointer}: {problem.reason}")
    return "\n".join(lines)


def explain_json(services: list[Service]) -> dict[str, Any]:
    """Every operation's pattern, confidence and deciding features, with its state role."""
    return {"services": [_explained(service) for service in services]}


def _explained(service: Service) -> dict[str, Any]:
    recognized = recognize_all(service)
    operations = [
        {
            "operationId": op.operation_id,
            "method": op.method,
            "path": op.path,
            "role": _role(op, service),
            "stateful": bool(op.role and op.role.stateful and service.stateful),
            **recognized[id(op)].as_dict(),
        }
        for op in service.operations
    ]
    return {"name": service.name, "title": service.title, "operations": operations}
