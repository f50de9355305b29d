"""Imports' CSV files going out: the rows that failed, to fix and import again, and every case of the
organisation with the columns an import reads back. Every cell is made safe for spreadsheet programs."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Case, CaseEvent
from models.intake import Import
from service.cases.service import case_document
from service.imports.mapping import EXPORT_COLUMNS, event_column
from service.imports.reading import cell_text
from service.imports.service import table_of


def _csv_safe(value: object) -> str:
    """A cell a spreadsheet program will not run as a formula (CSV injection): a leading =, +, - or @ that
    is not part of a number or phone number gets a quote mark before it."""
    text = cell_text(value)
    if text[:1] in ("=", "@", "\t", "\r") or (
        text[:1] in ("+", "-") and not all(c in "0123456789+-(). " for c in text)
    ):
        return "'" + text
    return text


def failed_rows_csv(session: Session, row: Import) -> str:
    """The rows that did not pass (or failed at commit), with their errors: fix them and import again."""
    table = table_of(session, row)
    by_row: dict[int, list[str]] = {}
    for error in row.errors:
        prefix = f"{error['column']}: " if error.get("column") else ""
        by_row.setdefault(error["row"], []).append(prefix + error["message"])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*table.headers, "Errors"])
    for number, cells in enumerate(table.rows, start=2):
        if number in by_row:
            writer.writerow([_csv_safe(c) for c in cells] + [_csv_safe(" | ".join(by_row[number]))])
    return out.getvalue()


def export_cases_csv(session: Session, org_id: int) -> Iterator[str]:
    """Every case of the organisation as one CSV row, with the columns the import reads back (events: the
    earliest of each type), so an office can leave as easily as it came."""
    event_types = sorted(
        session.scalars(
            select(CaseEvent.type)
            .join(Case, Case.id == CaseEvent.case_id)
            .where(CaseEvent.org_id == org_id, CaseEvent.deleted_at.is_(None), Case.deleted_at.is_(None))
            .distinct()
        )
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header for header, _ in EXPORT_COLUMNS] + [event_column(t) for t in event_types])
    yield _drain(out)
    last_id = 0
    while True:
        cases = list(
            session.scalars(
                select(Case)
                .where(Case.org_id == org_id, Case.deleted_at.is_(None), Case.id > last_id)
                .order_by(Case.id)
                .limit(500)
            )
        )
        if not cases:
            return
        events: dict[tuple[int, str], dt.date] = {}
        for case_id, event_type, occurred_on in session.execute(
            select(CaseEvent.case_id, CaseEvent.type, func.min(CaseEvent.occurred_on))
            .where(CaseEvent.case_id.in_([c.id for c in cases]), CaseEvent.deleted_at.is_(None))
            .group_by(CaseEvent.case_id, CaseEvent.type)
        ):
            events[(case_id, event_type)] = occurred_on
        for case in cases:
            document = case_document(case)
            values = []
            for _header, name in EXPORT_COLUMNS:
                values.append(_export_value(document, name))
            values += [events.get((case.id, t)).isoformat() if events.get((case.id, t)) else "" for t in event_types]
            writer.writerow([_csv_safe(v) for v in values])
        last_id = cases[-1].id
        yield _drain(out)


def _export_value(document: dict[str, Any], name: str) -> object:
    if name == "key":
        return document["id"]
    if name == "co_borrowers":
        return "; ".join(f"{p['first_name']} {p['last_name']}" for p in document["co_borrowers"])
    section, _, attribute = name.rpartition(".")
    source = document.get(section) if section else document
    if section == "client" and source is None:
        return ""
    value = (source or {}).get(attribute)
    return "" if value is None else value


def _drain(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text
