"""Two specmock processes on one Redis store behave as one service."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from .redis_server import redis_url  # noqa: F401
from .test_cli import serving


def test_two_workers_share_state_and_lose_no_concurrent_create(redis_url):  # noqa: F811
    state = redis_url
    with serving("petstore", "--state", state, "--quiet") as (one, _), \
            serving("petstore", "--state", state, "--quiet") as (two, _):
        httpx.delete(one + "/__specmock/state")
        created = httpx.post(one + "/pets", json={"name": "Rex"}).json()
        assert httpx.get(f"{two}/pets/{created['id']}").json()["name"] == "Rex"

        def create(i: int) -> int:
            base = one if i % 2 else two
            with httpx.Client() as client:
                return client.post(base + "/pets", json={"name": f"pet{i}"}).json()["id"]

        with ThreadPoolExecutor(max_workers=16) as pool:
            ids = list(pool.map(create, range(200)))
        assert len(set(ids)) == 200
        listed = httpx.get(two + "/pets?limit=100").json()
        assert len(listed) == 100
        everything = httpx.get(one + "/__specmock/state").json()["petstore:/pets"]
        assert len(everything) == 201
        assert {p["name"] for p in everything} == {"Rex", *(f"pet{i}" for i in range(200))}
