"""The bundled gotenberg service over HTTP: real PDFs read back with pypdf, byte-identical
for the same input, Markdown and merge, Gotenberg's headers and plain-text errors."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator

import httpx
import pytest
from pypdf import PdfReader

from specmock.overrides.gotenberg.layout import Block, read_html
from specmock.testing import serve

HTML = b"""<!doctype html>
<html><head><title>Invoice 42</title>
<style>
  .sheet { page-break-after: always }
  h2 { break-before: page }
</style></head>
<body>
  <h1>Invoice 42</h1>
  <p>Dear customer,<br>thank you for your order.</p>
  <ul><li>Widget</li><li>Gadget<ol><li>blue</li><li>red</li></ol></li></ul>
  <div class="sheet">End of the first sheet</div>
  <p>Second sheet text</p>
  <h2>Terms</h2>
  <p>Pay within 30 days.</p>
  <p style="page-break-before: always">Fourth page</p>
  <script>document.write("never printed")</script>
</body></html>"""


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve("gotenberg", seed=1, strict=True, quiet=True) as server:
        yield server.url


def _html(url: str, html: bytes, **kwargs) -> httpx.Response:
    files = [("files", ("index.html", html, "text/html")), *kwargs.pop("extra", [])]
    return httpx.post(url + "/forms/chromium/convert/html", files=files, **kwargs)


def _pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_html_becomes_a_pdf_with_its_text_and_page_breaks(url: str):
    reply = _html(
        url, HTML, headers={"Gotenberg-Output-Filename": "invoice", "Gotenberg-Trace": "t-1"}
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/pdf"
    assert reply.headers["content-disposition"] == 'attachment; filename="invoice.pdf"'
    assert reply.headers["gotenberg-trace"] == "t-1"
    pages = _pages(reply.content)
    assert len(pages) == 4
    assert pages[0].splitlines() == [
        "Invoice 42",
        "Dear customer,",
        "thank you for your order.",
        "- Widget",
        "- Gadget",
        "1. blue",
        "2. red",
        "End of the first sheet",
    ]
    assert pages[1] == "Second sheet text"
    assert pages[2].splitlines() == ["Terms", "Pay within 30 days."]
    assert pages[3] == "Fourth page"
    assert PdfReader(io.BytesIO(reply.content)).metadata.title == "Invoice 42"


def test_the_same_html_gives_the_same_bytes_and_other_html_other_bytes(url: str):
    first = _html(url, HTML).content
    again = _html(url, HTML).content
    other = _html(url, HTML.replace(b"30 days", b"60 days")).content
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(again).hexdigest()
    assert first != other
    assert b"D:20000101000000Z" in first  # fixed dates, no clock in the bytes


def test_long_text_flows_onto_more_pages_and_nothing_is_lost(url: str):
    words = [f"word{i}" for i in range(3000)]
    reply = _html(url, f"<p>{' '.join(words)}</p>".encode())
    pages = _pages(reply.content)
    assert len(pages) > 3
    assert " ".join(pages).split() == words


def test_page_settings_and_latin_text(url: str):
    html = "<p>café — “quoted” costs 5 €</p>".encode()
    reply = _html(
        url, html, data={"paperWidth": "210mm", "paperHeight": "297mm", "landscape": "true"}
    )
    page = PdfReader(io.BytesIO(reply.content)).pages[0]
    assert round(float(page.mediabox.width)) == 842 and round(float(page.mediabox.height)) == 595
    assert page.extract_text() == "café — “quoted” costs 5 €"
    meta = _html(url, b"<p>x</p>", data={"metadata": '{"Title": "Report", "Author": "Ada"}'})
    info = PdfReader(io.BytesIO(meta.content)).metadata
    assert (info.title, info.author) == ("Report", "Ada")


def test_a_linked_stylesheet_sets_page_breaks(url: str):
    css = ("files", ("style.css", b".chapter { break-before: page }", "text/css"))
    html = b'<link rel="stylesheet" href="style.css"><p>one</p><p class="chapter">two</p>'
    assert _pages(_html(url, html, extra=[css]).content) == ["one", "two"]


def test_missing_index_html_is_gotenbergs_plain_text_error(url: str):
    reply = httpx.post(
        url + "/forms/chromium/convert/html",
        files=[("files", ("page.html", b"<p>x</p>", "text/html"))],
        data={"landscape": "sideways"},
    )
    assert reply.status_code == 400
    assert reply.headers["content-type"] == "text/plain; charset=UTF-8"
    assert reply.headers["gotenberg-trace"]
    assert reply.text == (
        "Invalid form data: form file 'index.html' is required\n"
        "form field 'landscape' is invalid (got 'sideways', resulting to strconv.ParseBool: "
        'parsing "sideways": invalid syntax)'
    )
    size = _html(url, b"<p>x</p>", data={"paperWidth": "wide"})
    assert size.status_code == 400 and "form field 'paperWidth' is invalid" in size.text
    tiny = _html(url, b"<p>x</p>", data={"marginLeft": "5in", "marginRight": "5in"})
    assert tiny.status_code == 400 and "aberrant form values" in tiny.text


def test_a_request_that_is_not_multipart_is_refused_in_plain_text(url: str):
    reply = httpx.post(url + "/forms/chromium/convert/html", json={"files": []})
    assert reply.status_code == 415
    assert reply.headers["content-type"] == "text/plain; charset=UTF-8"
    assert "content type 'application/json' is not accepted" in reply.text


def test_markdown_files_are_placed_by_the_index_template(url: str):
    index = (
        b'<html><body>{{ toHTML "intro.md" }}<div style="break-after: page"></div>'
        b'{{ toHTML "table.md" }}</body></html>'
    )
    intro = b"# Release notes\n\n* fast\n* *small*\n\nPlain `code` text.\n"
    table = b"| name | size |\n| --- | --- |\n| a | 1 |\n"
    files = [
        ("files", ("index.html", index, "text/html")),
        ("files", ("intro.md", intro, "text/markdown")),
        ("files", ("table.md", table, "text/markdown")),
    ]
    reply = httpx.post(url + "/forms/chromium/convert/markdown", files=files)
    assert reply.status_code == 200, reply.text
    pages = _pages(reply.content)
    assert pages[0].splitlines() == ["Release notes", "- fast", "- small", "Plain code text."]
    assert pages[1].splitlines() == ["name | size", "a | 1"]
    again = httpx.post(url + "/forms/chromium/convert/markdown", files=files)
    assert again.content == reply.content


def test_markdown_errors_name_the_missing_files(url: str):
    route = url + "/forms/chromium/convert/markdown"
    no_md = httpx.post(route, files=[("files", ("index.html", b"<p>x</p>", "text/html"))])
    assert no_md.status_code == 400
    assert no_md.text == "Invalid form data: no form file found for extensions: [.md]"
    unknown = httpx.post(
        route,
        files=[
            ("files", ("index.html", b'{{ toHTML "other.md" }}', "text/html")),
            ("files", ("a.md", b"# a", "text/markdown")),
        ],
    )
    assert unknown.status_code == 400 and '"other.md"' in unknown.text


def test_merge_joins_pdfs_in_alphanumeric_order(url: str):
    def one(text: str) -> bytes:
        return _html(url, f"<p>{text}</p>".encode()).content

    files = [
        ("files", ("10.pdf", one("ten"), "application/pdf")),
        ("files", ("2.pdf", one("two"), "application/pdf")),
        ("files", ("1.pdf", _html(url, b"<p>one</p><p style='break-before:page'>uno</p>").content,
                   "application/pdf")),
    ]  # fmt: skip
    reply = httpx.post(url + "/forms/pdfengines/merge", files=files)
    assert reply.status_code == 200, reply.text
    assert _pages(reply.content) == ["one", "uno", "two", "ten"]
    again = httpx.post(url + "/forms/pdfengines/merge", files=files)
    assert hashlib.sha256(again.content).digest() == hashlib.sha256(reply.content).digest()


def test_merge_errors(url: str):
    none = httpx.post(
        url + "/forms/pdfengines/merge", files=[("files", ("a.txt", b"x", "text/plain"))]
    )
    assert none.status_code == 400
    assert none.text == "Invalid form data: no form file found for extensions: [.pdf]"
    broken = httpx.post(
        url + "/forms/pdfengines/merge",
        files=[("files", ("bad.pdf", b"not a pdf", "application/pdf"))],
    )
    assert broken.status_code == 400 and "form file 'bad.pdf' is not a readable PDF" in broken.text


def test_health_and_version(url: str):
    health = httpx.get(url + "/health")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "up" and set(body["details"]) == {"chromium", "libreoffice"}
    assert all(d["status"] == "up" for d in body["details"].values())
    version = httpx.get(url + "/version", headers={"Gotenberg-Trace": "v"})
    assert version.text == "8.36.0" and version.headers["gotenberg-trace"] == "v"


def test_named_gotenberg_errors_and_unknown_paths_answer_in_plain_text(url: str):
    busy = _html(
        url, b"<p>x</p>", headers={"X-Specmock-Fault": "QueueFull", "Gotenberg-Trace": "q"}
    )
    assert busy.status_code == 429 and busy.headers["gotenberg-trace"] == "q"
    assert busy.headers["content-type"] == "text/plain; charset=UTF-8"
    assert busy.text.startswith("The request queue is full. Retry shortly")
    late = httpx.get(url + "/version", headers={"X-Specmock-Fault": "503"})
    assert late.status_code == 503
    assert late.text.startswith("The request exceeded the time limit.")
    unknown = httpx.get(url + "/forms/chromium/convert/url")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "text/plain; charset=UTF-8"


def test_odd_html_still_renders(url: str):
    deep = b"<ul>" * 60 + b"<li>deep</li>" + b"</ul>" * 60
    for html in (deep, b"<p>" + b"x" * 5000 + b"</p>", b"<div><p>one<li>two<h2>three"):
        reply = _html(url, html, data={"paperWidth": "1.5in", "paperHeight": "1.5in"})
        assert reply.status_code == 200, reply.text
        assert PdfReader(io.BytesIO(reply.content)).pages[0].extract_text()


def test_layout_collapses_breaks_and_keeps_list_markers():
    page = read_html(
        "<p style='break-before: page'>first</p><div style='break-after: page'></div>"
        "<div style='break-before: page'>second</div><ol start='3'><li><p>c</p></li></ol>"
        "<pre>  keep\n    spaces</pre><p style='page-break-after: always'>last</p>"
    )
    assert page.blocks == [
        Block("text", "first"),
        Block("break"),
        Block("text", "second"),
        Block("item", "3. c", 1),
        Block("pre", "  keep\n    spaces"),
        Block("text", "last"),
    ]


def test_text_beyond_the_limit_is_refused_and_the_server_keeps_answering():
    with serve("gotenberg", quiet=True, options={"gotenberg_max_text": "50"}) as server:
        fine = _html(server.url, b"<p>short</p>")
        long = _html(server.url, b"<p>" + b"x" * 60 + b"</p>")
        health = httpx.get(server.url + "/health")
    assert fine.status_code == 200 and health.status_code == 200
    assert long.status_code == 400
    assert long.text == (
        "the document holds 60 characters of text; specmock renders up to 50 "
        "(--option gotenberg_max_text=N)"
    )
