"""Overhead of the journal and of fault-rule matching, as ratios to the plain request path.

Three runs of specmock on the bundled petstore (stateless GET /pets/{id}, same uvicorn
command line, core 0; wrk on core 1): plain (journal off, no rules), journal on, and journal
on with 100 fault rules loaded that never fire.

    python bench/control.py [--duration 10] [--rounds 3] [--connections 32]
"""

from __future__ import annotations

import argparse
import sys

from _harness import (
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

MODES = {
    "plain": {"SPECMOCK_BENCH_JOURNAL": "0", "SPECMOCK_BENCH_RULES": "0"},
    "journal": {"SPECMOCK_BENCH_JOURNAL": "1000", "SPECMOCK_BENCH_RULES": "0"},
    "journal + 100 rules": {"SPECMOCK_BENCH_JOURNAL": "1000", "SPECMOCK_BENCH_RULES": "100"},
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    return parser.parse_args()


def measure(mode: str, args: argparse.Namespace, rnd: int) -> WrkResult:
    port = free_port()
    base = f"http://{HOST}:{port}"
    log = CACHE / f"control-{rnd}-{mode.replace(' ', '')}.log"
    env = {"SPECMOCK_BENCH_SPEC": "petstore", **MODES[mode]}
    with running(server_cmd("specmock_app", port), log, env) as proc:
        wait_first_response(proc, f"{base}/pets/1", timeout=60.0)
        result = run_wrk(base, "GET", args.duration, args.connections)
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
    rps, _, failed = medians(results)
    for mode in MODES:
        print(
            f"{mode:20} {rps[mode]:9.0f} req/s (median)  "
            f"ratio to plain {ratio(rps[mode], rps['plain']):.2f}"
        )
    if failed:
        loud("runs with errors: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
