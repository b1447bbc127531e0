"""SFMC REST triggered sends, SMS message-contact sends and Content Builder assets."""

from __future__ import annotations

import pytest

from .test_sfmc import Sfmc, assert_sfmc_error, login
from .test_sfmc_messaging import make_definition


@pytest.fixture
def sfmc(specmock_server) -> Sfmc:
    return login(specmock_server)


def test_rest_triggered_send_joins_the_email_messages(sfmc):
    make_definition(sfmc, definitionKey="order-confirm")
    body = {
        "From": {"Address": "shop@example.com", "Name": "Shop"},
        "To": {
            "Address": "ada@example.com",
            "SubscriberKey": "ada-1",
            "ContactAttributes": {"SubscriberAttributes": {"Order_Number": 123456}},
        },
        "Options": {"RequestType": "ASYNC"},
    }
    sent = sfmc.call(
        "POST", "/messaging/v1/messageDefinitionSends/key:order-confirm/send", json=body
    )
    assert sent.status_code == 202, sent.text
    response = sent.json()["responses"][0]
    assert (response["hasErrors"], response["messages"]) == (False, ["Queued"])
    records = "/messaging/v1/messageDefinitionSends/key:order-confirm/deliveryRecords/"
    record_url = records + response["recipientSendId"]
    assert sfmc.call("GET", record_url).json()["status"] == "Queued"
    sfmc.advance(6)
    record = sfmc.call("GET", record_url).json()
    assert (record["status"], record["to"]) == (
        "Sent",
        {"address": "ada@example.com", "key": "ada-1"},
    )
    sent_list = sfmc.call("GET", "/messaging/v1/email/messages", params={"type": "sent"}).json()
    [message] = sent_list["messages"]
    assert message["definitionKey"] == "order-confirm"
    assert message["info"]["attributes"] == {"Order_Number": 123456}

    missing = sfmc.call("POST", "/messaging/v1/messageDefinitionSends/key:nope/send", json=body)
    assert_sfmc_error(missing, 404, 30001, "nope")
    bad = {"To": {"Address": "not-an-address"}}
    refused = sfmc.call(
        "POST", "/messaging/v1/messageDefinitionSends/key:order-confirm/send", json=bad
    )
    assert_sfmc_error(refused, 400, 10005, "not-an-address")


def test_sms_message_contact_send_and_history(sfmc):
    sent = sfmc.call(
        "POST",
        "/sms/v1/messageContact/MzA6Nzg6MA/send",
        json={
            "mobileNumbers": ["12223334444"],
            "keyword": "IMG",
            "Override": True,
            "messageText": "Hi!",
        },
    )
    assert sent.status_code == 202, sent.text
    token = sent.json()["tokenId"]
    history = sfmc.call(
        "GET", f"/sms/v1/messageContact/MzA6Nzg6MA/history/{token}/mobileNumber/12223334444"
    )
    assert history.status_code == 200, history.text
    assert [(h["type"], h["message"]) for h in history.json()["history"]] == [("MT", "Hi!")]
    other = sfmc.call(
        "GET", f"/sms/v1/messageContact/MzA6Nzg6MA/history/{token}/mobileNumber/15550000000"
    )
    assert_sfmc_error(other, 404, 10000, "15550000000")
    bad = sfmc.call(
        "POST", "/sms/v1/messageContact/MzA6Nzg6MA/send", json={"mobileNumbers": ["call me"]}
    )
    assert bad.status_code == 400, bad.text
    assert "mobileNumbers" in bad.text


def test_assets_create_get_list_query_delete(sfmc):
    made = []
    for name, kind in [("Logo", "png"), ("Banner", "htmlblock"), ("Icon", "png")]:
        created = sfmc.call(
            "POST", "/asset/v1/content/assets", json={"name": name, "assetType": {"name": kind}}
        )
        assert created.status_code == 201, created.text
        made.append(created.json())
    assert made[0]["assetType"] == {"name": "png", "id": 28, "displayName": "Image"}
    assert [a["id"] for a in made] == [1, 2, 3]
    got = sfmc.call("GET", f"/asset/v1/content/assets/{made[1]['id']}").json()
    assert (got["name"], got["customerKey"]) == ("Banner", made[1]["customerKey"])

    listed = sfmc.call(
        "GET",
        "/asset/v1/content/assets",
        params={"$filter": "assetType.name=png", "$orderBy": "name asc"},
    ).json()
    assert [a["name"] for a in listed["items"]] == ["Icon", "Logo"]
    assert listed["count"] == 2

    query = {
        "page": {"page": 1, "pageSize": 1},
        "query": {
            "leftOperand": {
                "property": "assetType.name",
                "simpleOperator": "equal",
                "value": "png",
            },
            "logicalOperator": "OR",
            "rightOperand": {"property": "name", "simpleOperator": "like", "value": "Ban"},
        },
        "sort": [{"property": "name", "direction": "DESC"}],
    }
    found = sfmc.call("POST", "/asset/v1/content/assets/query", json=query).json()
    assert (found["count"], [a["name"] for a in found["items"]]) == (3, ["Logo"])
    broken = sfmc.call(
        "POST",
        "/asset/v1/content/assets/query",
        json={"query": {"leftOperand": {"property": "name"}}},
    )
    assert_sfmc_error(broken, 400, 10001, "rightOperand")

    changed = sfmc.call(
        "PATCH", f"/asset/v1/content/assets/{made[1]['id']}", json={"content": "<p>Hi</p>"}
    ).json()
    assert (changed["version"], changed["content"], changed["name"]) == (2, "<p>Hi</p>", "Banner")
    assert sfmc.call("GET", f"/asset/v1/content/assets/{made[1]['id']}").json()["version"] == 2
    assert sfmc.call("DELETE", f"/asset/v1/content/assets/{made[0]['id']}").json() == "OK"
    assert_sfmc_error(sfmc.call("GET", f"/asset/v1/content/assets/{made[0]['id']}"), 404, 10000)
    unknown = sfmc.call(
        "POST", "/asset/v1/content/assets", json={"name": "x", "assetType": {"name": "nope"}}
    )
    assert_sfmc_error(unknown, 400, 10001, "assetType.name")
