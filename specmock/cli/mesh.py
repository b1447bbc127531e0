"""`specmock mesh mesh.yaml`: serve a whole mesh of mocked services on one port."""

from __future__ import annotations

import sys

import click

from ..extras import missing
from ..generator.errors import SpecError
from ..runtime import logs, server
from .problems import fail


@click.command()
@click.argument("mesh_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--seed", default=None, type=int, help="Overrides the mesh file's seed.")
@click.option("--chaos", default=None, help="Start this chaos scenario of the mesh file.")
@click.option(
    "--otlp",
    default=None,
    metavar="URL",
    help="Export spans over OTLP/HTTP, e.g. http://localhost:4318/v1/traces.",
)
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text")
@click.option("--quiet", is_flag=True, help="No line per request.")
def mesh(
    mesh_file: str,
    host: str,
    port: int,
    seed: int | None,
    chaos: str | None,
    otlp: str | None,
    log_format: str,
    quiet: bool,
) -> None:
    """Serve every service of MESH_FILE under /<name>, calling each other as declared.

    Consul-compatible discovery under /v1; the mesh control plane under /__specmock/mesh.
    """
    logs.configure(log_format)
    try:
        from ..mesh import MeshError, load_mesh  # aiohttp: the mesh extra
    except ImportError as exc:
        click.echo(f"specmock: {missing(exc) or exc}", err=True)
        sys.exit(2)
    try:
        running = load_mesh(mesh_file, seed=seed, quiet=quiet)
        if chaos:
            running.chaos.start_named(chaos)
        if otlp:
            from ..mesh.otlp import OtlpExporter

            running.tracer.exporters.append(OtlpExporter(otlp))
    except SpecError as exc:
        fail(exc)
    except (MeshError, RuntimeError, OSError) as exc:
        click.echo(f"specmock: {exc}", err=True)
        sys.exit(2)
    if port:
        address = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        running.bind(f"http://{address}:{port}")
    for name, prefix in running.prefixes.items():
        click.echo(f"specmock: {name} on http://{host}:{port}{prefix}/", err=True)
    click.echo(f"specmock: discovery (Consul API) on http://{host}:{port}/v1", err=True)
    click.echo(f"specmock: console on http://{host}:{port}/__specmock/ui", err=True)
    server.run(running, host, port)
