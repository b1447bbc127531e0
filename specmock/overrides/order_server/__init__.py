"""Order service behaviour for the bundled `order_server` spec: the state machine and its
signed, retried, dead-lettered callbacks (see docs/order_service.md).

The runtime collects handlers from this package's namespace only, so they are imported here.
"""

from .errors import CATALOGUE
from .handlers import (
    create_order,
    get_order,
    list_dead_letters,
    list_deliveries,
    order_health,
    redrive_dead_letter,
    transition_order,
)

__all__ = [
    "CATALOGUE",
    "create_order",
    "get_order",
    "list_dead_letters",
    "list_deliveries",
    "order_health",
    "redrive_dead_letter",
    "transition_order",
]
