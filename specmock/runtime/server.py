"""Running an app under uvicorn: plain HTTP, and HTTPS beside it when asked.

uvloop and httptools are used when installed (uvicorn's own choice, which
`asyncio.run` alone would bypass), and every connection is bounded (limits.py).
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import uvicorn

from .limits import Limits


def config(
    app: Any, host: str, port: int, limits: Limits | None = None, **extra: Any
) -> uvicorn.Config:
    """One place for the uvicorn settings specmock always uses (no Date or Server header:
    same seed, same bytes)."""
    limits = limits or Limits()
    settings: dict[str, Any] = {
        "log_level": "warning",
        "access_log": False,
        "server_header": False,
        "date_header": False,
        "lifespan": "on",
        **limits.uvicorn_settings(),
        **extra,
    }
    made = uvicorn.Config(app, host=host, port=port, **settings)
    made.specmock_limits = limits  # type: ignore[attr-defined]  # read by the protocol
    return made


def loop_factory() -> Any:
    """uvloop's event loop when it is installed, else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop


def run(
    app: Any,
    host: str,
    port: int,
    tls_port: int | None = None,
    cert: str | None = None,
    key: str | None = None,
    limits: Limits | None = None,
) -> None:
    servers = [uvicorn.Server(config(app, host, port, limits))]
    if tls_port is not None:
        if not (cert and key):
            from .tls import self_signed  # cryptography: the tls extra

            folder = Path(tempfile.gettempdir()) / "specmock-tls"
            cert_path, key_path = self_signed(folder)
            cert, key = str(cert_path), str(key_path)
        https = config(
            app, host, tls_port, limits, ssl_certfile=cert, ssl_keyfile=key, lifespan="off"
        )
        servers.append(uvicorn.Server(https))

    async def main() -> None:
        await asyncio.gather(*(server.serve() for server in servers))

    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(main())
