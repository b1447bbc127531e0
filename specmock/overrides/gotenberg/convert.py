"""Chromium's conversion routes: index.html, or Markdown files placed by an index.html
template, into a PDF. Stylesheets uploaded beside index.html count for page breaks."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from specmock import Context, Reply, UploadedFile, override

from . import forms
from .layout import read_html
from .render import render
from .replies import FormError, error, pdf

# Gotenberg's Go template call, `{{ toHTML "file.md" }}` (trim markers allowed)
_TO_HTML = re.compile(r"\{\{-?\s*toHTML\s+\"([^\"]+)\"\s*-?\}\}")
_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])


@override("gotenberg:convertHtml")
def convert_html(ctx: Context) -> Reply:
    try:
        problems: list[str] = []
        uploads = forms.files(ctx)
        index = uploads.get("index.html")
        if index is None:
            problems.append("form file 'index.html' is required")
        return _convert(ctx, index, uploads, problems, {})
    except FormError as exc:
        return error(ctx, exc.message, exc.status)


@override("gotenberg:convertMarkdown")
def convert_markdown(ctx: Context) -> Reply:
    try:
        problems: list[str] = []
        uploads = forms.files(ctx)
        index = uploads.get("index.html")
        if index is None:
            problems.append("form file 'index.html' is required")
        markdown = {n: f for n, f in uploads.items() if n.lower().endswith(".md")}
        if not markdown:
            problems.append("no form file found for extensions: [.md]")
        return _convert(ctx, index, uploads, problems, markdown)
    except FormError as exc:
        return error(ctx, exc.message, exc.status)


def _convert(
    ctx: Context,
    index: UploadedFile | None,
    uploads: dict[str, UploadedFile],
    problems: list[str],
    markdown: dict[str, UploadedFile],
) -> Reply:
    paper = forms.paper(ctx, problems)
    meta_problems: list[str] = []
    forms.check(problems)
    assert index is not None
    html = _text(index, "index.html")
    if markdown:
        html = _place_markdown(html, markdown)
    styles = "".join(
        f"<style>{_text(f, name)}</style>"
        for name, f in sorted(uploads.items())
        if name.lower().endswith(".css")
    )
    page = read_html(styles + html)
    meta = forms.metadata(ctx, meta_problems, page.title)
    forms.check(meta_problems)
    return pdf(ctx, render(page, paper, meta))


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
