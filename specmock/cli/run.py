"""`specmock run [serve options] -- COMMAND...`: mocks around one command, for CI.

The mocks are a child `specmock serve` on a free port (so a crash in either cannot take
the other down, and every serve option works unchanged). The command starts only once
`/__specmock/health/ready` answers, with the base URLs in its environment, and its exit
status is ours: CI fails exactly when the command fails.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click

from ..generator.errors import SpecError
from ..runtime.factory import load_services
from .problems import fail as _fail

READY = "/__specmock/health/ready"
READY_TIMEOUT = 60.0


class _SplitAtDashes(click.Command):
    """Everything after the first `--` is the command, kept verbatim (click drops `--`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" in args:
            at = args.index("--")
            ctx.meta["specmock.command"] = args[at + 1 :]
            args = args[:at]
        else:
            ctx.meta["specmock.command"] = []
        return super().parse_args(ctx, args)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def env_name(service: str) -> str:
    """`SPECMOCK_<SERVICE>_URL`: upper case, anything but letters and digits as `_`."""
    return "SPECMOCK_" + re.sub(r"[^A-Z0-9]+", "_", service.upper()).strip("_") + "_URL"


def _fill(template: str, values: dict[str, str]) -> str:
    """`{url}`, `{host}`, `{port}` replaced; any other `{name}` left as written."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def service_env(services: list[Any], base: str, host: str, port: int) -> dict[str, str]:
    """The variables a command reads to find the mocks: one base URL for all, one per
    service, and those each spec declares under `x-specmock-provider.env`."""
    env = {"SPECMOCK_URL": base}
    several = len(services) > 1
    for service in services:
        url = base + (f"/{service.name}" if several else "")
        env[env_name(service.name)] = url + (service.base_path or "").rstrip("/")
        provider = service.document.root.get("x-specmock-provider") or {}
        values = {"url": url, "host": host, "port": str(port)}
        for name, template in (provider.get("env") or {}).items():
            env[str(name)] = _fill(str(template), values)
    return env


def _wait_ready(proc: subprocess.Popen, base: str, timeout: float) -> None:
    import httpx  # only `run` needs an HTTP client; `specmock serve` starts without one

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise click.ClickException(f"the mocks stopped before ready (exit {proc.returncode})")
        try:
            if httpx.get(base + READY, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise click.ClickException(f"the mocks were not ready within {timeout:g}s ({base}{READY})")


def _save(base: str, path: str, target: str) -> None:
    import httpx

    answer = httpx.get(base + path, timeout=30.0)
    answer.raise_for_status()
    Path(target).write_text(json.dumps(answer.json(), indent=2) + "\n", encoding="utf-8")
    click.echo(f"specmock: wrote {target}", err=True)


def _terminated(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@click.command(
    cls=_SplitAtDashes,
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": True},
)
@click.argument("serve_args", nargs=-1, type=click.UNPROCESSED)
@click.option("--har", default=None, type=click.Path(dir_okay=False), help="Save the journal.")
@click.option(
    "--drift", default=None, type=click.Path(dir_okay=False), help="Save the drift report."
)
@click.option(
    "--ready-timeout",
    default=READY_TIMEOUT,
    show_default=True,
    type=float,
    help="Seconds to wait for the mocks to be ready.",
)
@click.pass_context
def run(
    ctx: click.Context,
    serve_args: tuple[str, ...],
    har: str | None,
    drift: str | None,
    ready_timeout: float,
) -> None:
    """Serve the mocks, run COMMAND with their URLs in its environment, stop the mocks,
    exit with COMMAND's status: `specmock run SPECS [serve options] -- COMMAND...`."""
    group = ctx.find_root()
    serve = group.command.get_command(group, "serve")  # it parses its own options
    assert serve is not None
    command = ctx.meta["specmock.command"]
    if not command:
        raise click.UsageError("give the command after `--`, e.g. specmock run petstore -- pytest")
    parsed = serve.make_context("serve", list(serve_args), parent=ctx)
    specs, host = list(parsed.params["specs"]), parsed.params["host"]
    port = parsed.params["port"]
    extra: list[str] = []
    if parsed.get_parameter_source("port") == click.core.ParameterSource.DEFAULT:
        port = free_port(host)
        extra = ["--port", str(port)]
    try:
        services = load_services(specs, eager=False)
    except SpecError as exc:
        _fail(exc)
        return
    base = f"http://{host}:{port}"
    proc = subprocess.Popen(  # its banner on stderr: stdout is the command's alone
        [sys.executable, "-m", "specmock", "serve", *serve_args, *extra, "--quiet"],
        stdout=sys.stderr.fileno(),
    )
    # a cancelled CI job sends SIGTERM: stop the mocks too rather than leave them behind
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        _wait_ready(proc, base, ready_timeout)
        env = {**os.environ, **service_env(services, base, host, port)}
        click.echo(f"specmock: mocks on {base}; running {' '.join(command)}", err=True)
        try:
            status = subprocess.run(command, env=env).returncode
        except FileNotFoundError:
            click.echo(f"specmock: no such command: {command[0]}", err=True)
            status = 127
        if har:
            _save(base, "/__specmock/requests/har", har)
        if drift:
            _save(base, "/__specmock/drift", drift)
    finally:
        _stop(proc)
        signal.signal(signal.SIGTERM, previous)
    sys.exit(status)
