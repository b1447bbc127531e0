"""SOAP 1.1 envelopes for the SFMC SOAP API: read a request, write a response or a fault.

Requests are parsed with defusedxml (no entity expansion, no external references). An
element becomes text, or a dict of its children by local name, a repeated name becoming a
list; `xsi:type` is kept under "@type". Responses are written in the vendor's namespace
with `xsi:type` on polymorphic results, which is what suds needs to read them.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
API_NS = "http://exacttarget.com/wsdl/partnerAPI"
FUEL_NS = "http://exacttarget.com"
SECEXT_NS = "http://schemas.xmlsoap.org/ws/2002/04/secext"
_TYPE = f"{{{XSI_NS}}}type"
_NIL = f"{{{XSI_NS}}}nil"


class EnvelopeError(ValueError):
    """The bytes are not a SOAP 1.1 envelope with one body element."""


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def to_value(element: Any) -> Any:
    """Text for a leaf, a dict of children by local name otherwise (see module doc)."""
    children = list(element)
    kind = element.get(_TYPE)
    if not children:
        if element.get(_NIL) == "true":
            return None
        if kind is not None:
            return {"@type": local(kind.split(":")[-1])}
        return element.text or ""
    out: dict[str, Any] = {}
    if kind is not None:
        out["@type"] = kind.split(":")[-1]
    repeated: set[str] = set()
    for child in children:
        name, value = local(child.tag), to_value(child)
        if name in repeated:
            out[name].append(value)
        elif name in out:
            out[name] = [out[name], value]
            repeated.add(name)
        else:
            out[name] = value
    return out


def many(value: Any) -> list[Any]:
    """A repeated element as a list whether it appeared once, many times or not at all."""
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def read(data: bytes) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """(header children, body element's local name, body element as a value)."""
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise EnvelopeError(f"the request declares entities, which are refused: {exc}") from None
    except SafeET.ParseError as exc:
        raise EnvelopeError(f"the request is not well-formed XML: {exc}") from None
    if root.tag != f"{{{SOAP_NS}}}Envelope":
        raise EnvelopeError(f"the root element is {local(root.tag)}, not a SOAP 1.1 Envelope")
    header = root.find(f"{{{SOAP_NS}}}Header")
    body = root.find(f"{{{SOAP_NS}}}Body")
    if body is None or len(body) != 1:
        raise EnvelopeError("the Envelope needs a Body with exactly one element")
    headers: dict[str, Any] = {}
    for child in header if header is not None else ():
        headers[local(child.tag)] = to_value(child)
    [payload] = list(body)
    value = to_value(payload)
    return headers, local(payload.tag), value if isinstance(value, dict) else {}


def _add(out: list[str], name: str, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _add(out, name, item)
    elif value is None:
        out.append(f'<{name} xsi:nil="true"/>')
    elif isinstance(value, dict):
        kind = f' xsi:type="{escape(value["@type"])}"' if "@type" in value else ""
        out.append(f"<{name}{kind}>")
        for key, item in value.items():
            if key != "@type":
                _add(out, key, item)
        out.append(f"</{name}>")
    elif isinstance(value, bool):
        out.append(f"<{name}>{'true' if value else 'false'}</{name}>")
    else:
        out.append(f"<{name}>{escape(str(value))}</{name}>")


_OPEN = (
    '<?xml version="1.0" encoding="utf-8"?>'
    f'<soap:Envelope xmlns:soap="{SOAP_NS}" xmlns:xsi="{XSI_NS}"><soap:Body>'
)
_CLOSE = "</soap:Body></soap:Envelope>"


def envelope(name: str, fields: dict[str, Any]) -> bytes:
    """A response envelope whose body holds `name` (vendor namespace) with fields in order.

    Written as text rather than through ElementTree so the vendor namespace is the default
    one and unprefixed `xsi:type` values resolve in it, as the vendor's own answers do."""
    out = [_OPEN, f'<{name} xmlns="{API_NS}">']
    for key, value in fields.items():
        _add(out, key, value)
    out += [f"</{name}>", _CLOSE]
    return "".join(out).encode()


def fault(code: str, message: str, actor: str = "") -> bytes:
    """SFMC's fault: `soap:Client`/`soap:Server`, or `q0:Security` "Login Failed"."""
    if code == "Security":
        faultcode = f'<faultcode xmlns:q0="{SECEXT_NS}">q0:Security</faultcode>'
    else:
        faultcode = f"<faultcode>soap:{escape(code)}</faultcode>"
    actor_xml = f"<faultactor>{escape(actor)}</faultactor>" if actor else ""
    text = f"<faultstring>{escape(message)}</faultstring>"
    body = f"<soap:Fault>{faultcode}{text}{actor_xml}</soap:Fault>"
    return (_OPEN + body + _CLOSE).encode()
