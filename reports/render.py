"""HTML (Jinja) -> PDF (WeasyPrint): US Letter, shipped fonts, tagged PDF/UA-1, metadata, and a URL fetcher
that can read nothing but data: URIs and this package's own static files."""

from __future__ import annotations

import datetime as dt
import functools
import gc
import hashlib
import logging
import mimetypes
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

import jinja2

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"
PDF_VARIANT = "pdf/ua-1"  # tagged PDF for screen readers, with the document language and title
GENERATOR = "Forestall"

log = logging.getLogger(__name__)
# WeasyPrint allocates millions of small objects; with the default thresholds the cyclic collector rescans
# the growing heap again and again (measured: a 1,000-entry log renders 25% faster with these). A process
# whose work is rendering sets them once when it starts (tune_process_for_rendering); a render never
# changes them for the whole process behind its back.
RENDERING_GC_THRESHOLDS = (100_000, 50, 100)


def tune_process_for_rendering() -> None:
    """For a process that renders reports (the Celery worker, `forestall report`): the collector's
    thresholds above, and fontTools (which narrates every font subset at INFO, one line per table per font
    per report) kept to warnings in its log."""
    gc.set_threshold(*RENDERING_GC_THRESHOLDS)
    logging.getLogger("fontTools").setLevel(logging.WARNING)


def preload_for_rendering() -> None:
    """For a parent process about to fork renderers (the Celery worker, before its pool starts): WeasyPrint
    imported once for every child, and all that is loaded so far left out of the collector's passes
    (gc.freeze), so the collection after each render (collect_render_garbage) walks only what renders make."""
    import weasyprint  # noqa: F401 - imported for the children

    gc.freeze()


def collect_render_garbage() -> None:
    """After a render, in a process tuned for rendering: a render leaves tens of thousands of objects that
    refer to each other (WeasyPrint's boxes); with the thresholds above they reach the oldest generation,
    which is rarely collected, and the process grew by about a megabyte a report. One full collection
    after each (about 10 ms once preload_for_rendering has run) takes them back."""
    gc.collect()


class ReportError(Exception):
    """A report that cannot be made, with a reason a user can act on (recorded as the report's error)."""


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    page_count: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


# ---------------------------------------------------------------------------------------------- fetching


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class RestrictedFetcher(URLFetcher):
        """data: URIs and files under reports/static/ only: a template (or a value that slipped into one)
        can never make the renderer read a remote URL or another local file."""

        def fetch(self, url: str, headers: dict | None = None):  # WeasyPrint's response type
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlsplit(url).path)).resolve()
                if path.is_relative_to(STATIC_DIR) and path.is_file():
                    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    if path.suffix == ".ttf":
                        content_type = "font/ttf"
                    return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})
            log.warning("report renderer refused to fetch %s", url[:200])
            raise ValueError(f"fetching {url[:200]!r} is not allowed in reports")

    return RestrictedFetcher


# ------------------------------------------------------------------------------------------- templates


def money(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return f"${Decimal(value):,.2f}"


def long_date(value: dt.date | None) -> str:
    if value is None:
        return "—"
    return f"{value:%B} {value.day}, {value.year}"


def short_date(value: dt.date | None) -> str:
    if value is None:
        return "—"
    return f"{value:%b} {value.day}, {value.year}"


def humanize(value: str | None) -> str:
    """'loss_mit_application_received' -> 'Loss mit application received'."""
    if not value:
        return "—"
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:]


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(money=money, long_date=long_date, short_date=short_date, humanize=humanize)
    return env


_ENV = _environment()


def render_html(template_name: str, context: dict[str, Any]) -> str:
    return _ENV.get_template(template_name).render(**context)


# ----------------------------------------------------------------------------------------------- PDF

# Progress (percent) at the steps this module controls, through WeasyPrint's public API only (no log text):
# the HTML is made; the pages are laid out (the long part; their number is known after it); WeasyPrint's
# documented `finisher` hook of write_pdf (the PDF is assembled); the bytes are written.
PROGRESS_HTML, PROGRESS_LAID_OUT, PROGRESS_ASSEMBLED, PROGRESS_WRITTEN = 20, 80, 90, 95


def _report(progress: Callable[[int], None] | None, percent: int) -> None:
    if progress is None:
        return
    try:
        progress(percent)
    except Exception:  # noqa: BLE001 - progress is a courtesy; the render goes on
        log.exception("report progress callback failed")


def _tag_with_frozen_page_references(add_tags: Callable) -> Callable:
    """WeasyPrint's PDF/UA tagging (weasyprint.pdf.tags.add_tags) reads `pdf.page_references` for every
    structure element it makes, and pydyf builds that tuple afresh on each read from the page list: work
    proportional to elements x pages (a 121-page, 1,000-entry log: 33,500 reads, 4 million encoded
    strings, about 2 s of CPU). No page is added while tagging, so the tuple is computed once and the
    tagging runs unchanged against it; the PDF is byte-for-byte the same (tests/reports)."""

    @functools.wraps(add_tags)
    def tag(pdf: Any, *args: Any, **kwargs: Any) -> Any:
        original = type(pdf)
        frozen = type("PdfWithFrozenPages", (original,), {"page_references": pdf.page_references})
        pdf.__class__ = frozen
        try:
            return add_tags(pdf, *args, **kwargs)
        finally:
            pdf.__class__ = original

    tag.frozen_page_references = True  # type: ignore[attr-defined]
    return tag


def _speed_up_tagging() -> None:
    """Install the wrapper above once, where WeasyPrint's PDF writer calls the tagging; only when the
    writer and pydyf look as expected (otherwise WeasyPrint runs as shipped, only slower)."""
    import pydyf
    import weasyprint.pdf as weasyprint_pdf

    current = getattr(weasyprint_pdf, "add_tags", None)
    if (
        current is None
        or getattr(current, "frozen_page_references", False)
        or not isinstance(getattr(pydyf.PDF, "page_references", None), property)
    ):
        return
    weasyprint_pdf.add_tags = _tag_with_frozen_page_references(current)


def render_pdf(
    template_name: str, context: dict[str, Any], progress: Callable[[int], None] | None = None
) -> RenderedPdf:
    """Render one report template to PDF bytes. Raises ReportError (or the renderer's own error)."""
    from weasyprint import HTML

    _speed_up_tagging()
    html = render_html(template_name, context)
    _report(progress, PROGRESS_HTML)
    document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=_fetcher_class()()).render(
        pdf_variant=PDF_VARIANT
    )
    _report(progress, PROGRESS_LAID_OUT)
    content = document.write_pdf(
        pdf_variant=PDF_VARIANT, finisher=lambda _document, _pdf: _report(progress, PROGRESS_ASSEMBLED)
    )
    _report(progress, PROGRESS_WRITTEN)
    return RenderedPdf(content=content, page_count=len(document.pages))
