"""The openai service against a bare Starlette app answering a fixed completion, same run.

Both apps run under the same uvicorn command line, pinned to core 0; the load runs on
core 1. Printed, each beside the reference and the target:

* non-stream chat completions, req/s (wrk, `bench/wrk_chat.lua`): target ratio >= 0.8;
  beside it the server's CPU time per request, whose ratio moves less with other jobs;
* N concurrent streams (default 1,000) opened at once by a raw-socket asyncio client
  (httpx's own client saturates before the servers do): time to first token p50/p99
  (from connect to the first `data:` line) and errors: target p99 ratio <= 1.5;
* the memory one open stream costs specmock: N streams held open by slow pacing
  (`SPECMOCK_LLM_TOKENS_PER_SECOND`), RSS during minus RSS before, over N.

    python bench/llm.py [--duration 5] [--streams 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time

import httpx
from _harness import (
    CACHE,
    HOST,
    BenchError,
    free_port,
    log_tail,
    loud,
    ratio,
    rss_mib,
    running,
    wait_first_response,
)
from throughput import cpu_seconds, parse_wrk, server_cmd

LOAD = os.path.join(os.path.dirname(__file__), "wrk_chat.lua")
BODY = (
    b'{"model":"gpt-4o","messages":[{"role":"user","content":"Say hello"}],'
    b'"max_tokens":24,"stream":true}'
)
SERVERS = {"bare": "llm_bare", "specmock": "specmock_app"}
ENV = {"SPECMOCK_BENCH_SPEC": "openai", "SPECMOCK_BENCH_JOURNAL": "1000"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--streams", type=int, default=1000, help="concurrent streams")
    return parser.parse_args()


def request(port: int) -> bytes:
    return (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
        "Content-Type: application/json\r\nAuthorization: Bearer sk-bench\r\n"
        f"Content-Length: {len(BODY)}\r\nConnection: close\r\n\r\n"
    ).encode() + BODY


async def one_stream(port: int, payload: bytes, hold: asyncio.Event | None) -> float:
    """Seconds from connect to the first `data:` line; raises on anything but a full stream."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(HOST, port, limit=1 << 20)
    try:
        writer.write(payload)
        seen = b""
        first = None
        while True:
            piece = await reader.read(65536)
            if not piece:
                break
            seen += piece
            if first is None and b"data: " in seen:
                first = time.perf_counter() - started
                if hold is not None:
                    await hold.wait()
                    return first
            if b"data: [DONE]" in seen:
                break
        if not seen.startswith(b"HTTP/1.1 200") or first is None:
            raise BenchError(f"bad stream: {seen[:200]!r}")
        if b"data: [DONE]" not in seen:
            raise BenchError("stream ended without [DONE]")
        return first
    finally:
        writer.close()


async def many(port: int, count: int, hold: asyncio.Event | None = None) -> tuple[list, int]:
    payload = request(port)
    tasks = [asyncio.create_task(one_stream(port, payload, hold)) for _ in range(count)]
    if hold is not None:
        return tasks, 0
    done = await asyncio.gather(*tasks, return_exceptions=True)
    times = [d for d in done if isinstance(d, float)]
    return times, len(done) - len(times)


def p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def measure(name: str, args: argparse.Namespace) -> dict[str, float]:
    port = free_port()
    log = CACHE / f"llm-{name}.log"
    env = ENV if name == "specmock" else {}
    with running(server_cmd(SERVERS[name], port), log, env) as proc:
        base = f"http://{HOST}:{port}"
        try:
            wait_first_response(proc, base + "/v1/models", 120)
            check = httpx.post(
                base + "/v1/chat/completions",
                content=BODY.replace(b',"stream":true', b""),
                headers={"content-type": "application/json", "authorization": "Bearer sk"},
            )
            if check.status_code != 200:
                raise BenchError(f"{name}: chat answered {check.status_code}: {check.text[:300]}")
            cmd = [
                "taskset", "-c", "1", "wrk", "-t1", f"-c{args.connections}",
                f"-d{args.duration}s", "--latency", "--timeout", "5s", "-s", LOAD, base,
            ]  # fmt: skip
            subprocess.run([*cmd[:6], "-d1s", *cmd[7:]], capture_output=True, timeout=60)
            before = cpu_seconds(proc.pid)
            wrk = parse_wrk(subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout)
            cpu_us = (cpu_seconds(proc.pid) - before) / max(wrk.requests, 1) * 1e6
            asyncio.run(many(port, 50))  # warm up the stream path
            started = time.perf_counter()
            times, errors = asyncio.run(many(port, args.streams))
            took = time.perf_counter() - started
        except BenchError:
            print(log_tail(log), file=sys.stderr)
            raise
    print(
        f"{name:9} chat {wrk.rps:8.0f} req/s, {cpu_us:4.0f} us CPU/req (non-2xx {wrk.non_2xx}, "
        f"socket errors {wrk.socket_errors}) | {args.streams} streams: TTFT p50 "
        f"{p(times, 0.5):7.1f} ms, "
        f"p99 {p(times, 0.99):7.1f} ms, errors {errors}, all done in {took:.1f} s",
        flush=True,
    )
    return {
        "rps": wrk.rps,
        "cpu": cpu_us,
        "bad": wrk.non_2xx + wrk.socket_errors + errors,
        "p99": p(times, 0.99),
    }


def memory_per_stream(args: argparse.Namespace) -> float:
    """MiB per open specmock stream, N held open at once by slow pacing."""
    port = free_port()
    env = {**ENV, "SPECMOCK_LLM_TOKENS_PER_SECOND": "0.5"}
    with running(server_cmd(SERVERS["specmock"], port), CACHE / "llm-memory.log", env) as proc:
        wait_first_response(proc, f"http://{HOST}:{port}/v1/models", 120)
        asyncio.run(many(port, 20))

        async def hold_open() -> float:
            hold = asyncio.Event()
            before = rss_mib(proc.pid)
            tasks, _ = await many(port, args.streams, hold)
            deadline = time.monotonic() + 60
            while sum(1 for t in tasks if t.done()) < len(tasks) and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
                # every stream has sent its first chunk once all tasks wait on `hold`
                if all(t.done() or _waiting(t) for t in tasks):
                    break
            during = rss_mib(proc.pid)
            hold.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            return (during - before) / args.streams

        return asyncio.run(hold_open())


def _waiting(task: asyncio.Task) -> bool:
    stack = task.get_stack(limit=1)
    return bool(stack) and stack[0].f_code.co_name == "one_stream" and "hold" in stack[0].f_locals


def main() -> int:
    args = parse_args()
    os.sched_setaffinity(0, {1})
    print(
        f"openai service vs bare Starlette: wrk -c{args.connections} -d{args.duration}s, "
        f"{args.streams} concurrent streams; servers on core 0, load on core 1",
        flush=True,
    )
    try:
        results = {name: measure(name, args) for name in ("bare", "specmock")}
        per_stream = memory_per_stream(args)
    except BenchError as exc:
        loud(f"FAILED: {exc}")
        return 1
    rps = ratio(results["specmock"]["rps"], results["bare"]["rps"])
    ttft = ratio(results["specmock"]["p99"], results["bare"]["p99"])
    cpu = ratio(results["bare"]["cpu"], results["specmock"]["cpu"])
    print(f"non-stream req/s ratio specmock/bare: {rps:.2f} (target >= 0.8)")
    print(f"  CPU per request, bare/specmock:     {cpu:.2f} (steadier on a busy machine)")
    print(f"TTFT p99 ratio specmock/bare:        {ttft:.2f} (target <= 1.5)")
    print(f"memory per open specmock stream:      {per_stream * 1024:.1f} KiB")
    bad = results["bare"]["bad"] + results["specmock"]["bad"]
    if bad:
        loud(f"FAILED: {bad} errors during the load")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
