"""Generation time per quality level, and throughput with the answer cache on vs off.

In-process and single-threaded: the figures are ratios against a reference measured in
the same run (realistic generation; the cache-off run), never absolute targets.

    python bench/quality.py                      # petstore and openai (bundled, ~900 ops)
    python bench/quality.py --rounds 5 --requests 3000
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import time

import httpx

from specmock import create_app
from specmock.runtime.negotiation import Preference
from specmock.runtime.validation import Rejection

LEVELS = ("basic", "realistic", "production")
DYNAMIC = {"Prefer": "dynamic=true"}  # generated, not the spec's example


def generation(spec: str, rounds: int, limit: int) -> dict[str, float]:
    """Median microseconds to build and validate one answer, per level (no cache)."""
    app = create_app(spec, quiet=True, cache_size=0, stateful=False, eager=True)
    responder = app.responder
    ops = [
        op
        for service in app.services
        for op in service.operations
        if op.success is not None
        and any("json" in t for t in op.success.content)
        and not op.service.startswith("__")
    ][:limit]
    out: dict[str, float] = {}
    for level in LEVELS:
        samples = []
        for r in range(rounds):
            pref = Preference(quality=level, seed=r, dynamic=True)
            started = time.perf_counter()
            built = 0
            for op in ops:
                try:
                    responder.success(op, {}, pref, "application/json")
                    built += 1
                except Rejection:
                    continue
            samples.append((time.perf_counter() - started) / max(built, 1) * 1e6)
        out[level] = statistics.median(samples)
    print(f"{spec}: {len(ops)} operations, median over {rounds} rounds (µs per answer)")
    for level in LEVELS:
        ratio = out[level] / out["realistic"]
        print(f"  {level:11} {out[level]:9.1f} µs   {ratio:5.2f}x realistic")
    return out


def throughput(requests: int) -> float:
    """Requests per second on petstore GETs over 50 pet ids, cache off / cache on, through
    the whole ASGI app in one event loop (httpx's ASGI transport, no sockets)."""
    return asyncio.run(_throughput(requests))


async def _throughput(requests: int) -> float:
    rates = {}
    for label, size in (("cache off", 0), ("cache on", 4096)):
        app = create_app("petstore", quiet=True, cache_size=size, stateful=False, journal_size=0)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for i in range(50):  # warm up (and fill the cache)
                await client.get(f"/pets/{i + 1}", headers=DYNAMIC)
            started = time.perf_counter()
            for i in range(requests):
                response = await client.get(f"/pets/{i % 50 + 1}", headers=DYNAMIC)
                if response.status_code != 200:
                    raise SystemExit(f"GET /pets/{i % 50 + 1}: {response.status_code}")
            rates[label] = requests / (time.perf_counter() - started)
            stats = (await client.get("/__specmock/cache")).json()["tiers"][0]
        print(f"  {label:9} {rates[label]:8.0f} req/s   hit rate {stats['hit_rate']:.2f}")
    ratio = rates["cache on"] / rates["cache off"]
    print(f"  cache on / cache off: {ratio:.2f}x")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--limit", type=int, default=300, help="operations per spec")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # answers that fall back are logged; not wanted here
    for spec in ("petstore", "openai"):
        generation(spec, args.rounds, args.limit)
    print("throughput, in-process ASGI, petstore GET /pets/{id}:")
    throughput(args.requests)


if __name__ == "__main__":
    main()
