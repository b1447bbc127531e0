"""Where a handler finds the inbox: the one the app made for its store at start."""

from __future__ import annotations

from specmock import Context

from .inbox import Inbox, inbox_for


def inbox(ctx: Context) -> Inbox:
    """The inbox of the handler's store (made here, seed 0, if the app did not make it)."""
    return inbox_for(ctx.store, 0, ctx.current_clock, ctx.option)
