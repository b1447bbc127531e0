"""specmock: contract-driven mock services from OpenAPI specs."""

from .generator.build import load_service
from .generator.errors import Problem, SpecError
from .generator.plan import Operation, Service
from .generator.xmlcodec import from_xml, to_xml
from .runtime.app import SpecmockApp
from .runtime.clock import Clock, RealClock, VirtualClock, iso
from .runtime.factory import create_app, load_services
from .runtime.faults import Target as FaultTarget
from .runtime.hooks import Context, Overrides, Reply, UploadedFile, override, rejected
from .runtime.state import Store, open_store

__all__ = [
    "Clock",
    "Context",
    "FaultTarget",
    "Operation",
    "Overrides",
    "Problem",
    "RealClock",
    "Reply",
    "Service",
    "SpecError",
    "SpecmockApp",
    "Store",
    "UploadedFile",
    "VirtualClock",
    "create_app",
    "from_xml",
    "iso",
    "load_service",
    "load_services",
    "open_store",
    "override",
    "rejected",
    "to_xml",
]
__version__ = "0.1.0"
