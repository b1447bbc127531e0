"""XML bodies read and written from the schema, as OpenAPI's `xml` object describes them.

A schema says what JSON looks like; for XML it also needs names and shapes, which
OpenAPI puts in the `xml` object: `name` (element or attribute name), `namespace`
(and `prefix`), `attribute: true` (a property carried as an attribute) and `wrapped`
(an array inside one wrapper element instead of repeated elements). The same walk of
the schema turns a value into XML and XML back into the value the schema validates, so
any spec with application/xml bodies gets parsed requests and serialized responses.

Parsing is done by defusedxml: no DTDs, no entity expansion, no external references, and a
size limit on top, so a hostile body costs at most its own bytes.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from .loader import deref

MAX_XML = 5 * 1024 * 1024
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_COMPOSED = ("allOf", "oneOf", "anyOf")


def is_xml(media_type: str) -> bool:
    kind = media_type.split(";", 1)[0].strip().lower()
    return kind in ("application/xml", "text/xml") or kind.endswith("+xml")


def root_name(schema: Any, root: dict[str, Any], default: str = "root") -> str:
    """The document element: the schema's `xml.name`, else its component's name."""
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        name = _xml(deref(root, schema)).get("name")
        return name or schema["$ref"].rsplit("/", 1)[-1]
    return _xml(schema).get("name") or default


def to_xml(value: Any, schema: Any, root: dict[str, Any], name: str | None = None) -> bytes:
    """`value` as an XML document shaped by `schema` (refs resolved against `root`)."""
    element = Element(name or root_name(schema, root))
    _fill(element, value, _resolve(schema, root), root)
    return _DECLARATION + tostring(element, encoding="unicode").encode()


def from_xml(body: bytes, schema: Any, root: dict[str, Any], limit: int = MAX_XML) -> Any:
    """The value an XML document stands for; ValueError names what is wrong with it."""
    if len(body) > limit:
        raise ValueError(f"XML body exceeds {limit} bytes")
    try:
        element = safe_xml.fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise ValueError(f"forbidden XML construct: {type(exc).__name__}") from None
    except safe_xml.ParseError as exc:
        raise ValueError(f"malformed XML: {exc}") from None
    expected = root_name(schema, root, "")
    if expected and _local(element.tag) != expected:
        raise ValueError(f"the document element must be <{expected}>, not <{_local(element.tag)}>")
    return _read(element, _resolve(schema, root), root)


# -- writing --------------------------------------------------------------------------------
def _fill(element: Element, value: Any, schema: dict[str, Any], root: dict[str, Any]) -> None:
    info = _xml(schema)
    if info.get("namespace"):
        prefix = info.get("prefix")
        element.set(f"xmlns:{prefix}" if prefix else "xmlns", info["namespace"])
        if prefix:
            element.tag = f"{prefix}:{element.tag}"
    if isinstance(value, dict):
        props = _properties(schema, root)
        for key, item in value.items():
            if item is None:
                continue
            prop = _resolve(props.get(key, {}), root)
            name = _xml(prop).get("name") or key
            if _xml(prop).get("attribute"):
                element.set(name, _text(item))
            elif isinstance(item, list):
                _array(element, name, item, prop, root)
            else:
                _fill(SubElement(element, name), item, prop, root)
    elif isinstance(value, list):  # an array at the root: items inside the document element
        _array(element, "", value, {**schema, "xml": {**info, "wrapped": False}}, root)
    else:
        element.text = _text(value)


def _array(
    parent: Element, name: str, items: list[Any], schema: dict[str, Any], root: dict[str, Any]
) -> None:
    item_schema = _resolve(schema.get("items", {}), root)
    item_name = _xml(item_schema).get("name") or name or "item"
    holder = SubElement(parent, name) if _xml(schema).get("wrapped") and name else parent
    for item in items:
        _fill(SubElement(holder, item_name), item, item_schema, root)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- reading --------------------------------------------------------------------------------
def _read(element: Element, schema: dict[str, Any], root: dict[str, Any]) -> Any:
    kind = _kind(schema, root)
    if kind in ("object", "array") and not len(element) and (element.text or "").strip():
        return element.text  # text where elements belong: validation names the wrong type
    if kind == "object":
        return _read_object(element, schema, root)
    if kind == "array":
        item_schema = _resolve(schema.get("items", {}), root)
        return [_read(child, item_schema, root) for child in element]
    return _scalar(element.text or "", kind)


def _read_object(element: Element, schema: dict[str, Any], root: dict[str, Any]) -> Any:
    props = _properties(schema, root)
    out: dict[str, Any] = {}
    names: dict[str, str] = {}
    for key, raw in props.items():
        prop = _resolve(raw, root)
        info = _xml(prop)
        name = info.get("name") or key
        if info.get("attribute"):
            if name in element.attrib:
                out[key] = _scalar(element.attrib[name], _kind(prop, root))
            continue
        if _kind(prop, root) == "array":
            item_schema = _resolve(prop.get("items", {}), root)
            item_name = _xml(item_schema).get("name") or name
            if info.get("wrapped"):
                holder = _child(element, name)
                if holder is not None:
                    out[key] = [_read(c, item_schema, root) for c in holder]
            else:
                found = [c for c in element if _local(c.tag) == item_name]
                if found:
                    out[key] = [_read(c, item_schema, root) for c in found]
            names[item_name] = key
            names[name] = key
            continue
        child = _child(element, name)
        if child is not None:
            out[key] = _read(child, prop, root)
        names[name] = key
    for child in element:  # undeclared elements stay visible to validation
        local = _local(child.tag)
        if local not in names and local not in out:
            out[local] = _read(child, {}, root) if len(child) else (child.text or "")
    return out


def _scalar(text: str, kind: str) -> Any:
    text = text.strip() if kind in ("integer", "number", "boolean") else text
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            return text
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def _child(element: Element, name: str) -> Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


# -- schema walking -------------------------------------------------------------------------
def _resolve(schema: Any, root: dict[str, Any]) -> dict[str, Any]:
    """The schema with `$ref` followed; `xml` beside a `$ref` wins over the target's."""
    if not isinstance(schema, dict):
        return {}
    if "$ref" in schema:
        target = deref(root, schema)
        target = target if isinstance(target, dict) else {}
        if "xml" in schema:
            return {**target, "xml": {**_xml(target), **_xml(schema)}}
        return target
    return schema


def _xml(schema: Any) -> dict[str, Any]:
    info = schema.get("xml") if isinstance(schema, dict) else None
    return info if isinstance(info, dict) else {}


def _properties(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    props = dict(schema.get("properties") or {})
    for key in _COMPOSED:
        for branch in schema.get(key) or []:
            props = {**_properties(_resolve(branch, root), root), **props}
    return props


def _kind(schema: dict[str, Any], root: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if isinstance(kind, str):
        return kind
    if "properties" in schema or any(schema.get(k) for k in _COMPOSED):
        return "object"
    if "items" in schema:
        return "array"
    return "string"
