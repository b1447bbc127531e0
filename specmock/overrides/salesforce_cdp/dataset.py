"""Everything queryable at this moment: data lake objects from the store, the data model
objects mapped from them, the unified profiles and the calculated insights."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from specmock import Context

from . import identity, insights_store, jobs, records
from .catalog import DMOS, SOURCES, dlo_table
from .engine import Relation, Result, execute


@dataclass
class Dataset:
    tables: dict[str, Relation]  # keyed by lower-case name
    insights: dict[str, dict[str, Any]]  # CI definitions keyed by lower-case name
    now: float  # the specmock clock when the data was read
    _computed: dict[str, Relation] = field(default_factory=dict)
    _depth: int = 0

    def run(self, sql: str | exp.Query) -> Result:
        """Execute SQL over this data, with the clock's time as the current time."""
        return execute(sql, self.resolve, self.now)

    def resolve(self, name: str) -> Relation | None:
        """A table by name (case-insensitive); insights are computed on first use."""
        key = name.lower()
        if key in self.tables:
            return self.tables[key]
        if key in self._computed:
            return self._computed[key]
        definition = self.insights.get(key)
        if definition is None or self._depth > 3:
            return None
        self._depth += 1
        try:
            result = self.run(definition["expression"])
        finally:
            self._depth -= 1
        relation = Relation(
            dict(result.columns),
            [dict(zip([c for c, _ in result.columns], row, strict=True)) for row in result.rows],
        )
        self._computed[key] = relation
        return relation


async def load(ctx: Context) -> Dataset:
    """Seed, move bulk jobs along the clock, then read the store into tables."""
    await records.ensure_seeded(ctx)
    await jobs.settle(ctx)
    tables: dict[str, Relation] = {}
    by_object: dict[str, list[dict[str, Any]]] = {}
    for source, objects in SOURCES.items():
        for obj in objects.values():
            table = dlo_table(source, obj)
            stored = await ctx.store.items(records.namespace(ctx, source, obj.name))
            rows = [
                {
                    **{f"{k}__c": v for k, v in r.items()},
                    "DataSource__c": source,
                    "DataSourceObject__c": obj.name,
                }
                for r in stored
            ]
            tables[table.name.lower()] = Relation(table.columns, rows)
            by_object.setdefault(obj.name, []).extend({**r, "source": source} for r in stored)
    for name, rows in _model(by_object).items():
        tables[name.lower()] = Relation(DMOS[name].columns, rows)
    unified = identity.unify(by_object.get("customers", []))
    tables["unifiedindividual__dlm"] = Relation(
        DMOS["UnifiedIndividual__dlm"].columns, unified.profiles
    )
    tables["unifiedlinkssotindividual__dlm"] = Relation(
        DMOS["UnifiedLinkssotIndividual__dlm"].columns, unified.links
    )
    definitions = {d["apiName"].lower(): d for d in await insights_store.definitions(ctx)}
    return Dataset(tables, definitions, ctx.clock.now())


def _source(row: dict[str, Any], obj: str) -> dict[str, Any]:
    return {"ssot__DataSourceId__c": row["source"], "ssot__DataSourceObjectId__c": obj}


def _model(by_object: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The data model objects, mapped field by field from the ingested objects."""
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in DMOS}
    for c in by_object.get("customers", []):
        cid, src = c["customer_id"], _source(c, "customers")
        out["ssot__Individual__dlm"].append(
            {
                "ssot__Id__c": cid,
                "ssot__FirstName__c": c.get("first_name"),
                "ssot__LastName__c": c.get("last_name"),
                "ssot__CreatedDate__c": c.get("created_at"),
                **src,
            }
        )
        if c.get("email"):
            out["ssot__ContactPointEmail__dlm"].append(
                {
                    "ssot__Id__c": f"{cid}-email",
                    "ssot__PartyId__c": cid,
                    "ssot__EmailAddress__c": c["email"],
                    **src,
                }
            )
        if c.get("phone"):
            out["ssot__ContactPointPhone__dlm"].append(
                {
                    "ssot__Id__c": f"{cid}-phone",
                    "ssot__PartyId__c": cid,
                    "ssot__TelephoneNumber__c": c["phone"],
                    **src,
                }
            )
        if c.get("street"):
            out["ssot__ContactPointAddress__dlm"].append(
                {
                    "ssot__Id__c": f"{cid}-address",
                    "ssot__PartyId__c": cid,
                    "ssot__AddressLine1__c": c["street"],
                    "ssot__PostalCodeText__c": c.get("postal_code"),
                    "ssot__CityName__c": c.get("city"),
                    **src,
                }
            )
    for o in by_object.get("orders", []):
        out["ssot__SalesOrder__dlm"].append(
            {
                "ssot__Id__c": o["order_id"],
                "ssot__SoldToCustomerId__c": o.get("customer_id"),
                "ssot__GrandTotalAmount__c": o.get("amount"),
                "ssot__PurchaseOrderDate__c": o.get("order_date"),
                **_source(o, "orders"),
            }
        )
    for e in by_object.get("engagements", []):
        out["ssot__Engagement__dlm"].append(
            {
                "ssot__Id__c": e["event_id"],
                "ssot__IndividualId__c": e.get("customer_id"),
                "ssot__EngagementChannelActionId__c": e.get("event_type"),
                "ssot__EngagementChannelId__c": e.get("channel"),
                "ssot__EngagementDateTm__c": e.get("occurred_at"),
                **_source(e, "engagements"),
            }
        )
    out.pop("UnifiedIndividual__dlm")
    out.pop("UnifiedLinkssotIndividual__dlm")
    return out
