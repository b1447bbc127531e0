"""SFMC journeys, automations, campaigns and subscriber lists over HTTP."""

from __future__ import annotations

import pytest

from .test_sfmc import Sfmc, assert_sfmc_error, login


@pytest.fixture
def sfmc(specmock_server) -> Sfmc:
    return login(specmock_server)


JOURNEY = {
    "key": "onboarding",
    "name": "Onboarding",
    "workflowApiVersion": 1.0,
    "triggers": [
        {"key": "t1", "type": "APIEvent", "metaData": {"eventDefinitionKey": "APIEvent-onboard"}}
    ],
    "activities": [{"key": "wait", "type": "WAIT"}],
}


def create_journey(sfmc: Sfmc, **changes) -> dict:
    response = sfmc.call("POST", "/interaction/v1/interactions", json={**JOURNEY, **changes})
    assert response.status_code == 200, response.text
    return response.json()


def publish(sfmc: Sfmc, journey: dict) -> None:
    started = sfmc.call(
        "POST",
        f"/interaction/v1/interactions/publishAsync/{journey['id']}",
        params={"versionNumber": journey["version"]},
    )
    assert started.status_code == 202, started.text
    status_url = started.json()["statusUrl"]
    assert sfmc.call("GET", status_url).json()["status"] == "PublishInProcess"
    sfmc.advance(4)
    assert sfmc.call("GET", status_url).json()["status"] == "PublishCompleted"


def test_journey_lifecycle(sfmc):
    v1 = create_journey(sfmc)
    assert (v1["version"], v1["status"]) == (1, "Draft")
    v2 = create_journey(sfmc, name="Onboarding v2")
    assert v2["version"] == 2
    assert v2["definitionId"] == v1["definitionId"]
    listed = sfmc.call("GET", "/interaction/v1/interactions").json()
    assert [(j["key"], j["version"]) for j in listed["items"]] == [("onboarding", 2)]
    by_key = sfmc.call(
        "GET", "/interaction/v1/interactions/key:onboarding", params={"versionNumber": 1}
    )
    assert by_key.json()["id"] == v1["id"]

    edited = sfmc.call(
        "PUT",
        "/interaction/v1/interactions",
        json={**JOURNEY, "id": v2["id"], "version": 2, "name": "Renamed"},
    )
    assert edited.json()["name"] == "Renamed"

    event = {
        "ContactKey": "ck-1",
        "EventDefinitionKey": "APIEvent-onboard",
        "Data": {"Plan": "pro"},
    }
    not_running = sfmc.call("POST", "/interaction/v1/events", json=event)
    assert_sfmc_error(not_running, 400, 30000, "APIEvent-onboard")

    publish(sfmc, v2)
    published = sfmc.call("GET", f"/interaction/v1/interactions/{v2['id']}").json()
    assert published["status"] == "Published"
    fired = sfmc.call("POST", "/interaction/v1/events", json=event)
    assert fired.status_code == 201, fired.text
    assert fired.json()["eventInstanceId"]
    members = sfmc.call(
        "POST",
        "/interaction/v1/interactions/contactMembership",
        json={"ContactKeyList": ["ck-1", "ck-2"]},
    ).json()["results"]
    assert members["contactMemberships"] == [
        {"contactKey": "ck-1", "definitionKey": "onboarding", "version": 2}
    ]
    assert members["contactsNotFound"] == ["ck-2"]
    stats = sfmc.call("GET", f"/interaction/v1/interactions/{v2['id']}").json()["stats"]
    assert stats == {"currentPopulation": 1, "cumulativePopulation": 1}

    locked = sfmc.call(
        "PUT", "/interaction/v1/interactions", json={**JOURNEY, "id": v2["id"], "version": 2}
    )
    assert_sfmc_error(locked, 400, 30000, "Published")
    running = sfmc.call("DELETE", "/interaction/v1/interactions/key:onboarding")
    assert_sfmc_error(running, 400, 30000, "currently running")

    stopped = sfmc.call(
        "POST", f"/interaction/v1/interactions/stop/{v2['id']}", params={"versionNumber": 2}
    )
    assert stopped.status_code == 202
    again = sfmc.call(
        "POST", f"/interaction/v1/interactions/stop/{v2['id']}", params={"versionNumber": 2}
    )
    assert_sfmc_error(again, 400, 30002, "Stopped")
    assert sfmc.call("DELETE", "/interaction/v1/interactions/key:onboarding").json() is True
    gone = sfmc.call("GET", f"/interaction/v1/interactions/{v1['id']}")
    assert_sfmc_error(gone, 404, 30004)


def test_journey_errors(sfmc):
    unknown = {"ContactKey": "c", "EventDefinitionKey": "nobody-listens"}
    assert_sfmc_error(sfmc.call("POST", "/interaction/v1/events", json=unknown), 404, 30004)
    journey = create_journey(sfmc)
    wrong = sfmc.call(
        "POST",
        f"/interaction/v1/interactions/publishAsync/{journey['id']}",
        params={"versionNumber": 9},
    )
    assert_sfmc_error(wrong, 404, 30004, "version 9")
    no_version = sfmc.call("POST", f"/interaction/v1/interactions/publishAsync/{journey['id']}")
    assert no_version.status_code == 400
    assert "versionNumber" in no_version.json()["message"]
    publish(sfmc, journey)
    twice = sfmc.call(
        "POST",
        f"/interaction/v1/interactions/publishAsync/{journey['id']}",
        params={"versionNumber": 1},
    )
    assert_sfmc_error(twice, 400, 30001, "Published")


def test_automation_runs_on_the_clock(sfmc):
    body = {
        "name": "Nightly import",
        "key": "nightly",
        "steps": [{"name": "Import", "activities": []}, {"name": "Query", "activities": []}],
    }
    created = sfmc.call("POST", "/automation/v1/automations", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "Ready"
    listed = sfmc.call("GET", "/automation/v1/automations").json()
    assert [a["key"] for a in listed["items"]] == ["nightly"]
    run = sfmc.call("POST", "/automation/v1/automations/key:nightly/actions/runallonce", json={})
    assert run.status_code == 202, run.text
    assert run.json()["status"] == "Running"
    busy = sfmc.call("POST", "/automation/v1/automations/key:nightly/actions/runallonce")
    assert_sfmc_error(busy, 409, 10000, "already running")
    sfmc.advance(59)
    assert sfmc.call("GET", "/automation/v1/automations/key:nightly").json()["statusId"] == 3
    sfmc.advance(2)
    done = sfmc.call("GET", f"/automation/v1/automations/{created.json()['id']}").json()
    assert (done["status"], done["statusId"], done["lastRunStatus"]) == ("Ready", 2, "Complete")
    assert done["lastRunTime"]
    assert_sfmc_error(sfmc.call("GET", "/automation/v1/automations/key:nope"), 404, 10000)
    duplicate = sfmc.call("POST", "/automation/v1/automations", json=body)
    assert_sfmc_error(duplicate, 409, 10005, "nightly")


def test_campaign_with_assets(sfmc):
    created = sfmc.call(
        "POST",
        "/hub/v1/campaigns",
        json={"name": "Spring", "campaignCode": "SPR-26", "color": "ff0000"},
    )
    assert created.status_code == 200, created.text
    cid = created.json()["id"]
    assert sfmc.call("GET", "/hub/v1/campaigns").json()["count"] == 1
    attached = sfmc.call(
        "POST", f"/hub/v1/campaigns/{cid}/assets", json=[{"type": "EMAIL", "ids": ["101", "102"]}]
    )
    assert [a["itemID"] for a in attached.json()] == ["101", "102"]
    first = attached.json()[0]["id"]
    assert sfmc.call("DELETE", f"/hub/v1/campaigns/{cid}/assets/{first}").status_code == 204
    assert [a["itemID"] for a in sfmc.call("GET", f"/hub/v1/campaigns/{cid}/assets").json()] == [
        "102"
    ]
    assert sfmc.call("DELETE", f"/hub/v1/campaigns/{cid}").status_code == 204
    assert_sfmc_error(sfmc.call("GET", f"/hub/v1/campaigns/{cid}"), 404, 10000, cid)
    assert_sfmc_error(sfmc.call("GET", f"/hub/v1/campaigns/{cid}/assets"), 404, 10000)


def test_subscriber_list(sfmc):
    created = sfmc.call("POST", "/email/v1/lists", json={"name": "Newsletter"})
    assert created.status_code == 201, created.text
    lid = created.json()["id"]
    add = sfmc.call(
        "POST",
        f"/email/v1/lists/{lid}/subscribers",
        json={"subscriberKey": "s1", "emailAddress": "s1@example.com"},
    )
    assert add.status_code == 201
    assert add.json()["status"] == "Active"
    sfmc.call(
        "POST",
        f"/email/v1/lists/{lid}/subscribers",
        json={"subscriberKey": "s2", "emailAddress": "s2@example.com", "status": "Unsubscribed"},
    )
    assert sfmc.call("GET", f"/email/v1/lists/{lid}").json()["subscriberCount"] == 2
    assert (
        sfmc.call("GET", f"/email/v1/lists/{lid}/subscribers/s2").json()["status"] == "Unsubscribed"
    )
    assert sfmc.call("DELETE", f"/email/v1/lists/{lid}/subscribers/s1").status_code == 204
    assert [
        s["subscriberKey"] for s in sfmc.call("GET", f"/email/v1/lists/{lid}/subscribers").json()
    ] == ["s2"]
    assert_sfmc_error(sfmc.call("GET", f"/email/v1/lists/{lid}/subscribers/s1"), 404, 10000, "s1")
    assert_sfmc_error(sfmc.call("GET", "/email/v1/lists/999"), 404, 10000, "999")
