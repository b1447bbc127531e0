"""The bundled openai service, driven by the official `openai` SDK through `base_url`."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import jsonschema
import openai
import orjson
import pytest

from specmock.testing import serve

KEY = "sk-specmock-test"
RULES = """
rules:
  - when: {last_user: {exact: "ping"}}
    reply: "pong to {{ model }} ({{ messages | length }} message)"
  - when: {path: "$.metadata.team", regex: "^pay"}
    reply: "payments team"
  - when: {last_user: {contains: "book a table"}}
    tool_calls:
      - name: book_table
        arguments: {restaurant: "{{ last_user.split()[-1] }}", seats: 2}
  - when: {last_user: {contains: "break the stream"}}
    fault: {error_after: 2}
"""
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["C", "F"]},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {
            "type": "object",
            "properties": {"zone": {"type": "string"}},
            "required": ["zone"],
        },
    },
}
BOOK = {
    "type": "function",
    "function": {
        "name": "book_table",
        "parameters": {
            "type": "object",
            "properties": {"restaurant": {"type": "string"}, "seats": {"type": "integer"}},
            "required": ["restaurant", "seats"],
        },
    },
}
PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer", "minimum": 0, "maximum": 130},
        "tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}},
    },
    "required": ["name", "age", "tags"],
    "additionalProperties": False,
    "$defs": {"tag": {"type": "string", "enum": ["a", "b"]}},
}
HELLO = [{"role": "user", "content": "Say hello"}]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    rules = tmp_path_factory.mktemp("llm") / "rules.yaml"
    rules.write_text(RULES)
    with serve(
        "openai", seed=7, quiet=True, credentials=[KEY], options={"llm_rules": str(rules)}
    ) as running:
        yield running


def client(server, **options) -> openai.OpenAI:
    options.setdefault("max_retries", 0)
    return openai.OpenAI(base_url=server.url + "/v1", api_key=KEY, **options)


def _event_validator(server, operation_id: str):
    """The per-event schema the spec names with `x-specmock-event-schema`, compiled."""
    service = server.app.services[0]
    op = next(o for o in service.operations if o.operation_id == operation_id)
    media = op.response_for(200).content["text/event-stream"]
    pointer = media.pointer.removesuffix("/schema")
    node = service.document.root
    for token in pointer.strip("/").split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    schema = node["x-specmock-event-schema"]
    return op.compiler.validator(schema, "response", pointer + "/x-specmock-event-schema")


def _data_lines(text: str) -> list[str]:
    return [line[6:] for line in text.splitlines() if line.startswith("data: ")]


def test_chat_stream_assembles_to_the_reply(server):
    sdk = client(server)
    whole = sdk.chat.completions.create(model="gpt-4o", messages=HELLO, max_tokens=30)
    content = whole.choices[0].message.content
    assert content.startswith("This is a deterministic mock reply")
    parts, usage, finish = [], None, None
    stream = sdk.chat.completions.create(
        model="gpt-4o",
        messages=HELLO,
        max_tokens=30,
        stream=True,
        stream_options={"include_usage": True},
    )
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            parts.append(choice.delta.content or "")
            finish = choice.finish_reason or finish
    assert "".join(parts) == content
    assert finish == whole.choices[0].finish_reason
    assert usage.model_dump() == whole.usage.model_dump()
    assert whole.usage.completion_tokens <= 30


def test_chat_chunks_follow_the_contract(server):
    body = {"model": "gpt-4o", "messages": HELLO, "stream": True}
    raw = httpx.post(
        server.url + "/v1/chat/completions",
        json={**body, "stream_options": {"include_usage": True}},
        headers={"authorization": f"Bearer {KEY}"},
    )
    assert raw.headers["content-type"].startswith("text/event-stream")
    lines = _data_lines(raw.text)
    assert lines[-1] == "[DONE]"
    validator = _event_validator(server, "createChatCompletion")
    chunks = [orjson.loads(line) for line in lines[:-1]]
    assert all(validator.is_valid(chunk) for chunk in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0


def test_async_client_streams_the_same_text(server):
    async def run() -> tuple[str, str]:
        sdk = openai.AsyncOpenAI(base_url=server.url + "/v1", api_key=KEY, max_retries=0)
        whole = await sdk.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
        stream = await sdk.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True)
        parts = [c.choices[0].delta.content or "" async for c in stream if c.choices]
        response = await sdk.responses.create(model="gpt-4o-mini", input="Say hello")
        async with sdk.responses.stream(model="gpt-4o-mini", input="Say hello") as events:
            final = await events.get_final_response()
        assert final.output_text == response.output_text
        await sdk.close()
        return whole.choices[0].message.content, "".join(parts)

    whole, streamed = asyncio.run(run())
    assert whole == streamed


def test_responses_stream_ends_in_the_same_response(server):
    sdk = client(server)
    whole = sdk.responses.create(model="gpt-4o", input="Say hello", max_output_tokens=40)
    deltas = []
    with sdk.responses.stream(model="gpt-4o", input="Say hello", max_output_tokens=40) as s:
        for event in s:
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
        final = s.get_final_response()
    assert "".join(deltas) == whole.output_text == final.output_text
    assert final.id == whole.id and final.usage == whole.usage
    raw = httpx.post(
        server.url + "/v1/responses",
        json={"model": "gpt-4o", "input": "Say hello", "stream": True},
        headers={"authorization": f"Bearer {KEY}"},
    )
    validator = _event_validator(server, "createResponse")
    events = [orjson.loads(line) for line in _data_lines(raw.text)]
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert all(validator.is_valid(e) for e in events)
    assert events[-1]["type"] == "response.completed"


def test_tool_call_round_trip(server):
    sdk = client(server)
    messages = [{"role": "user", "content": "What is the weather in Oslo?"}]
    first = sdk.chat.completions.create(model="gpt-4o", messages=messages, tools=[WEATHER, TIME])
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    calls = choice.message.tool_calls
    assert [c.function.name for c in calls] == ["get_weather"]
    jsonschema.validate(json.loads(calls[0].function.arguments), WEATHER["function"]["parameters"])
    messages.append(choice.message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": calls[0].id, "content": "12 C, rain"})
    final = sdk.chat.completions.create(model="gpt-4o", messages=messages, tools=[WEATHER])
    assert final.choices[0].finish_reason == "stop"
    assert "12 C, rain" in final.choices[0].message.content


def test_parallel_calls_tool_choice_and_rules(server):
    sdk = client(server)
    both = sdk.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "get_weather and get_time for Rome"}],
        tools=[WEATHER, TIME],
    )
    calls = both.choices[0].message.tool_calls
    assert sorted(c.function.name for c in calls) == ["get_time", "get_weather"]
    forced = sdk.chat.completions.create(
        model="gpt-4o",
        messages=HELLO,
        tools=[WEATHER, TIME],
        tool_choice={"type": "function", "function": {"name": "get_time"}},
    )
    assert [c.function.name for c in forced.choices[0].message.tool_calls] == ["get_time"]
    none = sdk.chat.completions.create(
        model="gpt-4o", messages=HELLO, tools=[WEATHER], tool_choice="none"
    )
    assert none.choices[0].message.tool_calls is None
    ruled = sdk.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "please book a table at Noma"}],
        tools=[BOOK],
    )
    call = ruled.choices[0].message.tool_calls[0]
    assert json.loads(call.function.arguments) == {"restaurant": "Noma", "seats": 2}
    pong = sdk.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "ping"}]
    )
    assert pong.choices[0].message.content == "pong to gpt-4o-mini (1 message)"
    team = sdk.chat.completions.create(
        model="gpt-4o", messages=HELLO, metadata={"team": "payments"}, store=True
    )
    assert team.choices[0].message.content == "payments team"


def test_json_schema_replies_validate(server):
    sdk = client(server)
    chat = sdk.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Describe someone"}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "person", "schema": PERSON, "strict": True},
        },
    )
    jsonschema.validate(json.loads(chat.choices[0].message.content), PERSON)
    response = sdk.responses.create(
        model="gpt-4o",
        input="Describe someone",
        text={"format": {"type": "json_schema", "name": "person", "schema": PERSON}},
    )
    jsonschema.validate(json.loads(response.output_text), PERSON)


def test_rate_limit_after_the_sdk_retries(server):
    sdk = client(server, max_retries=1, default_headers={"X-Specmock-LLM-Fault": "rate_limit"})
    before = len(server.app.journal.find())
    with pytest.raises(openai.RateLimitError) as caught:
        sdk.chat.completions.create(model="gpt-4o", messages=HELLO)
    assert caught.value.code == "rate_limit_exceeded"
    assert caught.value.response.headers["retry-after"] == "1"
    assert caught.value.response.headers["x-ratelimit-remaining-requests"] == "0"
    assert len(server.app.journal.find()) - before == 2  # the first try and one retry


def test_errors_in_openai_envelope(server):
    wrong = openai.OpenAI(base_url=server.url + "/v1", api_key="sk-wrong-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        wrong.models.list()
    assert caught.value.code == "invalid_api_key"
    with pytest.raises(openai.BadRequestError) as caught:
        client(server).chat.completions.create(
            model="gpt-4", messages=[{"role": "user", "content": "word " * 9000}]
        )
    assert caught.value.code == "context_length_exceeded"
    assert caught.value.param == "messages"
    with pytest.raises(openai.BadRequestError) as caught:
        client(server).chat.completions.create(model="gpt-4o", messages="not a list")
    assert "messages" in caught.value.message


def test_named_engine_faults_in_openai_envelope(server):
    for name, raised, code in (
        ("RateLimitExceeded", openai.RateLimitError, "rate_limit_exceeded"),
        ("InsufficientQuota", openai.RateLimitError, "insufficient_quota"),
        ("Overloaded", openai.InternalServerError, "overloaded"),
        ("429", openai.RateLimitError, "rate_limit_exceeded"),
    ):
        sdk = client(server, default_headers={"X-Specmock-Fault": name})
        with pytest.raises(raised) as caught:
            sdk.chat.completions.create(model="gpt-4o", messages=HELLO)
        assert caught.value.code == code
    missing = httpx.get(server.url + "/v1/nowhere", headers={"authorization": f"Bearer {KEY}"})
    assert missing.status_code == 404
    assert missing.json()["error"]["message"].startswith("Invalid URL")


def test_faults_inside_a_stream(server):
    sdk = client(server)
    with pytest.raises(openai.APIError):
        for _ in sdk.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": "break the stream now"}],
            stream=True,
        ):
            pass
    headers = {"authorization": f"Bearer {KEY}"}
    body = {"model": "gpt-4o", "messages": HELLO, "stream": True}
    no_done = httpx.post(
        server.url + "/v1/chat/completions",
        json=body,
        headers={**headers, "x-specmock-llm-fault": "no_done"},
    )
    assert _data_lines(no_done.text)[-1] != "[DONE]"
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(
            server.url + "/v1/chat/completions",
            json=body,
            headers={**headers, "x-specmock-llm-fault": "drop_after=3"},
        )
    bad = httpx.post(
        server.url + "/v1/chat/completions",
        json=body,
        headers={**headers, "x-specmock-llm-fault": "explode"},
    )
    assert bad.status_code == 400 and "explode" in bad.json()["error"]["message"]


def test_embeddings_models_and_completions(server):
    sdk = client(server)
    floats = sdk.embeddings.create(
        model="text-embedding-3-small", input=["alpha", "beta"], encoding_format="float"
    )
    encoded = sdk.embeddings.create(model="text-embedding-3-small", input=["alpha", "beta"])
    assert [d.embedding for d in floats.data] == [d.embedding for d in encoded.data]
    vector = floats.data[0].embedding
    assert len(vector) == 1536
    assert abs(sum(v * v for v in vector) - 1) < 1e-5
    short = sdk.embeddings.create(model="text-embedding-3-large", input="alpha", dimensions=64)
    assert len(short.data[0].embedding) == 64
    assert "gpt-4o" in [m.id for m in sdk.models.list()]
    text = sdk.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi", max_tokens=5)
    assert text.usage.completion_tokens <= 5 and text.choices[0].finish_reason == "length"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _process(*args: str):
    port = _free_port()
    cmd = [sys.executable, "-m", "specmock", "serve", "openai", "--quiet", "--port", str(port)]
    proc = subprocess.Popen([*cmd, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/__specmock/health", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(proc.stderr.read().decode()) from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _replies(url: str) -> list[bytes]:
    """Raw bytes of a chat reply, a stream and embeddings, on a frozen clock."""
    httpx.post(url + "/__specmock/clock", json={"set": 1_800_000_000, "freeze": True})
    headers = {"authorization": "Bearer sk-any"}
    chat = {"model": "gpt-4o", "messages": HELLO, "seed": 3}
    out = []
    for body in (chat, {**chat, "stream": True}):
        out.append(httpx.post(url + "/v1/chat/completions", json=body, headers=headers).content)
    embed = {"model": "text-embedding-3-small", "input": ["alpha", "beta"]}
    out.append(httpx.post(url + "/v1/embeddings", json=embed, headers=headers).content)
    sdk = openai.OpenAI(base_url=url + "/v1", api_key="sk-any", max_retries=0)
    vectors = sdk.embeddings.create(model="text-embedding-3-small", input="alpha")
    out.append(orjson.dumps(vectors.data[0].embedding))
    return out


def test_same_bytes_across_processes_and_restarts():
    with _process("--seed", "11") as url:
        first = _replies(url)
    with _process("--seed", "11") as url:
        again = _replies(url)
    with _process("--seed", "12") as url:
        other = _replies(url)
    assert first == again
    assert first[0] != other[0] and first[2] != other[2]


def _block(text: str, language: str, starts: str) -> str:
    for block in text.split("```" + language + "\n")[1:]:
        code = block.split("```", 1)[0]
        if code.startswith(starts):
            return code
    raise AssertionError(f"docs/openai.md has no {language} block starting {starts!r}")


def test_docs_snippets_run(tmp_path):
    docs = (Path(__file__).parents[1] / "docs" / "openai.md").read_text()
    commands = _block(docs, "sh", "specmock serve openai")
    assert "--option llm_rules=rules.yaml" in commands and "--credential sk-test" in commands
    rules = tmp_path / "rules.yaml"
    rules.write_text(_block(docs, "yaml", "rules:"))
    snippet = _block(docs, "python", "import json")
    with _process(
        "--seed", "7", "--option", f"llm_rules={rules}", "--credential", "sk-test"
    ) as url:
        code = snippet.replace("http://127.0.0.1:8000/v1", url + "/v1")
        exec(compile(code, "docs/openai.md", "exec"), {})
        wrong = openai.OpenAI(base_url=url + "/v1", api_key="sk-other", max_retries=0)
        with pytest.raises(openai.AuthenticationError):
            wrong.models.list()


def test_stream_pacing_and_first_byte_delay_follow_the_virtual_clock():
    import queue
    import threading

    from specmock import VirtualClock

    clock = VirtualClock(start=1_800_000_000, frozen=True)
    options = {"llm_ttft_ms": "1000", "llm_tokens_per_second": "1"}
    with serve("openai", seed=7, quiet=True, clock=clock, options=options) as server:
        lines: queue.Queue = queue.Queue()

        def read() -> None:
            body = {"model": "gpt-4o", "messages": HELLO, "stream": True, "max_tokens": 12}
            headers = {"authorization": "Bearer k", "x-specmock-llm-fault": "first_byte_ms=500"}
            with httpx.stream(
                "POST", server.url + "/v1/chat/completions", json=body, headers=headers
            ) as response:
                lines.put("status")
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        lines.put(line)

        threading.Thread(target=read, daemon=True).start()
        time.sleep(0.3)
        assert lines.empty()  # first_byte_ms: not even the status line yet
        clock.advance(0.5)
        assert lines.get(timeout=5) == "status"
        time.sleep(0.3)
        assert lines.empty()  # llm_ttft_ms: no chunk before 1 s of clock time
        clock.advance(1)
        first = lines.get(timeout=5)
        assert '"role":"assistant"' in first
        time.sleep(0.3)
        assert lines.empty()  # one chunk per clock second after that
        clock.advance(1)
        assert '"content"' in lines.get(timeout=5)
        seen = [""]
        deadline = time.monotonic() + 30
        while seen[-1] != "data: [DONE]" and time.monotonic() < deadline:
            try:
                seen.append(lines.get(timeout=0.2))
            except queue.Empty:
                clock.advance(1)  # each further chunk waits for its own second
        assert seen[-1] == "data: [DONE]"
