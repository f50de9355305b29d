"""Pages for jurisdictions: every state's rules as a reviewable page (citation, source, date checked,
confidence, and what is unknown)."""

from __future__ import annotations

from typing import Any

from flask import abort

from service import disclaimers
from service.jurisdictions.api import _plain, public_rules, summary, verify_manually
from service.rulebook import rules
from service.web.helpers import page_blueprint, render
from service.web.labels import humanize

bp = page_blueprint("jurisdictions_pages", __name__)

ITEM_FIELDS = ("status", "summary", "citation", "source_url", "checked_on", "confidence")


@bp.route("/jurisdictions")
def index():
    book = rules()
    return render(
        "jurisdictions/index.html",
        jurisdictions=[summary(book.jurisdictions[code]) for code in sorted(book.jurisdictions)],
    )


@bp.route("/jurisdictions/<string(length=2):code>")
def show(code: str):
    jurisdiction = rules().jurisdiction(code.upper())
    if jurisdiction is None:
        abort(404, description=f"No jurisdiction {code!r}: use a USPS code of a state or DC.")
    raw = public_rules(_plain(dict(jurisdiction.raw)))
    return render(
        "jurisdictions/show.html",
        jurisdiction=jurisdiction,
        reviewed=raw.get("reviewed") or {},
        items=rule_items(raw),
        unknown=verify_manually(raw),
        disclaimer=disclaimers.JURISDICTION_RULES,
    )


def rule_items(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """Each reviewed rule (a mapping with a citation or a summary) with a readable title and its other facts."""
    items: list[dict[str, Any]] = []

    def walk(value: Any, path: list[str]) -> None:
        if isinstance(value, dict):
            if "citation" in value or "summary" in value:
                extra = {k: v for k, v in value.items() if k not in ITEM_FIELDS and not isinstance(v, (dict, list))}
                items.append(
                    {
                        "title": ": ".join(humanize(p) for p in path) or "Rule",
                        "anchor": "-".join(path),
                        **{k: value.get(k) for k in ITEM_FIELDS},
                        "extra": extra,
                        "period": value.get("period"),
                        "verify": value.get("status") == "unknown" or value.get("confidence") == "unverified",
                    }
                )
            for key, child in value.items():
                if isinstance(child, (dict, list)) and key not in ("period",):
                    walk(child, path + [str(key)])
        elif isinstance(value, list):
            for index, child in enumerate(value):
                label = child.get("name") or child.get("id") if isinstance(child, dict) else None
                walk(child, path + [str(label or index + 1)])

    for key, value in raw.items():
        if key not in ("code", "name", "reviewed"):
            walk(value, [key])
    return items
