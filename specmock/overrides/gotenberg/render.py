"""Blocks to PDF bytes with fpdf2: a simple, stable layout, the same bytes for the same input.

Text is set in the PDF core fonts (Helvetica, Courier for preformatted text) with the
Windows-1252 encoding, so Latin text, curly quotes, dashes and the euro sign come through;
other characters print as `?`. Sizes follow a browser's print defaults (16 px body text is
12 pt; headings 2em down to 0.67em). Creation and modification dates are fixed and the
document id is fpdf2's hash of the content, so equal input gives byte-identical files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fpdf import FPDF

from .layout import Block, Page

FIXED_DATE = datetime(2000, 1, 1, tzinfo=UTC)
ENCODING = "windows-1252"
_HEADING_PT = {1: 24.0, 2: 18.0, 3: 14.0, 4: 12.0, 5: 10.0, 6: 8.0}
_BODY_PT = 12.0
_INDENT_PT = 18.0


@dataclass(frozen=True)
class Paper:
    """Page size and margins in points (1/72 inch)."""

    width: float = 8.5 * 72
    height: float = 11 * 72
    top: float = 0.39 * 72
    bottom: float = 0.39 * 72
    left: float = 0.39 * 72
    right: float = 0.39 * 72


@dataclass(frozen=True)
class Metadata:
    title: str = ""
    author: str = ""
    subject: str = ""
    keywords: str = ""
    creator: str = "specmock"


def render(page: Page, paper: Paper = Paper(), meta: Metadata | None = None) -> bytes:
    """A PDF of the page's blocks: one PDF page to start, one more per forced break and
    wherever text runs past the bottom margin."""
    pdf = FPDF(unit="pt", format=(paper.width, paper.height))
    pdf.core_fonts_encoding = ENCODING
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_margins(paper.left, paper.top, paper.right)
    pdf.set_auto_page_break(True, margin=paper.bottom)
    meta = meta or Metadata(title=page.title)
    pdf.set_title(_printable(meta.title or page.title))
    if meta.author:
        pdf.set_author(_printable(meta.author))
    if meta.subject:
        pdf.set_subject(_printable(meta.subject))
    if meta.keywords:
        pdf.set_keywords(_printable(meta.keywords))
    pdf.set_creator(_printable(meta.creator))
    pdf.add_page()
    previous: Block | None = None
    for block in page.blocks:
        if block.kind == "break":
            pdf.add_page()
            previous = None
            continue
        if previous is not None:
            pdf.ln(_space_before(block))
        _draw(pdf, block)
        previous = block
    return bytes(pdf.output())


def _space_before(block: Block) -> float:
    if block.kind == "heading":
        return _HEADING_PT[block.level] * 0.6
    return 2.0 if block.kind == "item" else 6.0


def _draw(pdf: FPDF, block: Block) -> None:
    width = pdf.w - pdf.l_margin - pdf.r_margin
    if block.kind == "rule":
        y = pdf.get_y() + 3
        pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
        pdf.set_y(y + 3)
        return
    if block.kind == "heading":
        size = _HEADING_PT[block.level]
        pdf.set_font("helvetica", "B", size)
    elif block.kind == "pre":
        size = _BODY_PT * 0.8
        pdf.set_font("courier", "", size)
    else:
        size = _BODY_PT
        pdf.set_font("helvetica", "", size)
    # nested lists indent a step per level, but never past half the line
    indent = min(_INDENT_PT * block.level, width / 2) if block.kind == "item" else 0.0
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(
        width - indent,
        size * 1.25,
        _printable(block.text),
        new_x="LMARGIN",
        new_y="NEXT",
        wrapmode="CHAR" if block.kind == "pre" else "WORD",
    )


def _printable(text: str) -> str:
    """Text the core fonts can set: characters outside Windows-1252 become `?`."""
    return text.encode(ENCODING, "replace").decode(ENCODING)
