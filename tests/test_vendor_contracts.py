"""Large vendor specs served strictly: what fuzzing Stripe and GitHub found, each on a small
hand-written spec in tests/specs/realworld/."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import yaml

from specmock.runtime import problems
from specmock.testing import serve

SPECS = Path(__file__).parent / "specs" / "realworld"


class Counting:
    """A validator that counts how often the body is validated."""

    def __init__(self, validator: Any):
        self.validator, self.calls = validator, 0

    def is_valid(self, instance: Any) -> bool:
        self.calls += 1
        return self.validator.is_valid(instance)

    def iter_errors(self, instance: Any) -> Any:
        self.calls += 1
        return self.validator.iter_errors(instance)


def _error_validator() -> Any:
    doc = yaml.safe_load((SPECS / "big_errors.yaml").read_text())
    schema = {"$ref": "#/components/schemas/error", "components": doc["components"]}
    return jsonschema_rs.Draft202012Validator(schema)


def test_an_error_body_is_made_readable_in_a_few_validations_not_one_per_string():
    refund = {"id": "r", "reason": "duplicate", "note": "twenty characters or more"}
    charge = {
        "id": "ch_word", "object": "charge", "status": "failed", "currency": "usd",
        "description": "some words", "metadata": {k: f"word {k}" for k in "abcdefgh"},
        "refunds": [dict(refund, id=f"re_{i}") for i in range(3)],
    }  # fmt: skip
    generated = {"error": {"type": "api_error", "code": "c", "param": "p", "charge": charge}}
    body = copy.deepcopy(generated)
    validator = Counting(_error_validator())
    out = problems.readable(body, generated, 400, validator, "query /limit: not an integer")
    assert validator.validator.is_valid(out)
    error = out["error"]
    assert error["code"] == "BAD_REQUEST" and error["param"] == "Bad Request"
    assert error["charge"]["metadata"]["a"] == "Bad Request"
    # what the schema forbids keeps its generated value: enums, patterns, a 40-char limit
    assert error["type"] == "api_error" and error["charge"]["currency"] == "usd"
    assert error["charge"]["refunds"][0]["note"] == "twenty characters or more"
    assert validator.calls <= 4, validator.calls  # 20 strings were replaced


def test_a_refusal_with_a_large_declared_error_body_is_answered_in_its_shape():
    with serve(SPECS / "big_errors.yaml", seed=3, strict=True) as server:
        answer = httpx.get(server.url + "/v1/charges", params={"limit": "abc"}, timeout=30)
        assert answer.status_code == 400, answer.text
        error = answer.json()["error"]
        assert "limit" in error["message"]
        assert _error_validator().is_valid(answer.json())
        # the envelope has every field; nested objects below three levels only required ones
        assert {"code", "param", "message", "charge"} <= set(error)
        assert "outcome" in error["charge"] and "rule" not in error["charge"]["outcome"]
        assert httpx.get(server.url + "/v1/charges", params={"limit": 2}).status_code == 200


def test_declared_transport_headers_are_the_servers_not_generated():
    with serve(SPECS / "github_like.yaml", seed=1, strict=True) as server:
        answer = httpx.post(server.url + "/markdown", json={"text": "Hello"}, timeout=30)
        assert answer.status_code == 200, answer.text
        assert int(answer.headers["content-length"]) == len(answer.content)
        assert "content-encoding" not in answer.headers  # the body is not gzipped
        assert "transfer-encoding" not in answer.headers
        assert answer.headers["content-type"].startswith("text/html")
        assert answer.headers["x-renderer-version"]  # the other declared headers stay


def test_twin_templates_route_by_the_method_each_declares():
    with serve(SPECS / "github_like.yaml", seed=1, strict=True) as server:
        read = httpx.get(server.url + "/orgs/acme/attestations/sha256:abc")
        assert read.status_code == 200, read.text
        assert "digest" in read.json()
        assert httpx.delete(server.url + "/orgs/acme/attestations/12").status_code == 204
        refused = httpx.delete(server.url + "/orgs/acme/attestations/sha256:abc")
        assert refused.status_code == 400  # attestation_id is an integer
        assert "attestation_id" in refused.text
        put = httpx.put(server.url + "/orgs/acme/attestations/1")
        assert put.status_code == 405


def test_a_bad_request_is_never_answered_with_a_status_meaning_something_else():
    with serve(SPECS / "github_like.yaml", seed=1, strict=True) as server:
        # only 200 and 410 declared: 410 Gone would tell the client the resource is no more
        gone = httpx.get(server.url + "/classrooms/abc/assignments")
        assert gone.status_code == 400, gone.text
        assert "classroom_id" in gone.text
        # a declared 404 is how GitHub answers a malformed id
        missing = httpx.get(server.url + "/classrooms/abc")
        assert missing.status_code == 404, missing.text
        assert "classroom_id" in missing.json()["message"]


def test_an_empty_value_unsets_where_an_array_or_an_empty_string_is_allowed():
    with serve(SPECS / "stripe_like.yaml", seed=1, strict=True) as server:

        def post(data: dict[str, str]) -> httpx.Response:
            return httpx.post(server.url + "/v1/customers", data=data)

        assert post({"invoice_settings[custom_fields]": ""}).status_code == 200
        fields = {"invoice_settings[custom_fields][0][name]": "po", "expand": "a"}
        assert post({**fields, "invoice_settings[custom_fields][0][value]": "7"}).status_code == 200
        refused = post({"invoice_settings[custom_fields]": "x"})  # neither an array nor ""
        assert refused.status_code == 400 and "custom_fields" in refused.text
        assert httpx.get(server.url + "/v1/customers?tags=").status_code == 200
        assert httpx.get(server.url + "/v1/customers?tags=a&tags=b").status_code == 200
        assert httpx.get(server.url + "/v1/customers?tags[0]=a").status_code == 200


def test_an_integer_past_64_bits_in_a_form_is_stored_and_answered():
    huge = "123456789012345678901234567890"
    with serve(SPECS / "stripe_like.yaml", seed=1, strict=True) as server:
        data = {"splashscreen": huge, "tipping[usd][fixed_amounts]": huge}
        made = httpx.post(server.url + "/v1/terminal/configurations", data=data)
        assert made.status_code == 200, made.text
        assert made.json()["splashscreen"] == float(huge)  # as a JSON body carries it
        listed = httpx.get(server.url + "/v1/terminal/configurations")
        assert listed.status_code == 200, listed.text


def test_an_empty_bracket_key_is_an_objects_key_where_no_array_is_allowed():
    with serve(SPECS / "stripe_like.yaml", seed=1, strict=True) as server:
        url = server.url + "/v1/customers/cus_1/cash_balance"
        answer = httpx.post(url, data={"settings[]": "-1.5"})  # settings = {"": "-1.5"}
        assert answer.status_code == 200, answer.text
        assert httpx.post(url, data={"settings[mode]": "manual"}).status_code == 200
