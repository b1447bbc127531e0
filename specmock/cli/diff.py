"""`specmock diff OLD NEW`: what a new version of a contract breaks, for CI."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..contract.diff import diff_files
from ..contract.report import FORMATS
from ..generator.errors import SpecError
from .problems import fail as _fail


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option(
    "--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text", show_default=True
)
@click.option(
    "--fail-on",
    type=click.Choice(["breaking", "server-breaking", "any", "never"]),
    default="never",
    show_default=True,
    help="Exit 1 when a change of this kind is found: breaking (for clients), "
    "server-breaking, any change, or never.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the report to this file instead of standard output.",
)
def diff(old: str, new: str, fmt: str, fail_on: str, output: str | None) -> None:
    """Changes from OLD to NEW (files or bundled names), breaking or not, with pointers."""
    try:
        changes = diff_files(old, new)
    except SpecError as exc:
        _fail(exc)
        return
    report = FORMATS[fmt](changes)
    if output:
        Path(output).write_text(report, encoding="utf-8")
    else:
        click.echo(report, nl=False)
    failing = {
        "breaking": any(c.client for c in changes),
        "server-breaking": any(c.server for c in changes),
        "any": bool(changes),
        "never": False,
    }[fail_on]
    if failing:
        sys.exit(1)
