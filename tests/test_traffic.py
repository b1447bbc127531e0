"""Proxy, record, playback and hybrid modes against a second specmock acting as the upstream."""

from __future__ import annotations

import json

import httpx
import pytest
import yaml
from click.testing import CliRunner
from starlette.testclient import TestClient

from specmock import create_app
from specmock.cli import main
from specmock.runtime.cassette import REDACTED, Cassette, Exchange, redact
from specmock.testing import serve_asgi

from .conftest import SPECS, client_for

NEW_PET = {"name": "Rex", "tag": "dog"}


@pytest.fixture
def upstream(specmock_server):
    return specmock_server("petstore", seed=11)


@pytest.fixture
def drifting_upstream(specmock_server, tmp_path):
    """The petstore as a real service might drift from it: string ids and an extra path."""
    spec = yaml.safe_load((SPECS / "petstore.yaml").read_text())
    pet = spec["components"]["schemas"]["Pet"]["allOf"][1]["properties"]
    pet["id"] = {"type": "string", "pattern": "^pet-[0-9]+$"}
    spec["paths"]["/toys"] = {
        "get": {"operationId": "listToys", "responses": {"200": {"description": "Toys."}}}
    }
    spec["x-specmock-name"] = "drifted"
    file = tmp_path / "drifted.yaml"
    file.write_text(yaml.safe_dump(spec))
    return specmock_server(str(file), seed=3, stateful=False)


def _record(upstream_url: str, cassette, drift=None) -> TestClient:
    return client_for(
        "petstore",
        mode="record",
        upstreams=[upstream_url],
        cassette=str(cassette),
        drift_report=str(drift) if drift else None,
    )


def test_record_then_playback_gives_the_same_answers(upstream, tmp_path):
    cassette = tmp_path / "petstore.har"
    recorder = _record(upstream.url, cassette)
    created = recorder.post("/pets", json=NEW_PET, headers={"Authorization": "Bearer s3cr3t"})
    assert created.status_code == 201
    pet_id = created.json()["id"]
    shown = recorder.get(f"/pets/{pet_id}")
    listed = recorder.get("/pets", params={"limit": 5})
    missing = recorder.get("/pets/999999")
    assert shown.json() == created.json()  # the upstream's state, not generated data
    assert missing.status_code == 404
    assert upstream.app.journal.find()[0].request_headers["authorization"] == "Bearer s3cr3t"

    har = json.loads(cassette.read_text())
    entries = har["log"]["entries"]
    assert [e["request"]["method"] for e in entries] == ["POST", "GET", "GET", "GET"]
    assert {"name": "authorization", "value": REDACTED} in entries[0]["request"]["headers"]

    player = client_for("petstore", mode="playback", cassette=str(cassette))
    for sent, recorded in [
        (player.post("/pets", json=NEW_PET), created),
        (player.get(f"/pets/{pet_id}"), shown),
        (player.get("/pets", params={"limit": 5}), listed),
        (player.get("/pets/999999"), missing),
    ]:
        assert (sent.status_code, sent.content) == (recorded.status_code, recorded.content)
    unrecorded = player.get("/pets/424242")
    assert unrecorded.status_code == 404
    assert "cassette holds no exchange" in unrecorded.text

    hybrid = client_for("petstore", mode="hybrid", cassette=str(cassette), stateful=False)
    assert hybrid.get(f"/pets/{pet_id}").content == shown.content
    generated = hybrid.get("/pets/424242")
    assert generated.status_code == 200 and generated.json()["id"] == 424242
    assert hybrid.post("/pets", json={"name": ""}).status_code == 400  # still validated


def test_playback_walks_through_repeated_recordings(upstream, tmp_path):
    cassette = tmp_path / "seq.har"
    recorder = _record(upstream.url, cassette)
    first = recorder.get("/pets").content
    recorder.post("/pets", json=NEW_PET)
    second = recorder.get("/pets").content
    assert first != second
    player = client_for("petstore", mode="playback", cassette=str(cassette))
    assert [player.get("/pets").content for _ in range(3)] == [first, second, second]


def test_proxy_reports_drift_in_responses_and_requests(drifting_upstream, tmp_path):
    report = tmp_path / "drift.json"
    proxy = client_for(
        "petstore", mode="proxy", upstreams=[drifting_upstream.url], drift_report=str(report)
    )
    answer = proxy.get("/pets/7")
    assert answer.status_code == 200
    assert isinstance(answer.json()["id"], str)  # relayed as the upstream sent it
    proxy.post("/pets", json={"name": 5})  # a request that breaks the contract, forwarded
    toys = proxy.get("/toys")
    assert toys.status_code == 200  # unknown to the contract, known upstream

    summary = proxy.get("/__specmock/drift").json()
    assert summary == json.loads(report.read_text())
    rules = {(r["side"], r["operation"], r["rule"], r["pointer"]) for r in summary["rules"]}
    assert ("response", "showPetById", "type", "/id") in rules
    assert ("request", "createPet", "type", "/name") in rules
    assert ("request", "GET /toys", "undocumented", "/toys") in rules
    assert summary["exchanges"] == 3
    assert proxy.delete("/__specmock/drift").status_code == 204
    assert proxy.get("/__specmock/drift").json()["findings"] == 0


def test_a_faithful_upstream_gives_no_drift(upstream):
    proxy = client_for("petstore", mode="proxy", upstreams=[upstream.url])
    proxy.post("/pets", json=NEW_PET)
    proxy.get("/pets")
    proxy.get("/pets/1")
    assert proxy.get("/__specmock/drift").json()["findings"] == 0


def test_faults_apply_to_proxied_traffic(upstream):
    proxy = client_for("petstore", mode="proxy", upstreams=[upstream.url])
    answer = proxy.get("/pets", headers={"X-Specmock-Fault": "400"})
    assert answer.status_code == 400
    assert upstream.app.journal.find() == []  # answered by the fault, never forwarded
    slowed = proxy.get("/pets", headers={"X-Specmock-Delay": "1"})
    assert slowed.status_code == 200
    forwarded = upstream.app.journal.find()[0].request_headers
    assert "x-specmock-delay" not in forwarded  # the upstream is not asked to delay again


def test_an_unreachable_upstream_is_a_502_and_a_finding():
    proxy = client_for("petstore", mode="proxy", upstreams=["http://127.0.0.1:9"])
    answer = proxy.get("/pets")
    assert answer.status_code == 502
    assert proxy.get("/__specmock/drift").json()["rules"][0]["rule"] == "status"


def test_mode_switches_at_runtime_through_the_admin_api(upstream, tmp_path):
    app = create_app(
        "petstore",
        seed=1,
        quiet=True,
        cassette=str(tmp_path / "c.har"),
        allow_upstreams=["http://127.0.0.1:*"],
    )
    client = TestClient(app)
    generated = client.get("/pets/3").content
    elsewhere = client.put(
        "/__specmock/mode", json={"mode": "proxy", "upstreams": {"": "http://10.1.2.3:80"}}
    )
    assert elsewhere.status_code == 409 and "--allow-upstream" in elsewhere.json()["detail"]
    switched = client.put(
        "/__specmock/mode", json={"mode": "record", "upstreams": {"": upstream.url}}
    )
    assert switched.json() == {
        "mode": "record",
        "upstreams": {"": upstream.url},
        "cassette": str(tmp_path / "c.har"),
        "recorded": 0,
    }
    recorded = client.get("/pets/3").content
    assert client.get("/__specmock/cassette").json()["log"]["entries"][0]["response"]["status"]
    client.put("/__specmock/mode", json={"mode": "playback"})
    assert client.get("/pets/3").content == recorded
    client.put("/__specmock/mode", json={"mode": "mock"})
    assert client.get("/pets/3").content == generated
    refused = client.put("/__specmock/mode", json={"mode": "proxy", "upstreams": {}})
    assert refused.status_code == 409 and "needs an upstream" in refused.json()["detail"]
    bad = client.put("/__specmock/mode", json={"mode": "proxy", "upstreams": {"": "ftp://x"}})
    assert bad.status_code == 400 and "/upstreams" in bad.text
    assert client.get("/__specmock/mode").json()["mode"] == "mock"  # nothing changed


def test_multi_service_upstreams_strip_the_mount_prefix(upstream):
    proxy = client_for(
        ["petstore", "order_server"],
        mode="proxy",
        upstreams=[f"petstore={upstream.url}", "order_server=http://127.0.0.1:9"],
    )
    assert proxy.post("/petstore/pets", json=NEW_PET).status_code == 201
    assert upstream.app.journal.find()[0].path == "/pets"


def test_redaction_covers_headers_query_and_json_fields():
    exchange = Exchange(
        "POST",
        "/login",
        "api_key=abc&page=2",
        {"authorization": "Basic eA==", "x-token": "t", "accept": "*/*"},
        b'{"user": "ann", "password": "hunter2", "nested": {"client_secret": "x"}}',
        200,
        {"set-cookie": "sid=1", "content-type": "application/json"},
        b'{"access_token": "tok", "expires_in": 60}',
    )
    kept = redact(exchange, frozenset({"X-Token", "api_key"}))
    assert kept.query == f"api_key={REDACTED}&page=2"
    assert kept.request_headers == {
        "authorization": REDACTED,
        "x-token": REDACTED,
        "accept": "*/*",
    }
    assert json.loads(kept.request_body) == {
        "user": "ann",
        "password": REDACTED,
        "nested": {"client_secret": REDACTED},
    }
    assert json.loads(kept.response_body) == {"access_token": REDACTED, "expires_in": 60}
    assert kept.response_headers["set-cookie"] == REDACTED


def test_cassettes_keep_binary_bodies_and_refuse_what_is_not_har(tmp_path):
    file = tmp_path / "bin.har"
    cassette = Cassette()
    body = bytes(range(256))
    cassette.add(Exchange("GET", "/blob", "", {}, b"", 200, {"content-type": "x/y"}, body))
    cassette.save(file)
    again = Cassette.load(file)
    assert again.find("GET", "/blob", "", b"").response_body == body
    (tmp_path / "bad.har").write_text("{}")
    with pytest.raises(ValueError, match="not a HAR file"):
        Cassette.load(tmp_path / "bad.har")


def test_cli_explains_a_mode_that_cannot_work(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["serve", "petstore", "--mode", "proxy"])
    assert result.exit_code == 2 and "needs an upstream URL" in result.output
    result = runner.invoke(main, ["serve", "petstore", "--mode", "record", "--upstream", "x"])
    assert result.exit_code == 2 and "expected [service=]http(s)://" in result.output


def test_httpx_through_a_recording_server(specmock_server, upstream, tmp_path):
    cassette = tmp_path / "live.har"
    recorder = specmock_server(
        "petstore", mode="record", upstreams=[upstream.url], cassette=str(cassette)
    )
    with httpx.Client(base_url=recorder.url) as client:
        created = client.post("/pets", json=NEW_PET)
        assert created.status_code == 201
        assert client.get(f"/pets/{created.json()['id']}").json() == created.json()
    assert len(json.loads(cassette.read_text())["log"]["entries"]) == 2


def test_streamed_uploads_are_forwarded_and_recorded(specmock_server, monkeypatch, tmp_path):
    monkeypatch.setenv("SPECMOCK_S3_AUTH", "off")
    monkeypatch.setenv("SPECMOCK_S3_BLOBS", str(tmp_path / "blobs"))
    s3 = specmock_server("s3", seed=1)
    cassette = tmp_path / "s3.har"
    recorder = specmock_server("s3", mode="record", upstreams=[s3.url], cassette=str(cassette))
    payload = bytes(range(256)) * 4096  # 1 MiB
    with httpx.Client(base_url=recorder.url) as client:
        assert client.put("/films").status_code == 200
        stored = client.put("/films/reel 1.bin", content=payload)
        assert stored.status_code == 200, stored.text
        assert client.get("/films/reel 1.bin").content == payload
    entries = json.loads(cassette.read_text())["log"]["entries"]
    assert [e["request"]["method"] for e in entries] == ["PUT", "PUT", "GET"]
    put = Cassette.load(cassette).exchanges[1]
    assert put.request_body == payload


def test_admin_upstreams_are_limited_to_start_ones_and_allowed_patterns():
    app = create_app(
        "petstore",
        quiet=True,
        mode="proxy",
        upstreams=["http://127.0.0.1:9"],
        allow_upstreams=["https://*.example.com"],
    )
    client = TestClient(app)
    mode = "/__specmock/mode"
    assert client.put(mode, json={"mode": "proxy", "upstreams": {"": "http://127.0.0.1:9"}}) \
        .status_code == 200
    ok = client.put(mode, json={"mode": "proxy", "upstreams": {"": "https://api.example.com"}})
    assert ok.status_code == 200 and ok.json()["upstreams"] == {"": "https://api.example.com"}
    local = client.put(mode, json={"mode": "proxy", "upstreams": {"": "http://localhost:8080"}})
    assert local.status_code == 200  # this host is always allowed
    refused = client.put(mode, json={"mode": "proxy", "upstreams": {"": "http://169.254.169.254"}})
    assert refused.status_code == 409
    assert "'http://169.254.169.254' is not allowed" in refused.json()["detail"]
    assert client.get(mode).json()["upstreams"] == {"": "http://localhost:8080"}


def test_admin_token_opens_the_admin_api_to_other_hosts_only_when_exact():
    from specmock.runtime import admin

    remote = {"client": ("10.1.2.3", 5000)}
    assert admin.allowed(remote, {"authorization": "Bearer s3cret"}, "s3cret")
    assert not admin.allowed(remote, {"authorization": "Bearer s3cres"}, "s3cret")
    assert not admin.allowed(remote, {"authorization": "Bearer s3cret2"}, "s3cret")
    assert not admin.allowed(remote, {}, "s3cret")
    assert not admin.allowed(remote, {"authorization": "Bearer "}, None)
    assert admin.allowed({"client": ("127.0.0.1", 1)}, {}, None)


def test_admin_mode_record_names_its_cassette_at_run_time(upstream, tmp_path, monkeypatch):
    """`specmock admin mode record --cassette FILE` on a server started without one."""
    with serve_asgi(create_app("petstore", seed=1, quiet=True)) as url:
        monkeypatch.chdir(tmp_path)
        runner = CliRunner()

        def admin(*args: str) -> dict:
            done = runner.invoke(main, ["admin", "--url", url, *args])
            assert done.exit_code == 0, done.output
            return json.loads(done.output)

        state = admin("mode", "record", "--upstream", upstream.url, "--cassette", "pets.har")
        assert (state["mode"], state["cassette"]) == ("record", str(tmp_path / "pets.har"))
        recorded = httpx.get(url + "/pets/3").content
        assert (tmp_path / "pets.har").exists()
        admin("mode", "mock")
        assert admin("mode", "playback", "--cassette", "pets.har")["recorded"] == 1
        assert httpx.get(url + "/pets/3").content == recorded
        (tmp_path / "junk.har").write_text("not json")
        refused = runner.invoke(main, ["admin", "--url", url, "mode", "playback", "--cassette",
                                       "junk.har"])
        assert refused.exit_code != 0 and "not a HAR file" in refused.output
        assert admin("mode")["cassette"] == str(tmp_path / "pets.har")  # unchanged
        folder = httpx.put(url + "/__specmock/mode", json={"mode": "playback",
                                                            "cassette": str(tmp_path)})
        assert folder.status_code == 400 and "cassette" in folder.json()["detail"]


@pytest.mark.parametrize("url", ["http://[", "http://a]", "https://[::1"])
def test_an_upstream_with_unpaired_brackets_is_refused(url):
    client = client_for("petstore")
    answer = client.put("/__specmock/mode", json={"mode": "mock", "upstreams": {"": url}})
    assert answer.status_code == 409 and "expected [service=]http(s)://host" in answer.text
    assert client.get("/__specmock/mode").json()["upstreams"] == {}
