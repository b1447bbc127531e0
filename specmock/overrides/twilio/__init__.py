"""The bundled Twilio service: Programmable Messaging's Message and Media resources as
the `twilio` client uses them, with delivery on the clock, signed status callbacks and
Twilio's error codes (see docs/twilio.md).

The runtime collects handlers from this package's namespace only, so they are imported here.
"""

from .errors import CATALOGUE, rejected_request
from .media import delete_media, fetch_media, list_media
from .messages import create_message, delete_message, fetch_message, list_messages, update_message

__all__ = [
    "CATALOGUE",
    "create_message",
    "delete_media",
    "delete_message",
    "fetch_media",
    "fetch_message",
    "list_media",
    "list_messages",
    "rejected_request",
    "update_message",
]
