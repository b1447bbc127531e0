"""Form bodies with bracketed (deepObject) names become typed nested values."""

from __future__ import annotations

from specmock.generator.forms import coerce, nest

SCHEMA = {
    "type": "object",
    "properties": {
        "amount": {"type": "integer"},
        "capture": {"type": "boolean"},
        "expand": {"type": "array", "items": {"type": "string"}},
        "card": {"type": "object", "properties": {"exp_month": {"type": "integer"},
                                                  "cvc": {"type": "string"}}},
        "items": {"type": "array", "items": {"type": "object", "properties": {
            "price": {"type": "number"}}}},
        "metadata": {"anyOf": [{"type": "object", "additionalProperties": {"type": "string"}},
                               {"type": "string", "enum": [""]}]},
    },
}


def test_nested_names_become_objects_and_arrays():
    fields = {"amount": ["100"], "capture": ["true"], "expand[]": ["a", "b"],
              "card[exp_month]": ["12"], "card[cvc]": ["012"],
              "items[1][price]": ["2.5"], "items[0][price]": ["1"], "metadata[k]": ["v"]}
    assert coerce(SCHEMA, {}, nest(fields)) == {
        "amount": 100, "capture": True, "expand": ["a", "b"],
        "card": {"exp_month": 12, "cvc": "012"},
        "items": [{"price": 1}, {"price": 2.5}], "metadata": {"k": "v"},
    }


def test_a_plain_value_for_an_object_stays_a_string_for_the_validator_to_refuse():
    assert coerce(SCHEMA, {}, nest({"metadata": ["AAA"]})) == {"metadata": "AAA"}


def test_repeated_plain_fields_fill_an_array_and_one_value_is_an_array_of_one():
    assert coerce(SCHEMA, {}, nest({"expand": ["a", "b"]})) == {"expand": ["a", "b"]}
    assert coerce(SCHEMA, {}, nest({"expand": ["a"]})) == {"expand": ["a"]}


def test_bracketed_or_plain_arrays_and_a_missing_required_array_stays_missing():
    from specmock.generator.forms import coerce_fields

    schema = {"type": "object", "required": ["features"], "properties": {
        "features": {"type": "array", "items": {"type": "string"}},
        "expand": {"type": "array", "items": {"type": "string"}}}}
    encoding = {"expand": {"style": "deepObject", "explode": True}}
    assert coerce_fields(schema, {}, {"expand[]": ["a"]}, encoding) == {"expand": ["a"]}
    assert coerce_fields(schema, {}, {"expand": ["a"]}, encoding) == {"expand": ["a"]}
    assert coerce_fields(schema, {}, {"": ["-6"]}, {}) == {"": "-6"}
