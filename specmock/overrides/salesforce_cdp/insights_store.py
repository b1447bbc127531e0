"""Calculated insight definitions: SQL over data model objects whose grouped columns are
dimensions and whose aggregates are measures. One ships with the tenant; more are created
through the Connect API and kept in the store."""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from specmock import Context

from .engine import parse
from .errors import ApiError

BUILTIN = [
    {
        "apiName": "CustomerSpend__cio",
        "displayName": "Customer Spend",
        "expression": (
            "SELECT ssot__SoldToCustomerId__c AS CustomerId__c, "
            "COUNT(ssot__Id__c) AS TotalOrders__c, "
            "SUM(ssot__GrandTotalAmount__c) AS TotalSpend__c "
            "FROM ssot__SalesOrder__dlm GROUP BY ssot__SoldToCustomerId__c"
        ),
    }
]


def namespace(ctx: Context) -> str:
    return ctx.namespace("/__insights")


async def definitions(ctx: Context) -> list[dict[str, Any]]:
    return [*BUILTIN, *await ctx.store.items(namespace(ctx))]


def shape(expression: str) -> tuple[list[str], list[str]]:
    """(dimensions, measures) of an insight's SELECT; every column must be named `…__c`."""
    tree = parse(expression)
    if not isinstance(tree, exp.Select):
        raise ApiError(400, "INVALID_INPUT", "an insight is a single SELECT")
    dimensions, measures = [], []
    for column in tree.selects:
        name = column.alias_or_name
        if not name.endswith("__c"):
            raise ApiError(400, "INVALID_INPUT", f"column {name or column.sql()} needs a __c alias")
        (measures if column.find(exp.AggFunc) else dimensions).append(name)
    if not measures:
        raise ApiError(400, "INVALID_INPUT", "an insight needs at least one aggregate measure")
    return dimensions, measures


def find(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    for item in items:
        if item["apiName"].lower() == name.lower():
            return item
    raise ApiError(404, "NOT_FOUND", f"calculated insight {name} not found")
