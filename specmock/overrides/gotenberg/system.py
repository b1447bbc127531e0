"""Gotenberg's /health (every module up, stamped by the clock) and /version (the version
in the contract's `info.version`), and its plain-text answer to requests specmock refuses."""

from __future__ import annotations

from specmock import Context, Reply, override, rejected

from .replies import error, trace_id

MODULES = ("chromium", "libreoffice")


@override("gotenberg:health")
def health(ctx: Context) -> Reply:
    now = ctx.now()
    details = {name: {"status": "up", "timestamp": now} for name in MODULES}
    return Reply({"status": "up", "details": details}, headers={"Gotenberg-Trace": trace_id(ctx)})


@override("gotenberg:version")
def version(ctx: Context) -> Reply:
    text = str((ctx.spec.get("info") or {}).get("version", ""))
    return Reply(
        raw=text.encode(), media_type="text/plain; charset=UTF-8",
        headers={"Gotenberg-Trace": trace_id(ctx)},
    )  # fmt: skip


@rejected("gotenberg")
def rejected_request(ctx: Context) -> Reply:
    """Gotenberg's shape for a refused request: `Invalid form data: ...`, one line each."""
    lines = [
        f"{v.get('in', 'request')} {v.get('pointer', '')}: {v.get('message', '')}".strip()
        for v in ctx.violations
    ]
    status = ctx.rejection_status or 400
    prefix = "Invalid form data: " if status == 400 else ""
    return error(ctx, prefix + ("\n".join(lines) or "the request was refused"), status)
