"""An S3 operation handler: the signature checked first, S3Error turned into S3's answer.

Its own module because it joins the two things every handler needs and that do not
need each other: request authentication (`auth`) and the shared replies (`common`).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from specmock import Context, Reply, override

from .access import authorize
from .auth import verify
from .common import SERVICE, S3Error, config, error_reply
from .subresources import unimplemented

Handler = Callable[[Context], Awaitable[Reply]]


def handler(operation: str) -> Callable[[Handler], Handler]:
    """An S3 operation handler: signature checked first, S3Error turned into S3's answer."""

    def wrap(fn: Handler) -> Handler:
        @functools.wraps(fn)
        async def run(ctx: Context) -> Reply:
            try:
                await authorize(ctx, verify(ctx, config(ctx)))
                missing = unimplemented(ctx)
                if missing is not None:
                    raise missing
                return await fn(ctx)
            except S3Error as exc:
                return error_reply(ctx, exc)

        return override(f"{SERVICE}:{operation}")(run)

    return wrap
