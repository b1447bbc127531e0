"""Mock-mode providers under load, one section per provider, each measured against a
stateless petstore `GET /pets/{id}` served by the same process in the same run.

One child process serves `petstore` (stateless) beside the providers; each section times a
fixed number of requests from one client (and from several threads where it says so) and
prints its rate next to the reference rate and their ratio. A section is a function
`section(url, args) -> list[Row]` registered in SECTIONS; add one per provider.

    python bench/providers.py                 # every section
    python bench/providers.py pdf --count 200 # one section
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

ONE_PAGE = (
    b"<!doctype html><html><head><title>Receipt</title></head><body>"
    b"<h1>Receipt 1042</h1><p>Thank you for your order. It ships tomorrow.</p>"
    b"<ul><li>Widget x 2</li><li>Gadget x 1</li></ul><p>Total: 42.00 EUR</p></body></html>"
)


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


def pdf(url: str, args: argparse.Namespace) -> list[Row]:
    """One-page HTML rendered to PDF: PDFs per second, 1 and 4 clients."""
    route = f"{url}/gotenberg/forms/chromium/convert/html"

    def convert(client: httpx.Client, i: int) -> None:
        reply = client.post(route, files={"files": ("index.html", ONE_PAGE, "text/html")})
        if reply.status_code != 200 or not reply.content.startswith(b"%PDF"):
            raise BenchError(f"convert/html answered {reply.status_code}: {reply.text[:200]}")

    rows = []
    for threads in (1, 4):
        rate(20, threads, convert)  # warm-up
        mine = rate(args.count, threads, convert)
        reference = rate(args.count, threads, petstore_get(url))
        rows.append(Row(f"PDF one page, {threads} client(s)", mine, reference))
    return rows


SECTIONS: dict[str, Callable[[str, argparse.Namespace], list[Row]]] = {"pdf": pdf}
SERVICES = {"pdf": ["gotenberg"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sections", nargs="*", metavar="SECTION", help=", ".join(SECTIONS))
    parser.add_argument("--count", type=int, default=300, help="requests per measurement")
    args = parser.parse_args()
    chosen = args.sections or list(SECTIONS)
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
    services = ["petstore", *dict.fromkeys(s for name in chosen for s in SERVICES[name])]
    port = free_port()
    url = f"http://{HOST}:{port}"
    log = CACHE / "providers.log"
    command = [python(), "-m", "specmock", "serve", *services, "--stateless", "--host", HOST,
               "--port", str(port), "--quiet", "--journal-size", "0"]  # fmt: skip
    rows: list[Row] = []
    with running(command, log) as proc:
        try:
            wait(proc, url + "/__specmock/health", 30)
            for name in chosen:
                rows.extend(SECTIONS[name](url, args))
        except (BenchError, httpx.HTTPError) as exc:
            loud(f"providers bench failed: {exc}\n{log_tail(log)}")
            return 1
    print(f"{'measurement':<34} {'per s':>8} {'petstore GET/s':>15} {'ratio':>6}")
    for row in rows:
        print(f"{row.name:<34} {row.per_second:>8.1f} {row.reference:>15.1f} "
              f"{ratio(row.per_second, row.reference):>6.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
