"""A private, throw-away redis-server for the tests.

`redis_server()` starts one on a free loopback port, without persistence, in a
temporary directory, and yields its URL; the session fixture `redis_url` wraps
it. Test modules import the fixture explicitly:

    from .redis_server import redis_url  # noqa: F401
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

START_TIMEOUT = 10.0


class RedisServerError(RuntimeError):
    pass


def find_redis_server() -> str:
    path = shutil.which("redis-server")
    if path is None:
        raise RedisServerError(
            "redis-server was not found on PATH; the Redis store tests start their own "
            "private server. Install it with `apt-get install redis-server` (Debian/Ubuntu) "
            "or `brew install redis` (macOS)."
        )
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _start(exe: str, directory: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Start on a free port; retry if another process grabbed the port meanwhile."""
    log_path = directory / "redis.log"
    for _ in range(5):
        port = _free_port()
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                [
                    exe,
                    "--port", str(port),
                    "--bind", "127.0.0.1",
                    "--save", "",
                    "--appendonly", "no",
                    "--dir", str(directory),
                    "--daemonize", "no",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=directory,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while proc.poll() is None and time.monotonic() < deadline:
            if _ping(port):
                return proc, port
            time.sleep(0.02)
        _stop(proc)
        if "Address already in use" not in log_path.read_text(errors="replace"):
            break
    raise RedisServerError(
        f"redis-server did not start (exit code {proc.returncode}):\n"
        + log_path.read_text(errors="replace")[-2000:]
    )


@contextmanager
def redis_server() -> Iterator[str]:
    """Run a private redis-server for the duration of the block; yields its URL."""
    exe = find_redis_server()
    with tempfile.TemporaryDirectory(prefix="specmock-redis-") as tmp:
        proc, port = _start(exe, Path(tmp))
        try:
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            _stop(proc)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


class Restartable:
    """A private redis-server a test may stop and start again on the same port (outages)."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.exe = find_redis_server()
        self.proc, self.port = _start(self.exe, directory)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while not _ping(self.port):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RedisServerError(f"redis-server did not start again on {self.port}")
            time.sleep(0.02)


@contextmanager
def restartable_redis() -> Iterator[Restartable]:
    with tempfile.TemporaryDirectory(prefix="specmock-redis-") as tmp:
        server = Restartable(Path(tmp))
        try:
            yield server
        finally:
            _stop(server.proc)
