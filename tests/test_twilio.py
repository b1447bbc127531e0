"""The bundled `twilio` service driven by the real `twilio` client, as docs/twilio.md shows.

Status changes run on a virtual clock moved by the test; status callbacks go to a real HTTP
listener and are checked with the twilio package's own RequestValidator.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from specmock import VirtualClock
from specmock.testing import RunningServer, serve

from .test_cli import serving

ACCOUNT = "AC" + "1" * 32
TOKEN = "twilio-test-token"
SENDER = "+15557654321"
START = 1_800_000_000.0  # 2027-01-15T08:00:00Z
DOCS = Path(__file__).resolve().parents[1] / "docs" / "twilio.md"


@contextmanager
def twilio_server(seed: int = 1, **options: str) -> Iterator[tuple[RunningServer, VirtualClock]]:
    clock = VirtualClock(start=START)
    with serve("twilio", seed=seed, strict=True, quiet=True, clock=clock, options=options) as s:
        yield s, clock


def client_for(url: str) -> Client:
    client = Client(ACCOUNT, TOKEN)
    client.api.base_url = url
    return client


@pytest.fixture
def twilio() -> Iterator[tuple[Client, VirtualClock, str]]:
    with twilio_server() as (server, clock):
        yield client_for(server.url), clock, server.url


class Listener:
    """A real HTTP endpoint that keeps every POST it receives."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answer: Any = lambda: 204
        received, listener = self.received, self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = self.rfile.read(length).decode()
                received.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "form": dict(parse_qsl(body, keep_blank_values=True)),
                    }
                )
                self.send_response(listener.answer())
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/status"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, seconds: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.received)

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


def test_create_fetch_and_list_with_the_twilio_client(twilio):
    client, clock, _ = twilio
    sent = client.messages.create(to="+15551230001", from_=SENDER, body="Your code is 123456")
    assert re.fullmatch(r"SM[0-9a-f]{32}", sent.sid)
    assert (sent.status, sent.direction, sent.body) == (
        "queued",
        "outbound-api",
        "Your code is 123456",
    )
    assert sent.account_sid == ACCOUNT
    assert sent.date_created == datetime.fromtimestamp(START, UTC)
    assert sent.date_sent is None

    seen = []
    for _ in range(3):
        clock.advance(1)
        seen.append(client.messages(sent.sid).fetch().status)
    assert seen == ["sending", "sent", "delivered"]
    fetched = client.messages(sent.sid).fetch()
    assert fetched.date_sent == datetime.fromtimestamp(START + 2, UTC)
    assert fetched.price == "-0.00790" and fetched.price_unit == "USD"

    other = client.messages.create(to="+15551230002", from_=SENDER, body="second")
    listed = client.messages.list()
    assert [m.sid for m in listed] == [other.sid, sent.sid]  # newest first
    assert [m.sid for m in client.messages.list(to="+15551230001")] == [sent.sid]
    assert client.messages.list(from_="+15550000000") == []


def test_list_pages_follow_twilios_paging_fields(twilio):
    client, _, url = twilio
    sids = [
        client.messages.create(to="+15551230001", from_=SENDER, body=f"n{i}").sid for i in range(5)
    ]
    assert [m.sid for m in client.messages.list(page_size=2)] == sids[::-1]
    assert [m.sid for m in client.messages.list(limit=3, page_size=2)] == sids[::-1][:3]

    raw = httpx.get(
        f"{url}/2010-04-01/Accounts/{ACCOUNT}/Messages.json",
        params={"PageSize": 2, "Page": 1},
        auth=(ACCOUNT, TOKEN),
    ).json()
    assert [m["sid"] for m in raw["messages"]] == sids[::-1][2:4]
    assert (raw["page"], raw["page_size"], raw["start"], raw["end"]) == (1, 2, 2, 3)
    assert raw["previous_page_uri"].endswith("PageSize=2&Page=0")
    assert raw["next_page_uri"].startswith(f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json?")
    assert "Page=2" in raw["next_page_uri"] and "PageToken=PA" in raw["next_page_uri"]


def test_cancel_a_scheduled_message_and_redact_a_body(twilio, listener):
    client, clock, _ = twilio
    service = "MG" + "2" * 32
    send_at = datetime.fromtimestamp(START + 3600, UTC)
    scheduled = client.messages.create(
        to="+15551230001",
        messaging_service_sid=service,
        body="later",
        schedule_type="fixed",
        send_at=send_at,
        status_callback=listener.url,
    )
    assert scheduled.status == "scheduled"
    canceled = client.messages(scheduled.sid).update(status="canceled")
    assert canceled.status == "canceled"
    clock.advance(7200)
    assert client.messages(scheduled.sid).fetch().status == "canceled"  # never sent
    time.sleep(0.3)  # time for the steps it no longer has to (wrongly) report
    assert [c["form"]["MessageStatus"] for c in listener.wait_for(1)] == ["canceled"]
    assert listener.received[0]["form"]["MessagingServiceSid"] == service

    queued = client.messages.create(to="+15551230001", from_=SENDER, body="now")
    with pytest.raises(TwilioRestException) as refused:
        client.messages(queued.sid).update(status="canceled")
    assert (refused.value.status, refused.value.code) == (400, 30409)

    redacted = client.messages(queued.sid).update(body="")
    assert redacted.body == ""
    assert client.messages(queued.sid).fetch().body == ""


def test_delete_only_when_the_message_is_done(twilio):
    client, clock, _ = twilio
    message = client.messages.create(to="+15551230001", from_=SENDER, body="bye")
    with pytest.raises(TwilioRestException) as early:
        client.messages(message.sid).delete()
    assert early.value.code == 20009
    clock.advance(10)
    assert client.messages(message.sid).delete() is True
    with pytest.raises(TwilioRestException) as gone:
        client.messages(message.sid).fetch()
    assert (gone.value.status, gone.value.code) == (404, 20404)
    assert client.messages.list() == []


def test_status_callbacks_are_signed_for_requestvalidator(twilio, listener):
    client, clock, _ = twilio
    message = client.messages.create(
        to="+15551230001", from_=SENDER, body="hello", status_callback=listener.url
    )
    clock.advance(3)
    calls = listener.wait_for(3)
    assert [c["form"]["MessageStatus"] for c in calls] == ["sending", "sent", "delivered"]
    validator = RequestValidator(TOKEN)
    for call in calls:
        form, signature = call["form"], call["headers"]["x-twilio-signature"]
        assert form["MessageSid"] == form["SmsSid"] == message.sid
        assert (form["AccountSid"], form["To"], form["From"]) == (ACCOUNT, "+15551230001", SENDER)
        assert call["headers"]["content-type"] == "application/x-www-form-urlencoded"
        assert validator.validate(listener.url, form, signature)
        assert not RequestValidator("another-token").validate(listener.url, form, signature)
        assert not validator.validate(listener.url, {**form, "MessageStatus": "failed"}, signature)


def test_a_refused_callback_is_retried_on_the_clock(twilio, listener):
    client, clock, _ = twilio
    statuses = iter([500])
    listener.answer = lambda: next(statuses, 204)
    client.messages.create(
        to="+15551230001", from_=SENDER, body="retry me", status_callback=listener.url
    )
    clock.advance(1)
    first = listener.wait_for(1)
    assert [c["form"]["MessageStatus"] for c in first] == ["sending"]
    time.sleep(0.3)
    assert len(listener.received) == 1  # the retry waits for the clock
    clock.advance(1.2)  # past the 1 s backoff (plus jitter); "sent" is due now too
    calls = listener.wait_for(3)
    assert [c["form"]["MessageStatus"] for c in calls] == ["sending", "sending", "sent"]
    assert calls[0]["form"] == calls[1]["form"]
    validator = RequestValidator(TOKEN)
    assert validator.validate(
        listener.url, calls[1]["form"], calls[1]["headers"]["x-twilio-signature"]
    )


def test_an_unreachable_number_goes_undelivered_with_30003(twilio, listener):
    client, clock, _ = twilio
    message = client.messages.create(
        to="+15005530003", from_=SENDER, body="hello", status_callback=listener.url
    )
    assert message.status == "queued"
    clock.advance(3)
    fetched = client.messages(message.sid).fetch()
    assert (fetched.status, fetched.error_code) == ("undelivered", 30003)
    assert fetched.error_message == "Unreachable destination handset"
    last = listener.wait_for(3)[-1]["form"]
    assert (last["MessageStatus"], last["ErrorCode"]) == ("undelivered", "30003")

    failed = client.messages.create(to="+15005530008", from_=SENDER, body="x")
    clock.advance(3)
    assert client.messages(failed.sid).fetch().status == "failed"


@pytest.mark.parametrize(
    ("to", "sender", "body", "code"),
    [
        ("+15005550001", SENDER, "hi", 21211),  # Twilio's magic invalid To
        ("5551234", SENDER, "hi", 21211),  # not E.164
        ("+15551230001", "+15005550007", "hi", 21606),  # From not owned by the account
        ("+15005550004", SENDER, "hi", 21610),  # unsubscribed recipient
        ("+15551230001", None, "hi", 21603),  # neither From nor MessagingServiceSid
        ("+15551230001", SENDER, None, 21602),  # no Body, MediaUrl or ContentSid
    ],
)
def test_designated_numbers_raise_twilio_error_codes(twilio, to, sender, body, code):
    client, _, _ = twilio
    with pytest.raises(TwilioRestException) as raised:
        client.messages.create(to=to, from_=sender, body=body)
    assert (raised.value.status, raised.value.code) == (400, code)
    assert raised.value.uri.endswith(f"/Accounts/{ACCOUNT}/Messages.json")
    assert client.messages.list() == []  # nothing was kept


def test_error_bodies_have_twilios_shape(twilio):
    _, _, url = twilio
    path = f"{url}/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    missing_to = httpx.post(path, data={"From": SENDER, "Body": "x"}, auth=(ACCOUNT, TOKEN))
    assert missing_to.status_code == 400
    assert missing_to.json() == {
        "code": 21604,
        "message": 'body /To: "To" is a required property',
        "more_info": "https://www.twilio.com/docs/errors/21604",
        "status": 400,
    }
    anonymous = httpx.post(path, data={"To": "+15551230001", "From": SENDER, "Body": "x"})
    assert anonymous.status_code == 401 and anonymous.json()["code"] == 20003
    unknown = httpx.get(path.replace(".json", f"/SM{'0' * 32}.json"), auth=(ACCOUNT, TOKEN))
    assert unknown.status_code == 404 and unknown.json()["code"] == 20404
    malformed = httpx.get(path.replace(".json", "/SM12.json"), auth=(ACCOUNT, TOKEN))
    assert malformed.status_code == 404 and malformed.json()["code"] == 20404
    assert "path /Sid" in malformed.json()["message"]
    wrong_type = httpx.post(
        path,
        auth=(ACCOUNT, TOKEN),
        data={"To": "+15551230001", "From": SENDER, "Body": "x", "Attempt": "abc"},
    )
    assert wrong_type.json() == {
        "code": 400,
        "message": 'body /Attempt: "abc" is not of type "integer"',
        "more_info": "https://www.twilio.com/docs/usage/twilios-response",
        "status": 400,
    }
    invalid_to = httpx.post(
        path, data={"To": "+15005550001", "From": SENDER, "Body": "x"}, auth=(ACCOUNT, TOKEN)
    )
    assert invalid_to.json() == {  # the example in docs/twilio.md
        "code": 21211,
        "message": "The 'To' number +15005550001 is not a valid phone number.",
        "more_info": "https://www.twilio.com/docs/errors/21211",
        "status": 400,
    }


def test_extra_failing_numbers_by_option():
    with twilio_server(twilio_fail_numbers="+15559990000=30006,+15559990001=21614") as (s, c):
        client = client_for(s.url)
        with pytest.raises(TwilioRestException) as raised:
            client.messages.create(to="+15559990001", from_=SENDER, body="x")
        assert raised.value.code == 21614
        message = client.messages.create(to="+15559990000", from_=SENDER, body="x")
        c.advance(5)
        assert client.messages(message.sid).fetch().error_code == 30006


def test_delays_are_configurable():
    with twilio_server(twilio_delays="10,20,30") as (server, clock):
        client = client_for(server.url)
        sid = client.messages.create(to="+15551230001", from_=SENDER, body="slow").sid
        clock.advance(29)
        assert client.messages(sid).fetch().status == "sending"
        clock.advance(1)
        assert client.messages(sid).fetch().status == "sent"
        clock.advance(30)
        assert client.messages(sid).fetch().status == "delivered"


def test_media_urls_make_an_mms_with_media(twilio):
    client, _, _ = twilio
    urls = ["https://example.com/cat.jpg", "https://example.com/menu.pdf"]
    message = client.messages.create(to="+15551230001", from_=SENDER, media_url=urls)
    assert message.sid.startswith("MM") and message.num_media == "2"
    media = client.messages(message.sid).media.list()
    assert [m.content_type for m in media] == ["image/jpeg", "application/pdf"]
    assert all(re.fullmatch(r"ME[0-9a-f]{32}", m.sid) for m in media)
    assert client.messages(message.sid).media(media[0].sid).fetch().parent_sid == message.sid
    assert client.messages(message.sid).media(media[0].sid).delete() is True
    assert [m.sid for m in client.messages(message.sid).media.list()] == [media[1].sid]


def test_same_seed_same_sids():
    def sids(seed: int) -> list[str]:
        with twilio_server(seed=seed) as (server, _):
            client = client_for(server.url)
            return [
                client.messages.create(to="+15551230001", from_=SENDER, body=str(i)).sid
                for i in range(3)
            ]

    first = sids(7)
    assert first == sids(7)
    assert len(set(first)) == 3
    assert set(first).isdisjoint(sids(8))


def test_runs_see_only_their_own_messages(twilio):
    _, _, url = twilio
    path = f"{url}/2010-04-01/Accounts/{ACCOUNT}/Messages.json"

    def send(run: str) -> str:
        answer = httpx.post(
            path,
            data={"To": "+15551230001", "From": SENDER, "Body": run},
            auth=(ACCOUNT, TOKEN),
            headers={"X-Specmock-Run": run},
        )
        return answer.json()["sid"]

    a, b = send("test-a"), send("test-b")

    def listed(run: str) -> list[str]:
        answer = httpx.get(path, auth=(ACCOUNT, TOKEN), headers={"X-Specmock-Run": run})
        return [m["sid"] for m in answer.json()["messages"]]

    assert listed("test-a") == [a]
    assert listed("test-b") == [b]
    assert listed("test-c") == []
    other = httpx.get(
        path.replace(".json", f"/{a}.json"),
        auth=(ACCOUNT, TOKEN),
        headers={"X-Specmock-Run": "test-b"},
    )
    assert other.status_code == 404


def test_the_docs_example_runs(monkeypatch):
    """The Python block of docs/twilio.md, run against a live server."""
    code = re.search(r"```python\n(.*?)```", DOCS.read_text(), re.S).group(1)
    with twilio_server() as (server, _):
        monkeypatch.setenv("TWILIO_BASE_URL", server.url)
        monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
        namespace: dict[str, Any] = {}
        exec(compile(code, str(DOCS), "exec"), namespace)
        assert namespace["message"].status == "queued"
        assert (
            httpx.get(
                f"{server.url}/2010-04-01/Accounts/{ACCOUNT}/Messages.json", auth=(ACCOUNT, TOKEN)
            ).json()["messages"][0]["body"]
            == "Hello from mock mode"
        )


def test_the_docs_serve_command_with_zero_delays():
    """`specmock serve twilio --port 8000 --option twilio_delays=0,0,0` as docs/twilio.md
    shows it: a message is delivered as soon as it is created."""
    with serving("twilio", "--option", "twilio_delays=0,0,0", "--quiet") as (url, _):
        client = client_for(url)
        sid = client.messages.create(to="+15551230001", from_=SENDER, body="now").sid
        assert client.messages(sid).fetch().status == "delivered"


def test_the_admin_clock_moves_messages():
    """`POST /__specmock/clock` `{"freeze": true}` then `{"advance": 3}`, as the docs say."""
    with serve("twilio", seed=1, strict=True, quiet=True) as server:
        clock = f"{server.url}/__specmock/clock"
        assert httpx.post(clock, json={"freeze": True}).status_code == 200
        client = client_for(server.url)
        sid = client.messages.create(to="+15551230001", from_=SENDER, body="tick").sid
        time.sleep(1.2)  # real time passes; the frozen clock does not
        assert client.messages(sid).fetch().status == "queued"
        assert httpx.post(clock, json={"advance": 3}).status_code == 200
        assert client.messages(sid).fetch().status == "delivered"


def test_credential_limits_the_accepted_tokens():
    clock = VirtualClock(start=START)
    with serve("twilio", seed=1, strict=True, quiet=True, clock=clock,
               credentials=[f"{ACCOUNT}:{TOKEN}"]) as server:  # fmt: skip
        assert client_for(server.url).messages.list() == []
        wrong = Client(ACCOUNT, "not-the-token")
        wrong.api.base_url = server.url
        with pytest.raises(TwilioRestException) as refused:
            wrong.messages.create(to="+15551230001", from_=SENDER, body="x")
        assert (refused.value.status, refused.value.code) == (401, 20003)


def test_named_errors_are_injected_in_twilios_body(twilio):
    import yaml
    from jsonschema import Draft202012Validator

    from specmock.runtime.catalogue import registered

    client, _, url = twilio
    doc = yaml.safe_load((DOCS.parents[1] / "specs" / "twilio.yaml").read_text())
    schema = {"$ref": "#/components/schemas/specmock.twilio.error", **doc}
    validator = Draft202012Validator(schema)
    path = f"{url}/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    catalogue = registered("twilio")
    assert catalogue is not None and "error_21211" in catalogue.names()
    for error in catalogue.errors:
        answer = httpx.get(path, auth=(ACCOUNT, TOKEN), headers={"X-Specmock-Fault": error.name})
        assert answer.status_code == error.status, error.name
        assert answer.json()["code"] == error.code
        assert list(validator.iter_errors(answer.json())) == []
        for header, value in error.headers.items():
            assert answer.headers[header] == value
    listed = httpx.get(f"{url}/__specmock/errors", params={"service": "twilio"}).json()
    assert "too_many_requests" in str(listed)

    client.messages.create(to="+15551230001", from_=SENDER, body="before the outage")
    assert httpx.post(f"{url}/__specmock/scenarios/twilio:outage").status_code == 200
    with pytest.raises(TwilioRestException) as outage:
        client.messages.create(to="+15551230001", from_=SENDER, body="during the outage")
    assert (outage.value.status, outage.value.code) == (503, 20503)


def test_paths_and_methods_outside_the_contract_answer_in_twilios_body(twilio):
    _, _, url = twilio
    calls = httpx.get(f"{url}/2010-04-01/Accounts/{ACCOUNT}/Calls.json", auth=(ACCOUNT, TOKEN))
    assert (calls.status_code, calls.json()["code"]) == (404, 20404)
    put = httpx.put(f"{url}/2010-04-01/Accounts/{ACCOUNT}/Messages.json", auth=(ACCOUNT, TOKEN))
    assert (put.status_code, put.json()["code"]) == (405, 20004)
