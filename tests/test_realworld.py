"""Vendor specs as published: defects are warnings, the spec is served, clients work."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest
import regress
import twilio.rest
from click.testing import CliRunner

from specmock import SpecError, create_app, load_service
from specmock.cli.main import main
from specmock.testing import serve

from .conftest import TEST_SPECS, client_for

REALWORLD = TEST_SPECS / "realworld"
DEFECTS = REALWORLD / "defects.yaml"
# CI keeps shared/ beside the clone; a worktree sits one level deeper
VENDOR = next(
    (p / "shared" / "vendor-refs" for p in Path(__file__).parents[2:4] if (p / "shared").is_dir()),
    Path(__file__).parents[2] / "shared" / "vendor-refs",
)
OPENAI = VENDOR / "openai" / "openapi.yaml"
TWILIO = VENDOR / "twilio" / "twilio_api_v2010.json"
THING = "/components/schemas/Thing"


def _warnings(service) -> dict[str, str]:
    return {p.pointer: p.reason for p in service.problems if p.severity == "warning"}


def test_servable_defects_are_warnings_with_pointers():
    found = _warnings(load_service(DEFECTS))
    assert "id" in found[THING + "/required"] and "repeated" in found[THING + "/required"]
    assert "unknown type 'date'" in found[THING + "/properties/when/type"]
    assert "'snake-case-word'" in found[THING + "/properties/kind/format"]
    assert "does not compile" in found[THING + "/properties/code/pattern"]
    assert "3.0 syntax" in found[THING + "/properties/size/exclusiveMinimum"]
    example = "/paths/~1things~1{id}/get/responses/200/content/application~1json"
    assert "'broken' does not match its schema" in found[example + "/schema"]
    # an ECMA-262 pattern is not a defect: it is checked with an ECMA engine
    assert not any(p.endswith("/parameters/0/schema/pattern") for p in found)


def test_strict_spec_refuses_the_same_defects():
    with pytest.raises(SpecError) as info:
        load_service(DEFECTS, strict=True)
    pointers = {p.pointer for p in info.value.problems}
    assert THING + "/required" in pointers
    assert all(p.severity == "error" for p in info.value.problems)
    with pytest.raises(SpecError):
        create_app(DEFECTS, strict_spec=True)


def test_unservable_documents_are_still_refused(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n"
        "      responses: {'200': {$ref: '#/components/responses/Nope'}}\n"
    )
    with pytest.raises(SpecError) as info:
        load_service(spec)
    assert "does not resolve" in info.value.problems[0].reason


def test_invalid_example_is_never_served():
    client = client_for(DEFECTS, strict=True)
    body = client.get("/things/12-3").json()
    assert body["id"] == "a1" and body["size"] == 3  # the valid example, not the broken one
    refused = client.get("/things/12-3", headers={"Prefer": "example=broken"})
    assert refused.status_code == 400
    assert "never served" in refused.text
    assert client.get("/things/12-3", headers={"Prefer": "example=good"}).json()["id"] == "a1"


def test_serve_prints_each_warning_once_with_a_count(monkeypatch):
    from specmock.runtime import server

    monkeypatch.setattr(server, "run", lambda *args, **kwargs: None)
    result = CliRunner().invoke(main, ["serve", str(DEFECTS), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "warning(s) in" in result.output
    assert f"{DEFECTS}#{THING}/required: names repeated in `required`: id, kind" in result.output
    assert result.output.count(f"{THING}/required") == 1
    refused = CliRunner().invoke(main, ["serve", str(DEFECTS), "--strict-spec"])
    assert refused.exit_code == 1
    assert f"{THING}/required" in refused.output


def test_validate_strict_spec_fails_where_plain_validate_passes():
    runner = CliRunner()
    assert runner.invoke(main, ["validate", str(DEFECTS)]).exit_code == 0
    assert runner.invoke(main, ["validate", "--strict-spec", str(DEFECTS)]).exit_code == 1


needs_vendor = pytest.mark.skipif(not OPENAI.is_file(), reason="shared/vendor-refs not beside")


@needs_vendor
def test_openai_official_spec_lists_models_through_the_openai_client():
    with serve(OPENAI, quiet=True, seed=3) as server:
        assert any("required" in p.pointer for p in server.app.services[0].problems)
        client = openai.OpenAI(api_key="sk-test", base_url=server.url + "/v1")
        models = client.models.list()
        assert models.data and all(isinstance(m.id, str) for m in models.data)


@needs_vendor
def test_twilio_official_spec_lists_messages_through_the_twilio_client():
    sid = "AC" + "0" * 32
    with serve(TWILIO, quiet=True, seed=3) as server:
        client = twilio.rest.Client(sid, "token")
        client.api.base_url = server.url
        page = client.api.v2010.accounts(sid).messages.page(page_size=5)
        messages = list(page)
        assert messages and all(m.sid for m in messages)


def test_ecma_patterns_validate_requests_and_shape_generated_values():
    client = client_for(DEFECTS, strict=True)
    assert client.get("/things/12-_3").status_code == 200  # `[\d-_/]` is fine in ECMA-262
    refused = client.get("/things/abc")
    assert refused.status_code == 400 and "/id" in refused.text
    upper = regress.Regex(r"^\p{Lu}[a-z]*$", "u")
    for seed in range(5):
        labels = client_for(DEFECTS, seed=seed, strict=True).get("/labels").json()
        assert all(upper.find(label) is not None for label in labels), labels
