"""Weights learned from labelled operations, laid over the recognizer's evidence.

The rules in `recognize.py` find evidence; how much each piece counts on specs no rule was
written from is learned from the operations readers labelled (bench/recognition_*.tsv),
by multinomial logistic regression (bench/train_recognition.py writes the weights). On
sets labelled after the weights were fitted, the weighed choice was right about four
times more in a hundred than the rules' own ranking, and its probability is the
confidence `--min-confidence` compares against.

A cue is a named number: `rules chose list`, `rule list: GET answering an array of
records`, `operationId word: search`. A cue the weights do not know counts for nothing.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

WEIGHTS = Path(__file__).with_name("recognition_weights.json")
_SCALE = 1000  # weights are kept in thousandths


@dataclass(frozen=True)
class Weights:
    patterns: tuple[str, ...]
    bias: tuple[float, ...]
    cues: dict[str, tuple[float, ...]]
    trained_on: int  # labelled operations


@dataclass(frozen=True)
class Weighed:
    pattern: str
    probability: float
    cues: list[str]  # the known cues that raised `pattern` most (up to 8), strongest first


@cache
def weights() -> Weights:
    """The shipped weights, read once."""
    return load(WEIGHTS)


def load(path: Path) -> Weights:
    raw = json.loads(path.read_text())
    scale = raw["scale"]
    return Weights(
        tuple(raw["patterns"]),
        tuple(b / scale for b in raw["bias"]),
        {cue: tuple(v / scale for v in row) for cue, row in raw["cues"].items()},
        raw["trained_on"],
    )


def weigh(cues: dict[str, float], w: Weights | None = None) -> Weighed:
    """The likeliest pattern given `cues`, with its probability and what raised it; by the
    shipped weights unless others are given (bench/train_recognition.py tries its own)."""
    w = w or weights()
    scores = list(w.bias)
    known = [(cue, x, w.cues[cue]) for cue, x in cues.items() if cue in w.cues]
    for _, x, row in known:
        for i, v in enumerate(row):
            scores[i] += v * x
    top = max(scores)
    odds = [math.exp(s - top) for s in scores]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    raised = sorted(((row[best] * x, cue) for cue, x, row in known), reverse=True)
    return Weighed(
        w.patterns[best], odds[best] / sum(odds), [cue for v, cue in raised[:8] if v > 0]
    )


def dump(weights: Weights, path: Path = WEIGHTS) -> None:
    """Write weights the way `weights()` reads them: in thousandths, a cue a line, so the
    file stays small and a new fit's diff says which cues moved."""

    def row(values: tuple[float, ...]) -> str:
        return json.dumps([round(v * _SCALE) for v in values], separators=(",", ":"))

    lines = [
        "{",
        f'"patterns":{json.dumps(list(weights.patterns))},',
        f'"trained_on":{weights.trained_on},',
        f'"scale":{_SCALE},',
        f'"bias":{row(weights.bias)},',
        '"cues":{',
        ",\n".join(f"{json.dumps(c)}:{row(r)}" for c, r in sorted(weights.cues.items())),
        "}}",
    ]
    path.write_text("\n".join(lines) + "\n")
