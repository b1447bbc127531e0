"""The bundled Gotenberg service: HTML and Markdown rendered into real PDFs, PDFs merged,
/health and /version, with Gotenberg's headers and plain-text errors (see docs/gotenberg.md).

The runtime collects handlers from this package's namespace only, so they are imported here.
"""

from .convert import convert_html, convert_markdown
from .errors import CATALOGUE
from .merge import merge_pdfs
from .system import health, rejected_request, version

__all__ = [
    "CATALOGUE",
    "convert_html",
    "convert_markdown",
    "health",
    "merge_pdfs",
    "rejected_request",
    "version",
]
