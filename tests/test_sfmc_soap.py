"""The SFMC SOAP API through FuelSDK (Salesforce's Python SDK) and over plain HTTP.

FuelSDK is configured as docs/sfmc.md shows: OAuth2 against specmock's /v2/token, the WSDL
fetched once from specmock's /etframework.wsdl into a local file; the SOAP endpoint comes
from the token's soap_instance_url.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from .test_sfmc import CLIENT_ID, CLIENT_SECRET, Sfmc, token

FuelSDK = pytest.importorskip("FuelSDK")


@pytest.fixture
def server(specmock_server):
    return specmock_server("sfmc", seed=1)


@pytest.fixture
def client(server, tmp_path: Path):
    wsdl = tmp_path / "etframework.wsdl"  # absent: FuelSDK downloads it from defaultwsdl
    stub = FuelSDK.ET_Client(
        False,
        False,
        {
            "clientid": CLIENT_ID,
            "clientsecret": CLIENT_SECRET,
            "useOAuth2Authentication": "True",
            "authenticationurl": server.url,
            "defaultwsdl": server.url + "/etframework.wsdl",
            "wsdl_file_local_loc": str(wsdl),
        },
    )
    assert wsdl.read_bytes().startswith(b"<?xml")
    assert stub.soap_endpoint == server.url + "/service.asmx"
    return stub


def rest(server) -> Sfmc:
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + token(server.url).json()["access_token"]
    return Sfmc(server.url, session)


def make(kind, client, **attrs):
    obj = kind()
    obj.auth_stub = client
    for name, value in attrs.items():
        setattr(obj, name, value)
    return obj


def row(client, props, **attrs):
    return make(FuelSDK.ET_DataExtension_Row, client, props=props, **attrs)


def test_data_extension_rows_crud_shared_with_rest(client, server):
    de = make(
        FuelSDK.ET_DataExtension,
        client,
        props={"Name": "People", "CustomerKey": "people"},
        columns=[
            {
                "Name": "Email",
                "FieldType": "EmailAddress",
                "IsPrimaryKey": "true",
                "IsRequired": "true",
            },
            {"Name": "Age", "FieldType": "Number"},
        ],
    )
    created = de.post()
    assert (created.status, created.code, created.message) == (True, 200, "OK")
    grown = make(
        FuelSDK.ET_DataExtension,
        client,
        props={"CustomerKey": "people", "Description": "Everyone"},
        columns=[{"Name": "City", "FieldType": "Text", "MaxLength": "50"}],
    ).patch()
    assert grown.status, grown.results
    fields = rest(server).call("GET", "/data/v1/customobjects/key:people").json()["fields"]
    assert [(f["name"], f["type"]) for f in fields] == [
        ("Email", "EmailAddress"),
        ("Age", "Number"),
        ("City", "Text"),
    ]
    found = make(FuelSDK.ET_DataExtension, client, props=["Name", "CustomerKey"]).get()
    assert [(d.Name, d.CustomerKey) for d in found.results] == [("People", "people")]

    for email, age in [("ada@example.com", "36"), ("bob@example.com", "41")]:
        added = row(client, {"Email": email, "Age": age}, CustomerKey="people").post()
        assert added.status, added.results
    again = row(client, {"Email": "ada@example.com", "Age": "1"}, CustomerKey="people").post()
    assert again.status is False and again.message == "Error"
    assert again.results[0].ErrorCode == 2
    assert "PRIMARY KEY" in again.results[0].StatusMessage
    bad = row(client, {"Email": "cy@example.com", "Age": "old"}, CustomerKey="people").post()
    assert bad.status is False and "Number" in bad.results[0].StatusMessage

    older = row(
        client,
        ["Email", "Age"],
        Name="People",
        search_filter={"Property": "Age", "SimpleOperator": "greaterThan", "Value": "40"},
    ).get()
    assert older.status, older.message
    assert [{p.Name: p.Value for p in r.Properties.Property} for r in older.results] == [
        {"Email": "bob@example.com", "Age": "41"}
    ]

    either = {
        "LeftOperand": {"Property": "Age", "SimpleOperator": "lessThan", "Value": "40"},
        "LogicalOperator": "OR",
        "RightOperand": {"Property": "Email", "SimpleOperator": "like", "Value": "bob"},
    }
    both = row(client, ["Email"], Name="People", search_filter=either).get()
    assert sorted(r.Properties.Property[0].Value for r in both.results) == [
        "ada@example.com",
        "bob@example.com",
    ]
    either["LogicalOperator"] = "AND"
    assert row(client, ["Email"], Name="People", search_filter=either).get().results == []
    typo = {"Property": "Agee", "SimpleOperator": "equals", "Value": "1"}
    refused = row(client, ["Email"], Name="People", search_filter=typo).get()
    assert refused.status is False and "Agee" in refused.message
    assert (
        row(client, {"Email": "ada@example.com", "Age": "37"}, CustomerKey="people").patch().status
    )
    over_rest = rest(server).call("GET", "/data/v1/customobjectdata/key/people/rowset").json()
    ages = {r["keys"]["email"]: r["values"]["age"] for r in over_rest["items"]}
    assert ages == {"ada@example.com": "37", "bob@example.com": "41"}

    assert row(client, {"Email": "bob@example.com"}, CustomerKey="people").delete().status
    gone = row(client, {"Email": "bob@example.com"}, CustomerKey="people").delete()
    assert gone.status is False and gone.results[0].ErrorCode == 3
    left = row(client, None, Name="People").get()  # no properties: the columns, via Describe
    assert [{p.Name: p.Value for p in r.Properties.Property} for r in left.results] == [
        {"Email": "ada@example.com", "Age": "37", "City": None}
    ]

    nameless = FuelSDK.ET_Get(client, "DataExtensionObject", ["Email"])
    assert nameless.status is False and "DataExtensionObject[Name]" in nameless.message
    missing = FuelSDK.ET_Get(client, "DataExtensionObject[Nope]", ["Email"])
    assert missing.status is False and "Nope does not exist" in missing.message
    unknown = row(client, ["Nope"], Name="People").get()
    assert unknown.status is False and "Nope" in unknown.message
    assert make(FuelSDK.ET_DataExtension, client, props={"CustomerKey": "people"}).delete().status
    assert rest(server).call("GET", "/data/v1/customobjects/key:people").status_code == 404


def test_triggered_send_lands_with_the_email_messages(client, server):
    tsd = make(
        FuelSDK.ET_TriggeredSend,
        client,
        props={"CustomerKey": "welcome-ts", "Name": "Welcome", "Email": {"ID": "1234"}},
    )
    assert tsd.post().status
    send = make(
        FuelSDK.ET_TriggeredSend,
        client,
        props={"CustomerKey": "welcome-ts"},
        subscribers=[{"EmailAddress": "ada@example.com", "SubscriberKey": "ada"}],
        attributes=[{"Name": "FirstName", "Value": "Ada"}],
    )
    refused = send.send()
    assert refused.status is False
    assert "not Active" in refused.results[0].StatusMessage
    activate = make(
        FuelSDK.ET_TriggeredSend,
        client,
        props={"CustomerKey": "welcome-ts", "TriggeredSendStatus": "Active"},
    )
    assert activate.patch().status
    listed = make(
        FuelSDK.ET_TriggeredSend, client, props=["CustomerKey", "TriggeredSendStatus"]
    ).get()
    assert [(t.CustomerKey, t.TriggeredSendStatus) for t in listed.results] == [
        ("welcome-ts", "Active")
    ]
    sent = send.send()
    assert (sent.status, sent.results[0].StatusMessage) == (True, "Created TriggeredSend")

    api = rest(server)
    again = api.call(
        "POST",
        "/messaging/v1/messageDefinitionSends/key:welcome-ts/send",
        json={"To": {"Address": "bob@example.com", "SubscriberKey": "bob"}},
    )
    assert again.status_code == 202, again.text
    api.advance(6)
    messages = api.call("GET", "/messaging/v1/email/messages", params={"type": "sent"}).json()
    got = [
        (m["definitionKey"], m["info"]["to"], m["info"]["attributes"]) for m in messages["messages"]
    ]
    assert got == [
        ("welcome-ts", "ada@example.com", {"FirstName": "Ada"}),
        ("welcome-ts", "bob@example.com", {}),
    ]


def test_campaign_create_reports_success(client):
    campaign = make(
        FuelSDK.ET_Campaign,
        client,
        props={
            "name": "Spring",
            "description": "Spring sale",
            "campaignCode": "SPR",
            "color": "0000ff",
        },
    )
    created = campaign.post()
    assert (created.status, created.code) == (True, 200), created.results
    got = make(FuelSDK.ET_Campaign, client, props={"id": created.results["id"]}).get()
    assert (got.status, got.results["name"]) == (True, "Spring")


def test_subscribers_and_lists_shared_with_rest(client, server):
    made = make(
        FuelSDK.ET_List, client, props={"ListName": "Newsletter", "Description": "Weekly"}
    ).post()
    assert made.status, made.results
    list_id = made.results[0].NewID
    sub = make(
        FuelSDK.ET_Subscriber,
        client,
        props={
            "EmailAddress": "ada@example.com",
            "SubscriberKey": "ada",
            "Lists": [{"ID": list_id}],
            "Attributes": [{"Name": "FirstName", "Value": "Ada"}],
        },
    )
    assert sub.post().status
    duplicate = sub.post()
    assert duplicate.status is False and duplicate.results[0].ErrorCode == 12014
    members = rest(server).call("GET", f"/email/v1/lists/{list_id}/subscribers").json()
    assert [(m["subscriberKey"], m["emailAddress"]) for m in members] == [
        ("ada", "ada@example.com")
    ]

    change = make(
        FuelSDK.ET_Subscriber, client, props={"SubscriberKey": "ada", "Status": "Unsubscribed"}
    )
    assert change.patch().status
    found = make(
        FuelSDK.ET_Subscriber,
        client,
        props=["SubscriberKey", "Status"],
        search_filter={"Property": "SubscriberKey", "SimpleOperator": "equals", "Value": "ada"},
    ).get()
    assert [(s.SubscriberKey, s.Status) for s in found.results] == [("ada", "Unsubscribed")]
    lists = make(FuelSDK.ET_List, client, props=["ID", "ListName"]).get()
    assert [(int(x.ID), x.ListName) for x in lists.results] == [(list_id, "Newsletter")]
    described = make(FuelSDK.ET_List, client).get()  # no properties: FuelSDK asks Describe
    assert described.status, described.message
    assert described.results[0].Description == "Weekly"
    assert "ListName" in [
        p.Name for p in make(FuelSDK.ET_List, client).info().results[0].Properties
    ]
    assert make(FuelSDK.ET_Subscriber, client, props={"SubscriberKey": "ada"}).delete().status
    assert rest(server).call("GET", f"/email/v1/lists/{list_id}/subscribers").json() == []
    assert make(FuelSDK.ET_List, client, props={"ID": list_id}).delete().status


ENVELOPE = """<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
<s:Header>{header}</s:Header>
<s:Body><RetrieveRequestMsg xmlns="http://exacttarget.com/wsdl/partnerAPI">
<RetrieveRequest><ObjectType>DataExtension</ObjectType><Properties>Name</Properties>
</RetrieveRequest></RetrieveRequestMsg></s:Body></s:Envelope>"""


def soap(server, header: str, body: str | None = None, **headers: str) -> requests.Response:
    data = ENVELOPE.format(header=header) if body is None else body
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": "Retrieve", **headers}
    return requests.post(server.url + "/Service.asmx", data=data, headers=headers, timeout=10)


def test_soap_auth_and_faults_over_plain_http(server):
    access = token(server.url).json()["access_token"]
    fuel = f'<fueloauth xmlns="http://exacttarget.com">{access}</fueloauth>'
    ok = soap(server, fuel)
    assert ok.status_code == 200, ok.text
    assert "<OverallStatus>OK</OverallStatus>" in ok.text
    legacy = f'<oAuth xmlns="http://exacttarget.com"><oAuthToken>{access}</oAuthToken></oAuth>'
    assert "<OverallStatus>OK</OverallStatus>" in soap(server, legacy).text

    for header in ("", '<fueloauth xmlns="http://exacttarget.com">not-a-token</fueloauth>'):
        refused = soap(server, header)
        assert refused.status_code == 500
        assert "q0:Security</faultcode><faultstring>Login Failed</faultstring>" in refused.text
    requests.post(server.url + "/__specmock/clock", json={"advance": 1081}, timeout=10)
    expired = soap(server, fuel)
    assert (expired.status_code, "Login Failed" in expired.text) == (500, True)

    garbage = soap(server, "", body="<not-xml")
    assert garbage.status_code == 500 and "<faultcode>soap:Client</faultcode>" in garbage.text
    assert "well-formed" in garbage.text
    entity = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    refused_entity = soap(server, "", body=entity)
    assert (refused_entity.status_code, "entities" in refused_entity.text) == (500, True)
    other = ENVELOPE.replace("RetrieveRequestMsg", "PerformRequestMsg").format(header=fuel)
    unknown = soap(server, "", body=other)
    assert "PerformRequestMsg is not an operation" in unknown.text

    create = """<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><s:Header>{header}</s:Header>
    <s:Body><CreateRequest xmlns="http://exacttarget.com/wsdl/partnerAPI">{objects}
    </CreateRequest></s:Body></s:Envelope>"""
    fresh = token(server.url).json()["access_token"]
    fuel = f'<fueloauth xmlns="http://exacttarget.com">{fresh}</fueloauth>'
    email = '<Objects xsi:type="Email"><Name>x</Name></Objects>'
    unsupported = soap(server, "", body=create.format(header=fuel, objects=email))
    assert unsupported.status_code == 200, unsupported.text
    assert "<OverallStatus>Error</OverallStatus>" in unsupported.text
    assert "<ErrorCode>1</ErrorCode>" in unsupported.text
    empty = soap(server, "", body=create.format(header=fuel, objects=""))
    assert "needs at least one of Objects" in empty.text

    injected = soap(server, fuel, **{"X-Specmock-Fault": "503"})
    assert injected.status_code == 503
    assert "<faultcode>soap:Server</faultcode>" in injected.text
