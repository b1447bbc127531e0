"""docs/gotenberg.md and docs/mockmode.md run as written: their shell lines against a real
`specmock serve` (on a free port instead of the documented one), their Python blocks
against the same server, and the printed banner compared line by line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from .served import ROOT, Served, fenced_blocks, serving

DOCS = ROOT / "docs"


def _blocks(page: str, language: str) -> list[str]:
    return fenced_blocks(DOCS / page, language)


@contextmanager
def _serving(line: str) -> Iterator[Served]:
    """A documented `specmock serve ...` line on a free port (SMTP on any free one, not the
    documented 1025)."""
    args = line.split()[2:]  # after "specmock serve"
    at = args.index("--port")
    del args[at : at + 2]  # serving() picks a free port
    if "mockmode" in args and "--smtp-port" not in args:
        args += ["--smtp-port", "0"]
    with serving(*args, "--quiet") as served:
        yield served


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
    with _serving(serve_line) as served:
        port = served.url.rsplit(":", 1)[1]
        outputs = [_shell(line, 3000, port, tmp_path) for line in lines]
        monkeypatch.setenv("GOTENBERG_URL", f"http://127.0.0.1:{port}")
        exec(compile(python, "docs/gotenberg.md", "exec"), {})
    assert (tmp_path / "invoice.pdf").read_bytes().startswith(b"%PDF-")
    assert json.loads(outputs[-1])["status"] == "up"


def test_mockmode_page_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    serve_block, env_block, curl_block, admin_block = _blocks("mockmode.md", "sh")
    printed = _blocks("mockmode.md", "")[0]
    with _serving(serve_block.strip()) as served:
        port = served.url.rsplit(":", 1)[1]
        listed = json.loads(_shell(curl_block.strip(), 8000, port, tmp_path))
        smtp = {k: v for p in listed for k, v in p["env"].items()}["SMTP_PORT"]
        assert json.loads(_shell(admin_block.strip(), 8000, port, tmp_path)) == listed
        assert _shell(env_block, 8000, port, tmp_path).strip() == f"http://127.0.0.1:{port}/s3"
        monkeypatch.setenv("SPECMOCK_URL", f"http://127.0.0.1:{port}")
        exec(compile(_blocks("mockmode.md", "python")[0], "docs/mockmode.md", "exec"), {})
        out = served.stop()
    assert out == printed.replace("8000", str(port)).replace("=1025", f"={smtp}")
    assert {p["name"] for p in listed} == {"email", "gotenberg", "openai", "s3", "twilio"}
    declared = yaml.safe_load(_blocks("mockmode.md", "yaml")[0])
    spec = yaml.safe_load((ROOT / "specs" / "gotenberg.yaml").read_text())
    assert declared["x-specmock-provider"]["kind"] == spec["x-specmock-provider"]["kind"]
    assert (
        declared["x-specmock-provider"]["env"].items() <= spec["x-specmock-provider"]["env"].items()
    )
