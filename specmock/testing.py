"""Running specmock inside a test: a real server on a free port, torn down afterwards.

Installed as a pytest plugin, it provides the `specmock_server` fixture:

    def test_client(specmock_server):
        server = specmock_server("petstore", seed=1)
        assert httpx.get(server.url + "/pets/1").status_code == 200
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from .runtime.app import SpecmockApp
from .runtime.factory import create_app
from .runtime.server import config as server_config


@dataclass
class RunningServer:
    """A live server: its base URL and the app behind it."""

    url: str
    app: SpecmockApp
    cert: str | None = None  # the self-signed certificate (PEM file) of a tls=True server


@contextmanager
def serve(
    specs: Any, host: str = "127.0.0.1", tls: bool = False, **options: Any
) -> Iterator[RunningServer]:
    """Serve specs (or a ready SpecmockApp) on a free port in a background thread;
    `tls=True` serves https with a self-signed certificate (`RunningServer.cert`)."""
    app = specs if isinstance(specs, SpecmockApp) else create_app(specs, **options)
    cert = key = None
    if tls:
        from .runtime.tls import self_signed  # cryptography: the tls extra

        cert_path, key_path = self_signed(Path(tempfile.gettempdir()) / "specmock-tls")
        cert, key = str(cert_path), str(key_path)
    with serve_asgi(app, host, cert, key) as url:
        yield RunningServer(url, app, cert)


@contextmanager
def serve_asgi(
    app: Any, host: str = "127.0.0.1", cert: str | None = None, key: str | None = None
) -> Iterator[str]:
    """Any ASGI app on a free port in a background thread (https given a certificate and
    its key); yields its base URL."""
    extra = {"ssl_certfile": cert, "ssl_keyfile": key} if cert and key else {}
    server = uvicorn.Server(server_config(app, host, 0, **extra))
    thread = threading.Thread(target=server.run, name="specmock-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("specmock server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"{'https' if cert else 'http'}://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def specmock_server() -> Iterator[Any]:
    """A factory: `specmock_server(specs, seed=..., strict=...)` returns a RunningServer."""
    from contextlib import ExitStack

    with ExitStack() as stack:

        def start(specs: str | Path | list[Any], **options: Any) -> RunningServer:
            options.setdefault("strict", True)
            options.setdefault("quiet", True)
            return stack.enter_context(serve(specs, **options))

        yield start
