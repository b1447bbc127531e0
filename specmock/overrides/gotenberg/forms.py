"""Gotenberg's form fields: page size and margins, orientation, document metadata, and the
uploaded files by name. Every problem is collected and reported together, one per line,
in Gotenberg's words ("form field 'landscape' is invalid (got 'x', resulting to ...)").
"""

from __future__ import annotations

import json
import re
from typing import Any

from specmock import Context, UploadedFile

from .render import Metadata, Paper
from .replies import FormError

_UNITS = {"": 72.0, "in": 72.0, "pt": 1.0, "px": 0.75, "pc": 12.0, "mm": 72 / 25.4, "cm": 72 / 2.54}
_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([a-z]*)\s*$", re.I)
_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}
_MAX_POINTS = 200 * 72  # 200 inches: larger is no paper anyone prints on
_META = {"Title": "title", "Author": "author", "Subject": "subject", "Keywords": "keywords"}


def files(ctx: Context) -> dict[str, UploadedFile]:
    """Every uploaded file by its base name, whatever form field carried it."""
    found: dict[str, UploadedFile] = {}
    for uploads in ctx.files.values():
        for upload in uploads:
            name = re.split(r"[/\\]", upload.filename)[-1]
            if name:
                found[name] = upload
    return found


def _field(ctx: Context, name: str) -> str | None:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    value = body.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value is None or value == "" else str(value)


def paper(ctx: Context, problems: list[str]) -> Paper:
    """Paper from paperWidth/paperHeight/margin*/landscape (Gotenberg's defaults: Letter,
    0.39 inch margins)."""
    default = Paper()
    sizes: dict[str, float] = {}
    for name, fallback in (
        ("paperWidth", default.width),
        ("paperHeight", default.height),
        ("marginTop", default.top),
        ("marginBottom", default.bottom),
        ("marginLeft", default.left),
        ("marginRight", default.right),
    ):
        sizes[name] = _points(name, _field(ctx, name), fallback, problems)
    landscape = _bool("landscape", _field(ctx, "landscape"), problems)
    width, height = sizes["paperWidth"], sizes["paperHeight"]
    if landscape:
        width, height = height, width
    result = Paper(
        width, height, sizes["marginTop"], sizes["marginBottom"], sizes["marginLeft"],
        sizes["marginRight"],
    )  # fmt: skip
    if not problems and (
        not 0 < width <= _MAX_POINTS
        or not 0 < height <= _MAX_POINTS
        or result.left + result.right >= width - 36
        or result.top + result.bottom >= height - 36
    ):
        problems.append(
            "Chromium does not handle the provided settings; please check for aberrant form "
            "values (the paper must be up to 200 inches and leave at least half an inch "
            "inside the margins)"
        )
    return result


def metadata(ctx: Context, problems: list[str]) -> Metadata:
    """The `metadata` field's Title, Author, Subject, Keywords and Creator."""
    raw = _field(ctx, "metadata")
    if raw is None:
        return Metadata()
    try:
        found = json.loads(raw)
        if not isinstance(found, dict):
            raise ValueError("expected a JSON object")
    except ValueError as exc:
        problems.append(
            f"form field 'metadata' is invalid (got '{raw}', resulting to "
            f"unmarshal metadata: {exc})"
        )
        return Metadata()
    values: dict[str, Any] = {}
    for key, attribute in _META.items():
        value = found.get(key)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if value is not None:
            values[attribute] = str(value)
    if found.get("Creator") is not None:
        values["creator"] = str(found["Creator"])
    return Metadata(**values)


def _points(name: str, raw: str | None, fallback: float, problems: list[str]) -> float:
    if raw is None:
        return fallback
    match = _SIZE.match(raw)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        problems.append(
            f"form field '{name}' is invalid (got '{raw}', resulting to expected a number of "
            "inches or a number with one of the units pt, px, in, mm, cm, pc)"
        )
        return fallback
    return float(match.group(1)) * _UNITS[unit]


def _bool(name: str, raw: str | None, problems: list[str]) -> bool:
    if raw is None or raw in _FALSE:
        return False
    if raw in _TRUE:
        return True
    problems.append(
        f"form field '{name}' is invalid (got '{raw}', resulting to strconv.ParseBool: "
        f'parsing "{raw}": invalid syntax)'
    )
    return False


def check(problems: list[str]) -> None:
    if problems:
        raise FormError(problems)
