"""Generated values validate against every JSON Schema keyword specmock answers with."""

from __future__ import annotations

import random

import pytest
from faker import Faker

from specmock import load_service
from specmock.generator.fake import Ctx
from specmock.generator.loader import load_document
from specmock.generator.plan import Compiler

SCHEMAS = {
    "required_without_properties": {"type": "object", "required": ["a.b", "c"]},
    "required_beyond_properties": {
        "type": "object",
        "properties": {"x": {"type": "integer"}},
        "required": ["x", "y"],
        "additionalProperties": {"type": "string", "minLength": 2},
    },
    "additional_properties_schema": {
        "type": "object",
        "additionalProperties": {"type": "integer", "minimum": 5},
        "minProperties": 3,
    },
    "pattern_properties_closed": {
        "type": "object",
        "patternProperties": {"^x-[a-z]+$": {"type": "string"}, "^n[0-9]$": {"type": "integer"}},
        "additionalProperties": False,
        "minProperties": 2,
    },
    "property_names": {
        "type": "object",
        "propertyNames": {"pattern": "^[A-Z]{3}$"},
        "additionalProperties": {"type": "boolean"},
        "minProperties": 2,
    },
    "property_names_with_declared": {
        "type": "object",
        "properties": {"abc": {"type": "string"}, "NOPE_1": {"type": "string"}},
        "propertyNames": {"maxLength": 3},
    },
    "dependent_required": {
        "type": "object",
        "properties": {"card": {"type": "string"}, "cvv": {"type": "string"}},
        "dependentRequired": {"card": ["cvv", "billing"]},
    },
    "if_then_else": {
        "type": "object",
        "properties": {"kind": {"enum": ["a", "b"]}, "n": {"type": "integer"}},
        "required": ["kind"],
        "if": {"properties": {"kind": {"const": "a"}}},
        "then": {"required": ["n"], "properties": {"n": {"minimum": 100}}},
        "else": {"properties": {"n": {"maximum": -100}}},
    },
    "const_object": {
        "type": "object",
        "properties": {"v": {"const": {"x": [1, 2]}}},
        "required": ["v"],
    },
    "contains": {
        "type": "array",
        "items": {"type": "integer"},
        "contains": {"const": 42},
        "minContains": 2,
    },
    "contains_only": {"type": "array", "contains": {"type": "string", "pattern": "^id-[0-9]+$"}},
    "unevaluated_properties": {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            {"properties": {"b": {"type": "integer"}}},
        ],
        "unevaluatedProperties": False,
        "minProperties": 2,
    },
    "type_array": {"type": ["integer", "string", "null"], "minimum": 3, "minLength": 4},
    "type_array_object_or_array": {
        "type": ["object", "array"],
        "items": {"type": "integer"},
        "minItems": 1,
        "properties": {"p": {"type": "string"}},
        "required": ["p"],
    },
    "not_type": {"not": {"type": "string"}},
    "max_properties_with_required": {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "string"}},
        "required": ["c"],
        "maxProperties": 1,
    },
}


def _document(schema: dict) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "g", "version": "1"},
        "paths": {},
        "components": {"schemas": {"S": schema}},
    }


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_generated_values_validate(name):
    doc = load_document(_document(SCHEMAS[name]))
    compiler = Compiler(doc)
    node = doc.root["components"]["schemas"]["S"]
    validator = compiler.validator(node, "response", "/components/schemas/S")
    builder = compiler.builder(node)
    for seed in range(40):
        for complete in (False, True):
            value = builder(Ctx(random.Random(seed), Faker(), complete=complete))
            errors = [e.message for e in validator.iter_errors(value)]
            assert not errors, (seed, complete, value, errors)


def test_unsatisfiable_schemas_are_load_warnings():
    spec = _document(
        {
            "type": "object",
            "required": ["id", "ghost"],
            "properties": {"id": {"type": "string", "minLength": 5, "maxLength": 2}},
            "additionalProperties": False,
        }
    )
    found = {p.pointer: p.reason for p in load_service(spec).problems}
    assert (
        "ghost" in found["/components/schemas/S"]
        and "unsatisfiable" in found["/components/schemas/S"]
    )
    assert "minLength 5 is above maxLength 2" in found["/components/schemas/S/properties/id"]


def test_cycles_through_merged_refs_generate_finite_values():
    expression = {
        "type": "object",
        "properties": {
            "Not": {"allOf": [{"$ref": "#/components/schemas/S"}, {"description": "negated"}]},
            "And": {"type": "array", "items": {"$ref": "#/components/schemas/S"}},
            "Key": {"type": "string"},
        },
    }
    doc = load_document(_document(expression))
    compiler = Compiler(doc)
    node = {"allOf": [{"$ref": "#/components/schemas/S"}, {"description": "top"}]}
    validator = compiler.validator(node, "response", "/x")
    builder = compiler.builder(node)
    for seed in range(20):
        value = builder(Ctx(random.Random(seed), Faker()))
        assert validator.is_valid(value), value
