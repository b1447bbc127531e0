"""`pip install specmock` without extras: `serve` works, and a missing extra is named.

The extras' modules are made unimportable in a child process (as if never installed),
then the real CLI runs there.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from specmock.extras import EXTRAS

from .conftest import ROOT

BLOCK = f"""
import sys
for name in {sorted(EXTRAS)!r}:
    sys.modules[name] = None  # imports of it fail as if it were not installed
from specmock.cli import main
sys.argv = ["specmock", *sys.argv[1:]]
main()
"""


def _specmock(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", BLOCK, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        **kw,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_petstore_needs_no_extra_and_answers_with_its_docs_and_console():
    port = _free_port()
    proc = _specmock("serve", "petstore", "--port", str(port), "--quiet")
    try:
        lines = []
        for line in proc.stderr:
            lines.append(line)
            if "console on" in line:
                break
        banner = "".join(lines)
        assert f"petstore (4 operations) on http://127.0.0.1:{port}/" in banner, banner
        assert f"docs http://127.0.0.1:{port}/docs" in banner, banner
        assert f"console on http://127.0.0.1:{port}/__specmock/ui" in banner, banner
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):  # the banner comes just before the socket is bound
            try:
                answer = httpx.get(f"{base}/pets")
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        assert answer.status_code == 200
        assert httpx.get(f"{base}/openapi.json").json()["servers"][0]["url"] == base
        assert httpx.get(f"{base}/__specmock/ui").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (["serve", "s3"], "s3"),
        (["serve", "veeva_vault"], "sql"),
        (["serve", "email", "--smtp-port", "0"], "email"),
        (["serve", "petstore", "--state", "redis://127.0.0.1:1/0"], "redis"),
        (["serve", "petstore", "--state", "mysql://u:p@127.0.0.1:1/db"], "mysql"),
        (["mesh", str(Path(ROOT, "examples", "mesh.yaml"))], "mesh"),
    ],
)
def test_a_missing_extra_is_named_with_its_install_command(args, extra):
    proc = _specmock(*args, "--port", "0")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    assert f"pip install 'specmock[{extra}]'" in err, err
    assert "Traceback" not in err


def test_the_wheel_ships_the_console_and_the_reference(tmp_path):
    import zipfile

    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (wheel,) = tmp_path.glob("specmock-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("index.html", "console.js", "console.css"):
        assert f"specmock/runtime/console/static/{name}" in names
    for name in ("redoc.standalone.js", "redoc.LICENSE", "SOURCE.md"):
        assert f"specmock/runtime/docs/static/{name}" in names
    assert "specmock/runtime/admin.yaml" in names


def test_the_email_service_answers_over_http_without_the_email_extra():
    port = _free_port()
    proc = _specmock("serve", "email", "--port", str(port), "--quiet")
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                listing = httpx.get(f"{base}/api/v1/messages")
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        assert listing.json()["total"] == 0
        body = {
            "personalizations": [{"to": [{"email": "a@example.com"}]}],
            "from": {"email": "s@example.com"},
            "subject": "light",
            "content": [{"type": "text/plain", "value": "x"}],
        }
        sent = httpx.post(f"{base}/v3/mail/send", json=body, headers={"Authorization": "Bearer k"})
        assert sent.status_code == 202, sent.text
        assert httpx.get(f"{base}/api/v1/messages").json()["total"] == 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)
