"""Error bodies: the shape the spec declares for a status, else RFC 9457 problem+json."""

from __future__ import annotations

from typing import Any

from .validation import Violation

PROBLEM_TYPE = "application/problem+json"
_TITLES = {
    400: "Request does not match the contract",
    401: "Credentials required",
    404: "No operation matches this path",
    405: "Method not declared for this path",
    406: "No declared media type is acceptable",
    413: "Request body too large",
    415: "Content type not declared",
    422: "Request does not match the contract",
    500: "Response would break the contract",
}
_MESSAGE_KEYS = ("message", "detail", "title", "error_description", "description", "error", "msg")
_LIST_KEYS = ("errors", "details", "violations", "issues", "problems")
_ITEM_KEYS = {
    "pointer": "pointer",
    "rule": "rule",
    "message": "message",
    "detail": "message",
    "in": "location",
    "location": "location",
    "field": "pointer",
    "path": "pointer",
}


def summary(status: int, violations: list[Violation]) -> str:
    if not violations:
        return _TITLES.get(status, "Error")
    text = "; ".join(f"{v.location} {v.pointer}: {v.message}" for v in violations[:10])
    more = len(violations) - 10
    return text + (f" (and {more} more)" if more > 0 else "")


def problem(status: int, violations: list[Violation], detail: str | None = None) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail or summary(status, violations),
        "errors": [v.as_dict() for v in violations],
    }


def fill(body: Any, status: int, violations: list[Violation], with_list: bool = True) -> Any:
    """Write the messages into a generated error body wherever its fields invite them."""
    if isinstance(body, list) and with_list:  # e.g. Salesforce's [{"errorCode", "message"}]
        return _items(body, violations)
    if not isinstance(body, dict):
        return body
    text = summary(status, violations)
    for key, value in list(body.items()):
        low = key.lower()
        if low in _MESSAGE_KEYS and isinstance(value, str):
            body[key] = text
        elif low == "type" and isinstance(value, str) and {"title", "status"} <= set(body):
            body[key] = "about:blank"  # an RFC 9457 body
        elif low in ("code", "status") and isinstance(value, int) and not isinstance(value, bool):
            body[key] = status
        elif low in ("code", "status") and isinstance(value, str) and value.isdigit():
            body[key] = str(status)
        elif with_list and low in _LIST_KEYS and isinstance(value, list):
            body[key] = _items(value, violations)
        elif isinstance(value, dict):
            fill(value, status, violations, with_list)
    return body


def _items(generated: list[Any], violations: list[Violation]) -> list[Any]:
    if not generated or not isinstance(generated[0], dict):
        return generated
    template = generated[0]
    if not template:  # free-form items: the whole violation
        return [v.as_dict() for v in violations]
    out = []
    for v in violations:
        item = dict(template)
        for key in template:
            source = _ITEM_KEYS.get(key.lower())
            if source and isinstance(template[key], str):
                item[key] = getattr(v, source)
        out.append(item)
    return out
