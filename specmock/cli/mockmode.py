"""What `specmock serve` prints for mock-mode providers: each one's base URL and the
environment variables an application reads to find it, as `export` lines a shell can use."""

from __future__ import annotations

import shlex

from ..runtime.app import SpecmockApp
from ..runtime.providers import Provider, describe


def origin(host: str, port: int) -> str:
    """The URL clients use: a wildcard bind address is reached through loopback."""
    reachable = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    if ":" in reachable and not reachable.startswith("["):
        reachable = f"[{reachable}]"
    return f"http://{reachable}:{port}"


def exports(providers: list[Provider]) -> list[str]:
    """`export NAME=value` lines, quoted for a POSIX shell, each variable once."""
    seen: dict[str, str] = {}
    for provider in providers:
        for name, value in provider.env.items():
            seen.setdefault(name, value)
    return [f"export {name}={shlex.quote(value)}" for name, value in seen.items()]


def provider_table(app: SpecmockApp, host: str, port: int) -> str:
    """The providers table and their environment, or "" when none is served."""
    providers = describe(app, origin(host, port))
    if not providers:
        return ""
    width = max(len(p.name) for p in providers)
    kinds = max(len(p.kind) for p in providers)
    lines = [f"mock mode: {len(providers)} provider(s) on {origin(host, port)}"]
    lines += [f"  {p.name:<{width}}  {p.kind:<{kinds}}  {p.url}" for p in providers]
    lines.append("environment for an application:")
    lines += [f"  {line}" for line in exports(providers)]
    return "\n".join(lines)
