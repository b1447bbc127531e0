"""What an operation does to which collection: the vocabulary of zero-code state.

Its own module because both the Plan (each operation carries its Role) and the
classifier in `resources.py` (which decides the Roles) speak it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Resource:
    """A collection of stored items and how their ids look."""

    name: str
    collection: str
    item: str | None = None
    id_param: str | None = None
    id_field: str | None = None
    id_type: str = "string"
    id_format: str | None = None
    scope: list[str] = field(default_factory=list)
    creatable: bool = False  # only resources a client can create are served from state
    mismatch: str | None = None  # why a create's answer cannot be served by the reads
    kinds: set[str] = field(default_factory=set)  # the roles operations play on it


@dataclass
class Role:
    kind: str
    resource: Resource | None = None

    @property
    def stateful(self) -> bool:
        return (
            self.resource is not None
            and self.resource.creatable
            and self.kind in ("create", "read", "list", "replace", "update", "delete")
        )
