"""Twilio message creates per second, against a stateless petstore `GET /pets/{id}` served by
the same process in the same run.

One child process serves `petstore` (stateless) and `twilio`; each measurement times a fixed
number of requests from one client and from four threads, and prints its rate next to the
reference rate and their ratio. A create is the full path: form body parsed and validated,
Basic credentials checked, the failure catalogue consulted, a seeded SID drawn, the message
and its timeline stored, the answer checked against the contract.

    python bench/twilio.py [--count 300]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
from _harness import CACHE, HOST, BenchError, free_port, log_tail, loud, python, ratio, running
from _harness import wait_first_response as wait

ACCOUNT, TOKEN = "AC" + "0" * 32, "bench-token"


@dataclass
class Row:
    name: str
    per_second: float
    reference: float  # petstore GET per second, same run, same concurrency


def rate(count: int, threads: int, action: Callable[[httpx.Client, int], None]) -> float:
    """Requests per second for `count` calls spread over `threads` clients."""
    clients = [httpx.Client(timeout=30) for _ in range(threads)]
    share = max(count // threads, 1)

    def run(worker: int) -> None:
        for i in range(share):
            action(clients[worker], worker * share + i)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, range(threads)))
    seconds = time.perf_counter() - started
    for client in clients:
        client.close()
    return share * threads / seconds


def petstore_get(url: str) -> Callable[[httpx.Client, int], None]:
    def get(client: httpx.Client, i: int) -> None:
        reply = client.get(f"{url}/petstore/pets/{i % 1000 + 1}")
        if reply.status_code != 200:
            raise BenchError(f"petstore GET answered {reply.status_code}")

    return get


def sms(url: str, args: argparse.Namespace) -> list[Row]:
    """Twilio message create (form-encoded, Basic auth): 1 and 4 clients."""
    route = f"{url}/twilio/2010-04-01/Accounts/{ACCOUNT}/Messages.json"

    def create(client: httpx.Client, i: int) -> None:
        form = {"To": f"+1555{i % 10_000_000:07d}", "From": "+15557654321", "Body": f"code {i}"}
        reply = client.post(route, data=form, auth=(ACCOUNT, TOKEN))
        if reply.status_code != 201:
            raise BenchError(f"Messages.json answered {reply.status_code}: {reply.text[:200]}")

    rows = []
    for threads in (1, 4):
        rate(20, threads, create)  # warm-up
        mine = rate(args.count, threads, create)
        reference = rate(args.count, threads, petstore_get(url))
        rows.append(Row(f"Twilio create, {threads} client(s)", mine, reference))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="requests per measurement")
    args = parser.parse_args()
    port = free_port()
    url = f"http://{HOST}:{port}"
    log = CACHE / "twilio.log"
    command = [python(), "-m", "specmock", "serve", "petstore", "twilio", "--stateless",
               "--host", HOST, "--port", str(port), "--quiet", "--journal-size", "0"]  # fmt: skip
    with running(command, log) as proc:
        try:
            wait(proc, url + "/__specmock/health/live", 30)
            rows = sms(url, args)
        except (BenchError, httpx.HTTPError) as exc:
            loud(f"twilio bench failed: {exc}\n{log_tail(log)}")
            return 1
    print(f"{'measurement':<34} {'per s':>8} {'petstore GET/s':>15} {'ratio':>6}")
    for row in rows:
        print(f"{row.name:<34} {row.per_second:>8.1f} {row.reference:>15.1f} "
              f"{ratio(row.per_second, row.reference):>6.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
