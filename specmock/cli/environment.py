"""Every `serve` option also read from a `SPECMOCK_*` environment variable, for
containers and CI where flags are awkward: `--log-format` is `SPECMOCK_LOG_FORMAT`,
`--cache` is `SPECMOCK_CACHE`, the SPECS are `SPECMOCK_SPECS`.

The name comes from the option's flag, so it is the one a user reads in `--help` (where
click shows it). An option given once or more (`--credential`) takes several values from
one variable, separated by spaces, or by `:` for file paths. The command line wins over
the variable.
"""

from __future__ import annotations

import click

PREFIX = "SPECMOCK"


def env_name(param: click.Parameter, prefix: str = PREFIX) -> str:
    """`SPECMOCK_` and the longest flag (or the argument's name), upper case, `-` as `_`."""
    if isinstance(param, click.Option):
        flag = max(param.opts, key=len).lstrip("-")
    else:
        flag = param.name or ""
    return f"{prefix}_{flag.upper().replace('-', '_')}"


def bind(command: click.Command, renamed: dict[str, str] | None = None) -> click.Command:
    """Give each of the command's parameters an environment variable (those set by hand
    keep theirs; `renamed` maps a parameter to another name), shown in `--help`."""
    for param in command.params:
        if not param.envvar:
            param.envvar = (renamed or {}).get(param.name or "") or env_name(param)
        if isinstance(param, click.Option):
            param.show_envvar = True
    return command
