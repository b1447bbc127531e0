"""The Redis shared answer tier: two `specmock serve` processes on one private
redis-server serve the same bytes, with TTL, statistics and purge."""

from __future__ import annotations

import shlex
import time
import uuid
from pathlib import Path

import httpx
import redis
from click.testing import CliRunner

from specmock.cli import main
from tests.conftest import client_for
from tests.redis_server import redis_url, restartable_redis  # noqa: F401
from tests.served import fenced_blocks, serving

PAGE = Path(__file__).parents[1] / "docs" / "quality.md"


def _tiers(url: str) -> dict[str, dict]:
    return {t["tier"]: t for t in httpx.get(url + "/__specmock/cache").json()["tiers"]}


def _documented_command(cache: str) -> list[str]:
    """docs/quality.md's Redis command line, on the test's own server."""
    (line,) = [
        line
        for block in fenced_blocks(PAGE, "sh")
        for line in block.splitlines()
        if "--cache redis://" in line
    ]
    tokens = shlex.split(line)
    assert tokens[:2] == ["specmock", "serve"]
    return [cache if t.startswith("redis://") else t for t in tokens[2:]]


def test_a_second_process_serves_the_same_bytes_from_redis(redis_url: str) -> None:  # noqa: F811
    cache = f"{redis_url}?prefix=t-{uuid.uuid4().hex}"
    args = _documented_command(cache)
    with serving(*args) as one, serving(*args) as two:
        body = httpx.get(one.url + "/pets/5").content
        first = _tiers(one.url)
        assert (first["redis"]["misses"], first["redis"]["hits"], first["redis"]["size"]) == (
            1,
            0,
            1,
        )
        assert httpx.get(two.url + "/pets/5").content == body
        other = _tiers(two.url)
        assert other["memory"]["misses"] == 1  # not built there: taken from Redis
        assert (other["redis"]["hits"], other["redis"]["misses"]) == (1, 0)
        assert other["redis"]["hit_rate"] == 1.0
        metrics = httpx.get(two.url + "/__specmock/metrics").text
        assert 'specmock_cache_hits_total{tier="redis"} 1' in metrics
        # one purge empties the shared tier for both: memory 1 + redis 1
        assert httpx.delete(two.url + "/__specmock/cache").json() == {"purged": 2}
        assert _tiers(one.url)["redis"]["size"] == 0


def test_redis_answers_expire_after_the_ttl(redis_url: str) -> None:  # noqa: F811
    cache = f"{redis_url}?prefix=t-{uuid.uuid4().hex}"
    client = client_for("petstore", stateful=False, cache=cache, cache_ttl=1.0)
    client.get("/pets/5")
    client.app.responder.cache.purge()  # only Redis holds it now
    time.sleep(1.2)
    client.get("/pets/5")
    (memory, shared) = client.get("/__specmock/cache").json()["tiers"]
    assert (shared["tier"], shared["hits"], shared["misses"], shared["evictions"]) == (
        "redis",
        0,
        2,
        1,
    )
    assert memory["misses"] == 2
    prefix = cache.split("prefix=")[1]
    keys = redis.Redis.from_url(redis_url).keys(f"{prefix}:answer:*")
    assert len(keys) == 1  # built again and stored again, with a TTL
    assert 0 < redis.Redis.from_url(redis_url).pttl(keys[0]) <= 1000


def test_a_redis_that_stops_answering_costs_the_cache_not_the_answer() -> None:
    with restartable_redis() as server:
        client = client_for("petstore", stateful=False, cache=server.url)
        body = client.get("/pets/5").content
        server.stop()
        client.app.responder.cache.purge()
        again = client.get("/pets/5")
        assert again.status_code == 200 and again.content == body
        assert client.delete("/__specmock/cache").status_code == 200


def test_an_unreachable_redis_is_named_at_start() -> None:
    result = CliRunner().invoke(
        main, ["serve", "petstore", "--cache", "redis://127.0.0.1:1/0", "--quiet"]
    )
    assert result.exit_code == 2
    assert "redis://127.0.0.1:1/0" in result.output and "Redis does not answer" in result.output
