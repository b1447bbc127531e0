"""From a Document to a Service: walk the paths once and compile each operation."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .errors import Problem, SpecError, join_pointer
from .lint import document_defects
from .loader import Document, deref, load_document, resolve
from .params import compile_param
from .plan import _TEMPLATE, METHODS, Body, Compiler, Header, Media, Operation, Response, Service
from .progress import Progress
from .resources import classify

EAGER_LIMIT = 400  # specs with more operations compile validators on first use
_NO_CONTENT = frozenset({"204", "205", "304"})  # statuses HTTP sends without content
_FORMS = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})

# Response headers the server writes from the body and the connection: OpenAPI ignores a
# declared Content-Type, and a generated Content-Length, Transfer-Encoding or
# Content-Encoding (GitHub's spec declares some) would contradict the bytes sent.
TRANSPORT_HEADERS = frozenset(
    {
        "content-type", "content-length", "content-encoding", "transfer-encoding",
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
    }
)  # fmt: skip


class _Builder:
    def __init__(self, doc: Document, strict: bool = False, progress: Progress | None = None):
        self.doc = doc
        self.progress = progress or Progress()
        self.root = doc.root
        self.strict = strict
        self.compiler = Compiler(doc, strict)
        self.problems: list[Problem] = list(doc.warnings)
        self.security = self.root.get("security") or []
        self.refs: list[tuple[str, str]] = []

    def problem(self, pointer: str, reason: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.doc.file, pointer, reason, severity))

    def defect(self, pointer: str, reason: str) -> None:
        """A defect the spec can be served with: a warning, or an error with `strict`."""
        self.problem(pointer, reason, "error" if self.strict else "warning")

    def deref(self, node: Any, pointer: str) -> Any:
        try:
            return deref(self.root, node)
        except (KeyError, IndexError, ValueError):
            self.problem(pointer, f"$ref {node.get('$ref')!r} does not resolve")
            return None

    def run(self) -> Service:
        self._check_top()
        operations = []
        paths = self.root.get("paths") or {}
        count = len(paths) if isinstance(paths, dict) else 0
        self.progress.start(self.doc.name, "reading", count, "paths")
        shapes: dict[str, str] = {}
        for path, item in paths.items() if isinstance(paths, dict) else ():
            pointer = join_pointer("paths", path)
            twin = shapes.setdefault(_TEMPLATE.sub("{}", str(path)), str(path))
            if twin != path:
                self.problem(
                    pointer,
                    f"the same path as {twin} but for parameter names (OpenAPI: they must not "
                    "both exist); each method is answered by the path that declares it",
                    "warning",
                )
            item = self.deref(item, pointer) if isinstance(item, dict) else None
            if not isinstance(item, dict):
                self.defect(pointer, "a path item must be a mapping; path not served")
                continue
            if not str(path).startswith("/"):
                self.defect(pointer, "paths must start with '/'")
            for method in METHODS:
                if isinstance(item.get(method), dict):
                    op = self.operation(path, method, item, join_pointer("paths", path, method))
                    if op:
                        operations.append(op)
            self.progress.done += 1
        self._check_refs(self.refs)
        errors = [p for p in self.problems if p.severity == "error"]
        if errors:
            raise SpecError(errors)
        schemes = (self.root.get("components") or {}).get("securitySchemes") or {}
        return Service(
            self.doc.name,
            self.doc,
            operations,
            base_path(self.root),
            schemes,
            problems=self.problems,
        )

    def _check_top(self) -> None:
        info = self.root.get("info")
        if not isinstance(info, dict):
            self.defect("/info", "required field `info` is missing or not a mapping")
        else:
            for key in ("title", "version"):
                if key not in info:
                    self.defect(f"/info/{key}", f"required field `info.{key}` is missing")
        if "paths" not in self.root and "webhooks" not in self.root and self.doc.version == "3.0":
            self.defect("/paths", "required field `paths` is missing")
        defects, self.refs = document_defects(self.root, self.doc.version)
        for pointer, reason in defects:
            self.defect(pointer, reason)

    def _check_refs(self, refs: list[tuple[str, str]]) -> None:
        for pointer, ref in refs:
            try:
                resolve(self.root, ref)
            except (KeyError, IndexError, ValueError):
                self.problem(pointer, f"$ref {ref!r} does not resolve")

    def operation(self, path: str, method: str, item: dict, pointer: str) -> Operation | None:
        raw = item[method]
        params, accept_declared = self.params(path, item, raw, pointer)
        body = self.body(raw.get("requestBody"), pointer + "/requestBody")
        responses = self.responses(raw.get("responses"), pointer + "/responses")
        self._check_outcomes(responses, pointer + "/responses")
        for media in body.content.values() if body else ():
            if media.media_type in _FORMS:
                self._check_form_arrays(media)
        op_id = raw.get("operationId") or f"{method}{path}"
        security = raw.get("security", self.security)
        return Operation(
            self.doc.name,
            method.upper(),
            path,
            str(op_id),
            pointer,
            params,
            body,
            security if isinstance(security, list) else [],
            responses,
            self.compiler,
            summary=str(raw.get("summary") or ""),
            description=str(raw.get("description") or ""),
            accept_declared=accept_declared,
            extensions={
                k: v for src in (item, raw) for k, v in src.items() if k.startswith("x-specmock-")
            },
        )

    def _check_outcomes(self, responses: dict[str, Response], pointer: str) -> None:
        """OpenAPI: a lone response SHOULD be the successful one. With none declared, every
        answer to a well-formed request is one of the declared errors."""
        if responses and not any(s == "default" or s[:1] in ("1", "2", "3") for s in responses):
            lowest = min(responses)
            self.problem(
                pointer,
                f"no success response is declared; well-formed requests are answered {lowest}",
                "warning",
            )

    def _check_form_arrays(self, media: Media) -> None:
        """An empty array has no form encoding (no field is sent), so a required array
        property without `minItems` admits a value no client can send: the form without it
        is what arrives, and is refused as missing the property."""
        try:
            schema = deref(self.root, media.schema)
            props = deref(self.root, schema.get("properties")) if isinstance(schema, dict) else {}
            required = schema.get("required") if isinstance(schema, dict) else []
            if not isinstance(props, dict) or not isinstance(required, list):
                return
            for name in required:
                prop = deref(self.root, props.get(name)) if isinstance(name, str) else None
                if not isinstance(prop, dict):
                    continue
                kinds = (
                    prop.get("type") if isinstance(prop.get("type"), list) else [prop.get("type")]
                )
                low = prop.get("minItems", 0)
                if "array" in kinds and not (isinstance(low, int) and low >= 1):
                    self.problem(
                        media.pointer + "/required",
                        f"required array {name!r} cannot be sent empty in a form (no field "
                        "is sent); give it `minItems: 1` (a form without it is refused)",
                        "warning",
                    )
        except (KeyError, IndexError, ValueError):
            return  # an unresolved `$ref` is reported on its own

    def params(self, path: str, item: dict, raw: dict, pointer: str) -> tuple[list, bool]:
        """The compiled parameters, and whether an `Accept` header one is declared (OpenAPI
        ignores `Accept`, `Content-Type` and `Authorization` header parameters)."""
        merged: dict[tuple[str, str], tuple[dict, str]] = {}
        for owner, where in ((item, pointer.rsplit("/", 1)[0]), (raw, pointer)):
            for i, param in enumerate(owner.get("parameters") or []):
                ptr = f"{where}/parameters/{i}"
                param = self.deref(param, ptr)
                if not self._param_ok(param, ptr):
                    continue
                merged[(param["name"], param["in"])] = (param, ptr)
        declared = {name for name, where in merged if where == "path"}
        for name in _TEMPLATE.findall(path):
            if name not in declared:
                self.problem(
                    pointer, f"path template variable {{{name}}} has no parameter", "warning"
                )
                merged[(name, "path")] = (
                    {"name": name, "in": "path", "required": True, "schema": {"type": "string"}},
                    pointer,
                )
        out = []
        accept_declared = any(n.lower() == "accept" and w == "header" for n, w in merged)
        for (name, where), (param, ptr) in merged.items():
            if where == "header" and name.lower() in ("accept", "content-type", "authorization"):
                continue
            schema = param.get("schema")
            if schema is None and isinstance(param.get("content"), dict):
                first = next(iter(param["content"].values()), {}) or {}
                schema = first.get("schema")
            if schema is None:
                schema = {}
            out.append(compile_param(param, schema, self.compiler.bundle(schema, "request"), ptr))
        return out, accept_declared

    def _param_ok(self, param: Any, ptr: str) -> bool:
        if not isinstance(param, dict):
            self.defect(ptr, "a parameter must be a mapping; ignored")
            return False
        if not isinstance(param.get("name"), str):
            self.defect(ptr + "/name", "parameter has no `name`; ignored")
            return False
        if param.get("in") not in ("path", "query", "header", "cookie"):
            where = param.get("in")
            self.defect(
                ptr + "/in", f"`in` must be path, query, header or cookie, not {where!r}; ignored"
            )
            return False
        if param["in"] == "path" and param.get("required") is not True:
            self.problem(ptr + "/required", "path parameters must have `required: true`", "warning")
        return True

    def media(self, content: Any, pointer: str) -> dict[str, Media]:
        out: dict[str, Media] = {}
        for media_type, spec in (content or {}).items() if isinstance(content, dict) else ():
            ptr = pointer + "/content/" + media_type.replace("~", "~0").replace("/", "~1")
            spec = spec if isinstance(spec, dict) else {}
            out[media_type.lower()] = Media(
                media_type.lower(),
                spec.get("schema"),
                ptr + "/schema",
                self.examples(spec, ptr),
                spec.get("encoding") or {},
            )
        return out

    def examples(self, spec: dict, pointer: str) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, example in (spec.get("examples") or {}).items():
            example = self.deref(example, f"{pointer}/examples/{name}")
            if isinstance(example, dict) and "value" in example:
                found[str(name)] = example["value"]
        if "example" in spec:
            found.setdefault("example", spec["example"])
        schema = spec.get("schema")
        if not found and isinstance(schema, dict) and "example" in schema:
            found["schema"] = schema["example"]
        return found

    def body(self, raw: Any, pointer: str) -> Body | None:
        if raw is None:
            return None
        raw = self.deref(raw, pointer)
        if not isinstance(raw, dict):
            return None
        return Body(bool(raw.get("required")), self.media(raw.get("content"), pointer), pointer)

    def responses(self, raw: Any, pointer: str) -> dict[str, Response]:
        if not isinstance(raw, dict) or not raw:
            self.defect(pointer, "an operation must declare at least one response; answers 204")
            return {"204": Response("204", "", {}, {}, pointer)}
        out = {}
        for status, spec in raw.items():
            ptr = f"{pointer}/{status}"
            spec = self.deref(spec, ptr)
            if not isinstance(spec, dict):
                continue
            headers = {}
            for name, header in (spec.get("headers") or {}).items():
                header = self.deref(header, f"{ptr}/headers/{name}")
                if isinstance(header, dict) and name.lower() not in TRANSPORT_HEADERS:
                    headers[name] = Header(
                        name,
                        bool(header.get("required")),
                        header.get("schema", {}),
                        f"{ptr}/headers/{name}/schema",
                    )
            status = str(status).upper() if str(status).lower() != "default" else "default"
            content = spec.get("content")
            if status in _NO_CONTENT and isinstance(content, dict) and content:
                types = ", ".join(map(str, content))
                self.defect(
                    ptr + "/content",
                    f"a {status} response has no content (RFC 9110); {types} is never sent",
                )
                content = None
            out[status] = Response(
                status,
                str(spec.get("description", "")),
                headers,
                self.media(content, ptr),
                ptr,
            )
        return out


def base_path(root: dict[str, Any]) -> str:
    """The path part of the first server URL, with variables at their defaults."""
    servers = root.get("servers") or []
    if not servers or not isinstance(servers[0], dict):
        return ""
    url = str(servers[0].get("url", ""))
    for name, var in (servers[0].get("variables") or {}).items():
        url = url.replace("{" + name + "}", str((var or {}).get("default", "")))
    path = urlparse(url).path if "://" in url else url
    return path.rstrip("/")


def build_service(
    doc: Document,
    eager: bool | None = None,
    strict: bool = False,
    progress: Progress | None = None,
) -> Service:
    """Compile a document; `strict` refuses servable defects instead of warning about them."""
    builder = _Builder(doc, strict, progress)
    service = builder.run()
    service.stateful = doc.root.get("x-specmock-stateful", True) is not False
    builder.compiler.operations = service.operations
    for op in service.operations:
        op.role = None
    roles = classify(service)
    for op in service.operations:
        op.role = roles[id(op)]
    if eager or (eager is None and len(service.operations) <= EAGER_LIMIT):
        builder.progress.start(doc.name, "compiling", len(service.operations))
        service.compile_all(builder.progress)
        service.problems.extend(builder.compiler.problems)
        service.problems.extend(example_problems(service))
        if strict:
            errors = [p for p in service.problems if p.severity == "error"]
            if errors:
                raise SpecError(errors)
    return service


def example_problems(service: Service) -> list[Problem]:
    """Response examples that break their schema: reported, and never served."""
    found = []
    severity = (
        "error" if service.operations and service.operations[0].compiler.strict else "warning"
    )
    for op in service.operations:
        for response in op.responses.values():
            for media in response.content.values():
                if media.schema is None or not media.examples:
                    continue
                validator = op.compiler.validator(media.schema, "response", media.pointer)
                for name, value in media.examples.items():
                    if not validator.is_valid(value):
                        reason = f"example {name!r} does not match its schema; not served"
                        found.append(
                            Problem(service.document.file, media.pointer, reason, severity)
                        )
    return found


def load_service(
    source: str | Path | dict,
    name: str | None = None,
    eager: bool | None = None,
    strict: bool = False,
) -> Service:
    """Load, check and compile one contract (`strict`: refuse servable defects too)."""
    return build_service(load_document(source, name), eager, strict)
