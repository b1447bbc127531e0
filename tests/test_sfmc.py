"""The bundled Salesforce Marketing Cloud service: auth and data extensions, over HTTP.

Every test runs a live server (the `specmock_server` fixture) and talks to it with
`requests`, the way a client under test would. Time moves only through the admin clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import requests

CLIENT_ID = "specmock-sfmc-client-id"
CLIENT_SECRET = "specmock-sfmc-client-secret"
DOCS = "https://developer.salesforce.com/docs/atlas.en-us.mc-apis.meta/mc-apis/error-handling.htm"


@dataclass
class Sfmc:
    """A logged-in client: the base URL and a session carrying the bearer token."""

    url: str
    http: requests.Session

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.http.request(method, self.url + path, timeout=30, **kwargs)

    def advance(self, seconds: float) -> None:
        """Move specmock's clock; statuses that wait on time progress."""
        response = requests.post(
            self.url + "/__specmock/clock", json={"advance": seconds}, timeout=10
        )
        assert response.status_code == 200, response.text


def token(url: str, **fields: Any) -> requests.Response:
    body = {"grant_type": "client_credentials", "client_id": CLIENT_ID}
    body["client_secret"] = CLIENT_SECRET
    return requests.post(url + "/v2/token", json={**body, **fields}, timeout=10)


def login(specmock_server: Any) -> Sfmc:
    """A fresh server (seed 1) and a session holding a token from it."""
    server = specmock_server("sfmc", seed=1)
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + token(server.url).json()["access_token"]
    return Sfmc(server.url, session)


@pytest.fixture
def sfmc(specmock_server) -> Sfmc:
    return login(specmock_server)


def assert_sfmc_error(response: requests.Response, status: int, errorcode: int, *words: str):
    """The vendor's error body, with every expected word in its message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["errorcode"] == errorcode, body
    assert set(body) >= {"message", "errorcode", "documentation"}
    for word in words:
        assert word in body["message"], body


# -- auth ------------------------------------------------------------------------------------
def test_client_credentials_token_points_back_at_specmock(specmock_server):
    server = specmock_server("sfmc", seed=1)
    response = token(server.url, account_id="514009123", scope="email_read email_send")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 1080
    assert body["scope"] == "email_read email_send"
    assert body["rest_instance_url"] == server.url + "/"
    assert body["soap_instance_url"] == server.url + "/"
    assert "refresh_token" not in body
    listed = requests.get(
        body["rest_instance_url"] + "data/v1/customobjects",
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=10,
    )
    assert listed.status_code == 200
    assert listed.json()["count"] == 0


def test_tokens_are_deterministic_per_seed(specmock_server):
    first = token(specmock_server("sfmc", seed=7).url).json()["access_token"]
    again = token(specmock_server("sfmc", seed=7).url).json()["access_token"]
    assert first == again


def test_form_encoded_token_request(specmock_server):
    server = specmock_server("sfmc", seed=1)
    data = {"grant_type": "client_credentials", "client_id": CLIENT_ID}
    data["client_secret"] = CLIENT_SECRET
    response = requests.post(server.url + "/v2/token", data=data, timeout=10)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("fields", "status", "error", "word"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client", "Client authentication failed"),
        ({"client_id": "someone-else"}, 401, "invalid_client", "client_id"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type", "password"),
        ({"grant_type": ""}, 400, "invalid_request", "grant_type"),
        ({"client_id": ""}, 400, "invalid_request", "client_id"),
        ({"scope": "email_read mind_reading"}, 400, "invalid_scope", "mind_reading"),
        ({"account_id": "BU-1"}, 400, "invalid_request", "account_id"),
        ({"grant_type": "refresh_token", "refresh_token": "nope"}, 400, "invalid_grant", "refresh"),
    ],
)
def test_oauth_errors(specmock_server, fields, status, error, word):
    server = specmock_server("sfmc", seed=1)
    response = token(server.url, **fields)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert word in body["error_description"]
    assert body["error_uri"]


def test_refresh_tokens_rotate(specmock_server):
    server = specmock_server("sfmc", seed=1)
    first = token(server.url, scope="offline email_read").json()
    assert first["refresh_token"]
    refreshed = token(server.url, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["scope"] == "offline email_read"
    assert refreshed.json()["access_token"] != first["access_token"]
    reused = token(server.url, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


def test_missing_unknown_and_expired_tokens_are_not_authorized(sfmc):
    assert sfmc.call("GET", "/data/v1/customobjects").status_code == 200
    for headers in ({}, {"Authorization": "Bearer forged"}, {"Authorization": "Basic a:b"}):
        response = requests.get(sfmc.url + "/data/v1/customobjects", headers=headers, timeout=10)
        assert response.status_code == 401
        assert response.json() == {
            "message": "Not Authorized",
            "errorcode": 0,
            "documentation": DOCS,
        }
    sfmc.advance(1079)
    assert sfmc.call("GET", "/data/v1/customobjects").status_code == 200
    sfmc.advance(2)
    expired = sfmc.call("GET", "/data/v1/customobjects")
    assert expired.status_code == 401
    assert expired.json()["message"] == "Not Authorized"


def test_trailing_slash_of_a_joined_base_url(sfmc):
    """`rest_instance_url` ends with "/"; a client adding "path/" must still land."""
    assert sfmc.call("GET", "/data/v1/customobjects/").status_code == 200


def test_double_slash_of_a_joined_base_url(sfmc):
    """Clients joining "https://host/" with "/data/v1/..." send "//data/v1/..."."""
    assert sfmc.call("GET", "//data/v1/customobjects").status_code == 200


# -- data extensions -------------------------------------------------------------------------
SUBSCRIBERS = {
    "name": "Subscribers",
    "key": "subscribers",
    "fields": [
        {"name": "SubscriberKey", "type": "Text", "isPrimaryKey": True, "length": 50},
        {"name": "Email", "type": "EmailAddress", "isNullable": False},
        {"name": "Age", "type": "Number"},
        {"name": "City", "type": "Text"},
        {"name": "Joined", "type": "Date"},
    ],
}
CITIES = ["Paris", "Berlin", "Lisbon", "Oslo"]


def make_de(sfmc: Sfmc, definition: dict[str, Any] = SUBSCRIBERS) -> dict[str, Any]:
    response = sfmc.call("POST", "/data/v1/customobjects", json=definition)
    assert response.status_code == 201, response.text
    return response.json()


def row(i: int) -> dict[str, Any]:
    return {
        "keys": {"SubscriberKey": f"sub-{i:04d}"},
        "values": {
            "Email": f"user{i}@example.com",
            "Age": 18 + i % 60,
            "City": CITIES[i % 4],
            "Joined": f"2024-{1 + i % 12:02d}-01",
        },
    }


def test_define_upsert_1000_rows_and_read_them_back_filtered_and_paged(sfmc):
    de = make_de(sfmc)
    assert de["key"] == "subscribers"
    assert [f["name"] for f in de["fields"] if f["isPrimaryKey"]] == ["SubscriberKey"]
    rows = [row(i) for i in range(1000)]
    saved = sfmc.call("POST", "/hub/v1/dataevents/key:subscribers/rowset", json=rows)
    assert saved.status_code == 200, saved.text[:500]
    assert saved.json()[0] == {
        "keys": {"subscriberkey": "sub-0000"},
        "values": {
            "email": "user0@example.com",
            "age": "18",
            "city": "Paris",
            "joined": "2024-01-01",
        },
    }
    again = sfmc.call("POST", f"/hub/v1/dataevents/{de['id']}/rowset", json=rows[:10])
    assert again.status_code == 200  # an upsert: the same keys replace, never duplicate
    assert sfmc.call("GET", f"/data/v1/customobjects/{de['id']}").json()["rowCount"] == 1000

    query = {"$filter": "City eq 'Paris' and Age gt 60", "$orderBy": "Age desc, SubscriberKey"}
    expected = sorted(
        (r for r in rows if r["values"]["City"] == "Paris" and r["values"]["Age"] > 60),
        key=lambda r: (-r["values"]["Age"], r["keys"]["SubscriberKey"]),
    )
    seen, page = [], 1
    while True:
        response = sfmc.call(
            "GET",
            "/data/v1/customobjectdata/key/subscribers/rowset",
            params={**query, "$page": page, "$pageSize": 7},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["count"] == len(expected)
        assert body["customObjectKey"] == "subscribers"
        seen += [item["keys"]["subscriberkey"] for item in body.get("items", [])]
        if "next" not in body["links"]:
            break
        page += 1
    assert seen == [r["keys"]["SubscriberKey"] for r in expected]
    assert page == -(-len(expected) // 7)

    beyond = sfmc.call(
        "GET", f"/data/v1/customobjectdata/{de['id']}/rowset", params={"$page": 999}
    ).json()
    assert beyond["count"] == 1000
    assert "items" not in beyond


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SubscriberKey eq 'sub-0003'", ["sub-0003"]),
        ("Age lt 20 and City ne 'Paris'", ["sub-0001", "sub-0061"]),
        ("City eq 'oslo' and (Age eq 21 or Age eq 22)", ["sub-0003", "sub-0063"]),
        ("Email like 'user1_@%' and Age ge 35", ["sub-0017", "sub-0018", "sub-0019"]),
        ("not (Age gt 19) and City eq 'Paris'", ["sub-0000", "sub-0060"]),
        ("Joined gt '2024-11-15' and Age lt 30", ["sub-0011", "sub-0071"]),
    ],
)
def test_filter_is_evaluated(sfmc, text, expected):
    make_de(sfmc)
    rows = [row(i) for i in range(100)]
    assert sfmc.call("POST", "/hub/v1/dataevents/key:subscribers/rowset", json=rows).ok
    response = sfmc.call(
        "GET",
        "/data/v1/customobjectdata/key/subscribers/rowset",
        params={"$filter": text, "$orderBy": "SubscriberKey asc", "$pageSize": 2500},
    )
    assert response.status_code == 200, response.text
    assert [i["keys"]["subscriberkey"] for i in response.json().get("items", [])] == expected


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"$filter": "Age gt"}, "expected a value"),
        ({"$filter": "Age between 1"}, "expected one of eq"),
        ({"$filter": "(Age eq 1"}, "expected ')'"),
        ({"$filter": "Shoe eq 'x'"}, "Shoe"),
        ({"$orderBy": "Shoe desc"}, "Shoe"),
        ({"$orderBy": "Age sideways"}, "expected ','"),
    ],
)
def test_bad_filter_and_order_name_the_problem(sfmc, params, word):
    make_de(sfmc)
    response = sfmc.call("GET", "/data/v1/customobjectdata/key/subscribers/rowset", params=params)
    assert_sfmc_error(response, 400, 10003, word)


@pytest.mark.parametrize(
    "text",
    [
        "not " * 400 + "Age eq 1",
        "(" * 500,
        " or ".join(["Age eq 1"] * 150),
        "Age eq '" + "x" * 1900,
    ],
)
def test_hostile_filters_are_refused_or_answered_never_a_crash(sfmc, text):
    make_de(sfmc)
    response = sfmc.call(
        "GET", "/data/v1/customobjectdata/key/subscribers/rowset", params={"$filter": text}
    )
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.json()["errorcode"] in (10003, 10000, 10005)


def test_ids_are_reproducible_for_a_seed(specmock_server):
    made = []
    for _ in range(2):
        client = login(specmock_server)
        made.append(make_de(client)["id"])
    assert made[0] == made[1]


def test_bad_rows_are_refused_together_naming_each_field(sfmc):
    make_de(sfmc)
    rows = [
        row(1),
        {"keys": {"SubscriberKey": "x"}, "values": {"Email": "x@example.com", "Shoe": 42}},
        {"keys": {"SubscriberKey": "y"}, "values": {"Email": "y@example.com", "Age": "old"}},
        {"keys": {}, "values": {"Email": "z@example.com"}},
        {"keys": {"SubscriberKey": "w"}, "values": {"Email": "not-an-address"}},
    ]
    response = sfmc.call("POST", "/hub/v1/dataevents/key:subscribers/rowset", json=rows)
    assert_sfmc_error(response, 400, 10006, "subscribers")
    messages = [e["message"] for e in response.json()["additionalErrors"]]
    assert any("Shoe" in m for m in messages)
    assert any("Age" in m and "Number" in m for m in messages)
    assert any("SubscriberKey" in m and "missing" in m for m in messages)
    assert any("Email" in m for m in messages)
    rowset = sfmc.call("GET", "/data/v1/customobjectdata/key/subscribers/rowset").json()
    assert rowset["count"] == 0  # nothing of a refused set is stored


def test_required_column_on_a_new_row(sfmc):
    make_de(sfmc)
    response = sfmc.call(
        "PUT", "/hub/v1/dataevents/key:subscribers/rows/SubscriberKey:a", json={"values": {}}
    )
    assert_sfmc_error(response, 400, 10006)
    assert "Email" in response.json()["additionalErrors"][0]["message"]


def test_row_by_key_upsert_and_delete(sfmc):
    make_de(sfmc)
    path = "/hub/v1/dataevents/key:subscribers/rows/SubscriberKey:sub-1"
    put = sfmc.call("PUT", path, json={"values": {"Email": "a@example.com", "Age": 40}})
    assert put.status_code == 200, put.text
    assert put.json() == {
        "keys": {"subscriberkey": "sub-1"},
        "values": {"email": "a@example.com", "age": "40"},
    }
    merged = sfmc.call("PUT", path, json={"values": {"City": "Oslo"}})
    assert merged.status_code == 200
    items = sfmc.call("GET", "/data/v1/customobjectdata/key/subscribers/rowset").json()["items"]
    assert items == [
        {
            "keys": {"subscriberkey": "sub-1"},
            "values": {"email": "a@example.com", "age": "40", "city": "Oslo", "joined": None},
        }
    ]
    assert sfmc.call("DELETE", path).status_code == 200
    assert_sfmc_error(sfmc.call("DELETE", path), 404, 10000, "sub-1")
    bad_ref = sfmc.call("DELETE", "/hub/v1/dataevents/key:subscribers/rows/sub-1")
    assert_sfmc_error(bad_ref, 400, 10003, "PrimaryKeyName:value")


def test_async_writes_complete_on_the_clock(sfmc):
    make_de(sfmc)
    items = [{"SubscriberKey": f"a{i}", "Email": f"a{i}@example.com"} for i in range(3)]
    accepted = sfmc.call(
        "POST", "/data/v1/async/dataextensions/key:subscribers/rows", json={"items": items}
    )
    assert accepted.status_code == 202, accepted.text
    request_id = accepted.json()["requestId"]
    pending = sfmc.call("GET", f"/data/v1/async/{request_id}/status").json()
    assert pending["status"]["requestStatus"] == "Pending"
    assert sfmc.call("GET", "/data/v1/customobjectdata/key/subscribers/rowset").json()["count"] == 0
    sfmc.advance(3)
    done = sfmc.call("GET", f"/data/v1/async/{request_id}/status").json()
    assert done["status"]["requestStatus"] == "Complete"
    assert done["status"]["resultStatus"] == "OK"
    assert sfmc.call("GET", "/data/v1/customobjectdata/key/subscribers/rowset").json()["count"] == 3

    clash = [*items[:1], {"SubscriberKey": "b", "Email": "b@example.com", "Age": "x"}]
    again = sfmc.call(
        "POST", "/data/v1/async/dataextensions/key:subscribers/rows", json={"items": clash}
    ).json()
    upsert = sfmc.call(
        "PUT", "/data/v1/async/dataextensions/key:subscribers/rows", json={"items": items[:1]}
    )
    assert upsert.status_code == 202
    sfmc.advance(3)
    results = sfmc.call("GET", f"/data/v1/async/{again['requestId']}/results").json()
    assert [r["status"] for r in results["items"]] == ["Error", "Error"]
    assert "PRIMARY KEY" in results["items"][0]["message"]
    assert "Age" in results["items"][1]["message"]
    status = sfmc.call("GET", f"/data/v1/async/{upsert.json()['requestId']}/status").json()
    assert status["status"]["resultStatus"] == "OK"


def test_data_extension_errors(sfmc):
    make_de(sfmc)
    assert_sfmc_error(sfmc.call("POST", "/data/v1/customobjects", json=SUBSCRIBERS), 409, 10005)
    twice = {"name": "T", "fields": [{"name": "A"}, {"name": "a"}]}
    assert_sfmc_error(sfmc.call("POST", "/data/v1/customobjects", json=twice), 400, 10005, "a")
    missing = sfmc.call("GET", "/data/v1/customobjectdata/key/nope/rowset")
    assert_sfmc_error(missing, 404, 10000, "nope")
    assert_sfmc_error(
        sfmc.call("POST", "/hub/v1/dataevents/key:nope/rowset", json=[row(1)]), 404, 10000
    )
    no_fields = sfmc.call("POST", "/data/v1/customobjects", json={"name": "T", "fields": []})
    assert no_fields.status_code == 400
    assert "fields" in no_fields.json()["message"]
    assert set(no_fields.json()) >= {"message", "errorcode", "documentation"}


def test_delete_data_extension(sfmc):
    de = make_de(sfmc)
    assert sfmc.call("POST", "/hub/v1/dataevents/key:subscribers/rowset", json=[row(1)]).ok
    assert sfmc.call("DELETE", "/data/v1/customobjects/key:subscribers").status_code == 204
    assert sfmc.call("GET", f"/data/v1/customobjects/{de['id']}").status_code == 404
    make_de(sfmc)
    fresh = sfmc.call("GET", "/data/v1/customobjectdata/key/subscribers/rowset").json()
    assert fresh["count"] == 0
