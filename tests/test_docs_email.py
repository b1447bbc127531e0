"""docs/email.md runs as written: each `specmock serve` line through the real CLI (on free
ports instead of the documented ones), the Python blocks against that server, and the
fault rules file loaded with --faults."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from .conftest import ROOT
from .served import fenced_blocks, free_port

PAGE = ROOT / "docs" / "email.md"
PORTS = {"--port": "8025", "--smtp-port": "2525", "--tls-port": "8443"}


def _blocks(language: str) -> list[str]:
    return fenced_blocks(PAGE, language)


@contextmanager
def _serving(line: str, *extra: str) -> Iterator[dict[str, int]]:
    """A documented `specmock serve` line, its ports swapped for free ones."""
    args = line.split("#")[0].split()[1:]
    ports = {}
    for flag in PORTS:
        if flag in args:
            ports[flag] = free_port()
            args[args.index(flag) + 1] = str(ports[flag])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "specmock", *args, *extra, "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        url = f"http://127.0.0.1:{ports['--port']}/api/v1/messages"
        while True:
            try:
                if httpx.get(url).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{line} did not start: {proc.stderr.read().decode()}")
            time.sleep(0.1)
        yield ports
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _serve_lines() -> list[str]:
    return [line for line in _blocks("sh")[0].splitlines() if line.startswith("specmock serve")]


def _localised(code: str, ports: dict[str, int]) -> str:
    for flag, documented in PORTS.items():
        if flag in ports:
            code = code.replace(documented, str(ports[flag]))
    return code


def test_the_documented_lines_serve_smtp_and_the_inbox():
    plain, with_tls = _serve_lines()
    with _serving(plain) as ports, smtplib.SMTP("127.0.0.1", ports["--smtp-port"]) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("smtputf8") and not smtp.has_extn("starttls")
    with _serving(with_tls) as ports, smtplib.SMTP("127.0.0.1", ports["--smtp-port"]) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("starttls")


def test_the_python_blocks_run_against_the_documented_server():
    blocks = _blocks("python")
    assert len(blocks) == 2
    with _serving(_serve_lines()[0]) as ports:
        for block in blocks:
            exec(compile(_localised(block, ports), str(PAGE), "exec"), {})
        listing = httpx.get(f"http://127.0.0.1:{ports['--port']}/api/v1/messages").json()
        assert listing["total"] == 2


def test_the_fault_rules_file(tmp_path: Path):
    [rules] = _blocks("yaml")
    file = tmp_path / "smtp-faults.yaml"
    file.write_text(rules)
    line = rules.splitlines()[0].split(": ", 1)[1]
    assert line.startswith("specmock serve email")
    with _serving(line.replace("--faults smtp-faults.yaml", "--port 8025"), "--faults",
                  str(file)) as ports:  # fmt: skip
        with smtplib.SMTP("127.0.0.1", ports["--smtp-port"]) as smtp:
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                smtp.sendmail("shop@example.com", ["full@example.com"], b"Subject: x\r\n\r\nx")
            assert refused.value.recipients["full@example.com"][0] == 452
            smtp.sendmail("shop@example.com", ["ann@example.com"], b"Subject: y\r\n\r\ny")
        inbox = httpx.get(f"http://127.0.0.1:{ports['--port']}/api/v1/messages").json()
        assert [m["Subject"] for m in inbox["messages"]] == ["y"]


def test_the_readme_line_is_the_documented_one():
    readme = (ROOT / "README.md").read_text()
    plain = _serve_lines()[0]
    assert f"`{plain}`" in readme
    with _serving(plain) as ports:
        with smtplib.SMTP("127.0.0.1", ports["--smtp-port"]) as smtp:
            smtp.sendmail("shop@example.com", ["ann@example.com"], b"Subject: hi\r\n\r\nhi")
        url = f"http://127.0.0.1:{ports['--port']}/api/v1/wait?query=to:ann@example.com"
        assert httpx.get(url).json()["Subject"] == "hi"
