"""docs/ci.md, run for real: every line of its GitHub Actions and GitLab CI examples and
of its shell blocks, in a throwaway project (a git repository holding the contract, tests
that read SPECMOCK_URL, and a team's overrides, fixtures and cassette).

Only `pip install` (the packages are already in this environment) and `git fetch` (the
project has no remote) are not run; the packages they name are imported instead.
"""

from __future__ import annotations

import importlib
import os
import re
import shlex
import shutil
import subprocess

import pytest
import yaml

from .conftest import ROOT

DOC = ROOT / "docs" / "ci.md"
UPGRADE = ROOT / "tests" / "specs" / "upgrade"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)

PROJECT_TEST = """
import os

import httpx


def test_a_pet_is_stored_and_read_back():
    url = os.environ["SPECMOCK_PETSTORE_URL"]
    created = httpx.post(url + "/pets", json={"name": "Rex"})
    assert created.status_code == 201
    assert httpx.get(f"{url}/pets/{created.json()['id']}").status_code == 200
"""


def _blocks(lang: str) -> list[str]:
    return [m.group(2) for m in FENCE.finditer(DOC.read_text()) if m.group(1) == lang]


def _ci_lines() -> list[str]:
    """Each shell line of both pipelines, in order, once."""
    github, gitlab = (yaml.safe_load(text) for text in _blocks("yaml"))
    lines: list[str] = []
    for step in github["jobs"]["test"]["steps"]:
        lines += (step.get("run") or "").splitlines()
    for job in gitlab.values():
        lines += job["script"]
    return list(dict.fromkeys(line.strip() for line in lines if line.strip()))


def _project(tmp_path, new_version: str):
    """A repository whose last commit holds v1 of the contract; the working copy is
    `new_version`."""
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    shutil.copytree(UPGRADE / "team", project / "mocks")
    (project / "tests" / "test_api.py").write_text(PROJECT_TEST)
    shutil.copy(UPGRADE / "petstore_v1.yaml", project / "openapi.yaml")
    git = ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=project, check=True)
    subprocess.run([*git, "add", "-A"], cwd=project, check=True)
    subprocess.run([*git, "commit", "-qm", "v1"], cwd=project, check=True)
    base = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=project, check=True, capture_output=True, text=True
    ).stdout.strip()
    (project / "openapi.yaml").write_text(new_version)
    return project, base


def _env(tmp_path, base: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BASE": base,
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }


def _sh(line: str, cwd, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def _skipped(line: str) -> bool:
    if line.startswith("pip install"):
        for name in shlex.split(line)[2:]:
            importlib.import_module(name)
        return True
    return line.startswith("git fetch")


def test_the_pipelines_pass_on_a_compatible_contract_change(tmp_path):
    v1 = (UPGRADE / "petstore_v1.yaml").read_text()
    compatible = v1.replace(
        "        - name: tag\n          in: query\n",
        "        - name: sort\n          in: query\n          schema: {type: string}\n"
        "        - name: tag\n          in: query\n",
    )
    assert compatible != v1
    project, base = _project(tmp_path, compatible)
    env = _env(tmp_path, base)
    lines = _ci_lines()
    assert any("specmock diff" in x for x in lines) and any("schemathesis run" in x for x in lines)
    for line in lines:
        if _skipped(line):
            continue
        done = _sh(line, project, env)
        assert done.returncode == 0, f"{line}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    summary = (tmp_path / "summary.md").read_text()
    assert "new optional query parameter 'sort'" in summary
    assert "0 breaking for clients" in (project / "contract-diff.md").read_text()
    assert (project / "journal.har").read_text().count('"request"') >= 2


def test_the_diff_step_fails_on_a_breaking_contract_change(tmp_path):
    project, base = _project(tmp_path, (UPGRADE / "petstore_v2.yaml").read_text())
    env = _env(tmp_path, base)
    gate = [x for x in _ci_lines() if "--fail-on breaking" in x]
    assert gate
    for line in [x for x in _ci_lines() if x.startswith("git show")] + gate:
        done = _sh(line, project, env)
    assert done.returncode == 1
    assert "BREAKING [client] DELETE /pets/{petId}: operation removed" in done.stdout
    check = next(x for x in _ci_lines() if x.startswith("specmock check"))
    assert _sh(check, project, env).returncode == 1


def test_the_shell_examples_run(tmp_path):
    project, base = _project(tmp_path, (UPGRADE / "petstore_v1.yaml").read_text())
    env = _env(tmp_path, base)
    sh = [line for block in _blocks("sh") for line in block.splitlines() if line.strip()]
    assert len(sh) == 4
    run_one, run_two, scaffold, scaffold_test = sh
    done = _sh(run_one, project, env)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+\n", done.stdout)
    done = _sh(run_two, project, env)  # tests read SPECMOCK_PETSTORE_URL under /petstore
    assert done.returncode == 0, done.stdout + done.stderr
    assert (project / "drift.json").exists() and (project / "journal.har").exists()
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert _sh(scaffold, fresh, env).returncode == 0
    done = _sh(scaffold_test, fresh, env)
    assert done.returncode == 0, done.stdout
    assert "2 passed" in done.stdout


def test_the_diff_shown_is_what_diff_prints(tmp_path):
    (console,) = _blocks("console")
    command, *shown = console.splitlines()
    shutil.copy(UPGRADE / "petstore_v1.yaml", tmp_path / "petstore-v1.yaml")
    shutil.copy(UPGRADE / "petstore_v2.yaml", tmp_path / "petstore-v2.yaml")
    done = _sh(command.removeprefix("$ "), tmp_path, _env(tmp_path, ""))
    assert done.returncode == 0
    printed = done.stdout.splitlines()
    assert shown and all(line in printed for line in shown)


@pytest.mark.parametrize("name", ["s3", "openai"])
def test_the_vendor_variables_named_are_declared(name):
    from specmock.contract.diff import load_root

    declared = load_root(name)["x-specmock-provider"]["env"]
    text = DOC.read_text()
    assert all(f"`{var}`" in text for var in declared if var.endswith("_URL"))


def test_the_readme_lines_run(tmp_path):
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### In CI and on spec change") :]
    lines = [re.sub(r"\s+#.*$", "", x) for x in FENCE.search(section).group(2).splitlines()]
    project, base = _project(tmp_path, (UPGRADE / "petstore_v2.yaml").read_text())
    env = _env(tmp_path, base)
    _sh('git show "$BASE:openapi.yaml" > old-openapi.yaml', project, env)
    run, gate, check, scaffold = lines
    (project / "openapi.yaml").write_text((UPGRADE / "petstore_v1.yaml").read_text())
    done = _sh(run, project, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _sh(check, project, env).returncode == 0
    (project / "openapi.yaml").write_text((UPGRADE / "petstore_v2.yaml").read_text())
    assert _sh(gate, project, env).returncode == 1  # v1 -> v2 breaks clients
    assert _sh(check, project, env).returncode == 1
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert _sh(scaffold, fresh, env).returncode == 0
    assert (fresh / "mocks" / "test_overrides.py").exists()
