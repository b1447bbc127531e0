"""The command line as a user runs it: a real `specmock serve` process and the linters."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx
import pytest
from click.testing import CliRunner

from specmock.cli import main

from .conftest import TEST_SPECS


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(*args: str, wait: float = 20):
    port = _free_port()
    cmd = [sys.executable, "-m", "specmock", "serve", *args, "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                # the admin readiness probe is answered by specmock itself, never forwarded
                # or recorded, so a slow first answer cannot be counted twice
                httpx.get(url + "/__specmock/health/ready", timeout=5)
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    raise AssertionError(proc.stderr.read()) from None
                time.sleep(0.1)
        yield url, proc
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_serve_bundled_spec_by_name_is_reproducible():
    with serving("petstore", "--seed", "42", "--stateless") as (url, _):
        first = httpx.get(url + "/pets/7").content
    with serving("petstore", "--seed", "42", "--stateless") as (url, _):
        again = httpx.get(url + "/pets/7").content
        bad = httpx.post(url + "/pets", content=b'{"tag":1}',
                         headers={"content-type": "application/json"})
    assert first == again
    pointers = {e["pointer"] for e in bad.json()["errors"]}
    assert bad.status_code == 400 and {"/name", "/tag"} <= pointers


def test_serve_logs_one_line_per_request_in_text_and_json():
    with serving("petstore", "--stateless") as (url, proc):
        httpx.get(url + "/pets/3", headers={"x-request-id": "rid-1"})
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    line = next(ln for ln in err.splitlines() if "rid-1" in ln)
    assert "GET /pets/3 200" in line and "showPetById" in line and "ms" in line
    with serving("petstore", "--stateless", "--log-format", "json") as (url, proc):
        httpx.get(url + "/pets/3", headers={"x-request-id": "rid-2"})
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    record = json.loads(next(ln for ln in err.splitlines() if "rid-2" in ln))
    assert record["status"] == 200 and record["path"] == "/pets/3" and record["ms"] >= 0


def test_serve_folder_mounts_every_spec(tmp_path):
    for name in ("petstore.yaml", "forms.yaml"):
        (tmp_path / name).write_text((TEST_SPECS / name).read_text())
    with serving(str(tmp_path)) as (url, _):
        assert httpx.get(url + "/petstore/v1/pets").json()["items"] == []
        missing = httpx.get(url + "/petstore/v1/pets/1")
        assert missing.status_code == 404 and "no pets item" in missing.json()["message"]
        assert httpx.get(url + "/forms/reports").status_code in (200, 401)


def test_serve_refuses_broken_spec_with_location():
    env = dict(os.environ)
    proc = subprocess.run([sys.executable, "-m", "specmock", "serve",
                           str(TEST_SPECS / "broken" / "bad_ref.yaml")],
                          capture_output=True, text=True, timeout=30, env=env)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "#/components/schemas/Nope" in proc.stderr and "bad_ref.yaml#/paths" in proc.stderr


def test_validate_exit_codes():
    runner = CliRunner()
    ok = runner.invoke(main, ["validate", "--strict-spec", str(TEST_SPECS / "petstore.yaml")])
    assert ok.exit_code == 0, ok.output
    bad_param = str(TEST_SPECS / "broken" / "bad_param.yaml")
    bad = runner.invoke(main, ["validate", "--strict-spec", bad_param])
    assert bad.exit_code == 1
    assert "/parameters/0/in" in bad.output
    served = runner.invoke(main, ["validate", bad_param])  # servable: a warning by default
    assert served.exit_code == 0 and "/parameters/0/in" in served.output
    broken = runner.invoke(main, ["validate", str(TEST_SPECS / "broken" / "bad_ref.yaml")])
    assert broken.exit_code == 1


def test_explain_lists_every_operation_and_answer():
    result = CliRunner().invoke(main, ["explain", "petstore"])
    assert result.exit_code == 0
    for op in ("listPets", "createPet", "showPetById", "deletePet"):
        assert op in result.output
    assert "answers 201" in result.output
    assert "role create pets at /pets, id field id" in result.output
    assert "role read pets" in result.output and "role delete pets" in result.output


def test_watch_reloads_a_changed_spec_keeping_state(tmp_path):
    spec = tmp_path / "pets.yaml"
    text = (TEST_SPECS.parent.parent / "specs" / "petstore.yaml").read_text()
    spec.write_text(text)
    with serving(str(spec), "--watch", "--quiet") as (url, _):
        assert httpx.post(url + "/pets", json={"name": "Rex"}).status_code == 201
        spec.write_text(text.replace("maxLength: 64", "maxLength: 3"))
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if httpx.post(url + "/pets", json={"name": "Long"}).status_code == 400:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the edited spec was not picked up")
        assert httpx.get(url + "/pets/1").json()["name"] == "Rex"


def test_tls_port_serves_https_with_a_self_signed_certificate():
    tls = _free_port()
    with serving("petstore", "--stateless", "--tls-port", str(tls)) as (url, _):
        deadline = time.monotonic() + 10
        while True:
            try:
                response = httpx.get(f"https://127.0.0.1:{tls}/pets/1", verify=False)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert response.status_code == 200
        assert response.content == httpx.get(url + "/pets/1").content


def test_admin_commands_drive_a_running_server(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("- {operation: showPetById, status: 404}\n")
    with serving("petstore", "--quiet") as (url, _):
        def admin(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-m", "specmock", "admin", "--url", url,
                                   *args], capture_output=True, text=True, timeout=30)

        httpx.post(url + "/pets", json={"name": "Rex"})
        assert json.loads(admin("requests", "--count", "--method", "POST").stdout) == {
            "count": 1}
        assert admin("faults", str(rules)).returncode == 0
        assert httpx.get(url + "/pets/1").status_code == 404
        assert admin("clear", "faults").returncode == 0
        assert httpx.get(url + "/pets/1").json()["name"] == "Rex"
        assert json.loads(admin("clock", "--freeze").stdout)["frozen"] is True
        assert admin("scenario", "nope").returncode == 1


def test_record_and_play_back_between_two_processes(tmp_path):
    cassette = tmp_path / "pets.har"
    with serving("petstore", "--quiet", "--seed", "5") as (upstream, _), serving(
        "petstore", "--quiet", "--mode", "record", "--upstream", upstream,
        "--cassette", str(cassette), "--drift-report", str(tmp_path / "drift.json"),
    ) as (url, _):
        def admin(*args: str) -> dict:
            done = subprocess.run([sys.executable, "-m", "specmock", "admin", "--url", url,
                                   *args], capture_output=True, text=True, timeout=30)
            assert done.returncode == 0, done.stderr
            return json.loads(done.stdout or "{}")

        assert httpx.get(url + "/__ready__").status_code == 404  # the upstream's own 404
        created = httpx.post(url + "/pets", json={"name": "Rex"}).json()
        assert admin("drift")["findings"] == 0
        assert admin("mode", "playback")["recorded"] == 2  # the 404, the POST
        again = httpx.post(url + "/pets", json={"name": "Rex"})
        assert again.json() == created
        assert len(admin("cassette")["log"]["entries"]) == 2
    statuses = [e["response"]["status"] for e in json.loads(cassette.read_text())["log"]["entries"]]
    assert statuses == [404, 201]


def test_s3_auth_off_and_service_options_from_the_command_line():
    import boto3
    from botocore.exceptions import ClientError

    with serving("s3", "--quiet", "--s3-auth", "off") as (url, _):
        assert httpx.put(url + "/open-bucket").status_code == 200
    with serving("s3", "--quiet", "--option", "s3_keys=team:team-secret") as (url, _):
        refused = httpx.put(url + "/closed-bucket")
        assert refused.status_code == 403 and b"<Code>AccessDenied</Code>" in refused.content

        def client(key: str, secret: str):
            return boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                                aws_access_key_id=key, aws_secret_access_key=secret)

        client("team", "team-secret").create_bucket(Bucket="team-bucket")
        with pytest.raises(ClientError, match="InvalidAccessKeyId"):
            client("specmock", "specmock-secret").list_buckets()
    result = CliRunner().invoke(main, ["serve", "s3", "--option", "s3_auth"])
    assert result.exit_code == 2 and "expected NAME=VALUE" in result.output
