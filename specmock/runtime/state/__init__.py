"""State: one async store interface, in memory, in SQLite or in Redis."""

from .base import Page, Query, Store, open_store
from .memory import MemoryStore

__all__ = ["MemoryStore", "Page", "Query", "Store", "open_store"]
