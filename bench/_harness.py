"""Shared helpers for the benchmark scripts: ports, child processes, HTTP polling, RSS."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
CACHE = Path.home() / ".cache" / "specmock-bench"
HOST = "127.0.0.1"


class BenchError(RuntimeError):
    """A benchmark could not be carried out (setup problem or engine failure)."""


def free_port() -> int:
    """Ask the kernel for a free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def loud(message: str) -> None:
    """Print a message that must not be missed."""
    bar = "!" * 72
    print(f"\n{bar}\n!!! {message}\n{bar}\n", flush=True)


def start(
    cmd: Sequence[str], log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a child in its own process group, stdout and stderr going to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        return subprocess.Popen(
            list(cmd),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=REPO,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )


def stop(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Stop a child started by `start` and everything in its process group."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@contextlib.contextmanager
def running(
    cmd: Sequence[str], log: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Context manager: the child is always stopped on exit, even on errors."""
    proc = start(cmd, log, env)
    try:
        yield proc
    finally:
        stop(proc)


def log_tail(log: Path, lines: int = 30) -> str:
    """The last lines of a child's log, for error messages."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def wait_first_response(
    proc: subprocess.Popen[bytes],
    url: str,
    timeout: float,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """Poll `url` until any HTTP response arrives; fail if the child dies or time runs out."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=5.0, headers=headers) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise BenchError(f"server exited with code {proc.returncode} before answering")
            try:
                return client.get(url)
            except httpx.TransportError:
                time.sleep(0.01)
    raise BenchError(f"no HTTP response from {url} within {timeout:.0f}s")


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (the CLI may fork a server child)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def rss_mib(pid: int) -> float:
    """Summed VmRSS of `pid` and its descendants, in MiB."""
    total_kib = 0
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total_kib += int(line.split()[1])
    return total_kib / 1024


def median(values: Sequence[float]) -> float:
    """Median, NaN for an empty sequence."""
    return statistics.median(values) if values else float("nan")


def ratio(num: float, den: float) -> float:
    """num / den, NaN when the reference is missing."""
    return num / den if den else float("nan")


def python() -> str:
    """The interpreter running the bench (the project's venv when activated)."""
    return sys.executable
