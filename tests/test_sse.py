"""Live server-sent events for any spec, read with a plain httpx client."""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

import httpx
import orjson
import pytest

from specmock import VirtualClock, schema_validator
from specmock.runtime import sse
from specmock.testing import serve

SPEC = Path(__file__).parent / "specs" / "ticker.yaml"
TICK = {
    "type": "object",
    "required": ["symbol", "price"],
    "additionalProperties": False,
    "properties": {
        "symbol": {"type": "string", "enum": ["ACME", "INIT"]},
        "price": {"type": "number", "minimum": 1, "maximum": 500},
    },
}
STREAM = {"accept": "text/event-stream"}


def _events(text: str) -> list[dict[str, str]]:
    out = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            name, _, value = line.partition(": ")
            fields[name] = value
        if fields:
            out.append(fields)
    return out


@pytest.fixture(scope="module")
def frozen():
    clock = VirtualClock(start=1_800_000_000, frozen=True)
    with serve(str(SPEC), seed=5, quiet=True, clock=clock) as server:
        yield server, clock


def _reader(url: str, headers: dict[str, str], lines: queue.Queue, stop: threading.Event):
    def run() -> None:
        with httpx.stream("GET", url, headers=headers, timeout=10) as response:
            lines.put(("status", response.status_code))
            for line in response.iter_lines():
                lines.put(("line", line))
                if stop.is_set():
                    break
        lines.put(("end", None))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _next_data(lines: queue.Queue, timeout: float = 5.0) -> tuple[str, list[str]]:
    """The next event's data line and the comment lines seen before it."""
    comments = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kind, value = lines.get(timeout=timeout)
        if kind == "line" and value.startswith("data: "):
            return value[6:], comments
        if kind == "line" and value.startswith(":"):
            comments.append(value)
        if kind == "end":
            return "", comments
    raise AssertionError("no event arrived")


def test_events_wait_for_the_clock_with_heartbeats_between(frozen):
    server, clock = frozen
    lines: queue.Queue = queue.Queue()
    stop = threading.Event()
    headers = {**STREAM, "x-specmock-stream": "interval=10,count=3,heartbeat=0.05"}
    thread = _reader(server.url + "/ticks", headers, lines, stop)
    assert lines.get(timeout=10) == ("status", 200)
    first, _ = _next_data(lines)
    tick = orjson.loads(first)
    assert schema_validator(TICK).is_valid(tick)
    # the next event is 10 s away on a frozen clock: only heartbeats come meanwhile (waited
    # for by count, not by time, so a busy machine cannot make them late)
    seen: list[str] = []
    while seen.count(": ping") < 2:
        seen.append(lines.get(timeout=10)[1])
    assert all(line in (": ping", "") for line in seen), seen
    clock.advance(10)
    second, _ = _next_data(lines)
    assert second and second != first
    clock.advance(10)
    third, _ = _next_data(lines)
    assert schema_validator(TICK).is_valid(orjson.loads(third))
    assert _next_data(lines)[0] == ""  # count=3: the stream ends
    thread.join(timeout=5)


def test_last_event_id_resumes_with_the_same_events():
    with serve(str(SPEC), seed=5, quiet=True) as server:
        headers = {**STREAM, "x-specmock-stream": "interval=0,count=5,heartbeat=0"}
        whole = _events(httpx.get(server.url + "/ticks", headers=headers).text)
        resumed = _events(
            httpx.get(server.url + "/ticks", headers={**headers, "last-event-id": "2"}).text
        )
    assert [e["id"] for e in whole] == ["1", "2", "3", "4", "5"]
    assert [e["id"] for e in resumed] == ["3", "4", "5"]
    assert [e["data"] for e in resumed] == [e["data"] for e in whole[2:]]
    for event in whole:
        assert schema_validator(TICK).is_valid(orjson.loads(event["data"]))


def test_disconnect_ends_the_generator(frozen):
    server, _ = frozen
    before = sse.open_streams()
    headers = {**STREAM, "x-specmock-stream": "interval=1,count=0,heartbeat=0.05"}
    with httpx.stream("GET", server.url + "/ticks", headers=headers, timeout=10) as response:
        for line in response.iter_lines():
            if line.startswith("data: "):
                assert sse.open_streams() == before + 1
                break  # closing the line iterator closes the response: the client leaves
    deadline = time.monotonic() + 5
    while sse.open_streams() > before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sse.open_streams() == before


def test_declared_settings_event_schema_and_plain_json(frozen):
    server, _ = frozen
    with serve(str(SPEC), seed=5, quiet=True) as live:
        events = _events(httpx.get(live.url + "/quotes", headers=STREAM).text)
    assert len(events) == 3  # x-specmock-stream: count 3
    assert all(schema_validator(TICK).is_valid(orjson.loads(e["data"])) for e in events)
    plain = httpx.get(server.url + "/quotes", headers={"accept": "application/json"})
    assert plain.headers["content-type"] == "application/json"
    assert schema_validator(TICK).is_valid(plain.json())


def test_bad_stream_setting_is_refused_by_name(frozen):
    server, _ = frozen
    bad = httpx.get(server.url + "/ticks", headers={**STREAM, "x-specmock-stream": "pace=2"})
    assert bad.status_code == 400
    assert "pace" in bad.text and "x-specmock-stream" in bad.text


def test_event_helper_frames_events():
    event = sse.ServerSentEvent({"a": 1}, event="update", id=7, retry=1000)
    assert event.encode() == b'event: update\nid: 7\nretry: 1000\ndata: {"a":1}\n\n'
    assert sse.ServerSentEvent("two\nlines").encode() == b"data: two\ndata: lines\n\n"


def test_an_override_streams_its_own_events():
    from specmock import DropConnection, Overrides, Reply, ServerSentEvent, event_stream

    async def quotes(ctx):
        async def events():
            for n in range(1, 4):
                yield ServerSentEvent({"symbol": "ACME", "price": n}, event="quote", id=n)
            if ctx.headers.get("x-cut") == "yes":
                raise DropConnection("cut here")

        return Reply(stream=event_stream(events(), heartbeat=5), media_type="text/event-stream")

    overrides = Overrides()
    overrides.register("streamQuotes", quotes)
    with serve(str(SPEC), seed=5, quiet=True, overrides=None) as server:
        server.app.overrides = overrides
        events = _events(httpx.get(server.url + "/quotes", headers=STREAM).text)
        assert [(e["event"], e["id"]) for e in events] == [
            ("quote", "1"),
            ("quote", "2"),
            ("quote", "3"),
        ]
        assert orjson.loads(events[2]["data"]) == {"symbol": "ACME", "price": 3}
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(server.url + "/quotes", headers={**STREAM, "x-cut": "yes"})
