"""specmock side of bench/throughput.py, launched with the same uvicorn command line as
bare_app: `uvicorn specmock_app:create --factory --app-dir bench`.

The spec defaults to the bundled petstore; SPECMOCK_BENCH_SPEC overrides it.
SPECMOCK_BENCH_STATEFUL=1 serves the petstore from the in-memory store (auto-CRUD);
by default it is stateless, every answer generated from the contract.
SPECMOCK_BENCH_JOURNAL=0 turns the journal off; SPECMOCK_BENCH_RULES=N loads N fault rules
that match nothing.
SPECMOCK_BENCH_CACHE=0 turns the response cache off, so every request generates,
validates and serializes its answer anew (the worst case).
"""

from __future__ import annotations

import os
from typing import Any

import specmock


def create() -> Any:
    """uvicorn --factory entry point."""
    spec = os.environ.get("SPECMOCK_BENCH_SPEC", "petstore")
    cache = int(os.environ.get("SPECMOCK_BENCH_CACHE", "4096"))
    stateful = os.environ.get("SPECMOCK_BENCH_STATEFUL", "0") == "1"
    journal = int(os.environ.get("SPECMOCK_BENCH_JOURNAL", "1000"))
    rules = int(os.environ.get("SPECMOCK_BENCH_RULES", "0"))
    # rules that never match the benchmarked requests: the cost of looking through them
    faults = [[{"operation": f"nothing{i}", "status": 500} for i in range(rules)]] if rules else []
    return specmock.create_app(
        [spec],
        seed=42,
        quiet=True,
        cache_size=cache,
        stateful=stateful,
        journal_size=journal,
        faults=faults,
    )
