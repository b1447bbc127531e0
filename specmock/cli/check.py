"""`specmock check SPEC`: what a team wrote against a contract, checked against it offline."""

from __future__ import annotations

import sys

import click

from ..contract.check import check_all
from ..generator.errors import SpecError
from .problems import fail as _fail


def _files(flag: str, text: str):
    return click.option(flag, flag[2:], multiple=True, type=click.Path(exists=True), help=text)


@click.command("check")
@click.argument("specs", nargs=-1, required=True)
@_files("--overrides", "A Python file or folder of @override handlers (repeatable).")
@_files("--data", "YAML/JSON fixtures (repeatable).")
@_files("--scenarios", "YAML/JSON scenarios (repeatable).")
@_files("--faults", "YAML/JSON fault rules (repeatable).")
@click.option(
    "--cassette",
    "cassettes",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A recorded HAR cassette (repeatable).",
)
def check(
    specs: tuple[str, ...],
    overrides: tuple[str, ...],
    data: tuple[str, ...],
    scenarios: tuple[str, ...],
    faults: tuple[str, ...],
    cassettes: tuple[str, ...],
) -> None:
    """Check overrides, fixtures, scenarios, fault rules and cassettes against SPECS;
    exit 1 when anything no longer fits."""
    try:
        problems = check_all(list(specs), overrides, data, scenarios, faults, cassettes)
    except SpecError as exc:
        _fail(exc)
        return
    for problem in problems:
        click.echo(str(problem))
    checked = sum(map(len, (overrides, data, scenarios, faults, cassettes)))
    if problems:
        click.echo(f"{len(problems)} problem(s) in {checked} file(s)", err=True)
        sys.exit(1)
    click.echo(f"ok: {checked} file(s) fit the contract")
