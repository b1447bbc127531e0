"""How every command reports specs that do not load: each problem on its own line."""

from __future__ import annotations

import sys

import click

from ..generator.errors import SpecError


def fail(exc: SpecError) -> None:
    click.echo(f"specmock: {len(exc.problems)} problem(s) in the spec(s):", err=True)
    for problem in exc.problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)
