"""The browser harness itself: axe-core really finds problems, so a clean page means something."""

from __future__ import annotations

from tests.web.conftest import run_axe


def test_axe_reports_an_unlabelled_field_and_a_missing_language(browser):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content("<html><head><title>x</title></head><body><main><input type='text'></main></body></html>")
        found = {violation["id"] for violation in run_axe(page)}
        assert {"label", "html-has-lang"} <= found
    finally:
        context.close()
