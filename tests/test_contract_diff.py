"""`specmock diff` on a real pair: the bundled petstore and a v2 with deliberate edits."""

from __future__ import annotations

import json

from click.testing import CliRunner

from specmock.cli import main
from specmock.contract.diff import diff, diff_files, load_root

from .conftest import ROOT

V1 = str(ROOT / "tests/specs/upgrade/petstore_v1.yaml")
V2 = str(ROOT / "tests/specs/upgrade/petstore_v2.yaml")


def _by_message() -> dict[str, tuple[str, bool, bool, str]]:
    return {
        f"{c.operation}: {c.message}": (c.level, c.client, c.server, c.pointer)
        for c in diff_files(V1, V2)
    }


def test_breaking_edits_are_breaking_for_clients_with_pointers():
    found = _by_message()
    breaking = {k for k, v in found.items() if v[0] == "breaking"}
    assert breaking == {
        "GET /pets: maximum changed from 100 to 50",
        "GET /pets: enum added: 'dog', 'cat'",
        "GET /pets: new required query parameter 'owner'",
        "GET /pets: response field 'created_at' removed",
        "POST /pets: new required request field 'species'",
        "POST /pets: response field 'created_at' removed",
        "POST /pets: security changed from none to ApiKey",
        "GET /pets/{petId}: response field 'created_at' removed",
        "GET /pets/{petId}: response status 404 removed",
        "DELETE /pets/{petId}: operation removed",
    }
    assert found["DELETE /pets/{petId}: operation removed"][3] == "/paths/~1pets~1{petId}/delete"
    assert found["POST /pets: new required request field 'species'"][3] == (
        "/paths/~1pets/post/requestBody/content/application~1json/schema/properties/species"
    )


def test_additions_do_not_break_clients_but_may_break_servers():
    found = _by_message()
    assert found["GET /owners: operation added"][:3] == ("non-breaking", False, True)
    assert found["GET /pets: new optional query parameter 'sort'"][:3] == (
        "non-breaking",
        False,
        True,
    )
    assert found["GET /pets/{petId}: new optional response field 'nickname'"][:3] == (
        "non-breaking",
        False,
        False,
    )
    # a field every answer must now carry: the mock or server has to send it
    assert found["GET /pets/{petId}: new required response field 'species'"][:3] == (
        "non-breaking",
        False,
        True,
    )


def test_the_same_contract_has_no_changes_and_order_is_stable():
    assert diff(load_root(V1), load_root("petstore")) == []
    assert diff_files(V1, V2) == diff_files(V1, V2)


def test_widened_response_enum_and_renamed_path_parameter():
    old = load_root(V1)
    new = json.loads(json.dumps(old))
    new["components"]["schemas"]["Pet"]["allOf"][1]["properties"]["status"]["enum"].append("lost")
    item = new["paths"].pop("/pets/{petId}")
    item["parameters"][0]["name"] = "id"
    new["paths"]["/pets/{id}"] = item
    changes = {c.message: c for c in diff(old, new)}
    assert "enum values added: 'lost'" in changes  # a client switching on status meets 'lost'
    assert changes["enum values added: 'lost'"].client
    assert not any("removed" in m for m in changes)  # the path parameter's name is not seen


def test_cli_formats_and_exit_code():
    runner = CliRunner()
    done = runner.invoke(main, ["diff", V1, V2, "--fail-on", "breaking"])
    assert done.exit_code == 1
    assert "BREAKING [client] DELETE /pets/{petId}: operation removed" in done.output
    assert "18 change(s): 10 breaking for clients" in done.output
    as_json = runner.invoke(main, ["diff", V1, V2, "--format", "json"])
    assert as_json.exit_code == 0
    body = json.loads(as_json.output)
    assert body["breaking"] == 10 and len(body["changes"]) == 18
    md = runner.invoke(main, ["diff", V1, V2, "--format", "markdown"])
    assert "| :x: | `DELETE /pets/{petId}` | operation removed | client |" in md.output
    same = runner.invoke(main, ["diff", V1, "petstore", "--fail-on", "any"])
    assert (same.exit_code, same.output) == (0, "no changes\n")


def test_a_missing_spec_is_named():
    done = CliRunner().invoke(main, ["diff", V1, "no-such-spec"])
    assert done.exit_code == 1
    assert "no-such-spec" in done.output


def test_the_report_goes_to_a_file_when_asked(tmp_path):
    target = tmp_path / "diff.md"
    done = CliRunner().invoke(main, ["diff", V1, V2, "--format", "markdown", "-o", str(target)])
    assert (done.exit_code, done.output) == (0, "")
    assert target.read_text().startswith("**18 change(s)**: 10 breaking for clients")
