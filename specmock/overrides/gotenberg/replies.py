"""Gotenberg's answers: the PDF as an attachment, errors as plain sentences, and the
`Gotenberg-Trace` header on both.

Gotenberg echoes a request's `Gotenberg-Trace` and makes a UUID when there is none; here the
UUID is derived from the request's bytes, so a repeated request gets the same id and a run
replayed with the same inputs gives the same bytes.
"""

from __future__ import annotations

import hashlib
import uuid

from specmock import Context, Reply

TRACE = "gotenberg-trace"
TEXT = "text/plain; charset=UTF-8"


class FormError(Exception):
    """Bad form data: each line names the field or file and what is wrong with it."""

    def __init__(self, problems: list[str], status: int = 400, prefix: bool = True):
        self.problems = problems
        self.status = status
        self.prefix = prefix
        super().__init__("\n".join(problems))

    @property
    def message(self) -> str:
        text = "\n".join(self.problems)
        return f"Invalid form data: {text}" if self.prefix else text


def trace_id(ctx: Context) -> str:
    given = ctx.headers.get(TRACE, "").strip()
    if given:
        return given
    digest = hashlib.sha256(
        f"{ctx.operation.method} {ctx.operation.path}\n".encode() + ctx.raw_body
    ).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def error(ctx: Context, message: str, status: int = 400) -> Reply:
    return Reply(
        raw=message.encode(),
        status=status,
        media_type=TEXT,
        headers={"Gotenberg-Trace": trace_id(ctx)},
    )


def pdf(ctx: Context, content: bytes) -> Reply:
    """The PDF, named by `Gotenberg-Output-Filename` (its last path segment) or the trace id."""
    trace = trace_id(ctx)
    name = _sanitize(ctx.headers.get("gotenberg-output-filename", "")) or trace
    quoted = f"{name}.pdf".replace("\\", "\\\\").replace('"', '\\"')
    return Reply(
        raw=content,
        media_type="application/pdf",
        headers={
            "Gotenberg-Trace": trace,
            "Content-Disposition": f'attachment; filename="{quoted}"',
        },
    )


def _sanitize(name: str) -> str:
    """As Gotenberg does: keep the last path segment, drop control characters."""
    for separator in "/\\":
        name = name.rsplit(separator, 1)[-1]
    return "".join(ch for ch in name if ch >= " " and ch != "\x7f").strip()
