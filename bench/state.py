"""Stateful create+read on the memory store against stateless GET, measured in the same run.

Both are specmock on the bundled petstore under the same uvicorn command line (core 0;
wrk on core 1): stateless, `GET /pets/{id}` answered from the contract; stateful, an even
mix of `POST /pets` and `GET /pets/{id}` answered from the in-memory store. Printed: req/s,
p99 and the ratio stateful/stateless.

    python bench/state.py [--duration 10] [--rounds 3] [--connections 32]
    python bench/state.py --pages [--sizes 1000,10000,100000] [--stores memory,sqlite,...]

`--pages` runs bench/pages.py instead: list page p50/p99 and creates at 1k, 10k and 100k
items for each store, and RSS per 100k items in memory.
"""

from __future__ import annotations

import argparse
import sys

import httpx
import throughput
from _harness import (
    BENCH,
    CACHE,
    HOST,
    BenchError,
    free_port,
    log_tail,
    loud,
    ratio,
    running,
    wait_first_response,
)
from throughput import WrkResult, alternate, medians, require_tools, run_wrk, server_cmd

throughput.LOADS["CRUD"] = BENCH / "wrk_crud.lua"
MODES = {"stateless GET": ("0", "GET"), "stateful create+read": ("1", "CRUD")}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    return parser.parse_args()


def measure(mode: str, args: argparse.Namespace, rnd: int) -> WrkResult:
    stateful, load = MODES[mode]
    port = free_port()
    base = f"http://{HOST}:{port}"
    log = CACHE / f"state-{load.lower()}-round{rnd}.log"
    env = {"SPECMOCK_BENCH_SPEC": "petstore", "SPECMOCK_BENCH_STATEFUL": stateful}
    with running(server_cmd("specmock_app", port), log, env) as proc:
        wait_first_response(proc, f"{base}/pets", timeout=60.0)
        with httpx.Client(base_url=base, timeout=10.0) as client:
            for i in range(100):
                created = client.post("/pets", json={"name": f"pet{i}"})
                if created.status_code != 201:
                    raise BenchError(f"{mode}: POST -> {created.status_code}: {created.text}")
            if client.get("/pets/50").status_code != 200:
                raise BenchError(f"{mode}: GET /pets/50 does not answer 200")
        result = run_wrk(base, load, args.duration, args.connections)
        if proc.poll() is not None:
            raise BenchError(f"{mode} died during the run:\n{log_tail(log)}")
    return result


def main() -> int:
    args = parse_args()
    require_tools()
    CACHE.mkdir(parents=True, exist_ok=True)
    try:
        results = alternate(list(MODES), lambda mode, rnd: measure(mode, args, rnd), args.rounds)
    except BenchError as exc:
        loud(str(exc))
        return 1
    rps, p99, failed = medians(results)
    for mode in MODES:
        print(f"{mode:22} {rps[mode]:9.0f} req/s  p99 {p99[mode]:7.2f} ms (median)")
    value = ratio(rps["stateful create+read"], rps["stateless GET"])
    print(f"stateful create+read / stateless GET throughput ratio: {value:.2f}")
    if failed:
        loud("runs with errors: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    if "--pages" in sys.argv:
        import pages

        sys.argv.remove("--pages")
        sys.exit(pages.main())
    sys.exit(main())
