"""Mock-mode providers under load, one section per provider, each measured against a
stateless petstore `GET /pets/{id}` served by the same process in the same run.

One child process serves `petstore` (stateless) beside the providers; each section times a
fixed number of requests from one client (and from several threads where it says so) and
prints its rate next to the reference rate and their ratio. A section is a function
`section(url, args) -> list[Row]` registered in SECTIONS; add one per provider.

    python bench/providers.py                 # every section
    python bench/providers.py pdf --count 200 # one section
    python bench/providers.py smtp            # SMTP capture, 1 and 8 connections, RSS

The smtp section sends ~1 KiB messages over raw SMTP (EHLO once, then MAIL, RCPT, DATA
per message; an asyncio client, so the client costs little) and prints messages captured
per second beside petstore GETs at the same concurrency, then fills the inbox to 10,000
messages and prints the server's RSS. Anchors measured for issue 23 on this machine:
MailDev 358/s (1 connection) and 609-638/s (8), ~200 MB at 10,000 messages; Sendria
260/s and 183-308/s, ~74 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
from _harness import (
    CACHE,
    HOST,
    BenchError,
    free_port,
    log_tail,
    loud,
    python,
    ratio,
    rss_mib,
    running,
)
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


MESSAGE = (
    b"From: Shop <shop@example.com>\r\nTo: ann+bench@example.com\r\n"
    b"Subject: Your receipt %d\r\nMessage-ID: <bench-%d@example.com>\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b1\r\n\r\n"
    b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    + b"Thank you for your order. Your code is 482913.\r\n" * 8
    + b"\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    + b"<p>Thank you for your order. Your code is <b>482913</b>.</p>\r\n" * 6
    + b"\r\n--b1--\r\n"
)
FILLED = 10_000  # messages in the inbox when RSS is read


async def _reply(reader: asyncio.StreamReader, expect: bytes) -> None:
    while True:
        line = await reader.readline()
        if not line:
            raise BenchError("the SMTP server closed the connection")
        if line[3:4] != b"-":
            break
    if not line.startswith(expect):
        raise BenchError(f"SMTP answered {line!r}, expected {expect.decode()}")


async def _connection(port: int, first: int, count: int) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    await _reply(reader, b"220")
    writer.write(b"EHLO bench\r\n")
    await _reply(reader, b"250")
    for n in range(first, first + count):
        writer.write(b"MAIL FROM:<shop@example.com>\r\n")
        await _reply(reader, b"250")
        writer.write(b"RCPT TO:<ann+bench@example.com>\r\n")
        await _reply(reader, b"250")
        writer.write(b"DATA\r\n")
        await _reply(reader, b"354")
        writer.write(MESSAGE % (n, n) + b".\r\n")
        await _reply(reader, b"250")
    writer.write(b"QUIT\r\n")
    await _reply(reader, b"221")
    writer.close()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the server process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def smtp_rate(port: int, connections: int, count: int, first: int = 0) -> float:
    """Messages per second, `count` spread over `connections` SMTP sessions."""
    share = max(count // connections, 1)

    async def run() -> float:
        started = time.perf_counter()
        await asyncio.gather(
            *(_connection(port, first + c * share, share) for c in range(connections))
        )
        return share * connections / (time.perf_counter() - started)

    return asyncio.run(run())


def smtp(url: str, args: argparse.Namespace) -> list[Row]:
    """SMTP messages captured per second with 1 and 8 connections; RSS at 10,000 messages."""
    count = max(args.count, 2000)
    empty = rss_mib(args.server_pid)
    sent = 0
    rows = []
    smtp_rate(args.smtp_port, 1, 100)  # warm-up
    sent += 100
    for connections in (1, 8):
        cpu = cpu_seconds(args.server_pid)
        mine = smtp_rate(args.smtp_port, connections, count, sent)
        done = count // connections * connections
        sent += done
        cpu = cpu_seconds(args.server_pid) - cpu
        # on a shared machine the wall-clock rate depends on the neighbours; the server's own
        # CPU per message does not
        print(f"SMTP, {connections} connection(s): {done / cpu:.0f} messages per server "
              f"CPU-second ({cpu / done * 1000:.2f} ms each)")  # fmt: skip
        reference = rate(min(count, 1000), connections, petstore_get(url))
        rows.append(Row(f"SMTP messages, {connections} connection(s)", mine, reference))
    left = FILLED - sent
    if left >= 8:
        smtp_rate(args.smtp_port, 8, left // 8 * 8, sent)
        sent += left // 8 * 8
    if sent < FILLED:
        smtp_rate(args.smtp_port, 1, FILLED - sent, sent)
    total = httpx.get(f"{url}/email/api/v1/messages", params={"limit": 1}).json()["total"]
    if total != FILLED:
        raise BenchError(f"the inbox holds {total} messages, expected {FILLED}")
    print(f"RSS with {total} messages captured: {rss_mib(args.server_pid):.0f} MiB, "
          f"{empty:.0f} MiB before the first (MailDev ~200 MB, Sendria ~74 MB)")  # fmt: skip
    return rows


SECTIONS: dict[str, Callable[[str, argparse.Namespace], list[Row]]] = {"pdf": pdf, "smtp": smtp}
SERVICES = {"pdf": ["gotenberg"], "smtp": ["email"]}


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
    if "smtp" in chosen:
        args.smtp_port = free_port()
        command += ["--smtp-port", str(args.smtp_port), "--option", f"email_retention={FILLED}"]
    rows: list[Row] = []
    with running(command, log) as proc:
        args.server_pid = proc.pid
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
