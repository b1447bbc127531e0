"""The failure examples of README.md and docs/*.md, run as written: every `curl` line of a
shell block that injects a failure goes to the service its block serves, and answers the
status its comment names."""

from __future__ import annotations

import re
import shlex
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
import yaml
from starlette.testclient import TestClient

from specmock import create_app
from specmock.runtime import catalogue
from specmock.testing import serve

ROOT = Path(__file__).parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARKS = ("X-Specmock-Fault", "X-Specmock-Scenario", "__specmock/faults", "__specmock/scenarios")


def _blocks() -> list[tuple[str, list[str]]]:
    found = []
    for page in PAGES:
        for n, block in enumerate(re.findall(r"```sh\n(.*?)```", page.read_text(), re.S)):
            lines = block.replace("\\\n", " ").splitlines()
            if any(m in block for m in MARKS) and any("specmock serve" in x for x in lines):
                found.append((f"{page.name}#{n}", lines))
    return found


def _curl(line: str, ports: dict[str, str]) -> tuple[str, str, dict, bytes | None]:
    tokens = shlex.split(re.split(r"\s#\s", line, maxsplit=1)[0])
    method, headers, data, url = "GET", {}, None, ""
    it = iter(tokens[1:])
    for token in it:
        if token in ("-i", "-s"):
            continue
        if token.startswith("-X"):
            method = token[2:] or next(it)
        elif token == "-H":
            name, _, value = next(it).partition(":")
            headers[name.strip()] = value.strip()
        elif token == "-d":
            data = next(it).encode()
            method = "POST" if method == "GET" else method
        elif "localhost:" in token:
            port = re.search(r"localhost:(\d+)", token).group(1)
            url = "http://" + token.replace(f"localhost:{port}", ports[port])
        else:
            raise AssertionError(f"unknown curl flag {token} in {line}")
    if data is not None and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/x-www-form-urlencoded"  # what curl sends
    return method, url, headers, data


BLOCKS = _blocks()


def test_the_failure_examples_are_found():
    names = {name.split("#")[0] for name, _ in BLOCKS}
    assert {
        "README.md",
        "s3.md",
        "veeva_vault.md",
        "sfmc.md",
        "salesforce_cdp.md",
        "order_service.md",
    } <= names


@pytest.mark.parametrize(("name", "lines"), BLOCKS, ids=[b[0] for b in BLOCKS])
def test_failure_example_runs_as_documented(name, lines):
    with ExitStack() as stack:
        ports = {}
        for line in lines:
            found = re.match(r"specmock serve (\S+) --port (\d+)", line)
            if found:
                server = stack.enter_context(serve(found.group(1), seed=1, quiet=True))
                ports[found.group(2)] = server.url.removeprefix("http://")
        curls = [x for x in lines if x.startswith("curl")]
        assert curls
        for line in curls:
            parts = re.split(r"\s#\s", line, maxsplit=1)
            comment = parts[1] if len(parts) == 2 else ""
            method, url, headers, data = _curl(line, ports)
            if "connection reset" in comment:
                with pytest.raises(httpx.TransportError):
                    httpx.request(method, url, headers=headers, content=data, timeout=10)
                continue
            expected = re.match(r"(\d{3})\b", comment)
            assert expected, f"{name}: no expected status in {line!r}"
            reply = httpx.request(method, url, headers=headers, content=data, timeout=10)
            assert reply.status_code == int(expected.group(1)), (line, reply.text)
            for word in re.findall(r"<Code>(\w+)", comment) + re.findall(
                r"\b[A-Z]{2,}_\w+", comment
            ):
                assert word in reply.text, (line, reply.text)


def _snippet(page: str, language: str) -> str:
    text = (ROOT / "docs" / page).read_text()
    return re.search(rf"```{language}\n(.*?)```", text, re.S).group(1)


def test_the_documented_catalogue_plugs_in():
    exec(compile(_snippet("failures.md", "python"), "docs/failures.md", "exec"), {})
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "my service", "version": "1"},
        "x-specmock-name": "myservice",
        "paths": {
            "/things": {
                "get": {
                    "operationId": "listThings",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"type": "array"}}},
                        }
                    },
                }
            }
        },
    }
    try:
        client = TestClient(create_app(spec, seed=1, quiet=True))
        limited = client.get("/things", headers={"X-Specmock-Fault": "rate_limited"})
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
        assert limited.json() == {"code": 20429, "message": "Too Many Requests"}
        assert client.get("/things", headers={"X-Specmock-Fault": "503"}).json()["code"] == 20503
        assert "myservice:overloaded" in client.get("/__specmock/scenarios").json()["scenarios"]
    finally:
        catalogue._REGISTRY.pop("myservice", None)


def test_the_documented_spec_errors_load():
    errors = yaml.safe_load(_snippet("failures.md", "yaml"))["x-specmock-errors"]
    found = catalogue.from_spec("shop", {"x-specmock-errors": errors})
    assert found is not None and found.find("CLOSED").headers == {"Retry-After": "60"}
    assert found.find("CLOSED").fields == {"body": {"reason": "stocktaking"}}
