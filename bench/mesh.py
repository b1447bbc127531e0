"""Mesh mode under load: 50 services in one process, against plain specmock in the same run.

The mesh is 10 chains of 5 generated services (s00 -> s01 -> ... -> s04, s05 -> ...),
served by `specmock mesh` pinned to core 0; wrk on core 1 requests the chain roots,
so every root request is 5 hops (5 answers by the engine, 4 downstream HTTP calls).
The reference is `specmock serve` of the same 50 specs, loaded on the leaf operations
(one hop each). Printed:

- throughput: root req/s, aggregate hop req/s (target >= 1,000), p99 of root requests,
  and the mesh hop rate as a ratio to the plain engine's request rate;
- trace propagation per hop: what reading the context, opening and recording the
  server and client spans and writing the outbound headers cost per hop (target < 5 ms),
  beside the whole cost of a hop (HTTP + engine) for scale;
- registry update visibility: from a Consul registration to the first lookup that
  sees it, and to the return of a blocking query (target < 100 ms);
- breaker decision time: the breaker's own decision, and a whole short-circuited
  request (target < 50 ms).

    python bench/mesh.py [--duration 10] [--connections 32]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from itertools import pairwise
from pathlib import Path

import httpx
import yaml
from _harness import CACHE, HOST, BenchError, free_port, log_tail, loud, python, ratio, running
from throughput import parse_wrk, require_tools

from specmock.mesh import load_mesh
from specmock.mesh.topology import ServiceDecl, generated_spec
from specmock.mesh.tracing import outbound, parse

CHAINS, DEPTH = 10, 5
NAMES = [f"s{i:02d}" for i in range(CHAINS * DEPTH)]


def mesh_doc() -> dict:
    services = {n: {"operations": {f"get_{n}": f"GET /{n}/{{id}}"}} for n in NAMES}
    chains = [NAMES[c * DEPTH : (c + 1) * DEPTH] for c in range(CHAINS)]
    calls = [
        {"from": f"{a}:get_{a}", "to": f"{b}:get_{b}"}
        for chain in chains
        for a, b in pairwise(chain)
    ]
    return {"seed": 1, "services": services, "calls": calls}


def wrk_script(folder: Path, paths: list[str]) -> Path:
    listed = ", ".join(f'"{p}"' for p in paths)
    script = folder / f"paths{len(paths)}.lua"
    script.write_text(
        f"local paths = {{{listed}}}\nlocal i = 0\n"
        "request = function()\n  i = (i % #paths) + 1\n"
        '  return wrk.format("GET", paths[i])\nend\n'
    )
    return script


def run_wrk(base: str, script: Path, seconds: int, connections: int):
    import subprocess

    cmd = [
        "taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
        "--latency", "--timeout", "5s", "-s", str(script), base,
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


def wait_up(base: str, proc, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"server exited:\n{log_tail(log)}")
        try:
            httpx.get(base + "/__specmock/health", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise BenchError(f"server did not answer:\n{log_tail(log)}")


def measure(cmd: list[str], name: str, paths: list[str], args) -> tuple:
    port = free_port()
    base = f"http://{HOST}:{port}"
    log = CACHE / f"mesh-{name}.log"
    with running(["taskset", "-c", "0", *cmd, "--port", str(port), "--quiet"], log) as proc:
        wait_up(base, proc, log)
        for path in paths:  # warm every operation, and check it answers
            answer = httpx.get(base + path, timeout=10)
            if answer.status_code != 200:
                raise BenchError(f"{name} {path} -> {answer.status_code}: {answer.text[:200]}")
        script = wrk_script(CACHE, paths)
        run_wrk(base, script, 2, args.connections)  # warm-up, discarded
        result = run_wrk(base, script, args.duration, args.connections)
        extra = probes(base) if name == "mesh" else {}
    return result, extra


def probes(base: str) -> dict[str, list[float]]:
    """Registry visibility, breaker decisions and per-hop latency, against the live mesh."""
    out: dict[str, list[float]] = {"visible": [], "blocking": [], "short": [], "hop": []}
    time.sleep(1.0)  # let the requests wrk left in flight finish
    with httpx.Client(base_url=base, timeout=10) as client:
        for i in range(30):
            name = f"probe{i}"
            index = client.get("/v1/catalog/services").headers["X-Consul-Index"]
            woke: list[float] = []

            def block(index: str = index, woke: list[float] = woke) -> None:
                with httpx.Client(base_url=base, timeout=10) as waiter:
                    waiter.get("/v1/catalog/services", params={"index": index, "wait": "5s"})
                woke.append(time.perf_counter())

            waiter = threading.Thread(target=block)
            waiter.start()
            time.sleep(0.05)  # the blocking query is waiting
            started = time.perf_counter()
            client.put("/v1/agent/service/register", json={"Name": name, "Port": 1})
            while not client.get(f"/v1/health/service/{name}").json():
                pass
            out["visible"].append((time.perf_counter() - started) * 1000)
            waiter.join()
            out["blocking"].append((woke[0] - started) * 1000)
        client.put("/__specmock/mesh/breakers/s00->s01", json={"state": "open"})
        client.delete("/__specmock/mesh/traces")
        for _ in range(50):
            started = time.perf_counter()
            answer = client.get("/s00/s00/1")
            out["short"].append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 503, answer.text
        spans = [
            s
            for t in client.get("/__specmock/mesh/traces").json()
            for s in client.get(f"/__specmock/mesh/traces/{t['trace_id']}").json()["spans"]
        ]
        out["decision"] = [
            s["attributes"]["breaker_decision_ms"] for s in spans if s["kind"] == "client"
        ]
        client.put("/__specmock/mesh/breakers/s00->s01", json={"state": "closed"})
        for _ in range(50):
            deep = time.perf_counter()
            client.get("/s00/s00/1")
            mid = time.perf_counter()
            client.get("/s04/s04/1")
            out["hop"].append(((mid - deep) - (time.perf_counter() - mid)) * 1000 / (DEPTH - 1))
    return out


def tracing_cost_ms(rounds: int = 20000) -> float:
    """Per hop: parse the context, open/record a server and a client span, write headers."""
    mesh = load_mesh(mesh_doc())
    tracer = mesh.tracer
    headers = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
    started = time.perf_counter()
    for _ in range(rounds):
        server = tracer.start("s01:get_s01", "server", "s01", parse(headers))
        client = tracer.start("s02:get_s02", "client", "s01", tracer.context(server))
        headers = outbound(tracer.context(client))
        client.finish(200)
        tracer.record(client)
        server.finish(200)
        tracer.record(server)
    return (time.perf_counter() - started) * 1000 / rounds


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of measured load")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    args = parser.parse_args()
    try:
        require_tools()
        CACHE.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="specmock-mesh-bench-"))
        mesh_file = folder / "mesh.yaml"
        mesh_file.write_text(yaml.safe_dump(mesh_doc()))
        specs = []
        for name in NAMES:
            spec = folder / f"{name}.yaml"
            spec.write_text(
                yaml.safe_dump(
                    generated_spec(ServiceDecl(name, None, {f"get_{name}": f"GET /{name}/{{id}}"}))
                )
            )
            specs.append(str(spec))
        roots = [f"/{NAMES[c * DEPTH]}/{NAMES[c * DEPTH]}/1" for c in range(CHAINS)]
        leaves = [f"/{n}/{n}/1" for n in NAMES]
        plain, _ = measure([python(), "-m", "specmock", "serve", *specs], "plain", leaves, args)
        mesh, extra = measure(
            [python(), "-m", "specmock", "mesh", str(mesh_file)], "mesh", roots, args
        )
    except BenchError as exc:
        loud(f"mesh bench could not run: {exc}")
        return 1
    hops = mesh.rps * DEPTH
    trace_ms = tracing_cost_ms()
    print(f"\nmesh: {len(NAMES)} services in one process ({CHAINS} chains of {DEPTH}), "
          f"{args.connections} connections, {args.duration} s")  # fmt: skip
    print(f"  plain specmock (1 hop)   {plain.rps:8.0f} req/s   p99 {plain.p99_ms:7.2f} ms")
    print(f"  mesh root requests       {mesh.rps:8.0f} req/s   p99 {mesh.p99_ms:7.2f} ms")
    print(f"  mesh aggregate hops      {hops:8.0f} req/s   (target >= 1000)"
          f"   {'ok' if hops >= 1000 else 'MISSED'}")  # fmt: skip
    print(f"  mesh hops / plain requests  {ratio(hops, plain.rps):.2f}")
    if not (mesh.ok and plain.ok):
        loud("some requests failed (non-2xx or socket errors)")
    print(f"  trace propagation per hop  {trace_ms * 1000:7.1f} us   (target < 5 ms)"
          f"   {'ok' if trace_ms < 5 else 'MISSED'}")  # fmt: skip
    print(f"  whole hop (HTTP + engine), median  {statistics.median(extra['hop']):.2f} ms")
    for key, label in (
        ("visible", "registration -> lookup sees it"),
        ("blocking", "registration -> blocking query returns"),
    ):
        values = extra[key]
        print(f"  registry {label}: median {statistics.median(values):.2f} ms, "
              f"max {max(values):.2f} ms   (target < 100 ms)"
              f"   {'ok' if max(values) < 100 else 'MISSED'}")  # fmt: skip
    decision = extra["decision"]
    short = extra["short"]
    print(f"  breaker decision: median {statistics.median(decision) * 1000:.1f} us, "
          f"max {max(decision) * 1000:.1f} us   (target < 50 ms)"
          f"   {'ok' if max(decision) < 50 else 'MISSED'}")  # fmt: skip
    print(f"  short-circuited request end to end: median {statistics.median(short):.2f} ms, "
          f"p99 {pct(short, 0.99):.2f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
