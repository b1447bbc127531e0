"""Content negotiation and the `Prefer` header, decided per request from the Plan's media types."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache


@lru_cache(maxsize=512)  # a request path asks this of the same few strings many times
def base_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


@lru_cache(maxsize=512)
def is_json(media_type: str) -> bool:
    """JSON bodies, including AWS's JSON protocol (`application/x-amz-json-1.1`)."""
    kind = base_type(media_type)
    return (
        kind in ("application/json", "*/*", "text/json")
        or kind.endswith("+json")
        or kind.startswith("application/x-amz-json-")
    )


def media_matches(pattern: str, media_type: str) -> bool:
    """Does a declared (possibly wildcard) media type cover a concrete one?"""
    if pattern in ("*/*", media_type):
        return True
    major, _, minor = pattern.partition("/")
    c_major, _, c_minor = media_type.partition("/")
    return (minor == "*" and major == c_major) or (major == c_major and minor == c_minor)


def find_declared(declared: Iterable[str], content_type: str) -> str | None:
    """The declared request media type a Content-Type header falls under."""
    kind = base_type(content_type)
    candidates = list(declared)
    if kind in candidates:
        return kind
    for pattern in sorted(candidates, key=lambda p: p.count("*")):
        if media_matches(pattern, kind):
            return pattern
    if kind.startswith("application/x-amz-json-") and "application/json" in candidates:
        return "application/json"  # what AWS SDKs send to an API its spec calls JSON
    return None


@lru_cache(maxsize=512)
def parse_accept(header: str) -> tuple[tuple[str, float], ...]:
    ranges = []
    for part in header.split(","):
        kind, *params = [p.strip() for p in part.split(";")]
        if not kind:
            continue
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        ranges.append((kind.lower(), q))
    return tuple(sorted(ranges, key=lambda r: (-r[1], r[0].count("*"))))


def choose_media(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the client accepts best; None means 406."""
    if not offered:
        return None
    if not accept:
        return offered[0]
    for pattern, q in parse_accept(accept):
        if q <= 0:
            continue
        for media in offered:
            concrete = media if "*" not in media else "application/octet-stream"
            if media_matches(pattern, concrete) or media_matches(media, pattern):
                return media
    return None


@dataclass(frozen=True)
class Preference:
    """What a `Prefer` header asks of the response (code, example, dynamic, seed, quality)."""

    code: int | None = None
    example: str | None = None
    dynamic: bool | None = None
    seed: int | None = None
    quality: str | None = None  # basic | realistic | production | exact


@lru_cache(maxsize=512)
def parse_prefer(header: str | None) -> Preference:
    if not header:
        return Preference()
    values: dict[str, str] = {}
    for part in header.replace(";", ",").split(","):
        key, _, value = part.strip().partition("=")
        values[key.strip().lower()] = value.strip().strip('"')
    code = values.get("code")
    seed = values.get("seed")
    dynamic = values.get("dynamic")
    return Preference(
        code=int(code) if code and code.isdigit() else None,
        example=values.get("example") or None,
        dynamic=None if dynamic is None else dynamic.lower() == "true",
        seed=int(seed) if seed and seed.lstrip("-").isdigit() else None,
        quality=values.get("quality") or None,
    )
