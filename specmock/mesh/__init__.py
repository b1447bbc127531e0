"""Mesh mode: many interdependent mocked services, with discovery, tracing, breakers and chaos.

from specmock.mesh import load_mesh
mesh = load_mesh("mesh.yaml")      # an ASGI app: serve it with uvicorn or `specmock mesh`
"""

from .runner import Mesh, load_mesh
from .topology import CallDecl, MeshError, ServiceDecl, Topology

__all__ = ["CallDecl", "Mesh", "MeshError", "ServiceDecl", "Topology", "load_mesh"]
