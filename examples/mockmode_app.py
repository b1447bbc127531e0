"""A small application that runs in mock mode: it finds every provider through the
environment variables `specmock serve mockmode` prints, exactly as it would find the real
services, and uses their ordinary clients.

For an order it renders an invoice PDF (Gotenberg, over httpx) and stores it in S3 (boto3).

    eval "$(specmock serve mockmode --port 8000 --env)"
    python examples/mockmode_app.py 1042
"""

from __future__ import annotations

import os
import sys
from typing import Any

import boto3
import httpx

BUCKET = "invoices"


def invoice_html(order: str, lines: list[tuple[str, int, float]]) -> bytes:
    rows = "".join(f"<li>{name} x {count}: {price:.2f} EUR</li>" for name, count, price in lines)
    total = sum(count * price for _, count, price in lines)
    return (
        f"<html><head><title>Invoice {order}</title></head><body>"
        f"<h1>Invoice {order}</h1><ul>{rows}</ul><p>Total: {total:.2f} EUR</p>"
        f'<p style="page-break-before: always">Terms: payable within 30 days.</p>'
        "</body></html>"
    ).encode()


def run(order: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Render the invoice, store it, and say what was done (for a caller or a test)."""
    env = dict(os.environ if env is None else env)
    lines = [("Widget", 2, 9.5), ("Gadget", 1, 23.0)]
    rendered = httpx.post(
        env["GOTENBERG_URL"] + "/forms/chromium/convert/html",
        files={"files": ("index.html", invoice_html(order, lines), "text/html")},
        headers={"Gotenberg-Output-Filename": f"invoice-{order}"},
        timeout=30,
    )
    rendered.raise_for_status()
    s3 = boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_DEFAULT_REGION"],
    )
    if BUCKET not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(Bucket=BUCKET)
    key = f"{order}.pdf"
    s3.put_object(Bucket=BUCKET, Key=key, Body=rendered.content, ContentType="application/pdf")
    return {"pdf": rendered.content, "s3_key": f"{BUCKET}/{key}"}


if __name__ == "__main__":
    done = run(sys.argv[1] if len(sys.argv) > 1 else "1042")
    print(f"invoice stored at s3://{done['s3_key']} ({len(done['pdf'])} bytes)")
