"""Virtual-host addressing: the first label of the Host header as the first path segment.

A spec whose root declares `x-specmock-virtual-host-domains: [localhost]` is also reachable
as `http://<name>.localhost:PORT/rest`, served as `/<name>/rest` (S3's virtual-hosted
buckets: `my-bucket.localhost/photo.jpg` is `/my-bucket/photo.jpg`). The rewrite happens
before routing, so the spec describes the path-style form only.
"""

from __future__ import annotations

from dataclasses import dataclass

EXTENSION = "x-specmock-virtual-host-domains"


@dataclass(frozen=True)
class VirtualHost:
    prefix: str  # where the service is mounted ("" when it is served alone)
    domain: str


def hostname(host: str) -> str:
    if host.startswith("["):  # an IPv6 literal never carries a name label
        return host
    return host.rsplit(":", 1)[0].lower()


def rewrite(hosts: list[VirtualHost], host: str | None, path: str) -> str:
    """The path-style path for a request to `<label>.<domain>`, else `path` unchanged."""
    if not hosts or not host:
        return path
    name = hostname(host)
    for rule in hosts:
        suffix = "." + rule.domain
        if not name.endswith(suffix) or len(name) == len(suffix):
            continue
        label = name[: -len(suffix)]
        if rule.prefix and not (path == rule.prefix or path.startswith(rule.prefix + "/")):
            continue
        rest = path[len(rule.prefix) :]
        return f"{rule.prefix}/{label}{rest if rest != '/' else ''}"
    return path
