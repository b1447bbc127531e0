"""End to end: examples/mockmode_app.py against `specmock serve mockmode` (the real CLI in a
child process). Every effect of the application is visible through the providers' own APIs
and the journal, and a second run with the same seed gives the same bytes."""

from __future__ import annotations

import importlib.util
import io
from email import message_from_bytes
from typing import Any

import httpx
from pypdf import PdfReader
from twilio.rest import Client

from .served import ROOT, provider_env, s3_client, serving

SEED = "7"
FROZEN = "2030-01-02T03:04:05Z"


def _app() -> Any:
    spec = importlib.util.spec_from_file_location(
        "mockmode_app", ROOT / "examples" / "mockmode_app.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _boundary(raw: bytes) -> str:
    """The mail's MIME boundary: Python's email package draws it at random in the
    application (the client's doing, not specmock's), so a comparison replaces it."""
    boundary = message_from_bytes(raw).get_boundary()
    assert boundary, "the invoice mail is multipart"
    return boundary


def _run_once() -> dict[str, Any]:
    """One run of the application and everything it left behind, as the APIs show it."""
    app = _app()
    # SMTP on a port of the system's choosing: /__specmock/providers names it
    with serving("mockmode", "--seed", SEED, "--smtp-port", "0", "--quiet") as served:
        admin = served.url + "/__specmock"
        httpx.post(admin + "/clock", json={"set": FROZEN, "freeze": True}).raise_for_status()
        env = provider_env(served.url)
        done = app.run("1042", env)
        # storage: the object, read back with boto3
        bucket, key = done["s3_key"].split("/", 1)
        stored = s3_client(env).get_object(Bucket=bucket, Key=key)
        # email: the inbox API (Mailpit's names)
        inbox = env["MAILPIT_URL"] + "/api/v1"
        listed = httpx.get(inbox + "/messages").json()
        mail_id = listed["messages"][0]["ID"]
        message = httpx.get(f"{inbox}/message/{mail_id}").json()
        [attachment] = message["Attachments"]
        attached = httpx.get(f"{inbox}/message/{mail_id}/part/{attachment['PartID']}").content
        raw = httpx.get(f"{inbox}/message/{mail_id}/raw").content
        boundary = _boundary(raw)
        # SMS: the twilio client's own list
        twilio = Client(env["TWILIO_ACCOUNT_SID"], env["TWILIO_AUTH_TOKEN"])
        twilio.api.base_url = env["TWILIO_BASE_URL"]
        texts = [(m.sid, m.to, m.from_, m.body) for m in twilio.messages.list()]
        journal = httpx.get(admin + "/requests").json()
        counters = {p["name"]: p["counters"] for p in httpx.get(admin + "/providers").json()}
    return {
        "done": done,
        "stored": stored["Body"].read(),
        "stored_type": stored["ContentType"],
        "mail": (listed["total"], message["Subject"], message["Text"], attachment["FileName"]),
        "attached": attached,
        "raw_mail": raw.replace(boundary.encode(), b"BOUNDARY"),
        "texts": texts,
        "counters": counters,
        "exchanges": [
            (
                e["method"],
                e["path"],
                e["status"],
                e["operation"],
                e["response_body"].replace(boundary, "BOUNDARY"),
            )
            for e in journal
        ],
    }


def test_the_app_in_mock_mode_leaves_every_effect_visible_and_repeats_byte_for_byte():
    first = _run_once()
    done = first["done"]
    summary = done["summary"]
    assert summary  # the LLM answered
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(first["stored"])).pages]
    assert len(pages) == 2 and pages[1] == "Terms: payable within 30 days."
    assert pages[0].startswith("Invoice 1042\n")
    assert "- Widget x 2: 9.50 EUR\n- Gadget x 1: 23.00 EUR\nTotal: 42.00 EUR" in pages[0]
    assert " ".join(summary.split())[:40] in " ".join(pages[0].split())
    assert first["stored"] == done["pdf"] and first["stored_type"] == "application/pdf"
    total, subject, body, filename = first["mail"]
    assert (total, subject, filename) == (1, "Invoice 1042", "invoice-1042.pdf")
    assert summary in body and first["attached"] == done["pdf"]
    assert first["texts"] == [
        (done["sms_sid"], "+15551230001", "+15557654321", "Invoice 1042 is in your inbox.")
    ]
    operations = {e[3] for e in first["exchanges"]}
    assert {"convertHtml", "CreateBucket", "PutObject", "GetObject"} <= operations
    assert all(e[2] < 400 for e in first["exchanges"]), first["exchanges"]
    openai = [e for e in first["exchanges"] if e[1].startswith("/openai/")]
    assert len(openai) == 1 and summary in openai[0][4]
    assert first["counters"]["gotenberg"] == {"requests": 1, "errors": 0}
    assert first["counters"]["openai"] == {"requests": 1, "errors": 0}
    assert first["counters"]["s3"]["requests"] == 4  # list, create, put, get

    second = _run_once()
    for name in first:
        assert second[name] == first[name], name
