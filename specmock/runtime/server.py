"""Running an app under uvicorn: plain HTTP, and HTTPS beside it when asked."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import uvicorn


def config(app: Any, host: str, port: int, **extra: Any) -> uvicorn.Config:
    """One place for the uvicorn settings specmock always uses (no Date or Server header:
    same seed, same bytes)."""
    settings: dict[str, Any] = {
        "log_level": "warning",
        "access_log": False,
        "server_header": False,
        "date_header": False,
        "lifespan": "on",
        **extra,
    }
    return uvicorn.Config(app, host=host, port=port, **settings)


def run(
    app: Any,
    host: str,
    port: int,
    tls_port: int | None = None,
    cert: str | None = None,
    key: str | None = None,
) -> None:
    servers = [uvicorn.Server(config(app, host, port))]
    if tls_port is not None:
        if not (cert and key):
            from .tls import self_signed  # cryptography: the tls extra

            folder = Path(tempfile.gettempdir()) / "specmock-tls"
            cert_path, key_path = self_signed(folder)
            cert, key = str(cert_path), str(key_path)
        https = config(app, host, tls_port, ssl_certfile=cert, ssl_keyfile=key, lifespan="off")
        servers.append(uvicorn.Server(https))

    async def main() -> None:
        await asyncio.gather(*(server.serve() for server in servers))

    asyncio.run(main())
