"""`specmock run`: real mocks around a real command; the command's status is the run's."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from specmock.cli.run import env_name


def _run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "specmock", "run", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_a_command_that_succeeds_sees_the_url_and_the_journal_is_saved(tmp_path):
    har = tmp_path / "journal.har"
    script = (
        "import os, httpx; "
        "r = httpx.get(os.environ['SPECMOCK_URL'] + '/pets/7'); "
        "assert os.environ['SPECMOCK_URL'] == os.environ['SPECMOCK_PETSTORE_URL']; "
        "print('status', r.status_code)"
    )
    done = _run(
        "petstore",
        "--seed",
        "3",
        "--stateless",
        "--har",
        str(har),
        "--",
        sys.executable,
        "-c",
        script,
    )
    assert done.returncode == 0, done.stderr
    assert "status 200" in done.stdout
    entries = json.loads(har.read_text())["log"]["entries"]
    assert [e["request"]["url"].endswith("/pets/7") for e in entries] == [True]


@pytest.mark.parametrize("status", [1, 7])
def test_a_failing_command_passes_its_status_through(status):
    done = _run("petstore", "--", sys.executable, "-c", f"raise SystemExit({status})")
    assert done.returncode == status


def test_a_missing_command_is_named_not_a_crash():
    done = _run("petstore", "--", "no-such-command-here")
    assert done.returncode == 127
    assert "no such command: no-such-command-here" in done.stderr


def test_without_a_command_the_usage_says_so():
    done = _run("petstore")
    assert done.returncode == 2
    assert "after `--`" in done.stderr


def test_two_services_through_the_exported_variables(tmp_path):
    pytest.importorskip("boto3")
    script = tmp_path / "client.py"
    script.write_text(
        "import os, boto3, httpx\n"
        "s3 = boto3.client('s3')\n"  # endpoint, keys and region from the environment
        "s3.create_bucket(Bucket='artifacts')\n"
        "s3.put_object(Bucket='artifacts', Key='a.txt', Body=b'hello')\n"
        "body = s3.get_object(Bucket='artifacts', Key='a.txt')['Body'].read()\n"
        "pet = httpx.get(os.environ['SPECMOCK_PETSTORE_URL'] + '/pets')\n"
        "print(body.decode(), pet.status_code, os.environ['AWS_ENDPOINT_URL'])\n"
    )
    drift = tmp_path / "drift.json"
    done = _run(
        "petstore", "s3", "--drift", str(drift), "--", sys.executable, str(script), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    body, status, endpoint = done.stdout.split()
    assert (body, status) == ("hello", "200")
    assert endpoint.endswith("/s3")
    assert isinstance(json.loads(drift.read_text()), dict)


def test_service_names_become_variable_names():
    assert env_name("petstore") == "SPECMOCK_PETSTORE_URL"
    assert env_name("veeva-vault.v2") == "SPECMOCK_VEEVA_VAULT_V2_URL"


def test_a_cancelled_run_stops_the_mocks_too():
    import re
    import signal

    import httpx

    proc = subprocess.Popen(
        [sys.executable, "-m", "specmock", "run", "petstore", "--", "sleep", "60"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stderr.readline()
        while "mocks on" not in line:
            assert line, "specmock run ended before the command started"
            line = proc.stderr.readline()
        url = re.search(r"http://[\d.:]+", line).group(0)
        assert httpx.get(url + "/__specmock/health/ready").status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 128 + signal.SIGTERM
        with pytest.raises(httpx.TransportError):
            httpx.get(url + "/__specmock/health/ready", timeout=2)
    finally:
        proc.kill()
        proc.wait()


def test_provider_templates_are_filled_per_service():
    from specmock import load_services
    from specmock.cli.run import service_env

    services = load_services(["petstore", "s3", "openai"], eager=False)
    env = service_env(services, "http://127.0.0.1:9001", "127.0.0.1", 9001)
    assert env["SPECMOCK_URL"] == "http://127.0.0.1:9001"
    assert env["SPECMOCK_PETSTORE_URL"] == "http://127.0.0.1:9001/petstore"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9001/s3"
    assert env["OPENAI_BASE_URL"] == "http://127.0.0.1:9001/openai/v1"
    assert env["OPENAI_API_KEY"] == "sk-specmock"
    (alone,) = load_services(["petstore"], eager=False)
    assert service_env([alone], "http://h:1", "h", 1)["SPECMOCK_PETSTORE_URL"] == "http://h:1"
