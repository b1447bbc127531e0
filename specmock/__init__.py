"""specmock: contract-driven mock services from OpenAPI specs."""

from .generator.build import load_service
from .generator.errors import Problem, SpecError
from .generator.plan import Operation, Service
from .generator.values import fake_value, schema_validator
from .generator.xmlcodec import from_xml, to_xml
from .runtime.app import SpecmockApp
from .runtime.catalogue import (
    Catalogue,
    Failure,
    NamedError,
    code_and_message,
    register_catalogue,
    standard_presets,
)
from .runtime.clock import Clock, RealClock, VirtualClock, iso, wait
from .runtime.factory import create_app, load_services
from .runtime.faults import Decision as FaultDecision
from .runtime.faults import Target as FaultTarget
from .runtime.hooks import Context, Overrides, Reply, UploadedFile, override, rejected
from .runtime.sse import DropConnection, ServerSentEvent, event_stream
from .runtime.state import Store, open_store

__all__ = [
    "Catalogue",
    "Clock",
    "Context",
    "DropConnection",
    "Failure",
    "FaultDecision",
    "FaultTarget",
    "NamedError",
    "Operation",
    "Overrides",
    "Problem",
    "RealClock",
    "Reply",
    "ServerSentEvent",
    "Service",
    "SpecError",
    "SpecmockApp",
    "Store",
    "UploadedFile",
    "VirtualClock",
    "code_and_message",
    "create_app",
    "event_stream",
    "fake_value",
    "from_xml",
    "iso",
    "load_service",
    "load_services",
    "open_store",
    "override",
    "register_catalogue",
    "rejected",
    "schema_validator",
    "standard_presets",
    "to_xml",
    "wait",
]
__version__ = "0.1.0"
