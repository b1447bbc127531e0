"""The per-request log line is buffered off the request path: it must still reach stderr
while the server runs (within a bounded delay) and every line must be written when the
process stops (SIGTERM), none lost."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
import time

import httpx

from specmock.runtime import logs
from tests.served import ROOT, free_port

LINE = (1_700_000_000.25, "GET", "/pets/3", 200, 1.234, "rid-1", "showPetById")


def _read_available(fd: int, wait: float) -> bytes:
    """What the pipe holds after waiting up to `wait` seconds for a first byte."""
    data = b""
    ready, _, _ = select.select([fd], [], [], wait)
    while ready:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data += chunk
        ready, _, _ = select.select([fd], [], [], 0.05)
    return data


def test_lines_are_written_by_the_timer_without_a_flush_call():
    read, write = os.pipe()
    lines = logs.RequestLines("text", write, every=0.05)
    try:
        lines.add(LINE)
        got = _read_available(read, 10.0)  # generous bound: the timer wrote it, no call did
    finally:
        lines.close()
        os.close(read)
        os.close(write)
    assert got.endswith(b" INFO GET /pets/3 200 1.23ms rid-1 showPetById\n")


def test_lines_wait_for_the_timer_then_all_are_written_on_close():
    read, write = os.pipe()
    lines = logs.RequestLines("json", write, every=3600)
    try:
        for n in range(100):
            lines.add((*LINE[:5], f"rid-{n}", None))
        assert _read_available(read, 0.2) == b""  # buffered, not written per request
        lines.close()  # what atexit does when the process stops
        got = _read_available(read, 5.0).splitlines()
    finally:
        os.close(read)
        os.close(write)
    assert [line.count(b'"rid-') for line in got] == [1] * 100
    assert b'"message":"GET /pets/3 200 1.23ms rid-99 -"' in got[-1]


def test_a_full_buffer_is_written_without_waiting_for_the_timer():
    read, write = os.pipe()
    lines = logs.RequestLines("text", write, every=3600)
    reader: list[bytes] = []
    drain = threading.Thread(target=lambda: reader.append(_read_available(read, 10.0)))
    drain.start()  # the pipe buffer is smaller than 4096 lines: read while they are written
    try:
        for _ in range(logs.FLUSH_LINES):
            lines.add(LINE)
        drain.join(20)
    finally:
        lines.close()
        os.close(read)
        os.close(write)
    assert reader and reader[0].count(b"\n") == logs.FLUSH_LINES


# `specmock serve`, with the writer's timer made so slow that only the exit can write
SLOW_TIMER = (
    "import sys; from specmock.runtime import logs; logs.FLUSH_EVERY = 3600; "
    "from specmock.cli.main import main; sys.argv[0] = 'specmock'; main()"
)


def _serve(*prefix: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, *prefix, "serve", "petstore", "--stateless", "--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(url + "/__specmock/health", timeout=0.5)
            return proc, url
        except httpx.TransportError:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "specmock serve did not start"
            time.sleep(0.2)


def test_served_lines_appear_while_running():
    proc, url = _serve("-m", "specmock")
    assert proc.stderr is not None
    fd = proc.stderr.fileno()
    try:
        httpx.get(url + "/pets/3", headers={"x-request-id": "while-running"})
        seen = b""
        deadline = time.monotonic() + 10  # generous: the writer wakes every 0.1 s
        while b"while-running" not in seen and time.monotonic() < deadline:
            seen += _read_available(fd, 0.5)
        assert b"GET /pets/3 200" in seen and b"while-running" in seen  # the process runs on
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.communicate()


def test_no_served_line_is_lost_on_sigterm():
    proc, url = _serve("-c", SLOW_TIMER)
    try:
        with httpx.Client(base_url=url) as client:
            for n in range(300):
                client.get(f"/pets/{n + 1}", headers={"x-request-id": f"burst-{n}"})
        proc.send_signal(signal.SIGTERM)  # every line is still in the buffer
        _, rest = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    lines = [line for line in rest.splitlines() if b" burst-" in line]
    assert len(lines) == 300
    assert {line.split()[6] for line in lines} == {f"burst-{n}".encode() for n in range(300)}
