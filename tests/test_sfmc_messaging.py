"""SFMC transactional email and contacts: definitions, sends, statuses on the clock."""

from __future__ import annotations

import pytest

from .test_sfmc import Sfmc, assert_sfmc_error, login


@pytest.fixture
def sfmc(specmock_server) -> Sfmc:
    return login(specmock_server)


WELCOME = {
    "definitionKey": "welcome",
    "name": "Welcome",
    "subject": "Welcome aboard",
    "content": {"customerKey": "welcome-email"},
    "subscriptions": {"list": "All Subscribers"},
    "options": {"trackLinks": True},
}


def make_definition(sfmc: Sfmc, **changes) -> dict:
    response = sfmc.call("POST", "/messaging/v1/email/definitions", json={**WELCOME, **changes})
    assert response.status_code == 201, response.text
    return response.json()


def test_definitions_create_get_list_delete(sfmc):
    created = make_definition(sfmc)
    assert created["status"] == "Active"
    assert sfmc.call("GET", "/messaging/v1/email/definitions/welcome").json()["name"] == "Welcome"
    listed = sfmc.call("GET", "/messaging/v1/email/definitions").json()
    assert [d["definitionKey"] for d in listed["definitions"]] == ["welcome"]
    duplicate = sfmc.call("POST", "/messaging/v1/email/definitions", json=WELCOME)
    assert_sfmc_error(duplicate, 409, 30003, "welcome")
    deleted = sfmc.call("DELETE", "/messaging/v1/email/definitions/welcome")
    assert deleted.json()["deletedDefinitionKey"] == "welcome"
    gone = sfmc.call("GET", "/messaging/v1/email/definitions/welcome")
    assert_sfmc_error(gone, 404, 30001, "welcome")


def test_send_one_is_queued_then_sent_and_retrievable(sfmc):
    make_definition(sfmc)
    body = {
        "definitionKey": "welcome",
        "recipient": {"contactKey": "c-1", "to": "ada@example.com", "attributes": {"First": "Ada"}},
        "attributes": {"Campaign": "spring"},
    }
    accepted = sfmc.call("POST", "/messaging/v1/email/messages/msg-1", json=body)
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["responses"] == [{"messageKey": "msg-1"}]
    status = sfmc.call("GET", "/messaging/v1/email/messages/msg-1").json()
    assert status["eventCategoryType"] == "TransactionalSendEvents.EmailQueued"
    sfmc.advance(6)
    status = sfmc.call("GET", "/messaging/v1/email/messages/msg-1").json()
    assert status["eventCategoryType"] == "TransactionalSendEvents.EmailSent"
    assert status["info"]["to"] == "ada@example.com"
    sent = sfmc.call("GET", "/messaging/v1/email/messages", params={"type": "sent"}).json()
    [message] = sent["messages"]
    assert message["definitionKey"] == "welcome"
    assert message["info"]["subject"] == "Welcome aboard"
    assert message["info"]["attributes"] == {"Campaign": "spring", "First": "Ada"}
    reused = sfmc.call("POST", "/messaging/v1/email/messages/msg-1", json=body)
    assert_sfmc_error(reused, 409, 30006, "msg-1")


def test_send_many_with_an_injected_bounce(sfmc):
    make_definition(sfmc)
    recipients = [
        {"contactKey": f"c-{i}", "to": f"user{i}@example.com", "messageKey": f"m-{i}"}
        for i in range(3)
    ]
    recipients.append({"contactKey": "c-b", "to": "bounce@example.com", "messageKey": "m-b"})
    recipients.append({"contactKey": "c-x", "to": "nobody", "messageKey": "m-x"})
    accepted = sfmc.call(
        "POST",
        "/messaging/v1/email/messages/",
        json={"definitionKey": "welcome", "recipients": recipients},
    )
    assert accepted.status_code == 202, accepted.text
    responses = accepted.json()["responses"]
    assert [r["messageKey"] for r in responses] == ["m-0", "m-1", "m-2", "m-b", "m-x"]
    assert "errorcode" not in responses[3]
    assert responses[4]["errorcode"] == 30006
    assert "InvalidEmailAddress" in responses[4]["message"]
    queued = sfmc.call("GET", "/messaging/v1/email/messages", params={"type": "queued"}).json()
    assert len(queued["messages"]) == 4
    sfmc.advance(10)
    sent = sfmc.call("GET", "/messaging/v1/email/messages", params={"type": "sent"}).json()
    assert [m["info"]["to"] for m in sent["messages"]] == [r["to"] for r in recipients[:3]]
    later = sfmc.call(
        "GET",
        "/messaging/v1/email/messages",
        params={"type": "sent", "lastEventId": sent["messages"][1]["eventID"]},
    ).json()
    assert [m["info"]["messageKey"] for m in later["messages"]] == ["m-2"]
    not_sent = sfmc.call("GET", "/messaging/v1/email/messages", params={"type": "notSent"})
    [bounced] = not_sent.json()["messages"]
    assert bounced["info"]["messageKey"] == "m-b"
    assert "Bounced" in bounced["info"]["statusMessage"]
    status = sfmc.call("GET", "/messaging/v1/email/messages/m-b").json()
    assert status["eventCategoryType"] == "TransactionalSendEvents.EmailNotSent"
    again = sfmc.call(
        "POST",
        "/messaging/v1/email/messages",
        json={"definitionKey": "welcome", "recipients": recipients[:1]},
    ).json()
    assert again["responses"][0]["errorcode"] == 30006


def test_send_errors(sfmc):
    one = {"definitionKey": "nope", "recipient": {"contactKey": "c", "to": "a@example.com"}}
    missing = sfmc.call("POST", "/messaging/v1/email/messages/k1", json=one)
    assert_sfmc_error(missing, 404, 30001, "nope")
    make_definition(sfmc, definitionKey="paused", status="Inactive")
    inactive = sfmc.call(
        "POST", "/messaging/v1/email/messages/k2", json={**one, "definitionKey": "paused"}
    )
    assert_sfmc_error(inactive, 400, 30005, "paused")
    resumed = sfmc.call(
        "PATCH", "/messaging/v1/email/definitions/paused", json={"status": "Active"}
    )
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["status"] == "Active"
    sent = sfmc.call(
        "POST", "/messaging/v1/email/messages/k2", json={**one, "definitionKey": "paused"}
    )
    assert sent.status_code == 202
    assert_sfmc_error(
        sfmc.call("PATCH", "/messaging/v1/email/definitions/nope", json={"name": "x"}), 404, 30001
    )
    make_definition(sfmc)
    bad_to = {"definitionKey": "welcome", "recipient": {"contactKey": "c", "to": "nobody"}}
    invalid = sfmc.call("POST", "/messaging/v1/email/messages/k3", json=bad_to)
    assert_sfmc_error(invalid, 400, 10005, "recipient.to", "nobody")
    unknown = sfmc.call("GET", "/messaging/v1/email/messages/never-sent")
    assert_sfmc_error(unknown, 404, 30002, "never-sent")


# -- contacts --------------------------------------------------------------------------------
def contact(key: str, email: str) -> dict:
    values = [{"name": "Email Address", "value": email}, {"name": "HTML Enabled", "value": True}]
    return {
        "contactKey": key,
        "attributeSets": [{"name": "Email Addresses", "items": [{"values": values}]}],
    }


def test_contacts_create_update_search(sfmc):
    created = sfmc.call("POST", "/contacts/v1/contacts", json=contact("ck-1", "ada@example.com"))
    assert created.status_code == 200, created.text
    assert created.json()["isNewContactKey"] is True
    again = sfmc.call("POST", "/contacts/v1/contacts", json=contact("ck-1", "ada@example.com"))
    assert again.json()["isNewContactKey"] is False
    assert again.json()["contactID"] == created.json()["contactID"]
    updated = sfmc.call(
        "PATCH", "/contacts/v1/contacts", json=contact("ck-1", "lovelace@example.com")
    )
    assert updated.status_code == 200
    search = sfmc.call(
        "POST",
        "/contacts/v1/addresses/email/search",
        json={"ChannelAddressList": ["LOVELACE@example.com", "who@example.com"]},
    ).json()
    found, nobody = search["channelAddressResponseEntities"]
    assert [d["contactKey"] for d in found["contactKeyDetails"]] == ["ck-1"]
    assert nobody["contactKeyDetails"] == []
    missing = sfmc.call("PATCH", "/contacts/v1/contacts", json=contact("ck-9", "x@example.com"))
    assert_sfmc_error(missing, 404, 10000, "ck-9")
    bad = sfmc.call("POST", "/contacts/v1/contacts", json=contact("ck-2", "not-an-email"))
    assert_sfmc_error(bad, 400, 10005, "not-an-email")
