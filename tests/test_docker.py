"""The Dockerfile and compose file, read with BuildKit's own parser and checked for what
they promise: a slim base, a non-root user, a health check on readiness, and commands
the real CLI accepts. (No container engine can pull a base image here; see docs/docker.md.)
"""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest
import yaml

from specmock.cli.main import serve

from .conftest import ROOT

dockerfile = pytest.importorskip("dockerfile")


def _instructions() -> list:
    return list(dockerfile.parse_file(str(ROOT / "Dockerfile")))


def _last(cmd: str) -> tuple[str, ...]:
    return [i for i in _instructions() if i.cmd == cmd][-1].value


def test_a_slim_base_and_a_non_root_user_that_runs_the_server():
    steps = _instructions()
    (base,) = [i.value[0] for i in steps if i.cmd == "FROM"]
    assert base.startswith("python:3.11") and base.endswith("-slim")
    order = [i.cmd for i in steps]
    user = _last("USER")[0]
    assert user not in ("root", "0")
    assert order.index("USER") > max(i for i, c in enumerate(order) if c == "RUN")
    run = " ".join(i.value[0] for i in steps if i.cmd == "RUN")
    assert f"useradd --system --uid 10001 --no-create-home {user}" in run


def test_copied_sources_exist_and_the_extras_installed_are_declared():
    for step in _instructions():
        if step.cmd == "COPY":
            for source in step.value[:-1]:
                assert (ROOT / source).exists(), source
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = extras["optional-dependencies"]
    (arg,) = [i.value[0] for i in _instructions() if i.cmd == "ARG"]
    name, default = arg.split("=")
    assert name == "EXTRAS"
    assert all(extra in declared for extra in default.split(","))


def test_the_health_check_asks_readiness_and_works_against_a_served_app():
    steps = [i for i in _instructions() if i.cmd == "HEALTHCHECK"]
    (check,) = steps
    assert check.value[0] == "CMD"
    exe, flag, code = check.value[1:]
    assert (exe, flag) == ("python", "-c")
    assert "/__specmock/health/ready" in code
    from specmock import create_app
    from specmock.testing import serve_asgi

    with serve_asgi(create_app("petstore", quiet=True)) as url:
        port = url.rsplit(":", 1)[1]
        probe = code.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        assert subprocess.run([sys.executable, "-c", probe], timeout=30).returncode == 0
    refused = subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=30)
    assert refused.returncode != 0  # no server: unhealthy


def test_the_image_command_and_the_compose_command_are_accepted_by_the_cli():
    entry, cmd = _last("ENTRYPOINT"), _last("CMD")
    assert entry == ("specmock",)
    env = dict(zip(*[iter(_last("ENV"))] * 2, strict=True))
    assert env["SPECMOCK_HOST"] == "0.0.0.0" and env["SPECMOCK_PORT"] == "8000"
    assert _last("EXPOSE") == ("8000",)
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    service = compose["services"]["specmock"]
    for args in (list(cmd), service["command"], ["serve", "/specs/api.yaml"]):
        assert args[0] == "serve"
        ctx = serve.make_context("serve", args[1:])  # raises on an unknown option
        assert ctx.params["specs"]
    state = service["command"][service["command"].index("--state") + 1]
    assert state.startswith("redis://redis:")
    assert "redis" in service["build"]["args"]["EXTRAS"].split(",")
    assert service["depends_on"]["redis"]["condition"] == "service_healthy"
