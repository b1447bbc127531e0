"""Docs that cannot drift: every `specmock` command in README.md and docs/ is one the CLI
accepts, every Python snippet compiles, and the README's claims run for real.

A command is checked by click's own parser down to its subcommand (unknown commands or
options, bad choices and missing arguments fail); files the examples name need not exist.
"""

from __future__ import annotations

import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import click
import httpx
import pytest

from specmock.cli import main

from .conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
INLINE = re.compile(r"(?<!`)`(specmock [^`]+)`(?!`)")


def _blocks(lang: set[str]) -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for match in FENCE.finditer(doc.read_text()):
            if match.group(1) in lang:
                found.append(
                    (
                        f"{doc.name}:{doc.read_text()[: match.start()].count(chr(10)) + 1}",
                        match.group(2),
                    )
                )
    return found


def _shell_lines(text: str) -> Iterator[str]:
    for line in text.replace("\\\n", " ").splitlines():
        line = line.strip().removeprefix("$ ")
        if line.startswith("#"):
            continue
        yield line


def _commands() -> list[tuple[str, str, bool]]:
    """(where, command line, named in prose) for every specmock invocation the docs show."""
    found: list[tuple[str, str, bool]] = []
    for where, text in _blocks({"sh", "bash", "console", ""}):
        for line in _shell_lines(text):
            for part in re.split(r"&&|\|\||;|\|", line):
                part = re.sub(r"\s#.*$", "", part).strip()
                if part.startswith("specmock "):
                    found.append((where, part, False))
    for doc in DOCS:
        text = doc.read_text()
        for match in INLINE.finditer(text):
            found.append((doc.name, " ".join(match.group(1).split()), True))
        for match in re.finditer(r"^ {4,}(specmock [^\n]+)$", text, re.M):  # indented blocks
            found.append((doc.name, match.group(1).strip(), False))
    return [(w, c, p) for w, c, p in found if "..." not in c and "<" not in c]


def check_command(line: str, partial: bool = False) -> None:
    """`partial` for a command named in prose (`specmock validate`): its arguments may be
    left out, but every command and option it shows must exist."""
    args = shlex.split(line)[1:]
    command: click.Command = main
    ctx = command.make_context("specmock", list(args), resilient_parsing=False)
    while isinstance(command, click.Group):
        rest = [*ctx._protected_args, *ctx.args]
        if not rest:
            return
        name, sub, rest = command.resolve_command(ctx, rest)
        assert sub is not None, line
        command = sub
        try:
            ctx = command.make_context(name, rest, parent=ctx)
        except click.MissingParameter:
            if not partial:
                raise
            return
        except click.BadParameter as exc:
            if "does not exist" not in str(exc):  # an example's own file, e.g. mesh.yaml
                raise
            return


COMMANDS = _commands()


def test_the_docs_show_many_commands():
    assert len(COMMANDS) > 40
    assert any("admin mode record" in c and "--cassette" in c for _, c, _ in COMMANDS)


@pytest.mark.parametrize(
    ("where", "line", "prose"), COMMANDS, ids=[f"{w} {c}"[:90] for w, c, _ in COMMANDS]
)
def test_every_documented_command_is_accepted_by_the_cli(where: str, line: str, prose: bool):
    check_command(line, prose)


def test_a_wrong_command_would_be_caught():
    for bad in (
        "specmock serve petstore --no-such-flag",
        "specmock admin mode sideways",
        "specmock nonsense",
    ):
        with pytest.raises(click.UsageError):
            check_command(bad)


PYTHON = _blocks({"python", "py"})


@pytest.mark.parametrize(("where", "code"), PYTHON, ids=[w for w, _ in PYTHON])
def test_every_python_snippet_compiles(where: str, code: str):
    compile(code, where, "exec")


def _snippet(heading: str) -> str:
    text = (ROOT / "README.md").read_text()
    section = text[text.index(heading) :]
    return FENCE.search(section).group(2)


def test_the_readme_pytest_snippet_passes(tmp_path):
    code = _snippet("### In-process use and pytest")
    (tmp_path / "test_snippet.py").write_text(code)
    done = subprocess.run(  # from the checkout, where specs/petstore.yaml is
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            str(tmp_path / "test_snippet.py"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "1 passed" in done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _serving(line: str) -> Iterator[str]:
    """Run a documented `specmock serve ... --port 8000` on a free port instead."""
    port = _free_port()
    args = shlex.split(re.sub(r"\s#.*$", "", line))[1:]
    if "--port" in args:
        args[args.index("--port") + 1] = str(port)
    else:  # the documented default, 8000
        args += ["--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "specmock", *args, "--quiet"],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/__specmock/health/ready")
                break
            except httpx.ConnectError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
                time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _curl(line: str, base: str) -> httpx.Response:
    """The documented curl line, sent with httpx (method, URL, -d body, -H headers)."""
    args = shlex.split(re.sub(r"\s#.*$", "", line))[1:]
    method, body, headers, url = "GET", None, {}, ""
    it = iter(args)
    for arg in it:
        if arg.startswith("-X"):
            method = arg[2:] or next(it)
        elif arg in ("-d", "--data"):
            body, method = next(it), "POST" if method == "GET" else method
        elif arg == "-H":
            name, value = next(it).split(":", 1)
            headers[name.strip()] = value.strip()
        elif not arg.startswith("-"):
            url = arg
    path = re.split(r"localhost:\d+", url, maxsplit=1)[1]
    return httpx.request(method, base + path, content=body, headers=headers)


def test_the_readme_quick_start_claims():
    lines = [line for line in _shell_lines(_snippet("## What you get")) if line]
    assert lines[0].startswith("curl localhost:8000/pets/7") and "404" in lines[0]
    with _serving("specmock serve petstore --port 8000 --seed 42") as base:
        assert _curl(lines[0], base).status_code == 404
        invalid = _curl(lines[3], base)
        assert "-XPOST" in lines[3] and invalid.status_code == 400
        pointers = [e["pointer"] for e in invalid.json()["errors"]]
        assert pointers == ["/name", "/tag"]
    assert lines[1].startswith("specmock serve petstore --stateless --seed 42")
    with _serving(lines[1]) as base:
        first, again = _curl(lines[2], base), _curl(lines[2], base)
        assert first.status_code == 200 and first.content == again.content
        other = httpx.get(base + "/pets/8")
        assert other.json() != first.json()


def test_the_console_and_docs_claims():
    with _serving("specmock serve petstore --port 8000") as base:
        assert httpx.get(base + "/__specmock/ui").status_code == 200
        assert httpx.get(base + "/openapi.json").json()["servers"][0]["url"] == base
        assert "redoc" in httpx.get(base + "/docs").text
        with httpx.stream("GET", base + "/__specmock/requests/stream?after=0&window=0.5") as s:
            assert s.headers["content-type"].startswith("text/event-stream")


def _complete(**env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "from specmock.cli import main; main(prog_name='specmock')"],
        env={**env, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout


def test_shell_completion_as_documented():
    text = (ROOT / "docs" / "install.md").read_text()
    for shell in ("bash", "zsh", "fish"):
        assert f"_SPECMOCK_COMPLETE={shell}_source specmock" in text
    assert "complete -o nosort -F" in _complete(_SPECMOCK_COMPLETE="bash_source")
    asked = _complete(_SPECMOCK_COMPLETE="bash_complete", COMP_WORDS="specmock se", COMP_CWORD="1")
    assert "plain,serve" in asked.split(), asked


def _fault_claim() -> str:
    text = " ".join((ROOT / "README.md").read_text().split())
    claim = "`X-Specmock-Fault: 503|SlowDown|reset|...`"
    assert claim in text
    return claim


def test_the_fault_header_claim_reset():
    _fault_claim()
    with _serving("specmock serve petstore --port 8000") as base:
        with pytest.raises(httpx.TransportError):
            httpx.get(base + "/pets", headers={"X-Specmock-Fault": "reset"})
        assert httpx.get(base + "/pets").status_code == 200


def test_the_fault_header_claim_503_on_petstore():
    _fault_claim()
    with _serving("specmock serve petstore --port 8000") as base:
        assert httpx.get(base + "/pets", headers={"X-Specmock-Fault": "503"}).status_code == 503


def test_the_readme_mesh_block_runs():
    lines = [line for line in _shell_lines(_snippet("### Mesh mode")) if line]
    assert lines[0] == "specmock mesh examples/mesh.yaml --port 8080"
    with _serving(lines[0]) as base:
        home = _curl(lines[1], base)
        assert home.status_code == 200
        traces = _curl(lines[2], base).json()
        assert len(traces) == 1  # one trace, every hop: five answer, audit hears of it
        answering = {"gateway", "catalog", "pricing", "inventory", "db"}
        assert set(traces[0]["services"]) == answering | {"audit"}
        chaos = _curl(lines[3], base)
        assert chaos.status_code == 200 and chaos.json()["scenario"] == "db-down"


def test_ci_runs_the_readme_set_up_and_test_commands_as_written():
    """`.ci/run` is the README's two commands in a clean clone; a change to one must reach
    the other (only `-q` may differ)."""
    readme = FENCE.findall((ROOT / "README.md").read_text())
    set_up = re.sub(r"\s+#.*$", "", readme[0][1].splitlines()[0])
    test = re.sub(r"\s+#.*$", "", readme[1][1].splitlines()[0])
    ci = [x for x in (ROOT / ".ci" / "run").read_text().splitlines() if x and x[0] != "#"]
    ci = [re.sub(r" -q\b", "", x) for x in ci]
    assert set_up in ci, (set_up, ci)
    assert ci[-1] == test == "pytest"
