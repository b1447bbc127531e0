"""Seed data, reset and export: state a test can set up and inspect."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import yaml

from ..generator.resources import Resource

if TYPE_CHECKING:
    from .engine import Engine


class FixtureError(ValueError):
    """Seed data that does not fit the services it names."""


def read_yaml(path: str | Path) -> Any:
    """YAML or JSON from a file (JSON is YAML, but orjson reads it faster)."""
    text = Path(path).read_text(encoding="utf-8")
    return orjson.loads(text) if str(path).endswith(".json") else yaml.safe_load(text)


def read_fixtures(path: str | Path) -> dict[str, Any]:
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise FixtureError(f"{path}: fixtures must be a mapping of service → resource → items")
    return data


def _resources(app: Engine, service: str) -> dict[str, Resource]:
    found: dict[str, Resource] = {}
    for svc in app.services:
        if svc.name != service:
            continue
        for op in svc.operations:
            resource = op.role.resource if op.role else None
            if resource is not None and resource.creatable:
                found.setdefault(resource.name, resource)
                found.setdefault(resource.collection, resource)
    return found


async def load_fixtures(app: Engine, data: dict[str, Any]) -> int:
    """`{service: {resource name or collection path: [items]}}`; returns items stored."""
    stored = 0
    for service, resources in data.items():
        known = _resources(app, service)
        if not known:
            raise FixtureError(f"no service {service!r} with creatable resources")
        if not isinstance(resources, dict):
            raise FixtureError(f"{service}: expected a mapping of resource → items")
        for name, items in resources.items():
            resource = known.get(name)
            if resource is None:
                names = ", ".join(sorted(k for k in known if not k.startswith("/")))
                raise FixtureError(f"{service}: no resource {name!r} (known: {names})")
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise FixtureError(f"{service}.{name}: expected a list of objects")
            stored += await _store_items(app, f"{service}:{_path(name, resource)}", resource, items)
    return stored


def _path(name: str, resource: Resource) -> str:
    return name if name.startswith("/") else resource.collection


async def _store_items(
    app: Engine, ns: str, resource: Resource, items: list[dict[str, Any]]
) -> int:
    top = 0
    for item in items:
        field = resource.id_field
        if field and field in item:
            key = str(item[field])
            if isinstance(item[field], int):
                top = max(top, item[field])
        else:
            n = await app.store.next_id(ns)
            top = max(top, n)
            key = str(n)
            if field:
                item = {**item, field: n if resource.id_type == "integer" else key}
        await app.store.put(ns, key, item)
    while top and await app.store.next_id(ns) < top:  # new ids must not collide with loaded ones
        pass
    return len(items)


async def export_state(app: Engine, service: str | None = None) -> dict[str, Any]:
    prefix = f"{service}:" if service else ""
    return {ns: await app.store.items(ns) for ns in await app.store.namespaces(prefix)}


async def reset_state(app: Engine, service: str | None = None) -> None:
    await app.store.clear(f"{service}:" if service else "")
