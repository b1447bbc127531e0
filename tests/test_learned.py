"""The weights learned from labelled operations and laid over the recognizer's rules
(specmock/generator/learned.py), and their fitting (bench/train_recognition.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from specmock.generator import learned
from specmock.generator.recognize import PATTERNS, cues, edited_collections, recognize
from specmock.runtime.factory import load_services

BENCH = Path(__file__).parents[1] / "bench"
BUNDLED = "callback_server email gotenberg openai order_server petstore s3 salesforce_cdp"
BUNDLED += " sfmc twilio veeva_vault"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH))
    try:
        import recognition
        import train_recognition
    finally:
        sys.path.remove(str(BENCH))
    return recognition, train_recognition


def _right(found: dict) -> int:
    return sum(truth == guess for truth, guess, _ in found.values())


def test_the_weights_raise_the_labelled_bundled_operations(bench):
    """The tuning set was among what the weights were fitted to, so this is no measure of
    unseen specs (bench/train_recognition.py --hold-out is); it shows the weights are read
    and agree with the cues the code gives."""
    recognition, _ = bench
    weighed = recognition.recognized(["tuning"])
    ruled = recognition.recognized(["tuning"], weighed=False)
    assert _right(weighed) > _right(ruled)
    assert _right(weighed) >= 200  # of 225


def test_the_weights_know_the_rules_evidence():
    """A rule whose feature is reworded, or a new rule, without refitting the weights
    counts for nothing in the weighing: refit (bench/train_recognition.py)."""
    w = learned.weights()
    evidence, known = 0, 0
    for service in load_services(BUNDLED.split()):
        edited = edited_collections(service)
        for op in service.operations:
            found = [c for c in cues(op, edited) if c.startswith("rule ") and ":" in c]
            evidence += len(found)
            known += sum(c in w.cues for c in found)
    assert evidence > 1000 and known / evidence >= 0.95
    assert all(f"rules chose {p}" in w.cues for p in PATTERNS)


def test_a_weighed_recognition_says_its_probability_and_why():
    (petstore,) = load_services(["petstore"])
    edited = edited_collections(petstore)
    for op in petstore.operations:
        rec = recognize(op, edited)
        weighed = learned.weigh(cues(op, edited))
        assert rec.pattern == weighed.pattern
        assert rec.confidence == round(weighed.probability, 3)
        assert 0 < rec.confidence <= 1
        assert rec.features[-1].startswith("weighed")
        ruled = recognize(op, edited, weighed=False)
        assert ruled.pattern == rec.pattern  # here rules and weights agree, and so
        assert rec.features[:-1] == ruled.features  # the rules' evidence comes first
    create = next(op for op in petstore.operations if op.operation_id == "createPet")
    assert "POST on a collection path of /pets" in recognize(create, edited).features


def test_unknown_cues_count_for_nothing():
    assert learned.weigh({"no such cue": 5.0}) == learned.weigh({})
    assert learned.weigh({}).pattern in PATTERNS


def test_fitting_is_deterministic_and_round_trips(bench, tmp_path):
    _, train = bench
    examples = train.examples(["tuning"])
    first, again = train.fit(examples), train.fit(examples)
    assert first == again
    learned.dump(first, tmp_path / "weights.json")
    loaded = learned.load(tmp_path / "weights.json")
    assert loaded.patterns == PATTERNS and loaded.trained_on == len(examples) == 225
    assert loaded.cues.keys() == first.cues.keys()
    worst = max(
        abs(a - b) for c in first.cues for a, b in zip(first.cues[c], loaded.cues[c], strict=True)
    )
    assert worst <= 0.0005
    ruled = sum(f"rules chose {label}" in found for found, label in examples)
    weighed = sum(learned.weigh(found, loaded).pattern == label for found, label in examples)
    assert weighed > ruled


def test_a_body_says_how_much_of_a_record_it_is():
    """A PUT of the very record its answer is, every field required, reads as a replace;
    malformed `required` or `properties` are read as absent, not raised on."""
    record = {"type": "object", "required": ["name", "tag"], "properties": {
        "name": {"type": "string"}, "tag": {"type": "string"}}}  # fmt: skip
    body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}
    answer = {"200": {"description": "the pet", **body}}
    bad = {"type": "object", "required": True, "properties": ["name"]}
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "bodies", "version": "1"},
        "paths": {
            "/pets/{id}": {
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "put": {"operationId": "putPet", "requestBody": body, "responses": answer},
                "patch": {
                    "operationId": "patchPet",
                    "requestBody": {"content": {"application/json": {"schema": bad}}},
                    "responses": answer,
                },
            }
        },
        "components": {"schemas": {"Pet": record}},
    }
    (service,) = load_services([spec])
    found = {op.method: cues(op) for op in service.operations}
    assert found["PUT"]["PUT body required share"] == 1.0
    assert "PUT body is the answer's schema: True" in found["PUT"]
    assert "PUT body required: 1-2" in found["PUT"]
    assert found["PATCH"]["PATCH body required share"] == 0.0
    assert "PATCH body fields: 0" in found["PATCH"]
