"""What the mesh's callers and its control plane reach of a running mesh.

A Protocol, so `calls` and `admin` depend on this page and not on `runner`, which
builds the mesh out of them.
"""

from __future__ import annotations

from typing import Any, Protocol

from ..generator.plan import Operation
from .breakers import Breakers
from .chaos import Chaos
from .registry import Registry
from .topology import CallDecl, Topology
from .tracing import Tracer


class MeshParts(Protocol):
    app: Any  # the SpecmockApp serving every service of the mesh
    topology: Topology
    tracer: Tracer
    breakers: Breakers
    chaos: Chaos
    registry: Registry
    operations: dict[str, dict[str, Operation]]  # service -> operationId -> operation
    prefixes: dict[str, str]  # service -> mount prefix

    def target_of(self, call: CallDecl) -> tuple[str, str]:
        """The callee's service and concrete path for a declared call."""
        ...

    def add_call(self, call: CallDecl) -> None: ...

    def health(self, service: str) -> str: ...
