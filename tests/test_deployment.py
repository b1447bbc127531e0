"""Two specmock processes behind a real HAProxy (from Debian) on one Redis act as one service.

The HAProxy configuration is the one docs/deployment.md shows, with this test's ports.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from .redis_server import redis_url  # noqa: F401
from .test_cli import _free_port, serving

DOCS = Path(__file__).resolve().parent.parent / "docs" / "deployment.md"


def haproxy_config(front: int, one: int, two: int) -> str:
    text = DOCS.read_text()
    block = re.search(r"<!-- haproxy.cfg -->\n```text\n(.*?)```", text, re.S)
    assert block, "docs/deployment.md lost its haproxy.cfg block"
    config = block.group(1)
    for old, new in (("8000", front), ("8001", one), ("8002", two)):
        assert f"127.0.0.1:{old}" in config
        config = config.replace(f"127.0.0.1:{old}", f"127.0.0.1:{new}")
    return config


def documented(marker: str, store: str) -> list[list[str]]:
    """The `specmock serve` lines of the sh block under `<!-- marker -->`, as arguments,
    with this test's store for the Redis URL and without `--port` (each test picks one)."""
    block = re.search(rf"<!-- {marker} -->\n```sh\n(.*?)```", DOCS.read_text(), re.S)
    assert block, f"docs/deployment.md lost its {marker} block"
    commands = []
    for line in block.group(1).splitlines():
        args = shlex.split(line)
        assert args[:2] == ["specmock", "serve"], line
        args = [store if a.startswith("redis://") else a for a in args[2:]]
        at = args.index("--port")
        commands.append(args[:at] + args[at + 2 :])
    return commands


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


@contextmanager
def haproxy_in_front(one: str, two: str, folder: Path) -> Iterator[str]:
    """A real HAProxy on loopback, configured as docs/deployment.md shows; its URL."""
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        pytest.fail("haproxy is not installed: apt-get install haproxy (see .ci/run)")
    front = _free_port()
    config = folder / "haproxy.cfg"
    config.write_text(haproxy_config(front, _port(one), _port(two)))
    proc = subprocess.Popen(
        [haproxy, "-db", "-f", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{front}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(url + "/__specmock/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(proc.stdout.read().decode(errors="replace"))
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def balanced(redis_url, tmp_path):  # noqa: F811
    state = f"{redis_url}?prefix=lb{uuid.uuid4().hex[:10]}"
    common = (
        "petstore",
        "--seed",
        "1",
        "--quiet",
        "--state",
        state,
        "--rate-limit",
        "showPetById=5/3600",
    )
    with (
        serving(*common) as (one, _),
        serving(*common) as (two, _),
        haproxy_in_front(one, two, tmp_path) as url,
    ):
        yield url, one, two


def test_concurrent_creates_through_the_balancer_lose_and_repeat_no_id(balanced):
    url, one, two = balanced

    def create(i: int) -> int:
        answer = httpx.post(url + "/pets", json={"name": f"pet{i}"}, timeout=30)
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    with ThreadPoolExecutor(16) as pool:
        ids = list(pool.map(create, range(200)))
    assert sorted(ids) == list(range(1, 201))
    pages = []
    for direct in (one, two):  # both processes took creates, and both see them all
        served = httpx.get(direct + "/__specmock/requests", params={"method": "POST"}).json()
        assert len(served) > 20
        listed = httpx.get(direct + "/pets", params={"limit": 100})
        assert listed.headers["x-total-count"] == "200"
        pages.append([p["id"] for p in listed.json()])
    assert pages[0] == pages[1] and len(set(pages[0])) == 100


def test_idempotency_keys_and_rate_limits_hold_across_processes(balanced):
    url, one, two = balanced
    key = {"Idempotency-Key": "order-7"}
    first = httpx.post(one + "/pets", json={"name": "Rex"}, headers=key)
    again = httpx.post(two + "/pets", json={"name": "Rex"}, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    other = httpx.post(two + "/pets", json={"name": "Tom"}, headers=key)
    assert other.status_code == 422

    same = {"Idempotency-Key": "order-8"}
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda _: httpx.post(url + "/pets", json={"name": "Bo"}, headers=same, timeout=30),
                range(8),
            )
        )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1  # one pet, answered eight times
    total = int(httpx.get(url + "/pets", params={"limit": 1}).headers["x-total-count"])
    assert total == 2

    pet = first.json()["id"]
    codes = [httpx.get(f"{(one, two)[i % 2]}/pets/{pet}").status_code for i in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]


def test_an_idempotency_key_runs_out_after_its_ttl_across_processes(redis_url):  # noqa: F811
    state = f"{redis_url}?prefix=ttl{uuid.uuid4().hex[:10]}"
    first_line, second_line = documented("idempotency ttl", state)
    with serving(*first_line, "--quiet") as (one, _), serving(*second_line, "--quiet") as (two, _):
        for direct in (one, two):  # one virtual time on both processes
            start = {"set": 1_900_000_000, "freeze": True}
            assert httpx.post(direct + "/__specmock/clock", json=start).status_code == 200

        def advance(seconds: float) -> None:
            for direct in (one, two):
                httpx.post(direct + "/__specmock/clock", json={"advance": seconds})

        key = {"Idempotency-Key": "hourly-1"}
        first = httpx.post(one + "/pets", json={"name": "Rex"}, headers=key)
        assert first.status_code == 201
        advance(3599)
        again = httpx.post(two + "/pets", json={"name": "Rex"}, headers=key)
        assert again.headers.get("idempotent-replayed") == "true"
        assert again.json() == first.json()
        advance(1)  # an hour after the first answer: the record has run out everywhere
        new = httpx.post(two + "/pets", json={"name": "Rex"}, headers=key)
        assert new.status_code == 201 and "idempotent-replayed" not in new.headers
        assert new.json()["id"] == first.json()["id"] + 1
        replayed = httpx.post(one + "/pets", json={"name": "Rex"}, headers=key)
        assert replayed.json() == new.json() and replayed.headers["idempotent-replayed"] == "true"
