"""`--profile` bundles and the `SPECMOCK_*` variable behind every `serve` option, with
the order command line > environment > profile > default."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import click
import click.testing
import httpx
import pytest
from click.core import ParameterSource

from specmock.cli.main import main, serve
from specmock.cli.profiles import PROFILES
from tests.served import ROOT, fenced_blocks, serving

DOCS = ROOT / "docs" / "profiles.md"
SAMPLES = {"cache_url": "sqlite:///answers.db"}  # values the option's own check accepts


def _sample(param: click.Parameter, tmp_path: Path) -> tuple[str, object]:
    """A value for the parameter's variable, unlike its default, and what click makes of it."""
    kind = param.type
    if isinstance(param, click.Option) and param.is_bool_flag:
        return "1", True
    if isinstance(kind, click.Choice):
        value = next(c for c in reversed(kind.choices) if c != param.default)
    elif isinstance(kind, click.Path):
        file = tmp_path / f"{param.name}.yaml"
        file.write_text("[]\n")
        value = str(file)
    elif isinstance(kind, click.types.FloatParamType):
        value = "0.5"
    elif isinstance(kind, click.types.IntParamType):
        value = "7"
    else:
        value = SAMPLES.get(param.name or "", "x=1")
    converted = kind.convert(value, param, None)
    if param.multiple or param.nargs == -1:
        splitter = kind.envvar_list_splitter or " "
        second = f"{value}2" if isinstance(kind, click.Path) else value
        if isinstance(kind, click.Path):
            Path(second).write_text("[]\n")
        return f"{value}{splitter}{second}", (converted, kind.convert(second, param, None))
    return value, converted


def _context(args: list[str]) -> click.Context:
    return serve.make_context("serve", args)


@pytest.mark.parametrize("param", serve.params, ids=lambda p: p.name)
def test_every_serve_option_has_a_working_variable(param, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("SPECMOCK_")]:
        monkeypatch.delenv(name)
    assert param.envvar, f"{param.name} has no SPECMOCK_* variable"
    assert re.fullmatch(r"SPECMOCK_[A-Z0-9_]+", param.envvar)
    text, expected = _sample(param, tmp_path)
    monkeypatch.setenv(param.envvar, text)
    args = [] if param.name == "specs" else ["petstore"]
    ctx = _context(args)
    if param.expose_value:
        assert ctx.params[param.name] == expected
        assert ctx.get_parameter_source(param.name) == ParameterSource.ENVIRONMENT
    else:  # --profile: what it did is seen in the options it fills
        assert ctx.default_map == {**PROFILES[text]}


def test_the_variables_are_distinct_shown_in_help_and_documented():
    names = [p.envvar for p in serve.params]
    assert len(names) == len(set(names))
    shown = re.sub(r"\s+", "", click.testing.CliRunner().invoke(main, ["serve", "--help"]).output)
    documented = DOCS.read_text()
    for param in serve.params:
        if isinstance(param, click.Option):
            assert param.envvar in shown, param.envvar
        assert f"`{param.envvar}`" in documented, f"{param.envvar} missing from {DOCS.name}"


def test_command_line_beats_environment_beats_profile_beats_default(monkeypatch):
    for name in [n for n in os.environ if n.startswith("SPECMOCK_")]:
        monkeypatch.delenv(name)
    plain = _context(["petstore"])
    assert (plain.params["quality"], plain.params["log_format"]) == ("realistic", "text")
    staged = _context(["petstore", "--profile", "staging"])
    assert (staged.params["quality"], staged.params["log_format"]) == ("production", "json")
    assert staged.get_parameter_source("quality") == ParameterSource.DEFAULT_MAP
    monkeypatch.setenv("SPECMOCK_QUALITY", "basic")
    from_env = _context(["petstore", "--profile", "staging"])
    assert from_env.params["quality"] == "basic" and from_env.params["log_format"] == "json"
    given = _context(["petstore", "--profile", "staging", "--quality", "exact"])
    assert given.params["quality"] == "exact"
    monkeypatch.setenv("SPECMOCK_PROFILE", "testing")
    by_env = _context(["petstore"])
    assert (by_env.params["quiet"], by_env.params["strict"]) == (True, True)
    assert by_env.params["quality"] == "basic"  # its own variable still wins


def test_the_profiles_fill_the_documented_table():
    """docs/profiles.md's table says what each profile sets; the parsed options agree."""
    table = DOCS.read_text().split("| setting | development | testing | staging |")[1]
    rows = [line for line in table.split("\n\n")[0].splitlines() if line.startswith("| `--")]
    assert len(rows) == len(PROFILES["development"])
    for profile in PROFILES:
        ctx = _context(["petstore", "--profile", profile])
        column = 1 + list(PROFILES).index(profile)
        for row in rows:
            cells = [c.strip() for c in row.strip("|").split("|")]
            flag = cells[0].strip("`").split()[0]
            param = next(p for p in serve.params if flag in getattr(p, "opts", []))
            cell = cells[column]
            value = ctx.params[param.name]
            if param.is_flag:
                assert cell == ("on" if value else "off"), (profile, flag)
            elif param.name == "cache_url":
                assert (value or "memory only").startswith(cell.split(" ")[0].strip("`")), cell
            else:
                assert cell == f"`{value}`", (profile, flag, cell, value)


def _doc_line(marker: str) -> str:
    (line,) = next(b for b in fenced_blocks(DOCS, "sh") if marker in b).splitlines()
    return line


def test_staging_serves_production_answers_as_json_lines_sharing_an_answer_file(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # where the profile puts the answer file
    line = _doc_line("--profile staging")
    args = line.split()[2:]
    assert args[:2] == ["petstore", "--profile"]
    with serving(*args, "--stateless") as served:
        pet = httpx.get(served.url + "/pets/3").json()
        tiers = httpx.get(served.url + "/__specmock/cache").json()["tiers"]
        shared = list(tmp_path.glob("specmock-answers-*.db"))
        served.proc.send_signal(signal.SIGINT)
        _, err = served.proc.communicate(timeout=15)
    assert set(pet) == {"id", "name", "tag", "status", "created_at"}  # production: all
    assert [t["tier"] for t in tiers] == ["memory", "sqlite"]
    assert len(shared) == 1  # while serving
    assert not list(tmp_path.glob("specmock-answers-*")), "the answer file outlived serve"
    logged = [json.loads(x) for x in err.splitlines() if x.startswith("{")]
    assert any("/pets/3" in json.dumps(entry) for entry in logged)


def test_staging_workers_share_the_answer_file_and_a_stop_removes_it(tmp_path, monkeypatch):
    """Two worker processes answer from the one file; SIGTERM (a container stopping) ends
    the supervisor, which removes the file and SQLite's journal files beside it."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    state = f"sqlite:///{tmp_path / 'state.db'}"
    with serving("petstore", "--profile", "staging", "--workers", "2", "--state", state) as served:
        answers = {httpx.get(served.url + "/pets/3").text for _ in range(6)}
        shared = list(tmp_path.glob("specmock-answers-*.db"))
        served.proc.send_signal(signal.SIGTERM)
        served.proc.communicate(timeout=30)
    assert len(answers) == 1 and len(shared) == 1
    assert not list(tmp_path.glob("specmock-answers-*")), "the answer file outlived serve"


def test_run_passes_the_profile_and_the_environment_to_its_mocks(tmp_path):
    """`specmock run --profile testing`: the command sees the testing profile's answers,
    the variable SPECMOCK_STATELESS turns state off for the child `serve`."""
    probe = (
        "import httpx, os; print(sorted(httpx.get(os.environ['SPECMOCK_URL'] + '/pets/3').json()))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SPECMOCK_STATELESS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "specmock", "run", "petstore", "--profile", "testing", "--",
         sys.executable, "-c", probe],
        capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(["created_at", "id", "name", "status", "tag"])


def test_the_documented_environment_line(monkeypatch):
    line = _doc_line("SPECMOCK_PROFILE=")
    for name in [n for n in os.environ if n.startswith("SPECMOCK_")]:
        monkeypatch.delenv(name)
    tokens = shlex.split(line)
    while "=" in tokens[0]:
        name, _, value = tokens.pop(0).partition("=")
        monkeypatch.setenv(name, value)
    assert tokens[:2] == ["specmock", "serve"]
    ctx = _context(tokens[2:])
    assert ctx.params["quality"] == "basic" and ctx.params["strict"] is True
    assert ctx.params["credentials"] == ("key-1", "key-2")


def test_a_refused_variable_is_named():
    result = click.testing.CliRunner().invoke(
        main, ["serve", "petstore"], env={"SPECMOCK_QUALITY": "shiny"}
    )
    assert result.exit_code == 2
    assert "Invalid value for '--quality' (env var: 'SPECMOCK_QUALITY')" in result.output
    assert "Invalid value for '--quality' (env var:\n'SPECMOCK_QUALITY')" in DOCS.read_text()
