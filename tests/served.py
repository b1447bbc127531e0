"""Helpers for tests that run `specmock serve` as a user does (a child process on free
ports) and use what mock mode prints: the fenced blocks of a docs page, an S3 client built
from the providers' environment variables."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fenced_blocks(page: Path, language: str) -> list[str]:
    """The fenced blocks of a Markdown page whose info string is `language` ("" for none)."""
    found: list[str] = []
    inside: str | None = None  # the open block's language
    lines: list[str] = []
    for line in page.read_text().splitlines(keepends=True):
        if not line.startswith("```"):
            lines.append(line)
        elif inside is None:
            inside, lines = line[3:].strip(), []
        else:
            if inside == language:
                found.append("".join(lines))
            inside = None
    return found


@dataclass
class Served:
    """A running `specmock serve`: its URL, and its stdout once it has stopped."""

    url: str
    proc: subprocess.Popen
    stdout: str = field(default="")

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.stdout, _ = self.proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.stdout, _ = self.proc.communicate()
        return self.stdout


@contextmanager
def serving(*args: str, port: int | None = None) -> Iterator[Served]:
    """`specmock serve ARGS --port P` in a child process, ready when the admin API answers
    (mockmode loads the large OpenAI contract, hence the generous wait)."""
    port = port or free_port()
    cmd = [sys.executable, "-m", "specmock", "serve", *args, "--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    served = Served(f"http://127.0.0.1:{port}", proc)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(served.url + "/__specmock/health", timeout=0.5)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, f"specmock serve {args} did not start"
                time.sleep(0.2)
        yield served
    finally:
        served.stop()


def provider_env(url: str) -> dict[str, str]:
    """Every provider's environment variables, as `GET /__specmock/providers` fills them."""
    listed = httpx.get(url + "/__specmock/providers").json()
    return {name: value for p in listed for name, value in p["env"].items()}


def s3_client(env: dict[str, str]):
    """boto3's S3 client configured from the storage provider's variables."""
    return boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_DEFAULT_REGION"],
    )
