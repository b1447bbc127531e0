"""Links and one-time codes out of a message, the two things a sign-up test looks for.

    from specmock.overrides.email import codes, links
    message = httpx.get(f"{url}/api/v1/wait", params={"query": "to:ann@example.com"}).json()
    links(message)        # ["https://app.example.com/verify?t=..."]
    codes(message)[0]     # "482913"

Both take a Message as the inbox API returns it (a dict with Subject, Text and HTML), or
plain text. Links come from the text and from the HTML's `href`s; codes are runs of
digits (4 to 8 by default) standing alone, looked for in the subject first, then the
text (or the HTML's words when there is no text part). Order is first appearance.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from typing import Any

_URL = re.compile(r"https?://[^\s<>\"'()\[\]]+", re.I)
_TRAILING = ".,;:!?"


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "href" and value and re.match(r"https?://", value.strip(), re.I):
                self.found.append(value.strip())


def _parts(message: dict[str, Any] | str) -> tuple[str, str, str]:
    if isinstance(message, str):
        return "", message, ""
    return (
        str(message.get("Subject") or ""),
        str(message.get("Text") or ""),
        str(message.get("HTML") or ""),
    )


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def links(message: dict[str, Any] | str) -> list[str]:
    """Every http(s) link in the text and the HTML, each once."""
    _, text, html = _parts(message)
    found = [m.group(0).rstrip(_TRAILING) for m in _URL.finditer(text)]
    if html:
        hrefs = _Hrefs()
        hrefs.feed(html)
        hrefs.close()
        found.extend(hrefs.found)
        found.extend(m.group(0).rstrip(_TRAILING) for m in _URL.finditer(unescape(html)))
    return _unique(found)


def codes(message: dict[str, Any] | str, shortest: int = 4, longest: int = 8) -> list[str]:
    """Runs of `shortest`..`longest` digits that are not part of a longer word or link."""
    if not 1 <= shortest <= longest:
        raise ValueError("digits: the shortest code must be 1 or more and not above the longest")
    subject, text, html = _parts(message)
    if not text and html:
        text = re.sub(r"<[^>]*>", " ", unescape(html))
    pattern = re.compile(rf"(?<![\w./=&?#-])\d{{{shortest},{longest}}}(?![\w/=&-])")
    found = []
    for source in (subject, _URL.sub(" ", text)):
        found.extend(m.group(0) for m in pattern.finditer(source))
    return _unique(found)
