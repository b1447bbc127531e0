"""Throughput of specmock against a bare Starlette app, measured in the same run.

Both apps run under the same uvicorn command line, pinned to core 0; wrk runs on core 1.
A third server is `specmock serve petstore --stateless` itself, with the CLI's defaults
(a log line per request, the journal, the bounded HTTP protocol, uvloop), also on core 0.
Runs alternate (bare, specmock, cli, bare, ...) and the median of the rounds is kept.
Printed: req/s and p99 for GET /pets/{id} and POST /pets, and the ratios to bare.

    python bench/throughput.py [--duration 10] [--rounds 3] [--connections 32]

`--baseline PATH` adds one more server: specmock imported from another checkout (say,
`git worktree add /tmp/before HEAD~1`), so a change is measured against the code before
it in the same run, and `specmock / baseline` ratios are printed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from _harness import (
    BENCH,
    CACHE,
    HOST,
    BenchError,
    free_port,
    log_tail,
    loud,
    median,
    python,
    ratio,
    running,
    wait_first_response,
)

SERVERS = {"bare": "bare_app", "specmock": "specmock_app", "cli": "cli"}
LOADS = {"GET": BENCH / "wrk_get.lua", "POST": BENCH / "wrk_post.lua"}
TARGETS = {"GET": 0.6, "POST": 0.5}
CLI_TARGETS = {"GET": 0.75}  # issue 18: the CLI's default logging costs at most 10 %
EXPECTED = {"GET": 200, "POST": 201}
POST_BODY = {"name": "Rex", "tag": "dog"}
POST_HEADERS = {"X-API-Key": "bench"}
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


@dataclass
class WrkResult:
    """One wrk measurement."""

    rps: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    cpu_us: float = 0.0  # server CPU time per request: steadier than req/s on a busy machine

    @property
    def ok(self) -> bool:
        return self.requests > 0 and self.non_2xx == 0 and self.socket_errors == 0


def alternate(
    modes: list[str], measure: Callable[[str, int], WrkResult], rounds: int
) -> dict[str, list[WrkResult]]:
    """Measure each mode once per round, in turn (noise hits them alike); print each run."""
    results: dict[str, list[WrkResult]] = {mode: [] for mode in modes}
    width = max(len(m) for m in modes)
    for rnd in range(1, rounds + 1):
        for mode in modes:
            result = measure(mode, rnd)
            flag = "" if result.ok else "  FAILED: non-2xx or socket errors"
            print(
                f"  round {rnd} {mode:{width}} {result.rps:9.0f} req/s  "
                f"p99 {result.p99_ms:7.2f} ms{flag}"
            )
            results[mode].append(result)
    return results


def medians(results: dict[str, list[WrkResult]]) -> tuple[dict, dict, list[str]]:
    """Median req/s and p99 per mode, and the modes with a failed run."""
    rps = {mode: median([r.rps for r in rs]) for mode, rs in results.items()}
    p99 = {mode: median([r.p99_ms for r in rs]) for mode, rs in results.items()}
    failed = [mode for mode, rs in results.items() if not all(r.ok for r in rs)]
    return rps, p99, failed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of discarded load")
    parser.add_argument("--spec", default="petstore", help="spec given to create_app")
    parser.add_argument(
        "--baseline",
        metavar="PATH",
        help="also measure specmock imported from this checkout (before a change)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="turn specmock's response cache off (every answer built anew)",
    )
    return parser.parse_args()


def require_tools() -> None:
    missing = [tool for tool in ("wrk", "taskset") if shutil.which(tool) is None]
    if missing:
        raise BenchError(f"missing {', '.join(missing)}: apt-get install -y wrk util-linux")


def server_cmd(module: str, port: int) -> list[str]:
    """The same uvicorn command line for both apps, pinned to core 0 (or the CLI)."""
    if module == "cli":
        return [
            "taskset", "-c", "0", python(), "-m", "specmock", "serve", "petstore",
            "--seed", "42", "--stateless", "--host", HOST, "--port", str(port),
        ]  # fmt: skip
    return [
        "taskset", "-c", "0", python(), "-m", "uvicorn", f"{module}:create", "--factory",
        "--app-dir", str(BENCH), "--host", HOST, "--port", str(port),
        "--no-access-log", "--no-server-header", "--no-date-header",
        "--loop", "uvloop", "--http", "httptools", "--workers", "1",
    ]  # fmt: skip


def check_responses(base: str) -> list[str]:
    """Return the problems found with one GET and one POST (empty when both are right)."""
    problems = []
    with httpx.Client(base_url=base, timeout=10.0) as client:
        answers = {
            "GET": client.get("/pets/1"),
            "POST": client.post("/pets", json=POST_BODY, headers=POST_HEADERS),
        }
    for kind, resp in answers.items():
        if resp.status_code != EXPECTED[kind]:
            want = EXPECTED[kind]
            problems.append(f"{kind} -> {resp.status_code} (want {want}): {resp.text[:300]}")
    return problems


def latency_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise BenchError(f"cannot parse wrk latency {text!r}")
    return float(match.group(1)) * UNITS_MS[match.group(2)]


def parse_wrk(out: str) -> WrkResult:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    total = re.search(r"(\d+) requests in", out)
    if not (rps and p99 and total):
        raise BenchError(f"cannot parse wrk output:\n{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return WrkResult(
        rps=float(rps.group(1)),
        p99_ms=latency_ms(p99.group(1)),
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sock.groups()) if sock else 0,
    )


def run_wrk(base: str, kind: str, seconds: int, connections: int) -> WrkResult:
    """One wrk run pinned to core 1."""
    cmd = [
        "taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
        "--latency", "--timeout", "5s", "-s", str(LOADS[kind]), base,
    ]  # fmt: skip
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"wrk {kind} did not finish in {seconds + 60}s") from exc
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


def measure_server(name: str, args: argparse.Namespace, rnd: int) -> dict[str, WrkResult]:
    """Start one server, check it answers correctly, then load GET and POST."""
    port = free_port()
    base = f"http://{HOST}:{port}"
    log = CACHE / f"throughput-{name}-round{rnd}.log"
    env = {
        "SPECMOCK_BENCH_SPEC": args.spec,
        "SPECMOCK_BENCH_CACHE": "0" if args.no_cache else "4096",
    }
    if name == "baseline":
        env["PYTHONPATH"] = args.baseline
    module = SERVERS.get(name, SERVERS["specmock"])
    with running(server_cmd(module, port), log, env) as proc:
        try:
            wait_first_response(proc, f"{base}/pets/1", timeout=60.0)
        except BenchError as exc:
            raise BenchError(f"{name}: {exc}\n--- server log ---\n{log_tail(log)}") from exc
        problems = check_responses(base)
        if problems:
            raise BenchError(f"{name} answers wrongly:\n  " + "\n  ".join(problems))
        results = {}
        for kind in LOADS:
            if args.warmup:
                run_wrk(base, kind, args.warmup, args.connections)
            before = cpu_seconds(proc.pid)
            results[kind] = run_wrk(base, kind, args.duration, args.connections)
            spent = cpu_seconds(proc.pid) - before
            results[kind].cpu_us = spent / max(results[kind].requests, 1) * 1e6
        if proc.poll() is not None:
            raise BenchError(f"{name} died during the run:\n{log_tail(log)}")
    return results


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report_round(rnd: int, name: str, results: dict[str, WrkResult]) -> None:
    for kind, res in results.items():
        errors = f"{res.non_2xx} non-2xx, {res.socket_errors} socket errors"
        flag = "" if res.ok else f"  FAILED: {errors}"
        print(
            f"  round {rnd} {name:<8} {kind:<4} {res.rps:>10.0f} req/s  "
            f"p99 {res.p99_ms:>8.2f} ms  {res.cpu_us:>5.0f} us CPU/req  "
            f"({res.requests} requests){flag}",
            flush=True,
        )
        if not res.ok:
            loud(f"{name} {kind} returned errors during the load: this bench run FAILED")


def summarize(all_results: dict[str, dict[str, list[WrkResult]]]) -> None:
    print("\nMedians over rounds")
    print(f"  {'server':<9}{'load':<6}{'req/s':>10}{'p99 ms':>10}{'CPU us/req':>12}")
    meds: dict[tuple[str, str], tuple[float, float]] = {}
    for name, per_kind in all_results.items():
        for kind, runs in per_kind.items():
            meds[name, kind] = (median([r.rps for r in runs]), median([r.p99_ms for r in runs]))
            rps, p99 = meds[name, kind]
            cpu = median([r.cpu_us for r in runs])
            print(f"  {name:<9}{kind:<6}{rps:>10.0f}{p99:>10.2f}{cpu:>12.0f}")
    for name, targets in (("specmock", TARGETS), ("cli", CLI_TARGETS)):
        print(f"\n{name} / bare (same run)")
        for kind in LOADS:
            target = targets.get(kind)
            bare = meds.get(("bare", kind), (float("nan"), float("nan")))
            mock = meds.get((name, kind), (float("nan"), float("nan")))
            rps_ratio = ratio(mock[0], bare[0])
            verdict = "-" if target is None else ("meets" if rps_ratio >= target else "BELOW")
            print(
                f"  {kind:<5} throughput ratio {rps_ratio:5.2f}  (target >= {target}: "
                f"{verdict})   p99 ratio {ratio(mock[1], bare[1]):5.2f}"
            )
            pairs = zip(all_results[name][kind], all_results["bare"][kind], strict=False)
            per_round = [f"{ratio(m.rps, b.rps):.2f}" for m, b in pairs]
            print(f"        per-round throughput ratios: {', '.join(per_round) or '-'}")
    if "baseline" in all_results:
        print("\nspecmock / baseline (this checkout against the one before, same run)")
        for kind in TARGETS:
            now, before = meds[("specmock", kind)], meds[("baseline", kind)]
            pairs = zip(all_results["specmock"][kind], all_results["baseline"][kind], strict=False)
            per_round = ", ".join(f"{ratio(m.rps, b.rps):.2f}" for m, b in pairs) or "-"
            print(
                f"  {kind:<5} throughput ratio {ratio(now[0], before[0]):5.2f}   "
                f"p99 ratio {ratio(now[1], before[1]):5.2f}   per round: {per_round}"
            )


def main() -> int:
    args = parse_args()
    require_tools()
    CACHE.mkdir(parents=True, exist_ok=True)
    print(
        f"wrk -t1 -c{args.connections} -d{args.duration}s, {args.rounds} rounds, "
        f"servers on core 0, wrk on core 1; logs in {CACHE}",
        flush=True,
    )
    names = [*SERVERS, "baseline"] if args.baseline else list(SERVERS)
    all_results: dict[str, dict[str, list[WrkResult]]] = {
        name: {kind: [] for kind in LOADS} for name in names
    }
    failed = False
    for rnd in range(1, args.rounds + 1):
        for name in names:
            try:
                results = measure_server(name, args, rnd)
            except BenchError as exc:
                loud(f"round {rnd} {name}: BENCH FAILED\n{exc}")
                failed = True
                continue
            report_round(rnd, name, results)
            for kind, res in results.items():
                failed |= not res.ok
                all_results[name][kind].append(res)
    summarize(all_results)
    if failed:
        loud("some runs FAILED (errors or wrong status codes): figures above are not valid")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as err:
        loud(str(err))
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
