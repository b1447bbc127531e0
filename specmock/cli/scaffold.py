"""`specmock scaffold SPEC OPERATION...`: an override module and its test, from the contract."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..contract.scaffold import ScaffoldError, find_operations, scaffold_module, scaffold_test
from ..generator.errors import SpecError
from ..runtime.factory import load_services
from .problems import fail as _fail


@click.command("scaffold")
@click.argument("spec")
@click.argument("operations", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    required=True,
    help="The override module to write; its test is written beside it as test_<name>.py.",
)
@click.option("--force", is_flag=True, help="Replace files that exist.")
def scaffold(spec: str, operations: tuple[str, ...], output: str, force: bool) -> None:
    """Write an override module for OPERATIONS (operationId or "METHOD /path") of SPEC."""
    try:
        services = load_services([spec], eager=False)
        service, ops = find_operations(services, list(operations))
    except SpecError as exc:
        _fail(exc)
        return
    except ScaffoldError as exc:
        click.echo(f"specmock: {exc}", err=True)
        sys.exit(2)
    module = Path(output)
    test = module.with_name(f"test_{module.stem}.py")
    for path in (module, test):
        if path.exists() and not force:
            click.echo(f"specmock: {path} exists (--force replaces it)", err=True)
            sys.exit(2)
    prefix = "" if len(services) == 1 else f"/{service.name}"
    module.parent.mkdir(parents=True, exist_ok=True)
    module.write_text(scaffold_module(spec, service, ops), encoding="utf-8")
    test.write_text(scaffold_test(spec, module, service, prefix, ops), encoding="utf-8")
    click.echo(f"specmock: wrote {module} and {test}", err=True)
