"""`specmock diff OLD NEW`: what a new version of a contract breaks, for CI."""

from __future__ import annotations

import sys

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
def diff(old: str, new: str, fmt: str, fail_on: str) -> None:
    """Changes from OLD to NEW (files or bundled names), breaking or not, with pointers."""
    try:
        changes = diff_files(old, new)
    except SpecError as exc:
        _fail(exc)
        return
    click.echo(FORMATS[fmt](changes), nl=False)
    failing = {
        "breaking": any(c.client for c in changes),
        "server-breaking": any(c.server for c in changes),
        "any": bool(changes),
        "never": False,
    }[fail_on]
    if failing:
        sys.exit(1)
