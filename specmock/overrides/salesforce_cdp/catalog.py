"""What the tenant knows: ingestion objects (the uploaded object schema), the data lake
objects they land in, and the data model objects mapped from them.

Column types are Data Cloud's SQL types; they drive the query metadata (`type`,
`typeCode`) and how values are written (DECIMAL and TIMESTAMP as strings).
"""

from __future__ import annotations

from dataclasses import dataclass, field

TYPE_CODES = {
    "VARCHAR": 12,
    "DECIMAL": 3,
    "TIMESTAMP": 93,
    "BIGINT": -5,
    "INTEGER": 4,
    "DOUBLE": 8,
    "BOOLEAN": 16,
    "DATE": 91,
}
# ingestion field type → SQL column type
FIELD_TYPES = {
    "text": "VARCHAR",
    "number": "DECIMAL",
    "datetime": "TIMESTAMP",
    "boolean": "BOOLEAN",
}


@dataclass(frozen=True)
class ObjectSchema:
    """One object of an Ingestion API connector: fields with types, and its primary key."""

    name: str
    fields: dict[str, str]
    primary_key: str
    required: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """A queryable table: ordered columns with SQL types."""

    name: str
    columns: dict[str, str]
    primary_key: str
    category: str
    entity_type: str
    display_name: str = ""
    relationships: list[dict[str, str]] = field(default_factory=list, hash=False)


OBJECTS = {
    "customers": ObjectSchema(
        "customers",
        {
            "customer_id": "text",
            "first_name": "text",
            "last_name": "text",
            "email": "text",
            "phone": "text",
            "street": "text",
            "postal_code": "text",
            "city": "text",
            "created_at": "datetime",
        },
        "customer_id",
        ("customer_id",),
    ),
    "orders": ObjectSchema(
        "orders",
        {
            "order_id": "text",
            "customer_id": "text",
            "amount": "number",
            "order_date": "datetime",
        },
        "order_id",
        ("order_id", "customer_id"),
    ),
    "engagements": ObjectSchema(
        "engagements",
        {
            "event_id": "text",
            "customer_id": "text",
            "event_type": "text",
            "channel": "text",
            "occurred_at": "datetime",
        },
        "event_id",
        ("event_id", "customer_id", "event_type"),
    ),
}
# Ingestion API connectors configured on the tenant; POS holds the seeded history.
SOURCES = {"Customer_API": OBJECTS, "POS": OBJECTS}


def dlo_name(source: str, obj: str) -> str:
    return f"{source}_{obj}__dll"


def dlo_table(source: str, obj: ObjectSchema) -> Table:
    columns = {f"{name}__c": FIELD_TYPES[kind] for name, kind in obj.fields.items()}
    columns["DataSource__c"] = "VARCHAR"
    columns["DataSourceObject__c"] = "VARCHAR"
    return Table(
        dlo_name(source, obj.name),
        columns,
        f"{obj.primary_key}__c",
        "Other",
        "DataLakeObject",
        f"{source} {obj.name}",
    )


def _party(child: str, key: str = "ssot__PartyId__c") -> dict[str, str]:
    return {
        "fromEntity": child,
        "toEntity": "ssot__Individual__dlm",
        "fromEntityAttribute": key,
        "toEntityAttribute": "ssot__Id__c",
        "cardinality": "NTOONE",
    }


_SOURCE_COLUMNS = {"ssot__DataSourceId__c": "VARCHAR", "ssot__DataSourceObjectId__c": "VARCHAR"}
DMOS: dict[str, Table] = {
    t.name: t
    for t in [
        Table(
            "ssot__Individual__dlm",
            {
                "ssot__Id__c": "VARCHAR",
                "ssot__FirstName__c": "VARCHAR",
                "ssot__LastName__c": "VARCHAR",
                **_SOURCE_COLUMNS,
                "ssot__CreatedDate__c": "TIMESTAMP",
            },
            "ssot__Id__c",
            "Profile",
            "DataModelObject",
            "Individual",
        ),
        Table(
            "ssot__ContactPointEmail__dlm",
            {
                "ssot__Id__c": "VARCHAR",
                "ssot__PartyId__c": "VARCHAR",
                "ssot__EmailAddress__c": "VARCHAR",
                **_SOURCE_COLUMNS,
            },
            "ssot__Id__c",
            "Profile",
            "DataModelObject",
            "Contact Point Email",
            [_party("ssot__ContactPointEmail__dlm")],
        ),
        Table(
            "ssot__ContactPointPhone__dlm",
            {
                "ssot__Id__c": "VARCHAR",
                "ssot__PartyId__c": "VARCHAR",
                "ssot__TelephoneNumber__c": "VARCHAR",
                **_SOURCE_COLUMNS,
            },
            "ssot__Id__c",
            "Profile",
            "DataModelObject",
            "Contact Point Phone",
            [_party("ssot__ContactPointPhone__dlm")],
        ),
        Table(
            "ssot__ContactPointAddress__dlm",
            {
                "ssot__Id__c": "VARCHAR",
                "ssot__PartyId__c": "VARCHAR",
                "ssot__AddressLine1__c": "VARCHAR",
                "ssot__PostalCodeText__c": "VARCHAR",
                "ssot__CityName__c": "VARCHAR",
                **_SOURCE_COLUMNS,
            },
            "ssot__Id__c",
            "Profile",
            "DataModelObject",
            "Contact Point Address",
            [_party("ssot__ContactPointAddress__dlm")],
        ),
        Table(
            "ssot__SalesOrder__dlm",
            {
                "ssot__Id__c": "VARCHAR",
                "ssot__SoldToCustomerId__c": "VARCHAR",
                "ssot__GrandTotalAmount__c": "DECIMAL",
                "ssot__PurchaseOrderDate__c": "TIMESTAMP",
                **_SOURCE_COLUMNS,
            },
            "ssot__Id__c",
            "Engagement",
            "DataModelObject",
            "Sales Order",
            [_party("ssot__SalesOrder__dlm", "ssot__SoldToCustomerId__c")],
        ),
        Table(
            "ssot__Engagement__dlm",
            {
                "ssot__Id__c": "VARCHAR",
                "ssot__IndividualId__c": "VARCHAR",
                "ssot__EngagementChannelActionId__c": "VARCHAR",
                "ssot__EngagementChannelId__c": "VARCHAR",
                "ssot__EngagementDateTm__c": "TIMESTAMP",
                **_SOURCE_COLUMNS,
            },
            "ssot__Id__c",
            "Engagement",
            "DataModelObject",
            "Engagement",
            [_party("ssot__Engagement__dlm", "ssot__IndividualId__c")],
        ),
        Table(
            "UnifiedIndividual__dlm",
            {
                "ssot__Id__c": "VARCHAR",
                "ssot__FirstName__c": "VARCHAR",
                "ssot__LastName__c": "VARCHAR",
                "ssot__EmailAddress__c": "VARCHAR",
                "ssot__TelephoneNumber__c": "VARCHAR",
                "SourceRecordCount__c": "BIGINT",
            },
            "ssot__Id__c",
            "Profile",
            "DataModelObject",
            "Unified Individual",
        ),
        Table(
            "UnifiedLinkssotIndividual__dlm",
            {
                "UnifiedRecordId__c": "VARCHAR",
                "SourceRecordId__c": "VARCHAR",
                **_SOURCE_COLUMNS,
            },
            "SourceRecordId__c",
            "Profile",
            "DataModelObject",
            "Unified Link Individual",
            [
                {
                    "fromEntity": "ssot__Individual__dlm",
                    "toEntity": "UnifiedLinkssotIndividual__dlm",
                    "fromEntityAttribute": "ssot__Id__c",
                    "toEntityAttribute": "SourceRecordId__c",
                    "cardinality": "ONETOONE",
                }
            ],
        ),
    ]
}
# the field of a child DMO that points at its individual
PARTY_KEYS = {
    "ssot__ContactPointEmail__dlm": "ssot__PartyId__c",
    "ssot__ContactPointPhone__dlm": "ssot__PartyId__c",
    "ssot__ContactPointAddress__dlm": "ssot__PartyId__c",
    "ssot__SalesOrder__dlm": "ssot__SoldToCustomerId__c",
    "ssot__Engagement__dlm": "ssot__IndividualId__c",
}


def all_tables() -> dict[str, Table]:
    """Every data lake and data model object, by name."""
    tables = {
        t.name: t for s, objs in SOURCES.items() for t in (dlo_table(s, o) for o in objs.values())
    }
    return {**tables, **DMOS}


def table_meta(table: Table) -> dict[str, object]:
    """The /metadata form of a table."""
    return {
        "name": table.name,
        "displayName": table.display_name or table.name,
        "category": table.category,
        "entityType": table.entity_type,
        "fields": [
            {"name": c, "displayName": c.removesuffix("__c").split("__")[-1], "type": t}
            for c, t in table.columns.items()
        ],
        "primaryKeys": [
            {"name": table.primary_key, "displayName": table.primary_key, "indexOrder": "1"}
        ],
        "relationships": list(table.relationships),
        "indexes": [],
    }
