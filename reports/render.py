"""HTML (Jinja) -> PDF (WeasyPrint): US Letter, shipped fonts, tagged PDF/UA-1, metadata, and a URL fetcher
that can read nothing but data: URIs and this package's own static files."""
from __future__ import annotations

import datetime as dt
import gc
import hashlib
import logging
import mimetypes
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

import jinja2

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"
PDF_VARIANT = "pdf/ua-1"   # tagged PDF for screen readers, with the document language and title
GENERATOR = "Forestall"

log = logging.getLogger(__name__)
# fontTools narrates every font subset at INFO: one line per table per font per report in the worker's log.
logging.getLogger("fontTools").setLevel(logging.WARNING)


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
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(money=money, long_date=long_date, short_date=short_date, humanize=humanize)
    return env


_ENV = _environment()


def render_html(template_name: str, context: dict[str, Any]) -> str:
    return _ENV.get_template(template_name).render(**context)


# ----------------------------------------------------------------------------------------------- PDF

# WeasyPrint announces its steps on this logger; they become the report's progress (percent).
_STEP_PROGRESS = {"Step 3": 20, "Step 4": 30, "Step 5": 40, "Step 6": 85, "Step 7": 95}


class _ProgressHandler(logging.Handler):
    def __init__(self, callback: Callable[[int], None]):
        super().__init__(logging.INFO)
        self.callback = callback
        self.thread = threading.get_ident()
        self.last = 0

    def emit(self, record: logging.LogRecord) -> None:
        if threading.get_ident() != self.thread:
            return  # another render in another thread
        step = str(record.msg)[:6]
        percent = _STEP_PROGRESS.get(step)
        if step == "Step 5" and record.args:
            # One message per page laid out; the total is unknown until the end, so approach 84% gently.
            pages = int(record.args[0]) if isinstance(record.args, tuple) else 0
            percent = 40 + (44 * pages) // (pages + 20)
        if percent and percent >= self.last + (5 if step == "Step 5" else 1):
            self.last = percent
            try:
                self.callback(percent)
            except Exception:  # noqa: BLE001 - progress is a courtesy; the render goes on
                log.exception("report progress callback failed")


def render_pdf(template_name: str, context: dict[str, Any],
               progress: Callable[[int], None] | None = None) -> RenderedPdf:
    """Render one report template to PDF bytes. Raises ReportError (or the renderer's own error)."""
    from weasyprint import HTML

    html = render_html(template_name, context)
    progress_logger = logging.getLogger("weasyprint.progress")
    handler = _ProgressHandler(progress) if progress else None
    if handler:
        progress_logger.addHandler(handler)
        previous_level = progress_logger.level
        progress_logger.setLevel(logging.INFO)
    # WeasyPrint allocates millions of small objects; with the default thresholds the cyclic collector
    # rescans the growing heap again and again (measured: 1,000-entry log 25% faster with this).
    previous_thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/",
                        url_fetcher=_fetcher_class()()).render(pdf_variant=PDF_VARIANT)
        content = document.write_pdf(pdf_variant=PDF_VARIANT)
    finally:
        gc.set_threshold(*previous_thresholds)
        if handler:
            progress_logger.removeHandler(handler)
            progress_logger.setLevel(previous_level)
    return RenderedPdf(content=content, page_count=len(document.pages))
