"""The renderer alone: the URL fetcher reads only data: URIs and the package's static files; filters."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from reports.render import STATIC_DIR, _fetcher_class, humanize, long_date, money


def test_the_fetcher_serves_only_data_uris_and_static_files(tmp_path):
    fetcher = _fetcher_class()()
    assert fetcher.fetch((STATIC_DIR / "report.css").as_uri()).read().startswith(b"/*")
    assert fetcher.fetch((STATIC_DIR / "fonts" / "DejaVuSerif.ttf").as_uri()).content_type == "font/ttf"
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    for url in (
        "http://127.0.0.1:9/x.png",
        "https://example.com/x.css",
        secret.as_uri(),
        "file:///etc/passwd",
        (STATIC_DIR / ".." / "data.py").as_uri(),
        "ftp://example.com/x",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_a_template_cannot_pull_in_a_remote_or_local_file(monkeypatch):
    from weasyprint.urls import URLFetcher

    from reports import render

    fetched = []
    monkeypatch.setattr(URLFetcher, "open", lambda self, url, *a, **k: fetched.append(url))  # never reached
    html = (
        '<html lang="en"><head><title>t</title><link rel="stylesheet" href="report.css"></head><body>'
        '<img src="http://127.0.0.1:9/tracker.png" alt="x"><img src="file:///etc/hostname" alt="y">'
        '<p>Hello</p></body></html>'
    )
    monkeypatch.setattr(render, "render_html", lambda name, context: html)
    pdf = render.render_pdf("any.html", {})
    assert pdf.page_count == 1 and fetched == []


def test_filters():
    assert money(Decimal("1234567.5")) == "$1,234,567.50" and money(None) == "—"
    assert long_date(dt.date(2026, 3, 2)) == "March 2, 2026"
    assert humanize("loss_mit_denied") == "Loss mit denied"


def test_progress_moves_forward_through_the_render(monkeypatch):
    from reports import render

    monkeypatch.setattr(render, "render_html", lambda name, context: '<html lang="en"><body><p>Hi</p></body></html>')
    steps: list[int] = []
    render.render_pdf("any.html", {}, steps.append)
    assert steps == sorted(steps) and steps[0] >= 20 and steps[-1] == 95 and len(steps) >= 4


def test_tagging_with_page_references_computed_once_writes_the_same_pdf(monkeypatch):
    """The tagging speed-up (render._speed_up_tagging) changes no byte of a tagged, multi-page PDF."""
    import weasyprint.pdf as weasyprint_pdf

    from reports import render

    rows = "".join(f"<tr><td>{n}</td><td>Entry {n}</td></tr>" for n in range(200))
    html = (
        '<html lang="en"><head><title>Log</title><meta name="dcterms.created" content="2026-01-02">'
        '<meta name="dcterms.modified" content="2026-01-02"><link rel="stylesheet" href="report.css"></head>'
        f'<body><h1>Log</h1><table aria-label="Log"><thead><tr><th>No.</th><th>What</th></tr></thead>'
        f'<tbody>{rows}</tbody></table></body></html>'
    )
    monkeypatch.setattr(render, "render_html", lambda name, context: html)
    # Without HarfBuzz's subsetter WeasyPrint subsets fonts with fontTools, which stamps each subset with the
    # current second unless SOURCE_DATE_EPOCH says otherwise: two renders a second apart would differ there.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767312000")
    render._speed_up_tagging()
    wrapped = weasyprint_pdf.add_tags
    assert wrapped.frozen_page_references
    fast = render.render_pdf("any.html", {})
    monkeypatch.setattr(weasyprint_pdf, "add_tags", wrapped.__wrapped__)
    monkeypatch.setattr(render, "_speed_up_tagging", lambda: None)
    slow = render.render_pdf("any.html", {})
    assert fast.page_count == slow.page_count > 3
    assert "/StructTreeRoot" in PdfReader(io.BytesIO(fast.content)).trailer["/Root"]
    assert fast.content == slow.content
