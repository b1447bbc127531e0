"""`specmock admin ...`: the control plane from a shell, for scripts and CI steps."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
import yaml

from ..runtime.traffic import split_upstream


@click.group()
@click.option(
    "--url", default="http://127.0.0.1:8000", show_default=True, help="Where specmock serves."
)
@click.option("--token", default=None, help="The admin token (needed off loopback).")
@click.pass_context
def admin(ctx: click.Context, url: str, token: str | None) -> None:
    """Drive a running specmock: journal, faults, scenarios, state, clock."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    ctx.obj = httpx.Client(base_url=url.rstrip("/") + "/__specmock", headers=headers, timeout=30)


def _call(ctx: click.Context, method: str, path: str, **kwargs: Any) -> None:
    import httpx

    try:
        response = ctx.obj.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        click.echo(f"specmock admin: {exc}", err=True)
        sys.exit(2)
    if response.content:
        try:
            click.echo(json.dumps(response.json(), indent=2, ensure_ascii=False))
        except ValueError:
            click.echo(response.text)
    if response.status_code >= 400:
        sys.exit(1)


def _filters(**given: Any) -> dict[str, Any]:
    return {k: v for k, v in given.items() if v is not None}


def _load(file: str) -> Any:
    return yaml.safe_load(Path(file).read_text(encoding="utf-8"))


@admin.command()
@click.option("--service")
@click.option("--operation")
@click.option("--method")
@click.option("--path")
@click.option("--status", type=int)
@click.option("--count", "count_only", is_flag=True, help="Print only how many match.")
@click.pass_context
def requests(ctx: click.Context, count_only: bool, **filters: Any) -> None:
    """Journal entries (or their count) matching the filters."""
    route = "/requests/count" if count_only else "/requests"
    _call(ctx, "GET", route, params=_filters(**filters))


@admin.command()
@click.pass_context
def unmatched(ctx: click.Context) -> None:
    """Requests no operation matched, with the nearest operations."""
    _call(ctx, "GET", "/requests/unmatched")


@admin.command()
@click.pass_context
def har(ctx: click.Context) -> None:
    """The journal as HAR."""
    _call(ctx, "GET", "/requests/har")


@admin.command()
@click.argument("what", type=click.Choice(["requests", "faults", "state"]))
@click.pass_context
def clear(ctx: click.Context, what: str) -> None:
    """Empty the journal, drop every fault rule, or forget all state."""
    _call(ctx, "DELETE", f"/{what}")


@admin.command()
@click.argument("file", required=False, type=click.Path(exists=True))
@click.pass_context
def faults(ctx: click.Context, file: str | None) -> None:
    """List fault rules, or add the rules in FILE (YAML or JSON)."""
    if file:
        _call(ctx, "POST", "/faults", json=_load(file))
    else:
        _call(ctx, "GET", "/faults")


@admin.command()
@click.argument("name", required=False)
@click.pass_context
def scenario(ctx: click.Context, name: str | None) -> None:
    """List scenarios, or switch to NAME."""
    if name:
        _call(ctx, "POST", f"/scenarios/{name}")
    else:
        _call(ctx, "GET", "/scenarios")


@admin.command()
@click.argument("file", required=False, type=click.Path(exists=True))
@click.option("--service", default=None)
@click.pass_context
def state(ctx: click.Context, file: str | None, service: str | None) -> None:
    """Export state, or load the fixtures in FILE."""
    if file:
        _call(ctx, "POST", "/state", json=_load(file))
    else:
        _call(ctx, "GET", "/state", params=_filters(service=service))


@admin.command()
@click.option("--advance", type=float, help="Seconds to move the clock.")
@click.option("--set", "when", help="An RFC 3339 time.")
@click.option("--freeze", is_flag=True)
@click.option("--resume", is_flag=True)
@click.pass_context
def clock(
    ctx: click.Context, advance: float | None, when: str | None, freeze: bool, resume: bool
) -> None:
    """Show the clock, or move, set, freeze or resume it."""
    command = _filters(advance=advance, set=when, freeze=freeze or None, resume=resume or None)
    if command:
        _call(ctx, "POST", "/clock", json=command)
    else:
        _call(ctx, "GET", "/clock")


@admin.command()
@click.argument(
    "new_mode",
    required=False,
    type=click.Choice(["mock", "proxy", "record", "playback", "hybrid"]),
)
@click.option("--upstream", "upstreams", multiple=True, metavar="[SERVICE=]URL")
@click.option(
    "--cassette",
    metavar="FILE",
    help="HAR file (on the server's machine) to record into or play back from.",
)
@click.pass_context
def mode(
    ctx: click.Context, new_mode: str | None, upstreams: tuple[str, ...], cassette: str | None
) -> None:
    """Show or switch where answers come from (with --upstream for proxy and record)."""
    if new_mode is None:
        _call(ctx, "GET", "/mode")
        return
    body: dict[str, Any] = {"mode": new_mode}
    if cassette:
        body["cassette"] = str(Path(cassette).resolve())
    if upstreams:
        body["upstreams"] = dict(split_upstream(u) for u in upstreams)
    _call(ctx, "PUT", "/mode", json=body)


@admin.command()
@click.option("--clear", is_flag=True, help="Empty the report instead.")
@click.pass_context
def drift(ctx: click.Context, clear: bool) -> None:
    """Where proxied traffic broke the contract."""
    _call(ctx, "DELETE" if clear else "GET", "/drift")


@admin.command()
@click.pass_context
def cassette(ctx: click.Context) -> None:
    """The recorded exchanges as HAR."""
    _call(ctx, "GET", "/cassette")
