"""A small application that runs in mock mode: it finds every provider through the
environment variables `specmock serve mockmode` prints, exactly as it would find the real
services, and uses their ordinary clients.

For an order it asks the LLM for a one-line summary (openai), renders an invoice PDF
(Gotenberg, over httpx), stores it in S3 (boto3), mails it to the customer (smtplib) and
texts them (twilio).

    eval "$(specmock serve mockmode --port 8000 --env)"
    python examples/mockmode_app.py 1042
"""

from __future__ import annotations

import os
import smtplib
import sys
from email.message import EmailMessage
from html import escape
from typing import Any

import boto3
import httpx
import openai
from twilio.rest import Client

BUCKET = "invoices"
CUSTOMER = {"email": "ada@example.com", "phone": "+15551230001"}
SHOP = {"email": "shop@example.com", "phone": "+15557654321"}
LINES = [("Widget", 2, 9.5), ("Gadget", 1, 23.0)]


def invoice_html(order: str, summary: str) -> bytes:
    rows = "".join(f"<li>{name} x {count}: {price:.2f} EUR</li>" for name, count, price in LINES)
    total = sum(count * price for _, count, price in LINES)
    return (
        f"<html><head><title>Invoice {order}</title></head><body>"
        f"<h1>Invoice {order}</h1><p>{escape(summary)}</p><ul>{rows}</ul>"
        f"<p>Total: {total:.2f} EUR</p>"
        '<p style="page-break-before: always">Terms: payable within 30 days.</p>'
        "</body></html>"
    ).encode()


def summarise(order: str, env: dict[str, str]) -> str:
    llm = openai.OpenAI(base_url=env["OPENAI_BASE_URL"], api_key=env["OPENAI_API_KEY"])
    items = ", ".join(f"{count} {name}" for name, count, _ in LINES)
    answer = llm.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": f"Summarise order {order} ({items}) in one line."}],
    )
    return answer.choices[0].message.content or ""


def render(order: str, summary: str, env: dict[str, str]) -> bytes:
    rendered = httpx.post(
        env["GOTENBERG_URL"] + "/forms/chromium/convert/html",
        files={"files": ("index.html", invoice_html(order, summary), "text/html")},
        headers={"Gotenberg-Output-Filename": f"invoice-{order}"},
        timeout=30,
    )
    rendered.raise_for_status()
    return rendered.content


def store(order: str, pdf: bytes, env: dict[str, str]) -> str:
    s3 = boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_DEFAULT_REGION"],
    )
    if BUCKET not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=f"{order}.pdf", Body=pdf, ContentType="application/pdf")
    return f"{BUCKET}/{order}.pdf"


def mail(order: str, summary: str, pdf: bytes, env: dict[str, str]) -> None:
    message = EmailMessage()
    message["From"], message["To"] = SHOP["email"], CUSTOMER["email"]
    message["Subject"] = f"Invoice {order}"
    message.set_content(f"{summary}\n\nYour invoice is attached.")
    message.add_attachment(
        pdf, maintype="application", subtype="pdf", filename=f"invoice-{order}.pdf"
    )
    with smtplib.SMTP(env["SMTP_HOST"], int(env["SMTP_PORT"]), timeout=30) as smtp:
        smtp.send_message(message)


def text(order: str, env: dict[str, str]) -> str:
    twilio = Client(env["TWILIO_ACCOUNT_SID"], env["TWILIO_AUTH_TOKEN"])
    twilio.api.base_url = env["TWILIO_BASE_URL"]
    sms = twilio.messages.create(
        to=CUSTOMER["phone"], from_=SHOP["phone"], body=f"Invoice {order} is in your inbox."
    )
    return sms.sid


def run(order: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Every step of the order, and what each one produced (for a caller or a test)."""
    env = dict(os.environ if env is None else env)
    summary = summarise(order, env)
    pdf = render(order, summary, env)
    key = store(order, pdf, env)
    mail(order, summary, pdf, env)
    sid = text(order, env)
    return {"summary": summary, "pdf": pdf, "s3_key": key, "sms_sid": sid}


if __name__ == "__main__":
    done = run(sys.argv[1] if len(sys.argv) > 1 else "1042")
    print(f"invoice stored at s3://{done['s3_key']}, mailed, and texted ({done['sms_sid']})")
