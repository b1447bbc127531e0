"""Mock-mode providers: `GET /__specmock/providers` and `specmock serve mockmode`, both
driven by the `x-specmock-provider` extension of the served contracts."""

from __future__ import annotations

import shlex
import subprocess
import sys

import httpx
import yaml

from specmock.generator.sources import SUFFIXES, bundled_dir, bundled_names, provider_specs
from specmock.testing import serve

from .served import provider_env, s3_client, serving

PETSTORE_AS_PROVIDER = {
    "openapi": "3.0.3",
    "info": {"title": "Mail relay", "version": "1", "x-specmock-name": "relay"},
    "x-specmock-provider": {
        "kind": "email",
        "env": {
            "RELAY_URL": "{url}",
            "SMTP_HOST": "{host}",
            "SMTP_PORT": "{smtp_port}",
            "RELAY_TOKEN": "fixed",
        },
    },
    "paths": {
        "/ping": {"get": {"operationId": "ping", "responses": {"200": {"description": "ok"}}}}
    },
}


def test_providers_lists_each_provider_with_filled_env_and_counters():
    with serve(
        ["s3", "gotenberg", "petstore"], seed=1, quiet=True, options={"s3_auth": "off"}
    ) as server:
        url = server.url
        httpx.put(url + "/s3/reports")
        httpx.get(url + "/gotenberg/health")
        httpx.post(url + "/gotenberg/forms/pdfengines/merge", files={"files": ("a.txt", b"x")})
        httpx.get(url + "/petstore/pets/1")
        answer = httpx.get(url + "/__specmock/providers")
    assert answer.status_code == 200
    found = {p["name"]: p for p in answer.json()}
    assert set(found) == {"s3", "gotenberg"}  # petstore declares no x-specmock-provider
    s3, pdf = found["s3"], found["gotenberg"]
    assert (s3["kind"], s3["url"], s3["mode"]) == ("storage", url + "/s3", "mock")
    assert s3["env"]["AWS_ENDPOINT_URL"] == url + "/s3"
    assert s3["env"]["AWS_ACCESS_KEY_ID"] == "specmock"
    assert s3["counters"] == {"requests": 1, "errors": 0}
    assert pdf["kind"] == "pdf" and pdf["env"] == {
        "GOTENBERG_URL": url + "/gotenberg",
        "GOTENBERG_API_URL": url + "/gotenberg",
    }
    assert pdf["counters"] == {"requests": 2, "errors": 1}
    assert pdf["upstream"] is None


def test_env_templates_take_host_port_and_service_settings():
    with serve(PETSTORE_AS_PROVIDER, quiet=True, options={"smtp_port": "2525"}) as server:
        [relay] = httpx.get(server.url + "/__specmock/providers").json()
    host = server.url.split("//")[1].split(":")[0]
    assert relay["env"] == {
        "RELAY_URL": server.url,
        "SMTP_HOST": host,
        "SMTP_PORT": "2525",
        "RELAY_TOKEN": "fixed",
    }
    with serve(PETSTORE_AS_PROVIDER, quiet=True) as server:  # no smtp_port: left out
        [relay] = httpx.get(server.url + "/__specmock/providers").json()
    assert "SMTP_PORT" not in relay["env"] and relay["env"]["RELAY_URL"] == server.url


def test_providers_show_the_traffic_mode():
    with serve(["s3", "gotenberg"], quiet=True) as server:
        admin = server.url + "/__specmock"
        httpx.put(admin + "/mode", json={"mode": "proxy", "upstreams": {"": "http://127.0.0.1:9"}})
        providers = httpx.get(admin + "/providers").json()
    assert {(p["mode"], p["upstream"]) for p in providers} == {("proxy", "http://127.0.0.1:9")}


def test_mockmode_is_every_bundled_spec_that_declares_a_provider():
    declared = []
    for name in bundled_names():
        path = next(p for p in bundled_dir().glob(f"{name}.*") if p.suffix in SUFFIXES)
        root = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        if isinstance(root, dict) and "x-specmock-provider" in root:
            declared.append(path)
    assert {"email", "gotenberg", "openai", "s3", "twilio"} <= {p.stem for p in declared}
    assert provider_specs() == declared


def test_serve_mockmode_prints_urls_and_env_and_serves_them():
    with serving("mockmode", "--smtp-port", "0", "--quiet") as served:
        listed = httpx.get(served.url + "/__specmock/providers").json()
        env = provider_env(served.url)
        health = httpx.get(env["GOTENBERG_URL"] + "/health")
        s3 = s3_client(env)
        s3.create_bucket(Bucket="mockmode")
        buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        out = served.stop()
    assert health.json()["status"] == "up" and buckets == ["mockmode"]
    lines = out.splitlines()
    assert lines[0] == f"mock mode: {len(listed)} provider(s) on {served.url}"
    assert {p.stem for p in provider_specs()} == {p["name"] for p in listed}
    for provider in listed:
        assert any(
            line.split() == [provider["name"], provider["kind"], provider["url"]] for line in lines
        )
        for name, value in provider["env"].items():
            assert f"  export {name}={shlex.quote(value)}" in lines


def test_serve_mockmode_env_prints_export_lines_and_exits():
    done = subprocess.run(
        [sys.executable, "-m", "specmock", "serve", "mockmode", "--port", "8765", "--env"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    exported = dict(shlex.split(line)[1].split("=", 1) for line in done.stdout.splitlines() if line)
    assert exported["AWS_ENDPOINT_URL"] == "http://127.0.0.1:8765/s3"
    assert exported["GOTENBERG_URL"] == "http://127.0.0.1:8765/gotenberg"
    assert exported["OPENAI_BASE_URL"] == "http://127.0.0.1:8765/openai/v1"
    assert (exported["SMTP_HOST"], exported["SMTP_PORT"]) == ("127.0.0.1", "1025")
    assert all(line.startswith("export ") for line in done.stdout.splitlines())
