"""The PDF engines' merge route: PDFs joined in the alphanumeric order of their file names
(Gotenberg's order: `2.pdf` before `10.pdf`), with pypdf.

pypdf's writer is given fixed dates and a document id hashed from the inputs, so the same
files merge to the same bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import re

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, ByteStringObject

from specmock import Context, Reply, override

from . import forms
from .replies import FormError, error, pdf

_PDF_DATE = "D:20000101000000Z"
_NUMBER = re.compile(r"(\d+)")


@override("gotenberg:mergePdfs")
async def merge_pdfs(ctx: Context) -> Reply:
    return await asyncio.to_thread(_merge, ctx)


def _merge(ctx: Context) -> Reply:
    try:
        problems: list[str] = []
        uploads = {n: f for n, f in forms.files(ctx).items() if n.lower().endswith(".pdf")}
        if not uploads:
            problems.append("no form file found for extensions: [.pdf]")
        meta = forms.metadata(ctx, problems)
        forms.check(problems)
        writer = PdfWriter()
        digest = hashlib.md5(usedforsecurity=False)
        for name in sorted(uploads, key=alphanumeric):
            content = uploads[name].content
            digest.update(content)
            try:
                writer.append(PdfReader(io.BytesIO(content), strict=False))
            except (PyPdfError, ValueError, KeyError, TypeError) as exc:
                raise FormError([f"form file '{name}' is not a readable PDF ({exc})"]) from None
        info = {"/Producer": "specmock", "/CreationDate": _PDF_DATE, "/ModDate": _PDF_DATE}
        for key, value in (
            ("/Title", meta.title),
            ("/Author", meta.author),
            ("/Subject", meta.subject),
            ("/Keywords", meta.keywords),
        ):
            if value:
                info[key] = value
        writer.add_metadata(info)
        file_id = ByteStringObject(digest.digest())
        writer._ID = ArrayObject([file_id, file_id])
        out = io.BytesIO()
        writer.write(out)
        return pdf(ctx, out.getvalue())
    except FormError as exc:
        return error(ctx, exc.message, exc.status)


def alphanumeric(name: str) -> list[tuple[int, int | str]]:
    """Sort key that compares digit runs as numbers."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in _NUMBER.split(name)]
