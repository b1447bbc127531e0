"""Ingested records in the store, checked against the object schema, plus seeded history.

Each object of each connector is one store namespace keyed by the record's primary key,
so an upsert replaces and a delete removes exactly what the real service would.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from specmock import Context

from .catalog import OBJECTS, SOURCES, ObjectSchema
from .errors import ApiError

SEED = 20261122
SEEDED_CUSTOMERS = 600
SEEDED_ORDERS = 800
_FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "John",
    "Radia",
    "Ken",
    "Margaret",
    "Dennis",
    "Katherine",
    "Linus",
    "Sophie",
    "Tim",
]
_LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Backus",
    "Perlman",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Johnson",
    "Torvalds",
    "Wilson",
    "Lee",
]
_CITIES = [("San Francisco", "941"), ("Chicago", "606"), ("Austin", "787"), ("Boston", "021")]


def namespace(ctx: Context, source: str, obj: str) -> str:
    return ctx.namespace(f"/__records/{source}/{obj}")


def schema_for(source: str, obj: str) -> ObjectSchema:
    """The configured object, or the 404 the real connector answers for an unknown one."""
    objects = SOURCES.get(source)
    if objects is None:
        raise ApiError(404, "NOT_FOUND", f"no Ingestion API connector named {source}")
    if obj not in objects:
        raise ApiError(404, "NOT_FOUND", f"object {obj} is not in the schema of {source}")
    return objects[obj]


def timestamp(value: datetime) -> str:
    """Data Cloud's TIMESTAMP text: millisecond precision, explicit UTC offset."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+00:00"


def _coerce(kind: str, value: Any, from_text: bool) -> Any:
    """A value in the field's type, or ValueError saying why not."""
    if value is None or (from_text and value == ""):
        return None
    if kind == "text":
        if not isinstance(value, str):
            raise ValueError("expected a string")
        return value
    if kind == "number":
        if isinstance(value, bool):
            raise ValueError("expected a number")
        if isinstance(value, int | float):
            return value if abs(value) < 2**63 else float(value)  # SQLite's integer range
        if from_text:
            try:
                number = int(value) if str(value).lstrip("-").isdigit() else float(value)
            except ValueError:
                raise ValueError(f"{value!r} is not a number") from None
            return number if abs(number) < 2**63 else float(number)
        raise ValueError("expected a number")
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if from_text and str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise ValueError("expected true or false")
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 date-time string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not an ISO 8601 date-time (yyyy-MM-ddTHH:mm:ss.SSSZ)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return timestamp(parsed)


def check(
    schema: ObjectSchema, records: list[Any], from_text: bool = False
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Records normalized to the schema's types, and one problem per bad field."""
    good: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            problems.append({"recordIndex": index, "message": "a record must be a JSON object"})
            continue
        clean: dict[str, Any] = {}
        bad = False
        for name, value in record.items():
            kind = schema.fields.get(name)
            if kind is None:
                problems.append(
                    {
                        "recordIndex": index,
                        "field": name,
                        "message": f"{name} is not a field of {schema.name}",
                    }
                )
                bad = True
                continue
            try:
                clean[name] = _coerce(kind, value, from_text)
            except ValueError as exc:
                problems.append({"recordIndex": index, "field": name, "message": str(exc)})
                bad = True
        for name in schema.required:
            if clean.get(name) in (None, ""):
                problems.append(
                    {"recordIndex": index, "field": name, "message": f"{name} is required"}
                )
                bad = True
        if not bad:
            good.append(clean)
    return good, problems


async def upsert(ctx: Context, source: str, schema: ObjectSchema, records: list[dict]) -> None:
    ns = namespace(ctx, source, schema.name)
    for record in records:
        key = str(record[schema.primary_key])
        old = await ctx.store.get(ns, key) or {}
        await ctx.store.put(ns, key, {**old, **record})


async def delete(ctx: Context, source: str, schema: ObjectSchema, ids: list[str]) -> int:
    ns = namespace(ctx, source, schema.name)
    return sum([await ctx.store.delete(ns, key) for key in ids])


async def ensure_seeded(ctx: Context) -> None:
    """Write the POS history once per store (again after a state reset)."""
    marker = ctx.namespace("/__records")
    if await ctx.store.get(marker, "seeded") is not None:
        return
    customers, orders = seed_rows()
    await upsert(ctx, "POS", OBJECTS["customers"], customers)
    await upsert(ctx, "POS", OBJECTS["orders"], orders)
    await ctx.store.put(marker, "seeded", {"seed": SEED})


def seed_rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Deterministic customers and orders; every 40th customer repeats an earlier email so
    identity resolution has something to merge in the seeded data too."""
    rng = random.Random(SEED)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    customers = []
    for n in range(1, SEEDED_CUSTOMERS + 1):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        city, prefix = rng.choice(_CITIES)
        customers.append(
            {
                "customer_id": f"POS-{n:05d}",
                "first_name": first,
                "last_name": last,
                "email": customers[-1]["email"]
                if n % 40 == 0
                else f"{first.lower()}.{last.lower()}.{n}@example.com",
                "phone": f"+1 (555) {rng.randint(100, 999)}-{n:04d}",
                "street": f"{rng.randint(1, 999)} Market St",
                "postal_code": f"{prefix}{rng.randint(10, 99)}",
                "city": city,
                "created_at": timestamp(start + timedelta(hours=rng.randint(0, 8000))),
            }
        )
    orders = []
    for n in range(1, SEEDED_ORDERS + 1):
        orders.append(
            {
                "order_id": f"ORD-{n:05d}",
                "customer_id": f"POS-{rng.randint(1, SEEDED_CUSTOMERS):05d}",
                "amount": round(rng.uniform(5, 500), 2),
                "order_date": timestamp(start + timedelta(hours=rng.randint(0, 8000))),
            }
        )
    return customers, orders
