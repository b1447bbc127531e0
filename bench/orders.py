"""Orders per second with callbacks flowing, and delivery latency p50/p99.

    python bench/orders.py                       # 2000 orders, 32 at a time
    python bench/orders.py --orders 500 --concurrency 8 --delays 0.2,0.2,0.2

Starts `specmock serve callback_server` and `specmock serve order_server` as two processes
on loopback (real clock, quiet), posts orders as fast as the concurrency allows, waits
until every notification has been delivered (4 per order), then reads the order
service's delivery log: orders/s is measured over the POSTs, latency is, per delivery,
from the moment it was due to the moment the receiver answered (queueing included).
Nothing is asserted; the exit code is non-zero only when a run failed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

import httpx
from _harness import CACHE, BenchError, free_port, log_tail, python, running, wait_first_response


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


async def post_orders(url: str, callback: str, count: int, concurrency: int) -> float:
    """POST `count` orders with `concurrency` in flight; seconds taken."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            n = queue.get_nowait()
            body = {"customer_id": f"c-{n}", "items": [{"sku": "SKU-1", "quantity": 1}],
                    "callback_url": callback}
            answer = await client.post(url + "/order", json=body)
            if answer.status_code != 201:
                raise BenchError(f"POST /order answered {answer.status_code}: {answer.text}")

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--delays", default="0.5,0.5,0.5", help="SPECMOCK_ORDER_DELAYS")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for delivery")
    args = parser.parse_args()
    env = {"SPECMOCK_ORDER_DELAYS": args.delays,
           "SPECMOCK_CALLBACK_LOG_DIR": str(CACHE / "orders-callbacks")}
    ports = {"callback_server": free_port(), "order_server": free_port()}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    cmds = {name: [python(), "-m", "specmock", "serve", name, "--port", str(port), "--quiet"]
            for name, port in ports.items()}
    logs = {name: CACHE / f"{name}.log" for name in ports}
    with running(cmds["callback_server"], logs["callback_server"], env) as cb, \
            running(cmds["order_server"], logs["order_server"], env) as orders:
        try:
            wait_first_response(cb, urls["callback_server"] + "/health", 30)
            wait_first_response(orders, urls["order_server"] + "/health", 30)
            seconds = asyncio.run(post_orders(urls["order_server"],
                                              urls["callback_server"] + "/callback",
                                              args.orders, args.concurrency))
            expected = args.orders * 4
            deadline = time.monotonic() + args.timeout
            while True:
                attempts = httpx.get(urls["order_server"] + "/admin/deliveries", timeout=60).json()
                done = [a for a in attempts if a["outcome"] == "200"]
                if len(done) >= expected or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        except (BenchError, httpx.HTTPError) as exc:
            print(f"run failed: {exc}\n{log_tail(logs['order_server'])}", file=sys.stderr)
            return 1
    latencies = [a["latency_ms"] for a in done]
    failed = len(attempts) - len(done)
    print(f"orders:            {args.orders} ({args.concurrency} in flight)")
    print(f"orders/s:          {args.orders / seconds:.0f}")
    print(f"notifications:     {len(done)} delivered of {expected}, {failed} failed attempts")
    print(f"delivery latency:  p50 {percentile(latencies, 0.5):.1f} ms, "
          f"p99 {percentile(latencies, 0.99):.1f} ms")
    return 0 if len(done) >= expected else 1


if __name__ == "__main__":
    sys.exit(main())
