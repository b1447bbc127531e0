"""Click commands wiring options to the generator and the runtime."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import sys
import tempfile
from pathlib import Path
from typing import Any

import click
import orjson

from ..extras import missing
from ..generator.errors import SpecError
from ..generator.sources import MOCKMODE
from ..runtime import logs, server
from ..runtime.docs import ServedDocs, reference_path
from ..runtime.factory import load_services
from ..runtime.limits import Limits
from ..runtime.providers import describe
from .admin import admin
from .check import check
from .diff import diff
from .environment import bind as bind_env
from .mesh import mesh
from .mockmode import exports, origin, provider_table
from .problems import fail as _fail
from .profiles import profile_option
from .progress import progress_line
from .report import explain_json, explain_services, lint_sources
from .run import run
from .s3 import s3
from .scaffold import scaffold
from .workers import build as build_app
from .workers import check as check_workers
from .workers import run as run_workers

MOCKMODE_SMTP_PORT = 1025  # Mailpit's and MailHog's SMTP port

WARNINGS_SHOWN = 20

_strict_spec = click.option(
    "--strict-spec",
    is_flag=True,
    help="Refuse specs with defects specmock can serve around (repeated `required` names, "
    "invalid examples, unknown formats, patterns no engine compiles).",
)


def _cache_url(value: str | None) -> str | None:
    if value is None or value == "memory://" or (value.startswith("sqlite:///") and value[10:]):
        return value
    if value.startswith(("redis://", "rediss://", "unix://")):
        return value  # whether a server answers there is checked at start
    raise click.BadParameter(
        f"{value!r} is not memory://, sqlite:///PATH or redis://HOST:PORT/DB", param_hint="--cache"
    )


def _warn(services: list[Any]) -> None:
    """Each spec's servable defects, once at start: `file#/pointer: reason`, with a count.
    A reason found in many places is shown once, with how many more there are."""
    for service in services:
        found = [p for p in service.problems if p.severity != "error"]
        if not found:
            continue
        click.echo(
            f"specmock: {service.name}: {len(found)} warning(s) in {service.document.file}, "
            "served anyway (--strict-spec refuses):",
            err=True,
        )
        groups: dict[str, list[Any]] = {}
        for problem in found:
            groups.setdefault(problem.reason, []).append(problem)
        for reason, same in list(groups.items())[:WARNINGS_SHOWN]:
            first = same[0]
            where = f"{first.file}#{first.pointer}" if first.pointer else first.file
            more = f" (and {len(same) - 1} more like it)" if len(same) > 1 else ""
            click.echo(f"  {where}: {reason}{more}", err=True)
        if len(groups) > WARNINGS_SHOWN:
            rest = sum(len(v) for v in list(groups.values())[WARNINGS_SHOWN:])
            click.echo(f"  ... and {rest} more (specmock validate lists them all)", err=True)


def _paths(flag: str, text: str):
    """An option naming existing files, given once or more."""
    return click.option(flag, flag[2:], multiple=True, type=click.Path(exists=True), help=text)


def _options(given: tuple[str, ...], flag: str = "--option") -> dict[str, str]:
    pairs = {}
    for item in given:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{item!r}: expected NAME=VALUE", param_hint=flag)
        pairs[name.strip()] = value
    return pairs


def _output_file(flag: str, text: str) -> Any:
    """An option naming a file specmock writes (it need not exist yet)."""
    return click.option(flag, default=None, type=click.Path(dir_okay=False), help=text)


def _smtp(
    host: str, port: int | None, tls_port: int | None, cert: str | None, key: str | None
) -> dict[str, str]:
    """The email service's SMTP settings; STARTTLS uses the HTTPS certificate."""
    if port is None:
        return {}
    importlib.import_module("aiosmtpd")  # the email extra: named at once if missing
    settings = {"smtp_port": str(port), "smtp_host": host}
    if not (cert and key) and tls_port:
        from ..runtime.tls import self_signed  # the tls extra, only when a certificate is made

        cert_path, key_path = self_signed(Path(tempfile.gettempdir()) / "specmock-tls")
        cert, key = str(cert_path), str(key_path)
    if cert and key:
        settings |= {"smtp_tls_cert": cert, "smtp_tls_key": key}
    return settings


@click.group()
@click.version_option(package_name="specmock")
def main() -> None:
    """Contract-driven mock services from OpenAPI specs."""


@main.command()
@click.argument("specs", nargs=-1, required=True)
@profile_option
@click.option("--host", default="127.0.0.1", show_default=True, envvar="SPECMOCK_HOST")
@click.option("--port", default=8000, show_default=True, type=int, envvar="SPECMOCK_PORT")
@click.option(
    "--seed",
    default=0,
    show_default=True,
    type=int,
    help="Makes every generated value reproducible.",
)
@click.option(
    "--quality",
    type=click.Choice(["basic", "realistic", "production", "exact"]),
    default="realistic",
    show_default=True,
    envvar="SPECMOCK_QUALITY",
    help="How rich generated answers are; exact replays the --cassette where it can.",
)
@click.option(
    "--cache",
    "cache_url",
    default=None,
    envvar="SPECMOCK_CACHE",
    callback=lambda ctx, param, value: _cache_url(value),
    help="A generated-answer tier shared between processes: sqlite:///PATH or "
    "redis://HOST:PORT/DB.",
)
@click.option(
    "--cache-ttl",
    type=click.FloatRange(min=0, min_open=True),
    default=300.0,
    show_default=True,
    envvar="SPECMOCK_CACHE_TTL",
    help="Seconds an answer lives in the --cache tier.",
)
@click.option(
    "--min-confidence",
    type=click.FloatRange(0, 1),
    default=None,
    envvar="SPECMOCK_MIN_CONFIDENCE",
    help="Serve operations recognized below this confidence (0-1) without state, with a "
    "warning (see `specmock explain`).",
)
@click.option(
    "--strict/--lenient",
    default=False,
    show_default=True,
    help="Strict turns a response that breaks the contract into a 500.",
)
@click.option(
    "--eager/--lazy",
    default=None,
    help="Compile every validator at start (default: only for specs up to 400 operations).",
)
@click.option(
    "--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--quiet", is_flag=True, help="No per-request log line.")
@click.option(
    "--state",
    default="memory://",
    show_default=True,
    help="Where state lives: memory://, sqlite:///path.db or redis://host:port/db.",
)
@click.option(
    "--stateless", is_flag=True, help="Answer every operation with generated data; keep no state."
)
@click.option(
    "--credential",
    "credentials",
    multiple=True,
    metavar="VALUE",
    help="Accept only these API keys, tokens or user:password pairs (repeatable).",
)
@_paths(
    "--overrides", "A Python file (or folder of files) of @override handlers; reloaded on change."
)
@_paths("--data", "YAML/JSON fixtures loaded into the store at start (repeatable).")
@click.option(
    "--watch", is_flag=True, help="Recompile a spec when its file changes, keeping state."
)
@click.option(
    "--admin-token", default=None, help="Token that opens /__specmock to non-loopback clients."
)
@click.option(
    "--tls-port",
    type=int,
    default=None,
    help="Also serve HTTPS on this port (self-signed unless --tls-cert/--tls-key).",
)
@click.option("--tls-cert", type=click.Path(exists=True), default=None)
@click.option("--tls-key", type=click.Path(exists=True), default=None)
@_paths("--faults", "YAML/JSON list of fault rules active from the start (repeatable).")
@_paths("--scenarios", "YAML/JSON scenarios (fault rules, fixtures, clock) to switch between.")
@click.option("--scenario", default=None, help="The scenario active from the start.")
@click.option(
    "--rate-limit",
    "rate_limits",
    multiple=True,
    metavar="[TARGET=]COUNT/SECONDS",
    help="At most COUNT requests per client key in each window, then 429; TARGET is a "
    "service or operationId (the most specific limit applies).",
)
@click.option(
    "--journal-size",
    default=1000,
    show_default=True,
    type=int,
    help="Exchanges the journal keeps (0 turns it off).",
)
@_output_file("--journal-file", "Also append every exchange to this JSONL file.")
@click.option(
    "--mode",
    type=click.Choice(["mock", "proxy", "record", "playback", "hybrid"]),
    default="mock",
    show_default=True,
    help="Generate answers, forward to --upstream (proxy, record) or answer from --cassette.",
)
@click.option(
    "--upstream",
    "upstreams",
    multiple=True,
    metavar="[SERVICE=]URL",
    help="The real service proxy and record modes forward to.",
)
@_output_file("--cassette", "HAR file record mode writes and playback/hybrid modes answer from.")
@_output_file("--drift-report", "JSON file: where upstream traffic broke the contract.")
@click.option(
    "--option",
    "options",
    multiple=True,
    metavar="NAME=VALUE",
    help="A service setting (see docs/<service>.md), e.g. callback_secret=s3cr3t; "
    "the same as the environment variable SPECMOCK_<NAME>.",
)
@click.option(
    "--limit",
    "limit_pairs",
    multiple=True,
    metavar="NAME=VALUE",
    help="Change a limit (docs/limits.md): max_header_bytes, max_headers, header_timeout, "
    "body_timeout, keep_alive_timeout, shutdown_timeout, max_body, max_delay_ms, journal_bytes, "
    "idempotency_ttl.",
)
@click.option(
    "--allow-upstream",
    "allow_upstreams",
    multiple=True,
    metavar="PATTERN",
    help="An upstream URL (fnmatch pattern) the admin API may switch to, besides --upstream.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=int,
    help="Processes answering on the port (state must be sqlite, redis or mysql).",
)
@click.option(
    "--s3-auth",
    type=click.Choice(["on", "off"]),
    default=None,
    help="The bundled s3 service: check request signatures (on, the default) or not.",
)
@click.option(
    "--smtp-port",
    type=int,
    default=None,
    help="The bundled email service: also accept SMTP on this port (STARTTLS with the "
    "--tls-cert/--tls-key certificate, or a self-signed one when --tls-port is given); "
    f"{MOCKMODE} defaults it to {MOCKMODE_SMTP_PORT}.",
)
@click.option(
    "--env",
    "print_env",
    is_flag=True,
    help="Print `export` lines for the providers' environment variables and exit "
    '(eval "$(specmock serve mockmode --port 8000 --env)").',
)
@_strict_spec
def serve(
    specs: tuple[str, ...],
    host: str,
    port: int,
    seed: int,
    strict: bool,
    eager: bool | None,
    log_format: str,
    quiet: bool,
    credentials: tuple[str, ...],
    state: str,
    stateless: bool,
    overrides: tuple[str, ...],
    data: tuple[str, ...],
    watch: bool,
    admin_token: str | None,
    tls_port: int | None,
    tls_cert: str | None,
    faults: tuple[str, ...],
    scenarios: tuple[str, ...],
    scenario: str | None,
    tls_key: str | None,
    rate_limits: tuple[str, ...],
    journal_size: int,
    journal_file: str | None,
    mode: str,
    upstreams: tuple[str, ...],
    cassette: str | None,
    drift_report: str | None,
    options: tuple[str, ...],
    limit_pairs: tuple[str, ...],
    allow_upstreams: tuple[str, ...],
    workers: int,
    s3_auth: str | None,
    smtp_port: int | None,
    print_env: bool,
    strict_spec: bool,
    quality: str,
    min_confidence: float | None,
    cache_url: str | None,
    cache_ttl: float,
) -> None:
    """Serve SPECS (files, folders or bundled names, or SPECMOCK_SPECS) as mock services.

    `mockmode` names every bundled mock-mode provider (storage, SMS, email, PDF, LLM)."""
    logs.configure(log_format)
    if smtp_port is None and MOCKMODE in specs and workers <= 1:
        smtp_port = MOCKMODE_SMTP_PORT
    try:
        limits = Limits.parse(_options(limit_pairs, "--limit"))
        check_workers(None if stateless else state, workers)
        settings: dict[str, Any] = {
            "app": {
                "specs": list(specs),
                "seed": seed,
                "strict": strict,
                "quiet": quiet,
                "eager": eager,
                "credentials": list(credentials),
                "state": state,
                "stateful": not stateless,
                "overrides": list(overrides),
                "data": list(data),
                "admin_token": admin_token,
                "faults": list(faults),
                "rate_limit": ",".join(rate_limits) or None,
                "journal_size": journal_size,
                "journal_file": journal_file,
                "scenarios": list(scenarios),
                "mode": mode,
                "upstreams": list(upstreams),
                "cassette": cassette,
                "drift_report": drift_report,
                "options": {
                    **_options(options),
                    **({"s3_auth": s3_auth} if s3_auth else {}),
                    **_smtp(host, smtp_port, tls_port, tls_cert, tls_key),
                },
                "allow_upstreams": list(allow_upstreams),
                "strict_spec": strict_spec,
                "quality": quality,
                "min_confidence": min_confidence,
                "cache": cache_url,
                "cache_ttl": cache_ttl,
            },
            "limits": dataclasses.asdict(limits),
            "scenario": scenario,
            "watch": watch,
            "log_format": log_format,
        }
        with progress_line(enabled=not quiet) as progress:
            app = build_app(settings, progress)
    except SpecError as exc:
        _fail(exc)
        return
    except (ValueError, OSError) as exc:
        click.echo(f"specmock: {exc}", err=True)
        sys.exit(2)
    except ImportError as exc:
        click.echo(f"specmock: {missing(exc) or exc}", err=True)
        sys.exit(2)
    if print_env:
        click.echo("\n".join(exports(describe(app, origin(host, port)))))
        return
    _warn(app.services)
    for line in banner(app, f"http://{host}:{port}"):
        click.echo(f"specmock: {line}", err=True)
    if tls_port:
        click.echo(f"specmock: https on https://{host}:{tls_port}", err=True)
    if smtp_port is not None:
        click.echo(f"specmock: smtp on {host}:{smtp_port}", err=True)
    if workers > 1:
        if tls_port or smtp_port is not None:
            click.echo("specmock: --tls-port and --smtp-port serve from one process only", err=True)
            sys.exit(2)
        asyncio.run(app.store.close())  # each worker opens its own
        click.echo(f"specmock: {workers} worker processes", err=True)
        providers = provider_table(app, host, port)
        if providers:
            click.echo(providers)
        run_workers(settings, host, port, workers, limits)
        return

    async def announce() -> None:  # at start-up: listeners have their ports by then
        providers = provider_table(app, host, port)
        if providers:
            click.echo(providers)

    app.on_startup(announce)
    try:
        server.run(ServedDocs(app), host, port, tls_port, tls_cert, tls_key, limits)
    except ImportError as exc:  # --tls-port without a certificate makes one: the tls extra
        if missing(exc) is None:
            raise
        click.echo(f"specmock: {missing(exc)}", err=True)
        sys.exit(2)


bind_env(serve, {"print_env": "SPECMOCK_PRINT_ENV"})  # every option from SPECMOCK_*


def banner(app: Any, base: str) -> list[str]:
    """What is served where: each service, its operation count and reference, the console."""
    lines = []
    for service in app.services:
        mount = app.mount_prefix(service.name)
        lines.append(
            f"{service.name} ({len(service.operations)} operations) on "
            f"{base}{mount}{service.base_path or '/'}  docs {base}{reference_path(app, service)}"
        )
    if len(app.services) > 1:
        lines.append(f"index of services and docs on {base}/")
    lines.append(f"console on {base}/__specmock/ui")
    return lines


@main.command()
@click.argument("specs", nargs=-1, required=True)
@click.option(
    "--strict-spec",
    is_flag=True,
    help="Count servable defects as errors and run the OpenAPI meta-schema check.",
)
def validate(specs: tuple[str, ...], strict_spec: bool) -> None:
    """Lint SPECS: every problem with its file and JSON pointer; exit 1 on error."""
    errors, warnings = lint_sources(list(specs), meta=strict_spec, strict=strict_spec)
    for problem in [*errors, *warnings]:
        click.echo(str(problem), err=problem.severity == "error")
    if errors:
        click.echo(f"{len(errors)} error(s), {len(warnings)} warning(s)", err=True)
        sys.exit(1)
    click.echo(f"ok: {len(warnings)} warning(s)")


@main.command()
@click.argument("specs", nargs=-1, required=True)
@_strict_spec
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: each operation's pattern, confidence and deciding features, for tools.",
)
def explain(specs: tuple[str, ...], strict_spec: bool, output_format: str) -> None:
    """Every operation and how specmock will answer it."""
    try:
        services = load_services(list(specs), eager=True, strict_spec=strict_spec)
    except SpecError as exc:
        _fail(exc)
        return
    if output_format == "json":
        click.echo(orjson.dumps(explain_json(services), option=orjson.OPT_INDENT_2).decode())
        return
    click.echo(explain_services(services))


@main.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Where to write (YAML, or JSON for a .json name); standard output if left out.",
)
def convert(source: str, output: str | None) -> None:
    """Convert a Swagger 2.0 SOURCE to OpenAPI 3.0, as `serve` does at load."""
    import json

    import yaml

    from ..generator.loader import read_file
    from ..generator.swagger2 import convert as to_openapi3
    from ..generator.swagger2 import is_swagger2

    try:
        root = read_file(Path(source), source)
    except SpecError as exc:
        _fail(exc)
        return
    if not is_swagger2(root):
        click.echo(f"specmock: {source} is not a Swagger 2.0 document", err=True)
        sys.exit(1)
    converted = to_openapi3(root)
    if output and output.endswith(".json"):
        text = json.dumps(converted, indent=2, ensure_ascii=False) + "\n"
    else:
        text = yaml.safe_dump(converted, sort_keys=False, allow_unicode=True)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"specmock: wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


main.add_command(admin)
main.add_command(mesh)
main.add_command(s3)
main.add_command(run)
main.add_command(diff)
main.add_command(check)
main.add_command(scaffold)
