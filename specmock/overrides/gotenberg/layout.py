"""HTML to a flat list of blocks: what a reader sees in order, and where pages break.

Only text and structure count: headings, paragraphs, list items (with their marker and
depth), preformatted text, table rows (cells joined by ` | `), rules, and forced page
breaks. A break comes from `page-break-before`/`-after: always` or `break-before`/`-after:
page` in an inline `style` or in a `<style>` rule whose selector is a tag, a `.class` or a
`tag.class`. As in a browser's print, a forced break on an empty page does nothing, so two
breaks in a row make one and a break before the first line makes none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCKS = {
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "html",
    "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul", *HEADINGS,
}  # fmt: skip
_HIDDEN = {"head", "script", "style", "template", "noscript", "title", "svg"}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_SELECTOR = re.compile(r"^([a-z][a-z0-9]*)?(?:\.([\w-]+))?$", re.I)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Block:
    """One line-breaking piece of the page: `kind` is heading, text, item, pre, rule or
    break; `level` is the heading level or the list depth."""

    kind: str
    text: str = ""
    level: int = 0


@dataclass
class Page:
    """The document as read: its title and blocks, page breaks included."""

    title: str = ""
    blocks: list[Block] = field(default_factory=list)


def read_html(html: str) -> Page:
    """The blocks of an HTML document, in reading order."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    reader.finish()
    return Page(reader.title.strip(), reader.blocks)


def _breaks(declarations: str) -> tuple[bool, bool]:
    """(break before, break after) from CSS declarations."""
    before = after = False
    for declaration in declarations.split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip().lower().replace("!important", "")
        value = value.strip()
        if name in ("page-break-before", "break-before") and value in ("always", "page"):
            before = True
        elif name in ("page-break-after", "break-after") and value in ("always", "page"):
            after = True
    return before, after


@dataclass
class _Open:
    tag: str
    break_after: bool
    ordered: bool = False
    counter: int = 0


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.title = ""
        self.rules: dict[tuple[str, str], tuple[bool, bool]] = {}
        self._stack: list[_Open] = []
        self._hidden = 0
        self._in_title = False
        self._in_style = False
        self._pre = 0
        self._text: list[str] = []
        self._kind = "text"
        self._level = 0
        self._cells: list[str] | None = None
        self._marker = ""  # a list item's "-" or "3." until its first text

    # -- tags
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self._void(tag, attrs)
            return
        if tag in _HIDDEN:
            self._hidden += 1
            self._in_title = self._in_title or tag == "title"
            self._in_style = self._in_style or tag == "style"
        before, after = self._element_breaks(tag, dict(attrs))
        if tag in _BLOCKS:
            self._flush()
        if before:
            self._page_break()
        opened = _Open(tag, after, ordered=tag == "ol")
        if tag == "ol":
            start = dict(attrs).get("start") or "1"
            opened.counter = int(start) - 1 if start.strip().lstrip("-").isdigit() else 0
        self._stack.append(opened)
        if tag in HEADINGS:
            self._kind, self._level = "heading", HEADINGS[tag]
        elif tag == "li":
            self._item()
        elif tag == "pre":
            self._pre += 1
            self._kind = "pre"
        elif tag == "tr":
            self._cells = []
        elif tag in ("td", "th") and self._cells is not None:
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or not any(o.tag == tag for o in self._stack):
            return
        while self._stack:
            opened = self._stack.pop()
            self._close(opened)
            if opened.tag == tag:
                break

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self._void(tag, attrs)
        else:
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._in_title and self._hidden:
            self.title += data
        elif self._in_style and self._hidden:
            self._read_css(data)
        elif not self._hidden:
            self._text.append(data)

    # -- helpers
    def _void(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._hidden:
            return
        if tag == "br":
            self._text.append("\n")
        elif tag == "hr":
            self._flush()
            before, after = self._element_breaks(tag, dict(attrs))
            if before:
                self._page_break()
            self.blocks.append(Block("rule"))
            if after:
                self._page_break()
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self._text.append(alt)

    def _close(self, opened: _Open) -> None:
        tag = opened.tag
        if tag in _HIDDEN:
            self._hidden -= 1
            if tag == "title":
                self._in_title = False
            if tag == "style":
                self._in_style = False
            return
        if tag in ("td", "th") and self._cells is not None:
            self._cells.append(_SPACE.sub(" ", "".join(self._text)).strip())
            self._text = []
        elif tag == "tr" and self._cells is not None:
            cells, self._cells = self._cells, None
            self._text = [" | ".join(c for c in cells)]
            self._flush()
        elif tag in _BLOCKS:
            self._flush()
        if tag == "li":
            self._marker = ""
        if tag == "pre":
            self._pre -= 1
        if opened.break_after:
            self._page_break()

    def _item(self) -> None:
        lists = [o for o in self._stack if o.tag in ("ul", "ol")]
        depth = max(len(lists), 1)
        marker = "-"
        if lists and lists[-1].ordered:
            lists[-1].counter += 1
            marker = f"{lists[-1].counter}."
        self._kind, self._level = "item", depth
        self._marker = marker

    def _element_breaks(self, tag: str, attrs: dict[str, str | None]) -> tuple[bool, bool]:
        before, after = self.rules.get((tag, ""), (False, False))
        for name in (attrs.get("class") or "").split():
            for key in ((tag, name), ("", name)):
                b, a = self.rules.get(key, (False, False))
                before, after = before or b, after or a
        b, a = _breaks(attrs.get("style") or "")
        return before or b, after or a

    def _read_css(self, css: str) -> None:
        css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
        for selectors, declarations in _RULE.findall(css):
            found = _breaks(declarations)
            if not any(found):
                continue
            for selector in selectors.split(","):
                match = _SELECTOR.match(selector.strip())
                if match and (match.group(1) or match.group(2)):
                    key = ((match.group(1) or "").lower(), match.group(2) or "")
                    old = self.rules.get(key, (False, False))
                    self.rules[key] = (old[0] or found[0], old[1] or found[1])

    def _flush(self) -> None:
        raw = "".join(self._text)
        self._text = []
        kind, level = self._kind, self._level
        if self._pre:
            text = raw.strip("\n")
        else:
            lines = [_SPACE.sub(" ", line).strip() for line in raw.split("\n")]
            text = "\n".join(line for line in lines if line)
        if text:
            if kind == "item" and self._marker:
                text, self._marker = f"{self._marker} {text}", ""
            self.blocks.append(Block(kind, text, level))
        if not self._pre:
            self._kind, self._level = self._context_kind()

    def _context_kind(self) -> tuple[str, int]:
        """What text after a nested block belongs to: the enclosing item or plain text."""
        for opened in reversed(self._stack):
            if opened.tag == "li":
                depth = len([o for o in self._stack if o.tag in ("ul", "ol")])
                return "item", max(depth, 1)
        return "text", 0

    def _page_break(self) -> None:
        self._flush()
        if self.blocks and self.blocks[-1].kind != "break":
            self.blocks.append(Block("break"))

    def finish(self) -> None:
        while self._stack:
            self._close(self._stack.pop())
        self._flush()
        while self.blocks and self.blocks[-1].kind == "break":
            self.blocks.pop()
