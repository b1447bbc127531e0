"""Instructions per request, in-process, counted by valgrind's callgrind: this checkout
against another (before a change), on a machine too busy for wall-clock ratios.

Counts are repeatable for the same code and inputs whatever else the machine does, so a
1 % change in the request path shows up where wrk's req/s would drown it in noise. Each
figure is (instructions with N requests - instructions with none) / N, so start-up and
compilation cancel out.

    python bench/instructions.py --baseline /tmp/before [--requests 1000] [--wire]

`--wire` also counts the whole server side of a GET as `specmock serve` runs it (uvicorn's
protocol fed the request bytes, the CLI's defaults) against bare Starlette the same way:
bare/this is the load-independent counterpart of throughput.py's ratio.

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


# The whole server side of a request, as `specmock serve` runs it: uvicorn's protocol
# (specmock's bounded one for the CLI) fed the request bytes, the app built by the CLI
# from its defaults (served docs, the log line on stderr, journal, metrics), its event
# loop. "bare" is bench/bare_app.py on uvicorn's httptools protocol and uvloop, the
# reference of bench/throughput.py; "engine" is bench/specmock_app.py the same way.
# The kernel's socket work is left out (the same for every server).
WIRE = r"""
import asyncio, inspect, os, sys
MODE = os.environ["MODE"]; KIND = os.environ["KIND"]; N = int(os.environ["N"])
sys.path.insert(0, os.environ["BENCH"])
import uvicorn
from uvicorn.server import ServerState

def loop_and_config():
    if MODE == "bare":
        import bare_app
        cfg = uvicorn.Config(bare_app.create(), http="httptools", access_log=False,
                             server_header=False, date_header=False, lifespan="off")
        return __import__("uvloop").new_event_loop(), cfg
    if MODE == "engine":
        import specmock_app
        cfg = uvicorn.Config(specmock_app.create(), http="httptools", access_log=False,
                             server_header=False, date_header=False, lifespan="off")
        return __import__("uvloop").new_event_loop(), cfg
    # the CLI: `specmock serve petstore --stateless` with its defaults, up to serving
    from specmock.cli.main import main
    from specmock.runtime import server
    got = {}
    def capture(app, host, port, *rest, **kw):
        got.update(app=app, host=host, port=port, rest=rest, kw=kw)
    server.run = capture
    args = ["serve", "petstore", "--seed", "42", "--stateless", *os.environ["EXTRA"].split()]
    main.main(args, standalone_mode=False)
    limits = got["kw"].get("limits") or (got["rest"][3] if len(got["rest"]) > 3 else None)
    params = inspect.signature(server.config).parameters
    cfg = (server.config(got["app"], got["host"], got["port"], limits) if "limits" in params
           else server.config(got["app"], got["host"], got["port"]))
    factory = getattr(server, "loop_factory", None)
    return (factory()() if factory else asyncio.new_event_loop()), cfg

class Transport:
    def __init__(self): self.out = 0; self.closed = False
    def write(self, data):
        self.out += 1
        if data.startswith(b"HTTP/1.1 "): self.status = data[9:12]
    def is_closing(self): return self.closed
    def close(self): self.closed = True
    def get_extra_info(self, name, default=None):
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 5555)}.get(name, default)
    def pause_reading(self): pass
    def resume_reading(self): pass
    def set_protocol(self, p): pass

POST = b'{"name":"Rex","tag":"dog"}'
def request(i):
    if KIND == "GET":
        return b"GET /pets/%d HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n" % (i % 1000 + 1)
    return (b"POST /pets HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nContent-Type: application/json\r\n"
            b"X-API-Key: bench\r\nContent-Length: %d\r\n\r\n" % len(POST)) + POST

loop, cfg = loop_and_config()
asyncio.set_event_loop(loop)
cfg.load()
async def main():
    state = ServerState()
    proto = cfg.http_protocol_class(cfg, state, {}, _loop=loop)
    t = Transport()
    proto.connection_made(t)
    async def one(i):
        proto.data_received(request(i))
        while state.tasks:
            await asyncio.sleep(0)
    for i in range(1000):
        await one(i)
    assert t.status == (b"200" if KIND == "GET" else b"201"), t.status
    for i in range(N):
        await one(i)
    assert not t.closed
    proto.connection_lost(None)
loop.run_until_complete(main())
"""


def instructions(
    code: Path, kind: str, requests: int, mode: str | None = None, extra: str = ""
) -> int:
    env = {**os.environ, "PYTHONPATH": str(code), "N": str(requests), "KIND": kind}
    env.update(MODE=mode or "", BENCH=str(REPO / "bench"), EXTRA=extra)
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    done = subprocess.run(
        [*cmd, sys.executable, "-c", WIRE if mode else DRIVER],
        env=env,
        cwd=code,  # `python -c` puts the working directory first on sys.path: the checkout
        capture_output=True,
        text=True,
    )
    found = re.search(r"Collected : ([\d,]+)", done.stderr)
    if done.returncode != 0 or not found:
        raise SystemExit(f"callgrind run failed:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def per_request(code: Path, kind: str, requests: int, mode: str | None = None) -> float:
    counts = [instructions(code, kind, n, mode) for n in (requests, 0)]
    return (counts[0] - counts[1]) / requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, help="another checkout to compare with")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument(
        "--wire",
        action="store_true",
        help="also count the whole server side of GET: bare Starlette, the engine, the CLI",
    )
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is missing: apt-get install -y valgrind")
    print("in-process, stateless petstore, instructions per request (callgrind)")
    for kind in ("GET", "POST"):
        now = per_request(REPO, kind, args.requests)
        before = per_request(Path(args.baseline), kind, args.requests)
        ratio = now / before
        print(f"  {kind:<5} this {now:>9,.0f}   baseline {before:>9,.0f}   ratio {ratio:.3f}")
    if args.wire:
        print("whole server side, uvicorn protocol fed the bytes (the CLI: `specmock serve")
        print("petstore --stateless`, its defaults: log line, docs, bounded protocol)")
        bare = per_request(REPO, "GET", args.requests, "bare")
        print(f"  bare Starlette GET {bare:>9,.0f}")
        for mode in ("engine", "cli"):
            now = per_request(REPO, "GET", args.requests, mode)
            before = per_request(Path(args.baseline), "GET", args.requests, mode)
            print(
                f"  {mode:<6} GET  this {now:>9,.0f} (bare/this {bare / now:.2f})   "
                f"baseline {before:>9,.0f} (bare/baseline {bare / before:.2f})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
