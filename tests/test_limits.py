"""Every input is bounded, measured against a real `specmock serve` over raw sockets."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from specmock.runtime.factory import create_app
from specmock.runtime.limits import Limits

from .redis_server import restartable_redis
from .test_cli import serving


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    """Everything until the server closes (a timeout fails the test: it did not close)."""
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _send_quietly(sock: socket.socket, data: bytes) -> bool:
    try:
        sock.sendall(data)
        return True
    except (BrokenPipeError, ConnectionResetError):
        return False


def test_too_many_or_too_large_headers_get_431_and_cost_no_memory():
    with serving("petstore", "--quiet", "--limit", "max_headers=20") as (url, proc):
        many = _connect(url)
        head = "".join(f"X-H{i}: v\r\n" for i in range(30))
        many.sendall(f"GET /pets HTTP/1.1\r\nHost: x\r\n{head}\r\n".encode())
        answer = _read_all(many)
        assert answer.startswith(b"HTTP/1.1 431 ")
        assert b"more than 20 request headers" in answer

        before = _rss_kb(proc.pid)
        big = _connect(url)
        big.sendall(b"GET /pets HTTP/1.1\r\nHost: x\r\nX-Big: ")
        sent = 0
        while sent < 50 * 1024 * 1024 and _send_quietly(big, b"a" * 1024 * 1024):
            sent += 1024 * 1024
        answer = _read_all(big)
        assert b"431 Request Header Fields Too Large" in answer or sent < 50 * 1024 * 1024
        assert sent < 50 * 1024 * 1024  # refused (and closed) long before the end
        assert _rss_kb(proc.pid) - before < 20_000
        assert httpx.get(url + "/pets").status_code == 200  # others are served as before


def test_long_urls_are_served_up_to_the_limit_then_414():
    with serving("petstore", "--quiet", "--limit", "max_header_bytes=32768") as (url, _proc):
        # a multi-kB query string, as a client with many filters or ids builds it
        long_url = url + "/pets?limit=5&" + "&".join(f"tag{i}=" + "v" * 40 for i in range(600))
        assert 20_000 < len(long_url) < 32_768
        assert httpx.get(long_url, timeout=10).status_code == 200
        sock = _connect(url)
        sock.sendall(b"GET /pets?x=" + b"a" * 40_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = _read_all(sock)
        assert answer.startswith(b"HTTP/1.1 414 URI Too Long"), answer[:100]
        assert b"the URL is longer than 32768 bytes" in answer
        assert httpx.get(url + "/pets").status_code == 200


def test_oversized_chunked_body_gets_413_with_bounded_memory():
    # the command docs/deployment.md shows
    limits = ("--limit", "max_body=1048576", "--limit", "max_delay_ms=5000")
    with serving("petstore", "--quiet", *limits) as (url, proc):
        before = _rss_kb(proc.pid)
        answers = []
        for _ in range(4):
            sock = _connect(url)
            sock.sendall(
                b"POST /pets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            chunk = b"%x\r\n%s\r\n" % (256 * 1024, b" " * 256 * 1024)
            for _ in range(4 * 50):  # 50 MB if nobody stopped it
                if not _send_quietly(sock, chunk):
                    break
            answers.append(_read_all(sock))
        assert all(a.startswith(b"HTTP/1.1 413 ") for a in answers), answers[0][:200]
        assert _rss_kb(proc.pid) - before < 30_000


def test_slowloris_and_a_chunk_that_never_comes_are_closed():
    limits = ("--limit", "header_timeout=1", "--limit", "body_timeout=1")
    with serving("petstore", "--quiet", *limits) as (url, _):
        drips = [_connect(url) for _ in range(20)]
        for sock in drips[:10]:
            sock.sendall(b"GET /pets HTTP/1.1\r\nHost: x\r\n")
        for sock in drips[10:]:  # a kept-alive connection: one request answered, then drips
            sock.sendall(b"GET /pets HTTP/1.1\r\nHost: x\r\n\r\n")
            first = sock.recv(65536)
            assert first.startswith(b"HTTP/1.1 200 ")
            while not first.endswith(b"]"):  # the whole (small) JSON list
                first += sock.recv(65536)
            sock.sendall(b"GET /pets HTTP/1.1\r\nHost: x\r\n")

        def drip(sock: socket.socket) -> bytes:
            for _ in range(40):  # 12 s of one header every 0.3 s, if never cut off
                if not _send_quietly(sock, b"X-A: b\r\n"):
                    break
                time.sleep(0.3)
            return _read_all(sock)

        with ThreadPoolExecutor(len(drips)) as pool:
            answers = list(pool.map(drip, drips))
        assert all(a.startswith(b"HTTP/1.1 408 ") for a in answers)

        chunked = _connect(url)
        chunked.sendall(
            b"POST /pets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Transfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n{"name":'
        )
        chunked.settimeout(8)
        assert _read_all(chunked) == b""  # closed, not held until 2**64 bytes come
        assert httpx.get(url + "/pets").status_code == 200


def test_delay_is_capped_and_sigterm_exits_with_a_delayed_request_pending():
    with serving("petstore", "--quiet", "--limit", "max_delay_ms=300") as (url, _):
        capped = httpx.get(url + "/pets", headers={"X-Specmock-Delay": "1000000000"}, timeout=10)
        assert capped.status_code == 200
    with serving("petstore", "--quiet") as (url, proc):

        def wait() -> None:
            with contextlib.suppress(httpx.TransportError):  # cut off by the shutdown
                httpx.get(url + "/pets", headers={"X-Specmock-Delay": "50000"}, timeout=60)

        pending = threading.Thread(target=wait, daemon=True)
        pending.start()
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=5)  # raises if the pending delay holds the process


def test_a_delay_ends_when_its_client_leaves():
    with serving("petstore", "--quiet") as (url, _):
        sock = _connect(url)
        sock.sendall(b"GET /pets HTTP/1.1\r\nHost: x\r\nX-Specmock-Delay: 30000\r\n\r\n")
        time.sleep(0.3)
        sock.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # recorded once the request ended, not in 30 s
            entries = httpx.get(url + "/__specmock/requests").json()
            if any(e["delay_ms"] for e in entries):
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the delayed request still waits for a client that left")


def test_journal_is_capped_in_bytes_and_marks_what_it_cut():
    app = create_app("petstore", quiet=True, limits=Limits(journal_bytes=300_000))
    client = TestClient(app)
    big = "v" * 100_000
    for i in range(20):
        client.post("/pets", json={"name": "x" * 100_000, "n": i}, headers={"X-Big": big})
    journal = app.journal
    assert journal is not None and journal.bytes <= 300_000
    entries = journal.find()
    assert 1 <= len(entries) < 20
    last = entries[-1]
    assert last.request_headers["x-big"].endswith("[truncated by the journal: 100000 bytes in all]")
    assert len(last.request_headers["x-big"]) < 9000
    assert "bytes in all]" in last.request_body and len(last.request_body) < 70_000
    assert client.get("/__specmock/requests").status_code == 200


def test_a_redis_outage_is_503_and_not_ready_then_recovers(tmp_path):
    with (
        restartable_redis() as redis,
        serving("petstore", "--quiet", "--state", redis.url) as (url, _),
    ):
        assert httpx.post(url + "/pets", json={"name": "Rex"}).status_code == 201
        redis.stop()
        down = httpx.get(url + "/pets")
        assert down.status_code == 503
        problem = down.json()
        assert down.headers["content-type"] == "application/problem+json"
        assert f"the state store {redis.url} is unavailable" in problem["detail"]
        assert "ConnectionError" in problem["detail"]
        ready = httpx.get(url + "/__specmock/health/ready")
        assert ready.status_code == 503 and redis.url in ready.json()["detail"]
        redis.start()
        assert httpx.get(url + "/__specmock/health/ready").status_code == 200
        assert httpx.post(url + "/pets", json={"name": "Tom"}).status_code == 201
        assert httpx.get(url + "/pets").status_code == 200


def test_workers_share_one_port_and_the_memory_store_refuses_them(tmp_path):
    state = f"sqlite:///{tmp_path / 'state.db'}"
    # Each worker is a fresh interpreter building the app: slow to start on a busy machine.
    with serving("petstore", "--quiet", "--state", state, "--workers", "2", wait=90) as (
        url,
        proc,
    ):
        with ThreadPoolExecutor(8) as pool:
            ids = list(
                pool.map(
                    lambda i: httpx.post(url + "/pets", json={"name": f"p{i}"}).json()["id"],
                    range(100),
                )
            )
        assert sorted(ids) == list(range(1, 101))
        assert httpx.get(url + "/pets?limit=5").headers["x-total-count"] == "100"
        children = [
            p for p in Path("/proc").iterdir() if p.name.isdigit() and _parent(p) == proc.pid
        ]
        assert (
            len(
                [
                    c
                    for c in children
                    if b"specmock" in _cmdline(c) or b"multiprocessing" in _cmdline(c)
                ]
            )
            >= 2
        )
    from click.testing import CliRunner

    from specmock.cli.main import main

    refused = CliRunner().invoke(main, ["serve", "petstore", "--workers", "2"])
    assert refused.exit_code == 2
    assert "--workers 2 needs state shared between processes" in refused.output


def _parent(proc_dir: Path) -> int:
    try:
        return int((proc_dir / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def _cmdline(proc_dir: Path) -> bytes:
    try:
        return (proc_dir / "cmdline").read_bytes()
    except OSError:
        return b""


@pytest.mark.parametrize("name", ["max_body=abc", "nope=1", "max_body=-1"])
def test_bad_limits_are_refused_by_name(name):
    from click.testing import CliRunner

    from specmock.cli.main import main

    result = CliRunner().invoke(main, ["serve", "petstore", "--limit", name])
    assert result.exit_code == 2
    assert name.split("=")[0] in result.output


def test_control_characters_never_reach_a_header_value():
    """A refusal's reason can quote what the client sent (`{"\\x7f": null}`); put into
    `X-Specmock-Problem` raw, it made the server drop the connection without an answer."""
    from specmock.runtime.outgoing import Outgoing
    from specmock.runtime.wire import _headers

    out = Outgoing(400, b"", None, [("X-Specmock-Problem", 'body /: {"\x7f":null}\r\nX-Evil: 1')])
    sent = dict(_headers(out, "id"))
    assert sent[b"x-specmock-problem"] == b'body /: {"?":null}??X-Evil: 1'


class _Wire:
    def __init__(self):
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default=None):
        return ("127.0.0.1", 1) if name == "peername" else default


def test_a_head_and_its_body_leave_in_one_write_and_a_lone_head_by_the_end_of_the_turn():
    from specmock.runtime.limits import Corked

    async def scenario():
        wire = _Wire()
        corked = Corked(wire, asyncio.get_running_loop())
        corked.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        assert wire.writes == []  # held for its body
        corked.write(b"{}")
        assert wire.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"]
        corked.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # an interim answer: at once
        assert wire.writes[-1] == b"HTTP/1.1 100 Continue\r\n\r\n"
        corked.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        await asyncio.sleep(0)  # a stream's first event is late: the head goes anyway
        assert wire.writes[-1].endswith(b"chunked\r\n\r\n")
        corked.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        corked.close()  # closing writes what is held first
        assert wire.writes[-1].startswith(b"HTTP/1.1 204") and wire.closed
        assert corked.get_extra_info("peername") == ("127.0.0.1", 1)

    asyncio.run(scenario())
