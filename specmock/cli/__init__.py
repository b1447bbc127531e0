"""Command line: `specmock serve | validate | explain`."""

from .main import main

__all__ = ["main"]
