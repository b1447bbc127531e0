"""Error bodies: the shape the spec declares for a status, else RFC 9457 problem+json."""

from __future__ import annotations

import copy
import re
from http import HTTPStatus
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


def fill(
    body: Any,
    status: int,
    violations: list[Violation],
    with_list: bool = True,
    message: str | None = None,
) -> Any:
    """Write the messages into a generated error body wherever its fields invite them."""
    if isinstance(body, list) and with_list:  # e.g. Salesforce's [{"errorCode", "message"}]
        return _items(body, violations, message)
    if not isinstance(body, dict):
        return body
    text = message or summary(status, violations)
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
            body[key] = _items(value, violations, message)
        elif isinstance(value, dict):
            fill(value, status, violations, with_list, message)
    return body


def _items(
    generated: list[Any], violations: list[Violation], message: str | None = None
) -> list[Any]:
    if not generated or not isinstance(generated[0], dict):
        return generated
    template = generated[0]
    if message is not None and not violations:  # a named error: no violations to list
        return []
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


_KEEP = re.compile(r"(url|uri|link|href|documentation|id)$", re.IGNORECASE)
_CODE = re.compile(r"(code|type|error|kind|reason)$", re.IGNORECASE)


def readable(
    body: Any, generated: Any, status: int, validator: Any, message: str | None = None
) -> Any:
    """Replace the generated words `fill` left in an error body (strings still equal to
    `generated` at the same place) by the message in message fields, the status reason's
    code form in fields named like codes, the reason elsewhere, wherever the schema still
    accepts the result (`body` is valid when it comes)."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Client Error" if status < 500 else "Server Error"
    code = re.sub(r"[^A-Z0-9]+", "_", phrase.upper()).strip("_")
    before = copy.deepcopy(body)
    for container, key in list(_untouched(body, generated)):
        name = key if isinstance(key, str) else ""
        if name and _KEEP.search(name):
            continue
        if name.lower() in _MESSAGE_KEYS:
            container[key] = message or phrase
        else:
            container[key] = code if name and _CODE.search(name) else phrase
    settled = settle(body, before, validator)
    return before if settled is None else settled


def settle(body: Any, valid: Any, validator: Any, rounds: int = 8) -> Any | None:
    """`body` with each place the validator complains about put back as it is in `valid`
    (a body of the same shape that validates), or None when that does not converge.

    A few validations in all, where trying each change alone costs one per field:
    seconds on a large error body (Stripe's embeds whole payment objects)."""
    for _ in range(rounds):
        wrong = [list(error.instance_path) for error in validator.iter_errors(body)]
        if not wrong:
            return body
        for path in wrong:
            body = _restore(body, valid, path)
    return body if validator.is_valid(body) else None


def _restore(body: Any, valid: Any, path: list[Any]) -> Any:
    """`body` with the value at `path` (or the nearest parent `valid` also has) copied
    from `valid`."""
    parent: Any = None
    key: Any = None
    mine, theirs = body, valid
    for step in path:
        if not _has(mine, step) or not _has(theirs, step):
            break
        parent, key = mine, step
        mine, theirs = mine[step], theirs[step]
    if parent is None:
        return copy.deepcopy(valid)
    parent[key] = copy.deepcopy(theirs)
    return body


def _has(node: Any, step: Any) -> bool:
    if isinstance(node, dict):
        return step in node
    return isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)


def _untouched(node: Any, generated: Any) -> Any:
    if isinstance(node, dict) and isinstance(generated, dict):
        pairs = [(k, generated[k]) for k in node if k in generated]
    elif isinstance(node, list) and isinstance(generated, list):
        pairs = list(zip(range(len(node)), generated, strict=False))
    else:
        return
    for key, before in pairs:
        value = node[key]
        if isinstance(value, str) and value == before:
            yield node, key
        elif isinstance(value, dict | list):
            yield from _untouched(value, before)
