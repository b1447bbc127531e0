"""The email service with real clients: smtplib (plain, AUTH, STARTTLS, SMTPUTF8,
attachments, UTF-8 headers) and the `sendgrid` package, read back through the inbox API."""

from __future__ import annotations

import base64
import concurrent.futures
import os
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import httpx
import pytest
import sendgrid
from sendgrid.helpers.mail import Attachment, Header, Mail

from specmock import VirtualClock
from specmock.overrides.email import codes, links, listener
from specmock.runtime.tls import self_signed
from specmock.testing import serve

START = 1_800_000_000.0


CERT, KEY = (str(p) for p in self_signed(Path(tempfile.gettempdir()) / "specmock-tls"))


@contextmanager
def mail_server(seed: int = 1, tls: bool = False, state: str | None = None, **options: str):
    """The email service with SMTP on a free port (STARTTLS with a self-signed certificate)."""
    if tls:
        options |= {"smtp_tls_cert": CERT, "smtp_tls_key": KEY}
    clock = VirtualClock(START)
    with serve(
        "email",
        seed=seed,
        quiet=True,
        clock=clock,
        state=state,
        options={"smtp_port": "0", **options},
    ) as server:
        port = int(server.app.options["smtp_port"])
        running = listener(server.app)
        assert running is not None and running.port == port
        yield server, port
    assert listener(server.app) is None  # stopped with the app


@pytest.fixture
def mail():
    with mail_server() as found:
        yield found


def message(subject: str = "Hello", to: str = "ann@example.com", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Shop <shop@example.com>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = "<fixed-1@example.com>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Your code is 482913.\nVerify: https://app.example.com/verify?t=abc\n")
    msg.add_alternative(
        '<p>Your code is <b>482913</b>. <a href="https://app.example.com/verify?t=abc">'
        "Verify</a></p>",
        subtype="html",
    )
    msg.set_boundary("fixed-boundary")  # the client's own choice; random otherwise
    return msg


def inbox(server, path: str = "/api/v1/messages", run: str | None = None, **params):
    headers = {"X-Specmock-Run": run} if run else {}
    response = httpx.get(server.url + path, params=params, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_plain_smtp_message_lands_in_the_inbox(mail):
    server, port = mail
    msg = message()
    msg["List-Unsubscribe"] = "<mailto:out@example.com>, <https://example.com/out?u=1>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.send_message(msg)
    listing = inbox(server)
    assert listing["total"] == 1 and listing["messages_count"] == 1
    summary = listing["messages"][0]
    assert summary["Subject"] == "Hello"
    assert summary["From"] == {"Name": "Shop", "Address": "shop@example.com"}
    assert summary["To"] == [{"Name": "", "Address": "ann@example.com"}]
    assert summary["Snippet"].startswith("Your code is 482913.")
    full = inbox(server, f"/api/v1/message/{summary['ID']}")
    assert full["MessageID"] == "fixed-1@example.com"
    assert "482913" in full["Text"] and "<b>482913</b>" in full["HTML"]
    assert full["Envelope"] == {"From": "shop@example.com", "To": ["ann@example.com"]}
    assert full["ListUnsubscribe"] == {
        "Header": "<mailto:out@example.com>, <https://example.com/out?u=1>",
        "Links": ["mailto:out@example.com", "https://example.com/out?u=1"],
        "Errors": "",
        "HeaderPost": "List-Unsubscribe=One-Click",
    }
    assert full["Source"] == "smtp"
    raw = httpx.get(f"{server.url}/api/v1/message/{summary['ID']}/raw").content
    assert b"Subject: Hello" in raw and b"Message-ID: <fixed-1@example.com>" in raw
    extracted = inbox(server, f"/api/v1/message/{summary['ID']}/extract")
    assert extracted == {"Links": ["https://app.example.com/verify?t=abc"], "Codes": ["482913"]}
    assert codes(full) == ["482913"] and links(full) == ["https://app.example.com/verify?t=abc"]
    six = inbox(server, f"/api/v1/message/{summary['ID']}/extract", digits="7-8")
    assert six["Codes"] == []  # the code has six digits
    reversed_range = httpx.get(
        f"{server.url}/api/v1/message/{summary['ID']}/extract", params={"digits": "8-4"}
    )
    assert reversed_range.status_code == 400 and "digits" in reversed_range.json()["Error"]
    metrics = httpx.get(server.url + "/__specmock/metrics").text
    assert 'service="email",operation="SMTP DATA",method="SMTP",status="250"} 1' in metrics


def test_auth_starttls_smtputf8_attachments_and_utf8_headers():
    with mail_server(tls=True) as (server, port):
        msg = message(subject="Grüße 🎉 from Zürich", to="Zoë <zoë@exämple.com>")
        msg.add_attachment(
            b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="invoice.pdf"
        )
        context = ssl.create_default_context(cafile=CERT)
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.ehlo()
            assert smtp.has_extn("starttls") and smtp.has_extn("smtputf8")
            assert smtp.has_extn("8bitmime")
            smtp.starttls(context=context)
            smtp.ehlo()
            smtp.login("any-user", "any-password")
            smtp.send_message(msg, mail_options=["SMTPUTF8"])
        full = inbox(server, "/api/v1/message/latest")
        assert full["Subject"] == "Grüße 🎉 from Zürich"
        assert full["To"] == [{"Name": "Zoë", "Address": "zoë@exämple.com"}]
        assert full["Username"] == "any-user"
        assert full["Envelope"]["To"] == ["zoë@exämple.com"]
        [attachment] = full["Attachments"]
        assert attachment["FileName"] == "invoice.pdf"
        assert attachment["ContentType"] == "application/pdf"
        part = httpx.get(f"{server.url}/api/v1/message/{full['ID']}/part/{attachment['PartID']}")
        assert part.content == b"%PDF-1.4 fake"
        assert part.headers["content-type"].startswith("application/pdf")
        found = inbox(server, "/api/v1/search", query="has:attachment subject:grüße")
        assert [m["ID"] for m in found["messages"]] == [full["ID"]]
        # without SMTPUTF8 the client sends RFC 2047 encoded words; they read back decoded
        encoded = message(subject="Grüße aus Zürich", to="Zoë <zoe@example.com>")
        encoded.add_attachment(b"x", maintype="text", subtype="plain", filename="Rechnung-ü.txt")
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.send_message(encoded)
        full = inbox(server, "/api/v1/message/latest")
        assert b"=?utf-8?" in httpx.get(f"{server.url}/api/v1/message/{full['ID']}/raw").content
        assert full["Subject"] == "Grüße aus Zürich" and full["To"][0]["Name"] == "Zoë"
        [attachment] = full["Attachments"]
        assert attachment["FileName"] == "Rechnung-ü.txt"
        part = httpx.get(f"{server.url}/api/v1/message/{full['ID']}/part/{attachment['PartID']}")
        assert part.headers["content-disposition"] == (
            "attachment; filename*=UTF-8''Rechnung-%C3%BC.txt"
        )


def test_sendgrid_client_by_host(mail):
    server, _ = mail
    client = sendgrid.SendGridAPIClient(api_key="SG.test-key", host=server.url)
    mail_body = Mail(
        from_email="shop@example.com",
        to_emails="bob@example.com",
        subject="Receipt 1042",
        plain_text_content="Thanks! Code 7731.",
        html_content="<p>Thanks! Code <b>7731</b>.</p>",
    )
    mail_body.attachment = Attachment(
        file_content=base64.b64encode(b"a,b\n1,2\n").decode(),
        file_name="receipt.csv",
        file_type="text/csv",
        disposition="attachment",
    )
    mail_body.header = Header("X-Specmock-Run", "sendgrid-run")
    response = client.send(mail_body)
    assert response.status_code == 202
    ident = response.headers["X-Message-Id"]
    assert inbox(server, run="sendgrid-run")["total"] == 1
    assert inbox(server, run="another-run")["total"] == 0
    full = inbox(server, f"/api/v1/message/{ident}")
    assert full["Subject"] == "Receipt 1042" and full["Source"] == "sendgrid"
    assert full["From"]["Address"] == "shop@example.com"
    assert full["Text"].strip() == "Thanks! Code 7731."
    assert codes(full) == ["1042", "7731"]  # the subject first, then the text
    [attachment] = full["Attachments"]
    part = httpx.get(f"{server.url}/api/v1/message/{ident}/part/{attachment['PartID']}")
    assert part.content == b"a,b\n1,2\n"


def test_sendgrid_errors_name_the_field(mail):
    server, _ = mail
    auth = {"Authorization": "Bearer SG.k"}
    body = {
        "personalizations": [{"to": [{"email": "a@example.com"}]}],
        "from": {"email": "s@example.com"},
        "content": [{"type": "text/plain", "value": "x"}],
    }
    response = httpx.post(server.url + "/v3/mail/send", json=body, headers=auth)
    assert response.status_code == 400
    [entry] = response.json()["errors"]
    assert entry["field"] == "subject" and "subject is required" in entry["message"]
    del body["from"]
    response = httpx.post(server.url + "/v3/mail/send", json=body, headers=auth)
    assert response.status_code == 400
    assert any("from" in e["message"] for e in response.json()["errors"])
    response = httpx.post(server.url + "/v3/mail/send", json=body)
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"].startswith("The provided authorization")
    client = sendgrid.SendGridAPIClient(api_key="SG.k", host=server.url)
    with pytest.raises(Exception) as raised:  # python_http_client.BadRequestsError
        client.send(Mail("s@example.com", "a@example.com", "s", "x").get() | {"content": []})
    assert getattr(raised.value, "status_code", None) == 400
    assert inbox(server)["total"] == 0
    body |= {"from": {"email": "s@example.com"}, "subject": "by header"}
    run = {**auth, "X-Specmock-Run": "header-run"}
    assert httpx.post(server.url + "/v3/mail/send", json=body, headers=run).status_code == 202
    assert [m["Subject"] for m in inbox(server, run="header-run")["messages"]] == ["by header"]


def test_wait_returns_a_message_sent_after_it_began(mail):
    server, port = mail

    def send_later() -> None:
        time.sleep(0.3)
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.send_message(message(subject="Welcome late", to="late@example.com"))

    started = time.monotonic()
    thread = threading.Thread(target=send_later)
    thread.start()
    found = inbox(server, "/api/v1/wait", query="to:late@example.com", timeout=20)
    thread.join()
    assert found["Subject"] == "Welcome late"
    assert time.monotonic() - started < 15  # it returned on arrival, not at the timeout
    missing = httpx.get(server.url + "/api/v1/wait", params={"query": "to:nobody", "timeout": 0.2})
    assert missing.status_code == 408 and "nobody" in missing.json()["Error"]


def test_two_concurrent_tests_keep_their_mailboxes_apart(mail):
    server, port = mail

    def one_test(run: str, by_header: bool) -> list[str]:
        to = "user@example.com" if by_header else f"user+{run}@example.com"
        extra = {"X_Specmock_Run": run} if by_header else {}
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for n in range(5):
                msg = message(subject=f"{run} #{n}", to=to, **extra)
                del msg["Message-ID"]
                msg["Message-ID"] = make_msgid()
                smtp.send_message(msg)
        waited = inbox(server, "/api/v1/wait", run=run, query=f'subject:"{run} #4"', timeout=10)
        assert waited["Subject"] == f"{run} #4"
        return [m["Subject"] for m in inbox(server, run=run)["messages"]]

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(one_test, "alpha", True)
        second = pool.submit(one_test, "beta", False)
        alpha, beta = first.result(), second.result()
    assert sorted(alpha) == [f"alpha #{n}" for n in range(5)]
    assert sorted(beta) == [f"beta #{n}" for n in range(5)]
    assert inbox(server)["total"] == 10
    httpx.request("DELETE", server.url + "/api/v1/messages", headers={"X-Specmock-Run": "alpha"})
    assert inbox(server)["total"] == 5 and inbox(server, run="beta")["total"] == 5


@pytest.mark.parametrize("code", [421, 451, 452, 552])
def test_smtp_fault_rule_makes_smtplib_raise_with_its_code(mail, code):
    server, port = mail
    command = {421: "MAIL", 451: "DATA", 452: "RCPT", 552: "DATA"}[code]
    rule = {
        "id": f"smtp-{code}",
        "service": "email",
        "method": "SMTP",
        "operation": command,
        "status": code,
        "first": 1,
    }
    assert httpx.post(server.url + "/__specmock/faults", json=rule).status_code == 201
    with pytest.raises(smtplib.SMTPException) as raised, smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.send_message(message())
    error = raised.value
    reply = (
        error.recipients[next(iter(error.recipients))][0]
        if hasattr(error, "recipients")
        else error.smtp_code
    )
    assert reply == code
    assert inbox(server)["total"] == 0
    metrics = httpx.get(server.url + "/__specmock/metrics").text
    assert f'operation="SMTP {command}",method="SMTP",status="{code}"}} 1' in metrics
    with smtplib.SMTP("127.0.0.1", port) as smtp:  # `first: 1`: the next message goes through
        smtp.send_message(message())
    assert inbox(server)["total"] == 1


def test_smtp_fault_drops_the_connection(mail):
    server, port = mail
    rule = {"service": "email", "method": "SMTP", "operation": "DATA", "fault": "reset"}
    assert httpx.post(server.url + "/__specmock/faults", json=rule).status_code == 201
    with pytest.raises(smtplib.SMTPServerDisconnected), smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.send_message(message())
    assert inbox(server)["total"] == 0


def test_same_seed_same_ids_and_bytes():
    def run_once() -> tuple[list[str], list[bytes]]:
        with mail_server(seed=7) as (server, port):
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                smtp.send_message(message(subject="one"))
                smtp.send_message(message(subject="two"))
            client = sendgrid.SendGridAPIClient(api_key="SG.k", host=server.url)
            client.send(Mail("s@example.com", "c@example.com", "three", "body 1234"))
            ids = [m["ID"] for m in inbox(server)["messages"]]
            sources = [httpx.get(f"{server.url}/api/v1/message/{i}/raw").content for i in ids]
            listing = httpx.get(server.url + "/api/v1/messages").content
            return ids, [*sources, listing]

    first, second = run_once(), run_once()
    assert first == second
    assert len(set(first[0])) == 3
    with mail_server(seed=8) as (server, port):
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.send_message(message(subject="one"))
        assert inbox(server)["messages"][0]["ID"] not in first[0]


def test_retention_keeps_the_newest(mail):
    with mail_server(email_retention="3") as (server, port):
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for n in range(5):
                smtp.send_message(message(subject=f"m{n}"))
        subjects = [m["Subject"] for m in inbox(server)["messages"]]
        assert subjects == ["m4", "m3", "m2"]


def test_paging_search_and_bad_queries(mail):
    server, port = mail
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for n in range(7):
            smtp.send_message(message(subject=f"page {n}", to=f"p{n % 2}@example.com"))
    page = inbox(server, limit=3, start=3)
    assert page["total"] == 7 and page["count"] == 3 and page["start"] == 3
    assert [m["Subject"] for m in page["messages"]] == ["page 3", "page 2", "page 1"]
    found = inbox(server, "/api/v1/search", query='to:p1@example.com -subject:"page 5"')
    assert [m["Subject"] for m in found["messages"]] == ["page 3", "page 1"]
    assert found["messages_count"] == 2 and found["total"] == 7
    bad = httpx.get(server.url + "/api/v1/search", params={"query": 'subject:"open'})
    assert bad.status_code == 400 and "query" in bad.json()["Error"]
    bad = httpx.get(server.url + "/api/v1/messages", params={"limit": 0})
    assert bad.status_code == 400 and "limit" in bad.json()["Error"]
    assert httpx.get(server.url + "/api/v1/message/nope").status_code == 404
    deleted = httpx.request("DELETE", server.url + "/api/v1/search", params={"query": "to:p0"})
    assert deleted.text == "ok" and inbox(server)["total"] == 3


def test_sfmc_transactional_sends_land_in_the_inbox_once_sent():
    from .test_sfmc import token

    with serve(["sfmc", "email"], seed=1, quiet=True, clock=VirtualClock(START)) as server:
        sfmc = f"{server.url}/sfmc"
        auth = {"Authorization": "Bearer " + token(sfmc).json()["access_token"]}
        definition = {
            "definitionKey": "otp",
            "name": "One-time code",
            "subject": "Your sign-in code",
            "content": {"customerKey": "otp-email"},
            "options": {"bcc": ["audit@example.com"]},
        }
        made = httpx.post(f"{sfmc}/messaging/v1/email/definitions", json=definition, headers=auth)
        assert made.status_code == 201, made.text
        for key, to in (("m-1", "ann+sfmc-run@example.com"), ("m-2", "bounce@example.com")):
            send = {
                "definitionKey": "otp",
                "recipient": {"contactKey": key, "to": to, "attributes": {"code": "551234"}},
            }
            sent = httpx.post(f"{sfmc}/messaging/v1/email/messages/{key}", json=send, headers=auth)
            assert sent.status_code == 202, sent.text
        inbox_url = f"{server.url}/email/api/v1"
        assert httpx.get(f"{inbox_url}/messages").json()["total"] == 0  # still Queued
        httpx.post(f"{server.url}/__specmock/clock", json={"advance": 6})
        found = httpx.get(
            f"{inbox_url}/wait", params={"timeout": 5}, headers={"X-Specmock-Run": "sfmc-run"}
        ).json()
        assert found["Subject"] == "Your sign-in code" and found["Source"] == "sfmc"
        assert found["Envelope"]["To"] == ["ann+sfmc-run@example.com", "audit@example.com"]
        assert codes(found) == ["551234"]
        listing = httpx.get(f"{inbox_url}/messages").json()
        assert listing["total"] == 1  # the bounce never arrives, and nothing twice


def test_messages_live_in_the_state_store(tmp_path):
    state = f"sqlite:///{tmp_path / 'mail.db'}"
    with mail_server(state=state) as (server, port):
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.send_message(message(subject="kept"))
        first = inbox(server)["messages"][0]["ID"]
    with mail_server(state=state) as (server, port):  # a restart keeps them, ids go on
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.send_message(message(subject="after"))
        listing = inbox(server)
        assert [m["Subject"] for m in listing["messages"]] == ["after", "kept"]
        assert listing["messages"][1]["ID"] == first != listing["messages"][0]["ID"]
        raw = httpx.get(f"{server.url}/api/v1/message/{first}/raw").content
        assert b"Subject: kept" in raw


def test_bad_input_is_refused_or_kept_never_a_crash(mail):
    server, port = mail
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        # not a MIME message at all, bytes that are not UTF-8, a header without a value
        smtp.sendmail("a@example.com", ["b@example.com"], b"\xff\xfe garbage\r\nX:\r\n\r\n\x00\x81")
        code, _ = smtp.mail("a@example.com", ["SIZE=999999999999"])
        assert code == 552  # over the advertised SIZE
        smtp.rset()
        code, _ = smtp.rcpt("not an address")
        assert code in (501, 503, 553)
    listing = inbox(server)
    assert listing["total"] == 1
    full = inbox(server, f"/api/v1/message/{listing['messages'][0]['ID']}")
    assert full["Envelope"]["From"] == "a@example.com"
    raw = httpx.get(f"{server.url}/api/v1/message/{full['ID']}/raw").content
    assert raw.startswith(b"\xff\xfe garbage")
    too_long = httpx.get(server.url + "/api/v1/wait", params={"timeout": 301})
    assert too_long.status_code == 400 and "timeout" in too_long.json()["Error"]
    bad_part = httpx.get(f"{server.url}/api/v1/message/{full['ID']}/part/9")
    assert bad_part.status_code == 404 and "part" in bad_part.json()["Error"]


def test_a_busy_smtp_port_is_a_clear_error():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        command = [sys.executable, "-m", "specmock", "serve", "email", "--port", "0",
                   "--smtp-port", str(port), "--quiet"]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert f"smtp_port (--smtp-port): cannot listen on 127.0.0.1:{port}" in done.stderr


def test_codes_and_links_skip_what_is_not_a_code():
    text = "Call 555-1234 or open https://x.example/verify/123456?n=4321, then type 998877."
    assert codes(text) == ["998877"]
    assert links(text) == ["https://x.example/verify/123456?n=4321"]
    html = '<a href="https://x.example/a?b=1&amp;c=2">go</a> <p>PIN: <b>2468</b></p>'
    message = {"Subject": "Sign-in 1357", "Text": "", "HTML": html}
    assert codes(message) == ["1357", "2468"]
    assert links(message) == ["https://x.example/a?b=1&c=2"]
    with pytest.raises(ValueError):
        codes(text, 5, 2)


def test_connect_rules_refuse_the_greeting_or_drop(mail):
    server, port = mail
    rules = [
        {"id": "busy", "service": "email", "method": "SMTP", "operation": "CONNECT",
         "status": 421, "first": 1},
        {"id": "gone", "service": "email", "method": "SMTP", "operation": "CONNECT",
         "fault": "reset", "every": 2},
    ]  # fmt: skip
    assert httpx.put(server.url + "/__specmock/faults", json=rules).status_code == 200
    with pytest.raises(smtplib.SMTPConnectError) as refused:
        smtplib.SMTP("127.0.0.1", port, timeout=10)
    assert refused.value.smtp_code == 421
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:  # `first: 1` has passed
        smtp.send_message(message())
    with pytest.raises(smtplib.SMTPServerDisconnected):  # "gone" matches a 2nd time: dropped
        smtplib.SMTP("127.0.0.1", port, timeout=10)
    assert inbox(server)["total"] == 1


def test_8bitmime_body_arrives_as_sent(mail):
    server, port = mail
    body = "Grüße, Ærøskøbing: 100 €\r\n".encode()
    raw = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: 8bit\r\n"
    raw += b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("8bitmime")
        smtp.sendmail("a@example.com", ["b@example.com"], raw + body, ["BODY=8BITMIME"])
    full = inbox(server, "/api/v1/message/latest")
    assert full["Text"] == body.decode()
    assert httpx.get(f"{server.url}/api/v1/message/{full['ID']}/raw").content == raw + body
    latin = raw.replace(b"utf-8", b"iso-8859-1") + body.decode().replace("€", "EUR").encode(
        "latin-1"
    )
    quoted = EmailMessage()
    quoted["Subject"] = "qp"
    quoted.set_content(body.decode(), cte="quoted-printable")
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.sendmail("a@example.com", ["b@example.com"], latin, ["BODY=8BITMIME"])
        assert inbox(server, "/api/v1/message/latest")["Text"] == "Grüße, Ærøskøbing: 100 EUR\r\n"
        smtp.send_message(quoted, "a@example.com", ["b@example.com"])
        assert inbox(server, "/api/v1/message/latest")["Text"] == body.decode()
    env = {**os.environ, "SPECMOCK_SMTP_PORT": "twenty-five"}
    command = [sys.executable, "-m", "specmock", "serve", "email", "--port", "0", "--quiet"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode != 0
    said = "'--smtp-port' (env var: 'SPECMOCK_SMTP_PORT'): 'twenty-five' is not a valid integer"
    assert said in done.stderr, done.stderr


def test_sendgrid_template_data_is_readable(mail):
    server, _ = mail
    body = {
        "personalizations": [
            {"to": [{"email": "t@example.com"}], "dynamic_template_data": {"code": "246810"}}
        ],
        "from": {"email": "s@example.com"},
        "template_id": "d-1234abcd",
    }
    headers = {"Authorization": "Bearer SG.k"}
    sent = httpx.post(server.url + "/v3/mail/send", json=body, headers=headers)
    assert sent.status_code == 202, sent.text
    full = inbox(server, f"/api/v1/message/{sent.headers['X-Message-Id']}")
    assert full["Subject"] == "" and "template d-1234abcd" in full["Text"]
    assert codes(full) == ["246810"]


def test_sendgrid_one_message_per_personalization(mail):
    server, _ = mail
    body = {
        "personalizations": [
            {"to": [{"email": "a@example.com", "name": "Ann"}], "substitutions": {"-n-": "Ann"}},
            {"to": [{"email": "b@example.com"}], "bcc": [{"email": "audit@example.com"}],
             "substitutions": {"-n-": "Bob"}, "subject": "For -n-"},
        ],
        "from": {"email": "s@example.com"},
        "subject": "Hello -n-",
        "content": [{"type": "text/plain", "value": "Dear -n-"}],
        "categories": ["welcome"],
    }  # fmt: skip
    sent = httpx.post(
        server.url + "/v3/mail/send", json=body, headers={"Authorization": "Bearer k"}
    )
    assert sent.status_code == 202, sent.text
    found = {
        m["Subject"]: m for m in inbox(server, "/api/v1/search", query="tag:welcome")["messages"]
    }
    assert set(found) == {"Hello Ann", "For Bob"}
    bob = inbox(server, f"/api/v1/message/{found['For Bob']['ID']}")
    assert bob["Text"].strip() == "Dear Bob" and bob["Bcc"] == []
    assert bob["Envelope"]["To"] == ["b@example.com", "audit@example.com"]
    assert found["Hello Ann"]["To"] == [{"Name": "Ann", "Address": "a@example.com"}]


def test_sendgrid_named_errors_reach_the_client(mail):
    from python_http_client.exceptions import TooManyRequestsError

    server, _ = mail
    rule = {"service": "email", "operation": "sendMail", "error": "TooManyRequests", "first": 1}
    assert httpx.post(server.url + "/__specmock/faults", json=rule).status_code == 201
    client = sendgrid.SendGridAPIClient(api_key="SG.k", host=server.url)
    with pytest.raises(TooManyRequestsError) as refused:
        client.send(Mail("s@example.com", "a@example.com", "throttled", "x"))
    assert refused.value.status_code == 429
    assert refused.value.to_dict["errors"][0]["message"] == "too many requests"
    assert client.send(Mail("s@example.com", "a@example.com", "later", "x")).status_code == 202
    outage = httpx.get(server.url + "/api/v1/messages", headers={"X-Specmock-Fault": "503"})
    assert outage.status_code == 503 and "temporarily unavailable" in outage.json()["Error"]
