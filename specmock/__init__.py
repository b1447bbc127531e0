"""specmock: contract-driven mock services from OpenAPI specs."""

from .generator.build import load_service
from .generator.errors import Problem, SpecError
from .generator.plan import Operation, Service
from .runtime.app import SpecmockApp
from .runtime.factory import create_app, load_services

__all__ = [
    "Operation",
    "Problem",
    "Service",
    "SpecError",
    "SpecmockApp",
    "create_app",
    "load_service",
    "load_services",
]
__version__ = "0.1.0"
