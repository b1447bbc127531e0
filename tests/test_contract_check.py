"""`specmock check`: a team's overrides, fixtures, scenarios, fault rules and cassette,
against the contract they were written for and against versions that break them."""

from __future__ import annotations

from click.testing import CliRunner

from specmock.cli import main
from specmock.contract.check import check_all

from .conftest import ROOT

UPGRADE = ROOT / "tests/specs/upgrade"
TEAM = UPGRADE / "team"
V1 = str(UPGRADE / "petstore_v1.yaml")
FILES = {
    "overrides": [str(TEAM / "overrides.py")],
    "data": [str(TEAM / "fixtures.yaml")],
    "scenarios": [str(TEAM / "scenarios.yaml")],
    "faults": [str(TEAM / "faults.yaml")],
    "cassettes": [str(TEAM / "cassette.har")],
}


def _args() -> list[str]:
    flags = {"cassettes": "--cassette"}
    return [a for k, files in FILES.items() for f in files for a in (flags.get(k, f"--{k}"), f)]


def test_everything_fits_the_version_it_was_written_for():
    assert check_all([V1], **FILES) == []
    done = CliRunner().invoke(main, ["check", V1, *_args()])
    assert done.exit_code == 0, done.output
    assert "ok: 5 file(s) fit the contract" in done.output


def test_one_removed_operation_is_found_in_every_file_that_names_it(tmp_path):
    text = (UPGRADE / "petstore_v1.yaml").read_text()
    start = text.index("    delete:\n      operationId: deletePet")
    edited = tmp_path / "petstore.yaml"
    edited.write_text(text[:start] + text[text.index("components:") :])
    found = [str(p) for p in check_all([str(edited)], **FILES)]
    assert found == [
        f"{TEAM / 'overrides.py'}: @override('deletePet') names no operation",
        f"{TEAM / 'faults.yaml'}#/1: delete-fails: no operation 'deletePet'",
        f"{TEAM / 'cassette.har'}#/log/entries/2 (DELETE /pets/3 → 204): "
        "no operation is declared for DELETE /pets/3",
    ]


def test_a_new_required_field_breaks_replies_fixtures_and_recordings():
    done = CliRunner().invoke(main, ["check", str(UPGRADE / "petstore_v2.yaml"), *_args()])
    assert done.exit_code == 1
    lines = done.stdout.splitlines()
    missing = '"species" is a required property'
    assert (
        f"{TEAM / 'overrides.py'} @override('showPetById'): answered 500: "
        f"the showPetById response would break the contract: response /species: {missing}"
    ) in lines
    assert f"{TEAM / 'fixtures.yaml'}#/petstore/pets/0/species: {missing}" in lines
    assert (
        f"{TEAM / 'scenarios.yaml'}#/one-pet/fixtures/petstore/pets/0/species: {missing}" in lines
    )
    assert (
        f"{TEAM / 'cassette.har'}#/log/entries/1 (POST /pets → 201): request /species: {missing}"
        in lines
    )
    assert len(lines) == 10


def test_bad_rules_and_unknown_names_are_named(tmp_path):
    faults = tmp_path / "faults.yaml"
    faults.write_text(
        "- {operation: listPets}\n- {service: nope, status: 500}\n- {path: /cats, status: 500}\n"
    )
    scenarios = tmp_path / "scenarios.yaml"
    scenarios.write_text("s: {fixtures: {petstore: {cats: []}}, colour: red}\n")
    found = [p.message for p in check_all([V1], faults=[str(faults)], scenarios=[str(scenarios)])]
    assert found == [
        "unknown field(s) colour",
        "no resource 'cats' (known: pets)",
        "rule-1: a rule needs latency, status, error or fault",
        "rule-2: service 'nope' is not served",
        "rule-3: no declared path matches /cats",
    ]


def test_an_override_the_sample_request_cannot_reach_is_reported(tmp_path):
    module = tmp_path / "broken.py"
    module.write_text(
        "from specmock import override\n\n"
        "@override('petstore:listPets')\n"
        "def listing(ctx):\n"
        "    raise RuntimeError('boom')\n"
    )
    (problem,) = check_all([V1], overrides=[str(module)])
    assert "@override('petstore:listPets'): answered 500" in str(problem)


def test_sample_values_meet_formats_patterns_and_bounds():
    from specmock.contract.check import sample
    from specmock.generator.values import schema_validator

    for schema in (
        {"type": "string", "format": "date-time"},
        {"type": "string", "format": "email"},
        {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{2}$"},
        {"type": "integer", "minimum": 5},
        {"type": "string", "minLength": 10},
        {"type": "object", "required": ["a"], "properties": {"a": {"type": "boolean"}}},
    ):
        value = sample(schema, {})
        assert schema_validator(schema).is_valid(value), (schema, value)
