"""Instructions per request, in-process, counted by valgrind's callgrind: this checkout
against another (before a change), on a machine too busy for wall-clock ratios.

Counts are repeatable for the same code and inputs whatever else the machine does, so a
1 % change in the request path shows up where wrk's req/s would drown it in noise. Each
figure is (instructions with N requests - instructions with none) / N, so start-up and
compilation cancel out.

    python bench/instructions.py --baseline /tmp/before [--requests 1000]

Needs valgrind (apt-get install -y valgrind).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# One ASGI call per request: no sockets, no server, just specmock's own path.
DRIVER = r"""
import asyncio, os, specmock
app = specmock.create_app(["petstore"], seed=42, quiet=True, stateful=False)
POST = b'{"name":"Rex","tag":"dog"}'
async def call(method, path, body=b"", headers=()):
    sent = False
    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    async def send(message):
        pass
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
             "root_path": "", "scheme": "http", "query_string": b"",
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
             "headers": [(b"host", b"x"), *headers, (b"content-length", str(len(body)).encode())]}
    await app(scope, receive, send)
async def main():
    json = [(b"content-type", b"application/json"), (b"x-api-key", b"k")]
    for _ in range(100):  # warm the caches both runs share
        await call("GET", "/pets/1")
        await call("POST", "/pets", POST, json)
    for i in range(int(os.environ["N"])):
        if os.environ["KIND"] == "GET":
            await call("GET", f"/pets/{i % 50}")
        else:
            await call("POST", "/pets", POST, json)
asyncio.run(main())
"""


def instructions(code: Path, kind: str, requests: int) -> int:
    env = {**os.environ, "PYTHONPATH": str(code), "N": str(requests), "KIND": kind}
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    done = subprocess.run(
        [*cmd, sys.executable, "-c", DRIVER], env=env, capture_output=True, text=True
    )
    found = re.search(r"Collected : ([\d,]+)", done.stderr)
    if done.returncode != 0 or not found:
        raise SystemExit(f"callgrind run failed:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def per_request(code: Path, kind: str, requests: int) -> float:
    return (instructions(code, kind, requests) - instructions(code, kind, 0)) / requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, help="another checkout to compare with")
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is missing: apt-get install -y valgrind")
    print("in-process, stateless petstore, instructions per request (callgrind)")
    for kind in ("GET", "POST"):
        now = per_request(REPO, kind, args.requests)
        before = per_request(Path(args.baseline), kind, args.requests)
        ratio = now / before
        print(f"  {kind:<5} this {now:>9,.0f}   baseline {before:>9,.0f}   ratio {ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
