"""Reading contracts from disk into one self-contained document.

External `$ref`s are bundled into the root document (under `x-specmock-files`)
instead of being inlined: internal references, recursion and shared schemas stay
as they are, so a large spec costs one parse and no copies.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import fast_yaml
import yaml

from .errors import Problem, SpecError, escape_token, unescape_token
from .progress import Progress
from .swagger2 import convert, is_swagger2

try:  # the C loader is ~10x faster than the pure-Python one
    _YamlLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _YamlLoader = yaml.SafeLoader

FILES_KEY = "x-specmock-files"
_NAME_RE = re.compile(r"[^a-z0-9_]+")


@dataclass
class Document:
    """A parsed OpenAPI document with all its external references made internal."""

    root: dict[str, Any]
    file: str
    version: str  # "3.0", "3.1" or "3.2" (3.2 schemas are read as 3.1's, JSON Schema 2020-12)
    name: str
    warnings: list[Problem] = field(default_factory=list)


def service_name(root: dict[str, Any], file: str) -> str:
    """The prefix a spec is mounted under: `x-specmock-name`, else the file stem."""
    explicit = root.get("x-specmock-name") or (root.get("info") or {}).get("x-specmock-name")
    if isinstance(explicit, str) and explicit:
        return explicit
    stem = Path(file).stem.lower()
    return _NAME_RE.sub("_", stem).strip("_") or "api"


def parse_text(text: str, file: str) -> Any:
    """Parse YAML or JSON, turning syntax errors into a located Problem."""
    stripped = text.lstrip()
    if stripped.startswith("{") or file.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            if file.endswith(".json"):
                reason = f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
                raise SpecError([Problem(file, "", reason)]) from None
    try:  # YAML 1.2 (what OpenAPI 3.1 asks for), ~20x faster than libyaml on a large spec
        return fast_yaml.safe_load(text)
    except Exception:  # PyYAML reads it again, to locate the error
        pass
    try:
        return yaml.load(text, Loader=_YamlLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError([Problem(file, "", f"invalid YAML{where}: {problem}")]) from None


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError([Problem(str(path), "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError([Problem(str(path), "", f"cannot read file: {exc}")]) from None


def read_file(path: Path, shown: str | None = None) -> Any:
    return parse_text(read_text(path), shown or str(path))


# a `$ref` whose value does not start with `#`: only then is there a file to bundle
_EXTERNAL_REF = re.compile(r"""\$ref["']?\s*:\s*+(?!["']?#)""")


def check_version(root: Any, file: str) -> str:
    if not isinstance(root, dict):
        kind = type(root).__name__
        raise SpecError([Problem(file, "", f"an OpenAPI document must be a mapping, got {kind}")])
    if "swagger" in root:
        reason = (
            f"Swagger {root.get('swagger')} is not supported (2.0 is converted); use "
            "OpenAPI 2.0, 3.0, 3.1 or 3.2"
        )
        raise SpecError([Problem(file, "/swagger", reason)])
    version = str(root.get("openapi", ""))
    if version.startswith("3.0"):
        return "3.0"
    if version.startswith(("3.1", "3.2")):
        return version[:3]
    reason = "missing `openapi` version field" if not version else f"unsupported version {version}"
    raise SpecError([Problem(file, "/openapi", reason + " (3.0.x, 3.1.x and 3.2.x are served)")])


class _Bundler:
    """Walks a document once, pulling externally referenced files in and rewriting refs."""

    def __init__(self, root: dict[str, Any], path: Path | None):
        self.root = root
        self.base = path
        self.files: dict[Path, str] = {}
        self.problems: list[Problem] = []

    def run(self) -> None:
        self._walk(self.root, self.base, "", "")

    def _walk(self, node: Any, path: Path | None, prefix: str, pointer: str) -> None:
        stack = [(node, pointer)]
        seen: set[int] = set()
        while stack:
            item, ptr = stack.pop()
            if id(item) in seen:
                continue
            seen.add(id(item))
            if isinstance(item, dict):
                ref = item.get("$ref")
                if isinstance(ref, str):
                    item["$ref"] = self._rewrite(ref, path, prefix, ptr)
                for key, value in item.items():
                    if isinstance(value, dict | list):
                        stack.append((value, f"{ptr}/{escape_token(str(key))}"))
            elif isinstance(item, list):
                for i, value in enumerate(item):
                    if isinstance(value, dict | list):
                        stack.append((value, f"{ptr}/{i}"))

    def _rewrite(self, ref: str, path: Path | None, prefix: str, ptr: str) -> str:
        target, _, fragment = ref.partition("#")
        if not target:
            return f"#{prefix}{fragment}" if prefix else ref
        if "://" in target:
            where = str(path or "<memory>")
            self.problems.append(Problem(where, ptr, f"remote reference {ref!r} is not supported"))
            return ref
        if path is None:
            reason = f"relative reference {ref!r} needs a spec loaded from a file"
            self.problems.append(Problem("<memory>", ptr, reason))
            return ref
        file = (path.parent / unquote(target)).resolve()
        key = self.files.get(file)
        if key is None:
            key = self._include(file, path, ptr)
            if key is None:
                return ref
        return f"#/{FILES_KEY}/{escape_token(key)}{fragment}"

    def _include(self, file: Path, referrer: Path, ptr: str) -> str | None:
        if not file.is_file():
            self.problems.append(Problem(str(referrer), ptr, f"referenced file {file} not found"))
            return None
        try:
            content = read_file(file)
        except SpecError as exc:
            self.problems.extend(exc.problems)
            return None
        key = self._key_for(file)
        self.files[file] = key
        self.root.setdefault(FILES_KEY, {})[key] = content
        prefix = f"/{FILES_KEY}/{escape_token(key)}"
        self._walk(content, file, prefix, prefix)
        return key

    def _key_for(self, file: Path) -> str:
        base = self.base.parent if self.base else Path.cwd()
        try:
            return file.relative_to(base.resolve()).as_posix()
        except ValueError:
            return file.as_posix()


def load_document(
    source: str | Path | dict[str, Any], name: str | None = None, progress: Progress | None = None
) -> Document:
    """Load a spec from a path or an already parsed mapping."""
    if isinstance(source, dict):
        root, path, file, external = source, None, "<memory>", True
    else:
        path = Path(source).resolve()
        file = str(source)
        if progress is not None:
            progress.start(Path(file).name, "parsing")
        text = read_text(path)
        root = parse_text(text, file)
        external = _EXTERNAL_REF.search(text) is not None
    warnings = []
    if is_swagger2(root):
        root = convert(root)
        warnings.append(Problem(file, "/swagger", "Swagger 2.0, served as OpenAPI 3.0", "info"))
    version = check_version(root, file)
    bundler = _Bundler(root, path)
    if external:  # a walk over a large spec costs; one without file references skips it
        bundler.run()
    if bundler.problems:
        raise SpecError(bundler.problems)
    return Document(
        root=root,
        file=file,
        version=version,
        name=name or service_name(root, file),
        warnings=warnings,
    )


def resolve(root: dict[str, Any], ref: str) -> Any:
    """Follow one internal `#/...` reference; KeyError when it points nowhere."""
    if not ref.startswith("#"):
        raise KeyError(ref)
    node: Any = root
    fragment = unquote(ref[1:])
    if not fragment:
        return node
    for token in fragment[1:].split("/"):
        token = unescape_token(token)
        if isinstance(node, list):
            node = node[int(token)]
        elif isinstance(node, dict):
            node = node[token]
        else:
            raise KeyError(ref)
    return node


def deref(root: dict[str, Any], node: Any, limit: int = 32) -> Any:
    """Follow `$ref` chains of non-schema objects (parameters, responses, bodies...)."""
    for _ in range(limit):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return node
        node = resolve(root, node["$ref"])
    raise KeyError("reference chain too long")
