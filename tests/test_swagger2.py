"""The Swagger 2.0 -> OpenAPI 3.0 converter, rule by rule."""

from __future__ import annotations

from openapi_spec_validator import validate

from specmock.generator.swagger2 import convert, is_swagger2


def _doc(**extra):
    return {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}, **extra}


def test_definitions_parameters_and_responses_move_under_components_with_their_refs():
    out = convert(
        _doc(
            definitions={
                "Pet": {"type": "object", "properties": {"tag": {"$ref": "#/definitions/Tag"}}},
                "Tag": {"type": "string", "x-nullable": True},
            },
            parameters={
                "Body": {"name": "b", "in": "body", "schema": {"$ref": "#/definitions/Pet"}},
                "Q": {"name": "q", "in": "query", "type": "string"},
            },
            responses={"Gone": {"description": "gone"}},
            paths={
                "/p": {
                    "post": {
                        "parameters": [{"$ref": "#/parameters/Body"}, {"$ref": "#/parameters/Q"}],
                        "responses": {"410": {"$ref": "#/responses/Gone"}},
                    }
                }
            },
        )
    )
    validate(out)
    components = out["components"]
    assert components["schemas"]["Pet"]["properties"]["tag"] == {"$ref": "#/components/schemas/Tag"}
    assert components["schemas"]["Tag"]["nullable"] is True
    op = out["paths"]["/p"]["post"]
    assert op["requestBody"] == {"$ref": "#/components/requestBodies/Body"}
    assert op["parameters"] == [{"$ref": "#/components/parameters/Q"}]
    assert op["responses"]["410"] == {"$ref": "#/components/responses/Gone"}
    assert components["requestBodies"]["Body"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Pet"
    }


def test_collection_formats_become_styles():
    def param(fmt, where="query"):
        return {
            "name": "a",
            "in": where,
            "type": "array",
            "items": {"type": "string"},
            "collectionFormat": fmt,
            "required": where == "path",
        }

    out = convert(
        _doc(
            paths={
                "/x/{a}": {
                    "get": {
                        "parameters": [param("csv", "path")],
                        "responses": {"200": {"description": "ok"}},
                    }
                },
                "/m": {
                    "get": {
                        "parameters": [param("multi")],
                        "responses": {"200": {"description": "o"}},
                    }
                },
                "/p": {
                    "get": {
                        "parameters": [param("pipes")],
                        "responses": {"200": {"description": "o"}},
                    }
                },
            }
        )
    )
    validate(out)
    styles = {p: out["paths"][p]["get"]["parameters"][0] for p in ("/x/{a}", "/m", "/p")}
    assert (styles["/x/{a}"]["style"], styles["/x/{a}"]["explode"]) == ("simple", False)
    assert (styles["/m"]["style"], styles["/m"]["explode"]) == ("form", True)
    assert styles["/p"]["style"] == "pipeDelimited"
    assert styles["/m"]["schema"] == {"type": "array", "items": {"type": "string"}}


def test_security_definitions_and_servers():
    out = convert(
        _doc(
            host="api.example.com",
            basePath="/v2",
            schemes=["http", "https"],
            securityDefinitions={
                "b": {"type": "basic"},
                "o": {
                    "type": "oauth2",
                    "flow": "accessCode",
                    "authorizationUrl": "https://a/auth",
                    "tokenUrl": "https://a/token",
                    "scopes": {"read": "r"},
                },
            },
        )
    )
    validate(out)
    assert out["servers"] == [
        {"url": "http://api.example.com/v2"},
        {"url": "https://api.example.com/v2"},
    ]
    schemes = out["components"]["securitySchemes"]
    assert schemes["b"] == {"type": "http", "scheme": "basic"}
    assert schemes["o"]["flows"]["authorizationCode"]["tokenUrl"] == "https://a/token"


def test_form_data_and_produces_per_operation():
    out = convert(
        _doc(
            paths={
                "/f": {
                    "post": {
                        "consumes": ["application/x-www-form-urlencoded"],
                        "produces": ["text/plain", "application/json"],
                        "parameters": [
                            {"name": "n", "in": "formData", "type": "integer", "required": True}
                        ],
                        "responses": {
                            "200": {
                                "description": "ok",
                                "schema": {"type": "string"},
                                "examples": {"text/plain": "hi"},
                            }
                        },
                    }
                }
            }
        )
    )
    validate(out)
    op = out["paths"]["/f"]["post"]
    form = op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert form == {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    content = op["responses"]["200"]["content"]
    assert list(content) == ["text/plain", "application/json"]
    assert content["text/plain"]["example"] == "hi"


def test_only_swagger_2_is_recognized():
    assert is_swagger2({"swagger": "2.0"})
    assert not is_swagger2({"openapi": "3.0.0"})
    assert not is_swagger2({"swagger": "1.2"})
