"""S3 PUT and GET throughput through boto3: specmock's s3 service against moto's server mode,
both measured in the same run, each a child process on the loopback.

Four workloads, each timed over a fixed number of sequential boto3 calls: PUT and GET of
4 KiB objects (request overhead) and of 8 MiB objects (bytes moved). Rounds alternate
between the two servers; the median round is printed with the ratio specmock/moto (above 1:
specmock is faster). Signature checks stay on in specmock (moto does not check them).

    pip install -e ".[bench]"
    python bench/s3.py [--rounds 3] [--small 300] [--large 12]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

import boto3
from _harness import (
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
from botocore.config import Config

KiB, MiB = 1024, 1024 * 1024
ACCESS, SECRET = "specmock", "specmock-secret"


def servers(port_specmock: int, port_moto: int) -> dict[str, list[str]]:
    return {
        "specmock": [python(), "-m", "specmock", "serve", "s3", "--host", HOST,
                     "--port", str(port_specmock), "--quiet", "--journal-size", "0"],
        "moto": [python(), "-m", "moto.server", "-H", HOST, "-p", str(port_moto)],
    }  # fmt: skip


def client(url: str):
    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=ACCESS,
        aws_secret_access_key=SECRET,
        config=Config(retries={"max_attempts": 1}),
    )


def timed(calls: int, action: Callable[[int], None]) -> float:
    """Seconds for `calls` sequential calls."""
    started = time.perf_counter()
    for i in range(calls):
        action(i)
    return time.perf_counter() - started


def workloads(s3, bucket: str, small: int, large: int) -> dict[str, tuple[float, float]]:
    """name -> (calls per second, MiB per second)."""
    little, big = os.urandom(4 * KiB), os.urandom(8 * MiB)
    out = {}
    for name, size, count, body in (
        ("4 KiB", 4 * KiB, small, little),
        ("8 MiB", 8 * MiB, large, big),
    ):
        put = timed(count, lambda i, b=body, n=name: s3.put_object(
            Bucket=bucket, Key=f"{n}/{i}", Body=b))  # fmt: skip
        get = timed(count, lambda i, n=name: s3.get_object(
            Bucket=bucket, Key=f"{n}/{i}")["Body"].read())  # fmt: skip
        out[f"PUT {name}"] = (count / put, count * size / MiB / put)
        out[f"GET {name}"] = (count / get, count * size / MiB / get)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--small", type=int, default=300, help="4 KiB objects per round")
    parser.add_argument("--large", type=int, default=12, help="8 MiB objects per round")
    args = parser.parse_args()
    ports = {"specmock": free_port(), "moto": free_port()}
    commands = servers(ports["specmock"], ports["moto"])
    results: dict[str, dict[str, list[tuple[float, float]]]] = {"specmock": {}, "moto": {}}
    for round_number in range(args.rounds):
        for name in ("specmock", "moto") if round_number % 2 == 0 else ("moto", "specmock"):
            log = CACHE / f"s3-{name}.log"
            url = f"http://{HOST}:{ports[name]}"
            with running(commands[name], log) as proc:
                try:
                    wait_first_response(proc, url + "/", 30)
                    s3 = client(url)
                    s3.create_bucket(Bucket="bench")
                    found = workloads(s3, "bench", args.small, args.large)
                except (BenchError, Exception) as exc:
                    loud(f"{name} failed: {exc}\n{log_tail(log)}")
                    return 1
            for workload, figures in found.items():
                results[name].setdefault(workload, []).append(figures)
    print(f"{'workload':<10} {'specmock/s':>11} {'moto/s':>9} {'ratio':>6}   "
          f"{'specmock MiB/s':>14} {'moto MiB/s':>10}")  # fmt: skip
    for workload in results["specmock"]:
        mine = [r[0] for r in results["specmock"][workload]]
        theirs = [r[0] for r in results["moto"][workload]]
        mine_mib = median([r[1] for r in results["specmock"][workload]])
        theirs_mib = median([r[1] for r in results["moto"][workload]])
        print(f"{workload:<10} {median(mine):>11.1f} {median(theirs):>9.1f} "
              f"{ratio(median(mine), median(theirs)):>6.2f}   "
              f"{mine_mib:>14.1f} {theirs_mib:>10.1f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
