"""A request sent again is answered from its remembered decision: the same bytes as
composing it afresh, while the clock, the rules file and the fault header still count."""

from __future__ import annotations

import httpx
import orjson
import pytest

from specmock import VirtualClock
from specmock.testing import serve

HEADERS = {"authorization": "Bearer sk-memo"}
RULE = 'rules:\n  - when: {{last_user: {{exact: "ping"}}}}\n    reply: "{reply}"\n'
BODY = {"model": "gpt-4o", "messages": [{"role": "user", "content": "ping"}], "max_tokens": 20}


def _chat(url: str, body: dict, **headers: str) -> httpx.Response:
    return httpx.post(
        url + "/v1/chat/completions", content=orjson.dumps(body), headers={**HEADERS, **headers}
    )


@pytest.fixture()
def clocked():
    clock = VirtualClock(start=1_800_000_000, frozen=True)
    with serve("openai", seed=3, quiet=True, clock=clock) as server:
        yield server.url, clock


def test_repeated_requests_give_the_same_bytes_and_read_the_clock_each_time(clocked):
    url, clock = clocked
    first, second, third = (_chat(url, BODY).content for _ in range(3))
    assert first == second == third
    clock.advance(120)
    later = _chat(url, BODY).json()
    assert later["created"] == orjson.loads(first)["created"] + 120
    assert {**later, "created": 0} == {**orjson.loads(first), "created": 0}
    streamed = _chat(url, {**BODY, "stream": True}).text
    chunks = [orjson.loads(line[6:]) for line in streamed.splitlines() if line[6:7] == "{"]
    assert {c["created"] for c in chunks} == {later["created"]}
    assert (
        "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
        == (later["choices"][0]["message"]["content"])
    )


def test_a_fault_header_on_a_remembered_body_still_applies(clocked):
    url, _ = clocked
    assert _chat(url, BODY).status_code == 200
    limited = _chat(url, BODY, **{"x-specmock-llm-fault": "rate_limit=4"})
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "4"
    assert limited.json()["error"]["code"] == "rate_limit_exceeded"
    assert _chat(url, BODY).status_code == 200


def test_an_edited_rules_file_is_read_again(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULE.format(reply="pong"))
    with serve("openai", seed=3, quiet=True, options={"llm_rules": str(rules)}) as server:
        assert _chat(server.url, BODY).json()["choices"][0]["message"]["content"] == "pong"
        rules.write_text(RULE.format(reply="pong again"))
        answer = _chat(server.url, BODY).json()["choices"][0]["message"]["content"]
        assert answer == "pong again"
        rules.unlink()
        missing = _chat(server.url, BODY)
        assert missing.status_code == 400
        assert "llm_rules" in missing.json()["error"]["message"]


def test_another_seed_is_another_reply():
    with serve("openai", seed=3, quiet=True) as one, serve("openai", seed=4, quiet=True) as two:
        assert _chat(one.url, BODY).json()["id"] != _chat(two.url, BODY).json()["id"]
        assert _chat(one.url, BODY).json()["id"] == _chat(one.url, BODY).json()["id"]
