"""Precision and recall of `specmock explain`'s recognition, per pattern, on a labelled
set of operations from the bundled specs (bench/recognition_labels.tsv).

    python bench/recognition.py              # the table, then every miss
    python bench/recognition.py --quiet      # the table only
"""

from __future__ import annotations

import argparse
import logging
from collections import Counter
from pathlib import Path

from specmock.generator.recognize import recognize
from specmock.runtime.factory import load_services

LABELS = Path(__file__).with_name("recognition_labels.tsv")
CLAIM = (0.85, 0.95)  # what the response-library design says such recognition reaches


def labelled() -> dict[tuple[str, str], str]:
    out = {}
    for line in LABELS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            service, operation, pattern = line.split("\t")
            out[(service, operation)] = pattern
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    labels = labelled()
    names = sorted({service for service, _ in labels})
    found: dict[tuple[str, str], tuple[str, float]] = {}
    for service in load_services(names):
        for op in service.operations:
            key = (service.name, op.operation_id)
            if key in labels:
                rec = recognize(op)
                found[key] = (rec.pattern, rec.confidence)
    missing = set(labels) - set(found)
    if missing:
        raise SystemExit(f"labelled operations not in the specs: {sorted(missing)[:5]}")
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    for key, truth in labels.items():
        guess = found[key][0]
        if guess == truth:
            tp[truth] += 1
        else:
            fp[guess] += 1
            fn[truth] += 1
    print(f"{len(labels)} labelled operations from {', '.join(names)}")
    print(f"{'pattern':10} {'n':>4} {'precision':>9} {'recall':>7}")
    for pattern in sorted(set(labels.values()) | set(fp)):
        n = tp[pattern] + fn[pattern]
        precision = tp[pattern] / (tp[pattern] + fp[pattern]) if tp[pattern] + fp[pattern] else 0
        recall = tp[pattern] / n if n else 0
        print(f"{pattern:10} {n:4} {precision:9.2f} {recall:7.2f}")
    accuracy = sum(tp.values()) / len(labels)
    right = [c for k, (p, c) in found.items() if p == labels[k]]
    wrong = [c for k, (p, c) in found.items() if p != labels[k]]
    print(f"accuracy {accuracy:.2f} (claim in the design: {CLAIM[0]:.2f}-{CLAIM[1]:.2f})")
    if right and wrong:
        print(
            f"mean confidence: right {sum(right) / len(right):.2f}, "
            f"wrong {sum(wrong) / len(wrong):.2f}"
        )
    if not args.quiet:
        for key, truth in sorted(labels.items()):
            guess, confidence = found[key]
            if guess != truth:
                print(f"  miss {key[0]}:{key[1]}: {guess} ({confidence:.2f}), labelled {truth}")


if __name__ == "__main__":
    main()
