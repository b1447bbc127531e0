"""Mock-mode providers: the services whose contract declares `x-specmock-provider` at its root.

    x-specmock-provider:
      kind: pdf                      # storage | sms | email | pdf | llm
      env:                           # what an application reads to find the service
        GOTENBERG_URL: "{url}"

An env template may name `{url}` (where the service is mounted: the origin and, when several
services share the port, `/<name>`; a contract's own base path such as OpenAI's `/v1` is not
part of it, so a template adds it as the client expects), `{host}`, `{port}`,
and any service setting (`--option smtp_port=2525` fills `{smtp_port}`). A variable whose
template names something unknown is left out rather than printed half-filled. Both
`GET /__specmock/providers` and `specmock serve mockmode` describe providers through here.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..generator.plan import Service

if TYPE_CHECKING:
    from .engine import Engine

EXTENSION = "x-specmock-provider"


@dataclass(frozen=True)
class Provider:
    """One provider as an application sees it."""

    name: str
    kind: str
    url: str
    env: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "url": self.url, "env": self.env}


def declaration(service: Service) -> dict[str, Any] | None:
    """The service's `x-specmock-provider` mapping, or None when it is no provider."""
    found = service.document.root.get(EXTENSION)
    return found if isinstance(found, dict) else None


def base_url(app: Engine, service: Service, origin: str) -> str:
    """Where the service is mounted: the origin and its mount prefix."""
    return origin.rstrip("/") + app.mount_prefix(service.name).rstrip("/")


def fill(template: str, values: dict[str, str]) -> str | None:
    """The template with its placeholders filled, or None when one is unknown."""
    try:
        names = [field for _, field, _, _ in string.Formatter().parse(template) if field]
        if any(name not in values for name in names):
            return None
        return template.format_map(values)
    except (ValueError, IndexError):  # a stray brace: not a template at all
        return template


def describe(app: Engine, origin: str) -> list[Provider]:
    """Every provider the app serves, with URLs and env variables for this origin."""
    parts = urlsplit(origin)
    found = []
    for service in app.services:
        declared = declaration(service)
        if declared is None:
            continue
        url = base_url(app, service, origin)
        values = {
            **{k: str(v) for k, v in app.options.items()},
            "url": url,
            "host": parts.hostname or "127.0.0.1",
            "port": str(parts.port or (443 if parts.scheme == "https" else 80)),
        }
        env = {}
        templates = declared.get("env")
        for name, template in (templates if isinstance(templates, dict) else {}).items():
            value = fill(str(template), values)
            if value is not None:
                env[str(name)] = value
        found.append(Provider(service.name, str(declared.get("kind", "")), url, env))
    return found


def counters(app: Engine) -> dict[str, dict[str, int]]:
    """Requests and errors (answers of 400 and above) per service, from the metrics."""
    totals: dict[str, dict[str, int]] = {}
    for (service, _op, _method, status), n in list(app.metrics.requests.items()):
        entry = totals.setdefault(service, {"requests": 0, "errors": 0})
        entry["requests"] += n
        if status >= 400:
            entry["errors"] += n
    return totals


def status(app: Engine, origin: str) -> list[dict[str, Any]]:
    """What `GET /__specmock/providers` answers: each provider, its mode and counters."""
    counts = counters(app)
    traffic = app.traffic
    answer = []
    for provider in describe(app, origin):
        mode = traffic.mode.value
        upstream = traffic.upstream_for(provider.name) if traffic.mode.forwards else None
        answer.append(
            {
                **provider.as_dict(),
                "mode": mode,
                "upstream": upstream,
                "counters": counts.get(provider.name, {"requests": 0, "errors": 0}),
            }
        )
    return answer
