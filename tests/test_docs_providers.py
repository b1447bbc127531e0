"""docs/gotenberg.md and docs/mockmode.md run as written: their shell lines against a real
`specmock serve` (on a free port instead of the documented one), their Python blocks
against the same server, and the printed banner compared line by line."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import yaml

from .conftest import ROOT

DOCS = ROOT / "docs"


def _blocks(page: str, language: str) -> list[str]:
    """The fenced blocks of a docs page whose info string is `language` ("" for none)."""
    found: list[str] = []
    inside: str | None = None  # the open block's language
    lines: list[str] = []
    for line in (DOCS / page).read_text().splitlines(keepends=True):
        if not line.startswith("```"):
            lines.append(line)
        elif inside is None:
            inside, lines = line[3:].strip(), []
        else:
            if inside == language:
                found.append("".join(lines))
            inside = None
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _serving(command: str) -> Iterator[tuple[int, subprocess.Popen]]:
    """Start a documented `specmock serve ...` line on a free port (SMTP on any free one)."""
    port = _free_port()
    args = command.split()[1:]
    args[args.index("--port") + 1] = str(port)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if "mockmode" in args and "--smtp-port" not in args:
        args += ["--smtp-port", "0"]  # any free port, not the documented 1025
    proc = subprocess.Popen(
        [sys.executable, "-m", "specmock", *args, "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 120  # mockmode loads the large OpenAI contract
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/__specmock/health", timeout=0.5)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read()
                assert time.monotonic() < deadline, f"{command} did not start"
                time.sleep(0.1)
        yield port, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _shell(line: str, documented: int, port: int, cwd: Path) -> str:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    done = subprocess.run(
        ["bash", "-c", line.replace(str(documented), str(port))],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_gotenberg_page_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    shell, python = _blocks("gotenberg.md", "sh")[0], _blocks("gotenberg.md", "python")[0]
    serve_line, *lines = shell.strip().splitlines()
    with _serving(serve_line) as (port, _):
        outputs = [_shell(line, 3000, port, tmp_path) for line in lines]
        monkeypatch.setenv("GOTENBERG_URL", f"http://127.0.0.1:{port}")
        exec(compile(python, "docs/gotenberg.md", "exec"), {})
    assert (tmp_path / "invoice.pdf").read_bytes().startswith(b"%PDF-")
    assert json.loads(outputs[-1])["status"] == "up"


def test_mockmode_page_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    serve_block, env_block, curl_block = _blocks("mockmode.md", "sh")
    printed = _blocks("mockmode.md", "")[0]
    with _serving(serve_block.strip()) as (port, proc):
        listed = json.loads(_shell(curl_block.strip(), 8000, port, tmp_path))
        smtp = {k: v for p in listed for k, v in p["env"].items()}["SMTP_PORT"]
        assert _shell(env_block, 8000, port, tmp_path).strip() == f"http://127.0.0.1:{port}/s3"
        monkeypatch.setenv("SPECMOCK_URL", f"http://127.0.0.1:{port}")
        exec(compile(_blocks("mockmode.md", "python")[0], "docs/mockmode.md", "exec"), {})
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=15)
    assert out == printed.replace("8000", str(port)).replace("=1025", f"={smtp}")
    assert {p["name"] for p in listed} == {"email", "gotenberg", "openai", "s3", "twilio"}
    declared = yaml.safe_load(_blocks("mockmode.md", "yaml")[0])
    spec = yaml.safe_load((ROOT / "specs" / "gotenberg.yaml").read_text())
    assert declared["x-specmock-provider"]["kind"] == spec["x-specmock-provider"]["kind"]
    assert (
        declared["x-specmock-provider"]["env"].items() <= spec["x-specmock-provider"]["env"].items()
    )
