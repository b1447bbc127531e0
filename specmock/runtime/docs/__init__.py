"""Served docs: each contract as JSON and YAML, a Redoc reference per service, an index.

A thin ASGI layer in front of the app. A path a served spec declares itself (its own
`/docs` or `/openapi.json`, written literally) is left to that spec, and so is a `/docs`
a template takes (S3's `/{Bucket}`: a bucket named docs); that reference moves to
`/__specmock/docs/<service>`. Otherwise, for GET and HEAD:

- one spec: `/openapi.json`, `/openapi.yaml`, `/docs`;
- several: `/<service>/openapi.json`, `/<service>/openapi.yaml`, `/<service>/docs`, and an
  index at `/` (and `/docs`) linking each service, its reference and the console.

The contracts are served with `servers` rewritten to where this mock answers, so a
reference's "try it" and a generated client both reach the mock. Redoc ships in the
package (static/, MIT, see SOURCE.md there): nothing is fetched from a CDN.
"""

from __future__ import annotations

import copy
import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import yaml

if TYPE_CHECKING:
    from ...generator.plan import Service
    from ..app import SpecmockApp

STATIC = Path(__file__).with_name("static")
ASSET = "/__specmock/assets/redoc.standalone.js"
REFERENCES = "/__specmock/docs/"
CONSOLE = "/__specmock/ui"
# the reference page reaches nothing but this server (Redoc's footer logo lives on a CDN)
# the last path segments a docs answer can have (below /__specmock apart): any other path
# goes straight to the app, without matching the router twice
LEAVES = frozenset(("openapi.json", "openapi.yaml", "openapi.yml", "docs"))
INDEXES = ("/", "/docs/")
POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-eval' blob:; worker-src 'self' blob:; font-src 'self' data:"
)


class ServedDocs:
    """Wraps a SpecmockApp; everything not a docs path goes to it untouched."""

    def __init__(self, app: SpecmockApp):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            answer = self.answer(scope)
            if answer is not None:
                status, media_type, body = answer
                await _send(send, status, media_type, body, scope["method"] == "HEAD")
                return
        await self.app(scope, receive, send)

    def answer(self, scope: dict) -> tuple[int, str, bytes] | None:
        path = scope["path"]
        if path == ASSET:
            return 200, "text/javascript", (STATIC / "redoc.standalone.js").read_bytes()
        if path.startswith(REFERENCES):  # where a reference goes when the spec owns /docs
            service = next((s for s in self.app.services if REFERENCES + s.name == path), None)
            if service is None:
                return None
            page = reference(service.title, self.app.mount_prefix(service.name))
            return 200, "text/html; charset=utf-8", page.encode()
        if path.startswith("/__specmock"):
            return None
        if path.rpartition("/")[2] not in LEAVES and path not in INDEXES:
            return None
        match = self.app.router.match(path)
        if match is not None and "{" not in match.entry.template:
            return None  # the spec declares this very path
        services = {self.app.mount_prefix(s.name): s for s in self.app.services}
        if len(services) > 1 and path in ("/", "/docs", "/docs/"):
            return 200, "text/html; charset=utf-8", index(self.app).encode()
        head, _, leaf = path.rpartition("/")
        service = services.get(head)
        if service is None:
            return None
        origin = _origin(scope)
        if leaf in ("openapi.json", "openapi.yaml", "openapi.yml"):
            document = served_document(service.document.root, origin + head + service.base_path)
            if leaf == "openapi.json":
                return 200, "application/json", orjson.dumps(document, default=str)
            text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
            return 200, "application/yaml", text.encode()
        if leaf == "docs" and match is None:  # a bucket named docs stays a bucket
            return 200, "text/html; charset=utf-8", reference(service.title, head).encode()
        return None


def reference_path(app: SpecmockApp, service: Service) -> str:
    """Where a service's reference is: `<prefix>/docs`, unless one of its templates (S3's
    `/{Bucket}`) takes that path; then under /__specmock/docs/."""
    path = app.mount_prefix(service.name) + "/docs"
    return path if app.router.match(path) is None else REFERENCES + service.name


def served_document(root: dict[str, Any], url: str) -> dict[str, Any]:
    """The contract as written, but pointing at the mock."""
    document = copy.deepcopy(root)
    document["servers"] = [{"url": url, "description": "specmock"}]
    return document


def reference(title: str, prefix: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{POLICY}">
<title>{html.escape(title)} · API reference</title><style>body {{ margin: 0; }}</style></head>
<body>
<redoc spec-url="{html.escape(prefix)}/openapi.json" hide-download-button="false"></redoc>
<script src="{ASSET}"></script>
</body>
</html>
"""


def index(app: SpecmockApp) -> str:
    rows = []
    for service in app.services:
        prefix = html.escape(app.mount_prefix(service.name))
        rows.append(
            f"<tr><td><a href='{prefix}{html.escape(service.base_path) or '/'}'>"
            f"{html.escape(service.name)}</a></td><td>{html.escape(service.title)}</td>"
            f"<td>{len(service.operations)}</td>"
            f"<td><a href='{html.escape(reference_path(app, service))}'>reference</a> · "
            f"<a href='{prefix}/openapi.json'>openapi.json</a> · "
            f"<a href='{prefix}/openapi.yaml'>openapi.yaml</a></td></tr>"
        )
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>specmock</title>
<style>body {{ font: 15px/1.5 system-ui, sans-serif; margin: 2rem; color: #1d2330; }}
td, th {{ padding: .3rem .8rem; text-align: left; border-bottom: 1px solid #dde1ea; }}</style>
</head>
<body>
<h1>specmock</h1>
<p>{len(app.services)} services · <a href="{CONSOLE}">console</a> (loopback or admin token)</p>
<table><thead><tr><th>service</th><th>title</th><th>operations</th><th>docs</th></tr></thead>
<tbody>
{"".join(rows)}
</tbody></table>
</body>
</html>
"""


def _origin(scope: dict) -> str:
    host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), None)
    if host is None:
        server = scope.get("server") or ("localhost", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}"


async def _send(send: Any, status: int, media_type: str, body: bytes, head: bool) -> None:
    headers = [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})
