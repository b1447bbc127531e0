"""Fit the weights `specmock explain` lays over its rules (specmock/generator/learned.py) to
the labelled operations of bench/recognition_*.tsv (all but KEPT_OUT), and write them to
specmock/generator/recognition_weights.json.

    python bench/train_recognition.py                      # fit, and write them
    python bench/train_recognition.py --hold-out 45 46 47  # fit without those, write nothing

With `--hold-out`, the held-out sets are recognized by the rules alone and by weights fitted
without them, and both accuracies are printed: what specs the weights never saw get. The
fit is multinomial logistic regression (scikit-learn: `pip install -e '.[bench]'`) over
`recognize.cues()`, keeping cues seen on at least ten operations. It is deterministic: the
same labels give the same file.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from pathlib import Path

from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from specmock.generator import learned
from specmock.generator.recognize import PATTERNS, cues, recognize

sys.path.insert(0, str(Path(__file__).parent))
from recognition import HELD_OUT_SETS, SURE, labelled

STRENGTH = 0.3  # inverse regularization; 0.1-1.0 differed by about one point on sets 36-38
# labelled after the weights' design was fixed and never fitted to, so that their figure
# stays a held-out one (bench/README.md); fit to them only when newer sets take their place
KEPT_OUT = ("48", "49", "50")
SEEN = 10  # a cue must occur on this many labelled operations to be kept (2 to 10: same
# accuracy on sets 36-47, a fifth of the cues)


def fit(examples: list[tuple[dict[str, float], str]]) -> learned.Weights:
    counts = Counter(cue for found, _ in examples for cue in found)
    kept = [({c: x for c, x in found.items() if counts[c] >= SEEN}, y) for found, y in examples]
    vectors = DictVectorizer(sort=True)
    matrix = vectors.fit_transform([found for found, _ in kept])
    model = LogisticRegression(C=STRENGTH, max_iter=5000)
    model.fit(matrix, [y for _, y in kept])
    order = [list(model.classes_).index(p) if p in model.classes_ else None for p in PATTERNS]

    def row(values) -> tuple[float, ...]:
        return tuple(float(values[i]) if i is not None else -20.0 for i in order)

    names = vectors.get_feature_names_out()
    columns = model.coef_.T
    return learned.Weights(
        PATTERNS,
        row(model.intercept_),
        {str(cue): row(columns[j]) for j, cue in enumerate(names)},
        len(examples),
    )


def examples(sets: list[str]) -> list[tuple[dict[str, float], str]]:
    return [(cues(op, edited), label) for _, _, label, op, edited in labelled(sets)]


def held_out(numbers: list[str], weights: learned.Weights) -> None:
    """Each held-out set's accuracy by the rules alone and weighed, then all together, and
    how many weighed guesses are sure (probability >= SURE) and how many of those right."""
    ruled, weighed, sure = Counter(), Counter(), Counter()
    for number in numbers:
        for _, _, label, op, edited in labelled([number]):
            found = learned.weigh(cues(op, edited), weights)
            ruled[number, recognize(op, edited, weighed=False).pattern == label] += 1
            weighed[number, found.pattern == label] += 1
            if found.probability >= SURE:
                sure[found.pattern == label] += 1
    for name in [*numbers, None]:
        right = sum(n for (s, ok), n in weighed.items() if ok and name in (s, None))
        rules = sum(n for (s, ok), n in ruled.items() if ok and name in (s, None))
        total = sum(n for (s, _), n in weighed.items() if name in (s, None))
        print(f"{f'held-out {name}' if name else 'together'}: {total} operations;"
              f" rules {rules / total:.3f}, weighed {right / total:.3f}")  # fmt: skip
    print(f"weighed with probability >= {SURE}: {sure.total()} of {weighed.total()},"
          f" {sure[True] / sure.total():.3f} right")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hold-out", nargs="+", default=[], metavar="SET")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    kept_out = {*args.hold_out, *KEPT_OUT}
    sets = [s for s in ("tuning", *HELD_OUT_SETS) if s not in kept_out]
    weights = fit(examples(sets))
    print(f"fitted on {weights.trained_on} operations, {len(weights.cues)} cues")
    if args.hold_out:
        held_out(args.hold_out, weights)
    else:
        learned.dump(weights)
        print(f"wrote {learned.WEIGHTS}")


if __name__ == "__main__":
    main()
