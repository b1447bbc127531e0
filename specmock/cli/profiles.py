"""`--profile development|testing|staging`: one word for the settings a setting usually
wants together (mode, answer quality, cache, logging, contract strictness).

A profile only changes defaults: it fills click's `default_map` before the other options
are read, so an option given on the command line or in its `SPECMOCK_*` variable wins
over the profile, and the profile wins over the built-in default.
"""

from __future__ import annotations

import atexit
import hashlib
import tempfile
from pathlib import Path
from typing import Any

import click

PROFILES: dict[str, dict[str, Any]] = {
    # a person at a terminal: every request logged as text, specs reloaded on change
    "development": {
        "mode": "mock",
        "stateless": False,
        "quality": "realistic",
        "cache_url": None,
        "log_format": "text",
        "quiet": False,
        "strict": False,
        "watch": True,
    },
    # a test suite: the fullest answers (recorded ones where a cassette holds them), a
    # contract break fails loudly as a 500, no per-request lines (the journal keeps them)
    "testing": {
        "mode": "mock",
        "stateless": False,
        "quality": "exact",
        "cache_url": None,
        "log_format": "text",
        "quiet": True,
        "strict": True,
        "watch": False,
    },
    # a shared environment behind a log shipper: JSON lines, answers shared by workers
    "staging": {
        "mode": "mock",
        "stateless": False,
        "quality": "production",
        "cache_url": lambda: staging_cache(),
        "log_format": "json",
        "quiet": False,
        "strict": False,
        "watch": False,
    },
}


def staging_cache() -> str:
    """A shared SQLite answer tier in the temporary directory, one file per set of specs
    (named by their paths, sizes and modification times, and the seed), so the workers of
    one deployment share answers and an edited spec never meets the answers of its
    previous version. The process that chose the file removes it when it exits (its
    `--workers` are its children and end first): answers cached for one run are no
    use to the next, and a temporary directory is no place to leave them growing."""
    params = click.get_current_context().params
    parts = [str(params.get("seed"))]
    for spec in params.get("specs") or ():
        path = Path(spec)
        if path.is_file():
            stat = path.stat()
            parts.append(f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}")
        elif path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file())
            parts += [f"{p.resolve()}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files]
        else:
            parts.append(spec)  # a bundled name: its file ships with this version
    digest = hashlib.blake2b("\n".join(parts).encode(), digest_size=8).hexdigest()
    path = Path(tempfile.gettempdir()) / f"specmock-answers-{digest}.db"
    atexit.register(_remove, path)
    return f"sqlite:///{path}"


def _remove(path: Path) -> None:
    """The answer file and the journal files SQLite keeps beside it."""
    for name in (path.name, *(f"{path.name}{end}" for end in ("-wal", "-shm", "-journal"))):
        path.with_name(name).unlink(missing_ok=True)


def _apply(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.default_map = {**PROFILES[value], **(ctx.default_map or {})}
    return value


profile_option = click.option(
    "--profile",
    type=click.Choice(sorted(PROFILES)),
    default=None,
    is_eager=True,  # read first, so its defaults are in place for every other option
    expose_value=False,
    callback=_apply,
    help="Defaults for a setting (docs/profiles.md): development, testing or staging; "
    "options given explicitly or in SPECMOCK_* variables win.",
)
