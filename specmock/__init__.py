"""specmock: contract-driven mock services from OpenAPI specs."""

from .generator.build import load_service
from .generator.errors import Problem, SpecError
from .generator.plan import Operation, Service
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
from .runtime.clock import Clock, RealClock, VirtualClock, iso
from .runtime.factory import create_app, load_services
from .runtime.hooks import Context, Overrides, Reply, UploadedFile, override, rejected
from .runtime.state import Store, open_store

__all__ = [
    "Catalogue",
    "Clock",
    "Context",
    "Failure",
    "NamedError",
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
    "code_and_message",
    "create_app",
    "from_xml",
    "iso",
    "load_service",
    "load_services",
    "open_store",
    "override",
    "register_catalogue",
    "rejected",
    "standard_presets",
    "to_xml",
]
__version__ = "0.1.0"
