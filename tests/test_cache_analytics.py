"""The answer cache's statistics and purge, and per-operation analytics, against a
scripted run whose counts are known in advance."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import client_for


def _cache(client):
    (tier,) = client.get("/__specmock/cache").json()["tiers"]
    return tier


def test_a_second_identical_call_is_a_hit_and_the_numbers_add_up():
    client = client_for("petstore", stateful=False, cache_size=2)
    assert _cache(client) == {
        "tier": "memory",
        "hits": 0,
        "misses": 0,
        "hit_rate": 0.0,
        "size": 0,
        "capacity": 2,
        "evictions": 0,
    }
    first = client.get("/pets/1")
    again = client.get("/pets/1")
    assert first.content == again.content
    stats = _cache(client)
    assert (stats["hits"], stats["misses"], stats["size"]) == (1, 1, 1)
    assert stats["hit_rate"] == 0.5
    for pet in (2, 3, 4):  # three new keys into a cache of two: two evictions
        client.get(f"/pets/{pet}")
    stats = _cache(client)
    assert (stats["hits"], stats["misses"], stats["size"], stats["evictions"]) == (1, 4, 2, 2)
    assert stats["hits"] + stats["misses"] == 5  # one lookup per generated answer
    assert client.delete("/__specmock/cache").json() == {"purged": 2}
    assert _cache(client)["size"] == 0
    client.get("/pets/4")
    assert _cache(client)["misses"] == 5  # purged: built again
    metrics = client.get("/__specmock/metrics").text
    assert 'specmock_cache_hits_total{tier="memory"} 1' in metrics
    assert 'specmock_cache_misses_total{tier="memory"} 5' in metrics
    assert 'specmock_cache_evictions_total{tier="memory"} 2' in metrics


def test_quality_is_part_of_the_key():
    client = client_for("petstore", stateful=False)
    client.get("/pets/1")
    client.get("/pets/1", headers={"Prefer": "quality=basic"})
    assert _cache(client)["misses"] == 2


def test_analytics_match_a_scripted_run():
    client = client_for("petstore", stateful=False)
    for _ in range(3):
        client.get("/pets/1")
    client.get("/pets/2", headers={"Prefer": "code=404"})
    client.get("/pets", params={"limit": 5})
    client.get("/pets", params={"limit": "many"})  # refused: 400
    records = {r["operation"]: r for r in client.get("/__specmock/analytics").json()["operations"]}
    show = records["showPetById"]
    assert show["calls"] == 4
    assert sum(show["statuses"].values()) == 4 and show["statuses"] == {"200": 3, "404": 1}
    assert show["cache"] == {"hits": 2, "misses": 2, "hit_rate": 0.5}
    assert show["sources"] == {"mocked": 4, "replayed": 0, "forwarded": 0}
    p = show["latency_ms"]
    assert 0 < p["p50"] <= p["p95"] <= p["p99"]
    listing = records["listPets"]
    assert listing["calls"] == 2 and listing["statuses"] == {"200": 1, "400": 1}
    assert set(records) == {"showPetById", "listPets"}  # the control plane is left out
    metrics = client.get("/__specmock/metrics").text
    assert re.search(
        r'specmock_answers_total\{service="petstore",operation="showPetById",'
        r'source="mocked"\} 4',
        metrics,
    )
    assert 'operation="showPetById",quantile="0.99"}' in metrics


def test_replayed_answers_are_counted_apart(tmp_path):
    from specmock.runtime.cassette import Cassette, Exchange

    cassette = Cassette()
    body = b'{"id": 1, "name": "Rex"}'
    cassette.add(
        Exchange("GET", "/pets/1", "", {}, b"", 200, {"content-type": "application/json"}, body)
    )
    file = tmp_path / "pets.har"
    cassette.save(file)
    client = client_for("petstore", stateful=False, mode="hybrid", cassette=str(file))
    assert client.get("/pets/1").content == body
    client.get("/pets/2")
    (record,) = client.get("/__specmock/analytics").json()["operations"]
    assert record["sources"] == {"mocked": 1, "replayed": 1, "forwarded": 0}


def test_the_shared_tier_serves_a_second_process_the_same_bytes(tmp_path):
    url = f"sqlite:///{tmp_path / 'answers.db'}"
    script = (
        "import sys\n"
        "from starlette.testclient import TestClient\n"
        "from specmock import create_app\n"
        "c = TestClient(create_app('petstore', seed=42, quiet=True, stateful=False,"
        f" cache={url!r}))\n"
        "sys.stdout.buffer.write(c.get('/pets/5').content + b'\\n')\n"
        "sys.stdout.write(c.get('/__specmock/cache').text)\n"
    )
    first = client_for("petstore", stateful=False, cache=url)
    body = first.get("/pets/5").content
    tiers = {t["tier"]: t for t in first.get("/__specmock/cache").json()["tiers"]}
    assert (tiers["sqlite"]["misses"], tiers["sqlite"]["size"]) == (1, 1)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, env=env, timeout=60, check=True
    )
    served, stats = done.stdout.split(b"\n", 1)
    assert served == body
    other = {t["tier"]: t for t in json.loads(stats)["tiers"]}
    assert other["sqlite"]["hits"] == 1 and other["sqlite"]["misses"] == 0
    assert other["memory"]["misses"] == 1  # not built there: taken from the shared tier
    assert first.delete("/__specmock/cache").json() == {"purged": 2}  # memory 1 + sqlite 1


def test_the_shared_tier_forgets_after_its_ttl(tmp_path):
    url = f"sqlite:///{tmp_path / 'answers.db'}"
    client = client_for("petstore", stateful=False, cache=url, cache_ttl=0.05)
    client.get("/pets/5")
    client.app.responder.cache.purge()  # only the shared tier holds it now
    time.sleep(0.1)
    client.get("/pets/5")
    (memory, shared) = client.get("/__specmock/cache").json()["tiers"]
    assert (shared["hits"], shared["misses"], shared["evictions"]) == (0, 2, 1)
    assert memory["misses"] == 2
    metrics = client.get("/__specmock/metrics").text
    assert 'specmock_cache_evictions_total{tier="sqlite"} 1' in metrics


def test_a_bad_cache_url_names_the_option():
    from click.testing import CliRunner

    from specmock.cli import main

    result = CliRunner().invoke(main, ["serve", "petstore", "--cache", "postgres://x"])
    assert result.exit_code == 2
    assert "--cache" in result.output
    assert "is not memory://, sqlite:///PATH or redis://HOST:PORT/DB" in result.output
