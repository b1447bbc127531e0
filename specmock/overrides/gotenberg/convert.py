"""Chromium's conversion routes: index.html, or Markdown files placed by an index.html
template, into a PDF. Stylesheets uploaded beside index.html count for page breaks."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace

from fpdf.errors import FPDFException
from markdown_it import MarkdownIt

from specmock import Context, Reply, UploadedFile, override

from . import forms
from .layout import read_html
from .render import render
from .replies import FormError, error, pdf

# Gotenberg's Go template call, `{{ toHTML "file.md" }}` (trim markers allowed)
_TO_HTML = re.compile(r"\{\{-?\s*toHTML\s+\"([^\"]+)\"\s*-?\}\}")
_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])


# fpdf2 lays out about 30,000 characters a second here (measured 2026-12-07 on the 2-core
# development machine), so the default keeps one conversion near ten seconds
MAX_TEXT = 300_000


@override("gotenberg:convertHtml")
async def convert_html(ctx: Context) -> Reply:
    return await asyncio.to_thread(_convert, ctx, False)


@override("gotenberg:convertMarkdown")
async def convert_markdown(ctx: Context) -> Reply:
    return await asyncio.to_thread(_convert, ctx, True)


def _convert(ctx: Context, markdown: bool) -> Reply:
    """Runs in a worker thread: a long document must not stall the other requests."""
    """index.html (with its Markdown placed) and uploaded stylesheets, rendered."""
    try:
        problems: list[str] = []
        uploads = forms.files(ctx)
        index = uploads.get("index.html")
        if index is None:
            problems.append("form file 'index.html' is required")
        texts = {n: f for n, f in uploads.items() if n.lower().endswith(".md")}
        if markdown and not texts:
            problems.append("no form file found for extensions: [.md]")
        paper = forms.paper(ctx, problems)
        meta = forms.metadata(ctx, problems)
        forms.check(problems)
        assert index is not None
        html = _text(index, "index.html")
        if markdown:
            html = _place_markdown(html, texts)
        styles = "".join(
            f"<style>{_text(f, name)}</style>"
            for name, f in sorted(uploads.items())
            if name.lower().endswith(".css")
        )
        page = read_html(styles + html)
        given = (ctx.option("gotenberg_max_text") or "").strip()
        limit = int(given) if given.isdigit() else MAX_TEXT
        size = sum(len(block.text) for block in page.blocks)
        if size > limit:
            raise FormError(
                [
                    f"the document holds {size} characters of text; specmock renders up to "
                    f"{limit} (--option gotenberg_max_text=N)"
                ],
                prefix=False,
            )
        try:
            content = render(page, paper, replace(meta, title=meta.title or page.title))
        except FPDFException as exc:  # a page the layout cannot fill: the sender's to change
            raise FormError([f"the document cannot be laid out on this paper: {exc}"]) from None
        return pdf(ctx, content)
    except FormError as exc:
        return error(ctx, exc.message, exc.status)


def _place_markdown(html: str, markdown: dict[str, UploadedFile]) -> str:
    missing = [name for name in _TO_HTML.findall(html) if name not in markdown]
    if missing:
        raise FormError(
            [f'index.html calls toHTML "{name}" but no such file was sent' for name in missing]
        )
    return _TO_HTML.sub(lambda m: _MARKDOWN.render(_text(markdown[m.group(1)], m.group(1))), html)


def _text(upload: UploadedFile, name: str) -> str:
    try:
        return upload.content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormError(
            [f"form file '{name}' is not UTF-8 text ({exc.reason} at byte {exc.start})"]
        ) from None
