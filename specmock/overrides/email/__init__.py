"""The bundled email service: SendGrid's Mail Send and an SMTP listener feeding one inbox,
read through a Mailpit-compatible API (see docs/email.md).

The runtime collects handlers from this package's namespace only, so they are imported
here; `install(app)` gives the app its inbox and, when `smtp_port` is set
(`specmock serve email --smtp-port 2525`), an SMTP listener started and stopped with it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from specmock import SpecmockApp

from .api import (
    delete_messages,
    delete_search,
    extract_message,
    get_headers,
    get_message,
    get_messages,
    get_part,
    get_raw,
    search_messages,
    wait_message,
)
from .errors import CATALOGUE, rejected_request
from .extract import codes, links
from .inbox import Inbox, inbox_for
from .sendgrid import send
from .sfmc import SfmcFeed

if TYPE_CHECKING:
    from .smtp import Listener

_LISTENERS: dict[int, Listener] = {}


def _option(app: SpecmockApp) -> Callable[[str, str | None], str | None]:
    """`ctx.option` outside a request: `--option`, else `SPECMOCK_<NAME>`, else default."""

    def option(name: str, default: str | None = None) -> str | None:
        key = name.lower()
        return app.options.get(key, os.environ.get(f"SPECMOCK_{key.upper()}", default))

    return option


def install(app: SpecmockApp) -> None:
    """Make the app's inbox (seeded like the app) and start SMTP with it when asked."""
    option = _option(app)
    inbox = inbox_for(app.store, app.settings.seed, lambda: app.clock, option)
    if any(s.name == "sfmc" for s in app.services) and not inbox.feeds:
        inbox.feeds.append(SfmcFeed(inbox))

    async def start() -> None:
        port = option("smtp_port")
        if port in (None, ""):
            return
        if not port.isdigit() or int(port) > 65535:
            raise ValueError(f"smtp_port (--smtp-port): {port!r} is not a port number")
        try:  # aiosmtpd is the email extra: HTTP-only use of the service runs without it
            from .smtp import Capture, Listener, tls_context
        except ImportError as exc:
            if (exc.name or "").split(".")[0] != "aiosmtpd":
                raise
            hint = "aiosmtpd is not installed; it comes with: pip install 'specmock[email]'"
            raise RuntimeError(f"smtp_port (--smtp-port): {hint}") from exc
        cert, key = option("smtp_tls_cert"), option("smtp_tls_key")
        listener = Listener(
            Capture(app, inbox),
            host=option("smtp_host", "127.0.0.1") or "127.0.0.1",
            port=int(port),
            tls=tls_context(cert, key) if cert and key else None,
        )
        bound = await listener.start()
        app.options["smtp_port"] = str(bound)  # the real port, when 0 asked for any
        _LISTENERS[id(app)] = listener

    async def stop() -> None:
        listener = _LISTENERS.pop(id(app), None)
        if listener is not None:
            await listener.stop()

    app.on_startup(start)
    app.on_shutdown(stop)


def listener(app: SpecmockApp) -> Listener | None:
    """The app's running SMTP listener (its `host` and bound `port`), if it has one."""
    return _LISTENERS.get(id(app))


__all__ = [
    "CATALOGUE",
    "Inbox",
    "codes",
    "delete_messages",
    "delete_search",
    "extract_message",
    "get_headers",
    "get_message",
    "get_messages",
    "get_part",
    "get_raw",
    "install",
    "links",
    "listener",
    "rejected_request",
    "search_messages",
    "send",
    "wait_message",
]
