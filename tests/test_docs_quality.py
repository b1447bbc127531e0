"""docs/quality.md run as written: the server its first shell block starts, every `curl`
line sent to it, answered with the status its comment names and the shape it describes."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from tests.conftest import client_for

PAGE = Path(__file__).parents[1] / "docs" / "quality.md"


def _block() -> list[str]:
    block = re.findall(r"```sh\n(.*?)```", PAGE.read_text(), re.S)[0]
    return [line for line in block.splitlines() if line.strip()]


def _serve_options(line: str) -> dict:
    tokens = shlex.split(line)
    assert tokens[:3] == ["specmock", "serve", "petstore"]
    options = {"stateful": "--stateless" not in tokens}
    options["quality"] = tokens[tokens.index("--quality") + 1]
    options["seed"] = int(tokens[tokens.index("--seed") + 1])
    return options


def _curl(line: str) -> tuple[str, str, dict[str, str], int]:
    command, _, comment = line.partition("#")
    tokens = shlex.split(command)
    method, headers, path = "GET", {}, ""
    it = iter(tokens[1:])
    for token in it:
        if token.startswith("-X"):
            method = token[2:]
        elif token == "-H":
            name, _, value = next(it).partition(":")
            headers[name.strip()] = value.strip()
        else:
            path = token.removeprefix("localhost:8000")
    return method, path, headers, int(comment.split()[0])


def test_the_documented_session_runs():
    lines = _block()
    client = client_for("petstore", **_serve_options(lines[0]))
    answers = []
    for line in lines[1:]:
        method, path, headers, status = _curl(line)
        response = client.request(method, path, headers=headers)
        assert response.status_code == status, line
        answers.append(response)
    full, basic, refused, cache, purged, analytics = answers
    assert set(full.json()) == {"id", "name", "tag", "status", "created_at"}
    assert set(basic.json()) == {"id", "name"}  # required only
    assert "is not one of basic, realistic, production, exact" in refused.text
    assert cache.json()["tiers"][0]["misses"] == 2
    assert purged.json() == {"purged": 2}
    (record,) = analytics.json()["operations"]
    assert record["calls"] == 3 and record["statuses"] == {"200": 2, "400": 1}


def test_the_documented_recognition_commands_run(caplog):
    """The `specmock explain` lines print what their comments quote, and the
    `--min-confidence` line serves."""
    from click.testing import CliRunner

    from specmock.cli import main

    blocks = re.findall(r"```sh\n(.*?)```", PAGE.read_text(), re.S)
    explain = next(b for b in blocks if "specmock explain" in b)
    for line in explain.strip().splitlines():
        command, _, comment = line.partition("#")
        result = CliRunner().invoke(main, shlex.split(command)[1:])
        assert result.exit_code == 0, result.output
        quoted = re.search(r'"(.*?)(?:\.\.\.)?\)?"', comment)
        if quoted:
            assert quoted.group(1) in result.output, line
        else:
            (service,) = json.loads(result.output)["services"]
            assert {"pattern", "confidence", "features"} <= set(service["operations"][0])
    (serve,) = [b for b in blocks if "--min-confidence" in b]
    tokens = shlex.split(serve)
    threshold = float(tokens[tokens.index("--min-confidence") + 1])
    client = client_for(tokens[2], min_confidence=threshold)
    assert client.get("/pets").status_code == 200
