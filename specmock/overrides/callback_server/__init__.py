"""Callback receiver behaviour for the bundled `callback_server` spec: verify, log, keep.

The runtime collects handlers from this package's namespace only, so they are imported here.
"""

from .errors import CATALOGUE
from .handlers import callback_health, check_callbacks, receive_callback

__all__ = ["CATALOGUE", "callback_health", "check_callbacks", "receive_callback"]
