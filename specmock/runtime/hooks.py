"""The override API: plain Python functions that answer an operation their own way.

    from specmock import Context, Reply, override

    @override("createPet")                      # an operationId, or "POST /pets"
    async def create_pet(ctx: Context) -> Reply:
        pet = {**ctx.body, "id": await ctx.store.next_id(ctx.namespace("pets"))}
        await ctx.store.put(ctx.namespace("pets"), str(pet["id"]), pet)
        return Reply(pet, status=201)

A handler gets a Context and returns data (the success status), a Reply, or
None to let specmock answer as it would have. Whatever it returns is validated
and serialized like any other response, so an override cannot drift from the
contract silently.
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
import os
import random
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from faker import Faker

from ..generator.plan import Operation
from .clock import Clock, iso
from .state import Store

log = logging.getLogger("specmock")
_MARK = "__specmock_override__"
REJECTED = "!rejected"


@dataclass
class Reply:
    """What a handler answers: data (validated against the contract) or a raw body."""

    body: Any = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    media_type: str | None = None
    # a large body sent as it is produced (give Content-Length in headers if known);
    # an async iterator of bytes, closed unsent for HEAD
    stream: AsyncIterator[bytes] | None = None
    # until when (the server clock, seconds) this very request may be given this reply
    # again without calling the handler: for a reply that is a function of the request,
    # the seed and the configuration alone (an LLM's completion: until its `created`
    # second ends); None, never. A change through the control plane forgets it sooner.
    settled_until: float | None = None


@dataclass(frozen=True)
class UploadedFile:
    """One uploaded part of a multipart body (the body's field holds just its file name)."""

    filename: str
    content_type: str
    content: bytes


@dataclass
class Context:
    """Everything a handler may use; it never sees Starlette or the ASGI scope."""

    operation: Operation
    params: dict[str, Any]
    path_params: dict[str, str]
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    store: Store
    clock: Clock
    rng: random.Random
    faker: Faker
    spec: dict[str, Any]
    _default: Callable[[], Awaitable[Reply]] = field(repr=False)
    _generate: Callable[[int | None], Any] = field(repr=False)
    base_url: str = ""  # scheme://host plus where the service is mounted, for absolute links
    files: dict[str, list[UploadedFile]] = field(default_factory=dict)  # multipart uploads
    raw_body: bytes = b""  # the body exactly as received (signatures are over bytes)
    # operations marked `x-specmock-stream-body: true` leave the body unread: chunks come
    # from this async iterator as the client sends them, with no size limit (large uploads)
    stream: AsyncIterator[bytes] | None = None
    violations: list[dict[str, str]] = field(default_factory=list)  # for @rejected handlers
    rejection_status: int | None = None  # the status specmock would refuse with
    options: Mapping[str, str] = field(default_factory=dict)  # `--option name=value`
    _app_clock: Callable[[], Clock] | None = field(default=None, repr=False)
    _on_shutdown: Callable[[Callable[[], Awaitable[None]]], None] | None = field(
        default=None, repr=False
    )

    @property
    def operation_id(self) -> str:
        return self.operation.operation_id

    @property
    def service(self) -> str:
        return self.operation.service

    def namespace(self, resource: str) -> str:
        """The store namespace auto-CRUD uses for a collection path such as "/pets"."""
        path = resource if resource.startswith("/") else "/" + resource
        return f"{self.service}:{path}"

    def option(self, name: str, default: str | None = None) -> str | None:
        """A service setting: `--option name=value`, else env `SPECMOCK_<NAME>`, else default."""
        key = name.lower()
        if key in self.options:
            return self.options[key]
        return os.environ.get(f"SPECMOCK_{key.upper()}", default)

    def current_clock(self) -> Clock:
        """The app's clock now: background work outlives the request whose `clock` it saw,
        and the admin API may swap real for virtual time meanwhile."""
        return self._app_clock() if self._app_clock else self.clock

    def on_shutdown(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run `action` when the server stops (close clients, cancel background tasks)."""
        if self._on_shutdown is not None:
            self._on_shutdown(action)

    def now(self) -> str:
        """The clock's time as an RFC 3339 string."""
        return iso(self.clock.now())

    def generate(self, status: int | None = None) -> Any:
        """A generated, contract-valid body for a declared status (the success one by default)."""
        return self._generate(status)

    async def default(self) -> Reply:
        """What specmock would have answered without this handler."""
        return await self._default()


Handler = Callable[[Context], Any]


def override(target: str) -> Callable[[Handler], Handler]:
    """Mark a function as the handler of an operation: `operationId`, `"METHOD /path"`,
    or either prefixed by a service name and a colon (`"petstore:createPet"`)."""

    def mark(fn: Handler) -> Handler:
        setattr(fn, _MARK, [*getattr(fn, _MARK, []), target])
        return fn

    return mark


def rejected(service: str) -> Callable[[Handler], Handler]:
    """Mark a function as the answer to every request of `service` that specmock refuses
    before any override runs (validation, credentials, size, content type). It sees
    `ctx.violations` and `ctx.rejection_status`; returning None keeps specmock's answer.
    For vendors whose errors do not follow HTTP, such as those that answer 200 + FAILURE."""
    return override(f"{service}:{REJECTED}")


async def call(handler: Handler, ctx: Context) -> Any:
    result = handler(ctx)
    if inspect.isawaitable(result):
        result = await result
    return result


@dataclass
class _Module:
    path: Path
    mtime: float
    handlers: dict[str, Handler]


class Overrides:
    """Handlers loaded from files or folders, reloaded when a file changes."""

    def __init__(self, sources: list[str | Path] | None = None):
        self._modules: dict[Path, _Module] = {}
        self._table: dict[str, Handler] = {}
        for source in sources or []:
            self.add(source)

    def add(self, source: str | Path | ModuleType) -> None:
        if isinstance(source, ModuleType):
            self._install(Path(source.__file__ or source.__name__), 0.0, _collect(source))
            return
        path = Path(source)
        files = sorted(path.glob("*.py")) if path.is_dir() else [path]
        if not files or not all(f.is_file() for f in files):
            raise ValueError(f"override source {source} is not a .py file or a folder of them")
        for file in files:
            self._install(file, file.stat().st_mtime, _collect(_import(file)))

    def register(self, target: str, handler: Handler) -> None:
        """Add one handler in code (what `@override` does for a module)."""
        self._install(Path(f"<registered {target}>"), 0.0, {target: handler})

    def find_rejection(self, service: str) -> Handler | None:
        return self._table.get(f"{service}:{REJECTED}") if self._table else None

    def find(self, op: Operation) -> Handler | None:
        if not self._table:
            return None
        for key in (
            f"{op.service}:{op.operation_id}",
            f"{op.service}:{op.method} {op.path}",
            op.operation_id,
            f"{op.method} {op.path}",
        ):
            handler = self._table.get(key)
            if handler is not None:
                return handler
        return None

    def reload_changed(self) -> list[Path]:
        """Re-import files whose mtime moved; a broken edit keeps the old handlers."""
        changed = []
        for path, module in list(self._modules.items()):
            try:
                mtime = path.stat().st_mtime
            except OSError:
                continue
            if mtime == module.mtime or module.mtime == 0.0:
                continue
            try:
                handlers = _collect(_import(path))
            except Exception:
                log.exception("override %s failed to load; keeping the previous version", path)
                module.mtime = mtime
                continue
            self._install(path, mtime, handlers)
            changed.append(path)
            log.info("reloaded overrides from %s", path)
        return changed

    def _install(self, path: Path, mtime: float, handlers: dict[str, Handler]) -> None:
        self._modules[path] = _Module(path, mtime, handlers)
        self._table = {k: v for m in self._modules.values() for k, v in m.handlers.items()}


def _import(file: Path) -> ModuleType:
    name = f"specmock_user_overrides_{abs(hash(str(file.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot import {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _collect(module: ModuleType) -> dict[str, Handler]:
    found: dict[str, Handler] = {}
    for value in vars(module).values():
        for target in getattr(value, _MARK, []) if callable(value) else []:
            found[target] = value
    return found
