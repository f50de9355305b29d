"""The import wizard: upload a CSV or XLSX, map its columns to case fields (suggested from the headers), run
the dry run in a worker (the page polls until it is checked), read the counts and each row's errors, then
commit. Thin: the work is service/imports/service.py's, the same calls the API makes; the task layer
(workers.imports.enqueue_import) runs it.

Between the upload and the mapping the file waits in a staging folder (var/import-staging), named for the
organisation and the user who uploaded it; it is deleted once the import holds it, and staged files older
than a day are swept at the next upload."""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path
from typing import Any

from flask import Response, abort, current_app, flash, g, redirect, request, url_for

from service import permissions
from service.clock.kinds import EVENT_TYPES
from service.errors import Problem
from service.imports import exports, service
from service.imports.mapping import FIELDS, guess_mapping
from service.imports.reading import MAX_FILE_BYTES, ImportRefused, Table, cell_text, read_table
from service.web.helpers import caller, is_htmx, page_blueprint, render, require_write
from service.web.labels import humanize
from workers.imports import enqueue_import

bp = page_blueprint("imports_pages", __name__)

STAGING_TTL_SECONDS = 24 * 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
SAMPLE_ROWS = 3
DATE_ORDERS = [
    ("month_first", "Month first (03/04/2026 is March 4)"),
    ("day_first", "Day first (03/04/2026 is 3 April)"),
]
SECTIONS = {"client": "Client", "property": "Property", "loan": "Loan"}
SPECIAL_LABELS = {
    "key": "Row ID (a re-import never creates the same case twice)",
    "client.name": "Client: full name",
    "co_borrowers": "Co-borrowers (full names separated by ;)",
}


@bp.before_app_request
def _uploads_may_be_as_large_as_the_api_takes() -> None:
    """The wizard takes what POST /api/v1/imports takes (50 MB), not the attachments' limit; registered on
    the app so it runs before the CSRF check reads the form."""
    if request.endpoint == "imports_pages.new" and request.method == "POST":
        request.max_content_length = MAX_FILE_BYTES + 1024 * 1024


def field_label(name: str) -> str:
    if name in SPECIAL_LABELS:
        return SPECIAL_LABELS[name]
    if name.startswith("event:"):
        event_type, _, detail = name[len("event:") :].partition(".")
        return (
            f"Event date: {humanize(event_type).lower()}"
            if not detail
            else f"Event {humanize(event_type).lower()}: {humanize(detail).lower()}"
        )
    if name.startswith("deadline:"):
        return f"Deadline due: {name[len('deadline:') :]}"
    section, _, attribute = name.partition(".")
    if attribute and section in SECTIONS:
        return f"{SECTIONS[section]}: {humanize(attribute).lower()}"
    return humanize(name)


FIELD_CHOICES: list[tuple[str, str]] = [(name, field_label(name)) for name in FIELDS] + [
    (f"event:{t}", field_label(f"event:{t}")) for t in EVENT_TYPES
]


def _staging_dir() -> Path:
    path = Path(current_app.config["FORESTALL"].var_dir) / "import-staging"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _staged_path(token: str) -> Path:
    me = caller()
    if not TOKEN.match(token or ""):
        abort(400, description="The uploaded file's reference is not valid: upload the file again.")
    return _staging_dir() / f"{me.org_id}-{me.user_id}-{token}"


def _stage(content: bytes) -> str:
    folder = _staging_dir()
    cutoff = time.time() - STAGING_TTL_SECONDS
    for old in folder.iterdir():
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass
    token = secrets.token_urlsafe(24)
    _staged_path(token).write_bytes(content)
    return token


def _mapping_context(
    table: Table,
    token: str,
    filename: str,
    mapping: dict[str, str],
    date_order: str,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    choices = list(FIELD_CHOICES)
    known = {name for name, _ in choices}
    choices += [(name, field_label(name)) for name in mapping.values() if name not in known]
    columns = [
        {
            "index": i,
            "header": header,
            "field": mapping.get(header, ""),
            "samples": [cell_text(row[i]) for row in table.rows[:SAMPLE_ROWS] if i < len(row) and cell_text(row[i])],
        }
        for i, header in enumerate(table.headers)
    ]
    saved, _ = service.list_mappings(g.db, caller().org_id, 1, 100)
    return {
        "columns": columns,
        "choices": choices,
        "token": token,
        "filename": filename,
        "rows": len(table.rows),
        "date_order": date_order,
        "date_orders": DATE_ORDERS,
        "errors": errors or {},
        "saved_mappings": [(m.id, m.name) for m in saved],
        "is_admin": permissions.can_change_org_settings(caller()),
        "save_as": request.form.get("save_as", ""),
        "active_section": "caseload",
    }


@bp.route("/imports")
def index():
    rows, total = service.list_imports(g.db, caller().org_id, 1, 50)
    return render(
        "imports/index.html",
        imports=rows,
        total=total,
        can_write=permissions.can_write(caller()),
        active_section="caseload",
    )


@bp.route("/imports/new", methods=["GET", "POST"])
def new():
    """Step 1: the file. Read now (a bad file is refused at once); step 2 is the mapping, suggested."""
    require_write()
    if request.method == "GET":
        return render("imports/new.html", errors={}, active_section="caseload")
    upload = request.files.get("file")
    content = upload.stream.read(MAX_FILE_BYTES + 1) if upload is not None and upload.filename else b""
    try:
        if not content:
            raise ImportRefused("Choose a CSV or XLSX file.")
        table = read_table(content, upload.filename or "")
    except ImportRefused as refused:
        return render("imports/new.html", status=422, errors={"file": refused.message}, active_section="caseload")
    token = _stage(content)
    date_order = service.date_order_of(g.db, caller().org_id)
    return render(
        "imports/map.html",
        **_mapping_context(table, token, upload.filename or "upload", guess_mapping(table.headers), date_order),
    )


@bp.route("/imports/map", methods=["POST"])
def map_columns():
    """Step 2: the mapping chosen; the import is stored and its dry run handed to a worker."""
    require_write()
    token, filename = request.form.get("staged", ""), (request.form.get("filename") or "upload")[:200]
    path = _staged_path(token)
    if not path.exists():
        flash("The uploaded file is no longer waiting (it is kept for a day): upload it again.", "error")
        return redirect(url_for("imports_pages.new"), code=303)
    content = path.read_bytes()
    table = read_table(content, filename)
    mapping = {header: request.form.get(f"map-{i}", "").strip() for i, header in enumerate(table.headers)}
    mapping = {header: name for header, name in mapping.items() if name}
    date_order = request.form.get("date_order") or None
    errors: dict[str, str] = {}
    if date_order not in (None, "month_first", "day_first"):
        errors["date_order"] = "Choose month first or day first."
    if not mapping:
        errors["mapping"] = "Choose a field for at least the client's name and the property's state."
    save_as = (request.form.get("save_as") or "").strip()
    if not errors and save_as:  # an administrator names these choices for next time
        permissions.require(caller(), permissions.can_change_org_settings, "save an import mapping")
        try:
            service.save_mapping(g.db, caller(), save_as, mapping)
        except Problem as problem:
            g.db.rollback()
            if problem.code not in (409, 422):
                raise
            errors["save_as"] = (
                problem.detail
                if problem.code == 409
                else " ".join(m for messages in (problem.errors or {}).values() for m in messages)
            )
    if not errors:
        try:
            row = service.create_import(g.db, caller(), content, filename, mapping, date_order)
            g.db.commit()
        except Problem as problem:
            g.db.rollback()
            if problem.code != 422 or not problem.errors:
                raise
            index_of = {header: i for i, header in enumerate(table.headers)}
            for name, messages in problem.errors.items():
                column = name[len("mapping.") :] if name.startswith("mapping.") else None
                key = f"map-{index_of[column]}" if column in index_of else "mapping"
                errors[key] = " ".join(([errors[key]] if key in errors else []) + list(messages))
        else:
            enqueue_import(row.id)  # a broker that is down loses nothing: the rescan finds it by its state
            path.unlink(missing_ok=True)
            return redirect(url_for("imports_pages.show", import_id=row.id), code=303)
    return render(
        "imports/map.html",
        status=422,
        **_mapping_context(table, token, filename, mapping, date_order or "month_first", errors),
    )


@bp.route("/imports/map/apply", methods=["POST"])
def apply_saved():
    """Step 2 again, with a saved mapping's choices for the columns this file has (the rest left unmatched)."""
    require_write()
    token, filename = request.form.get("staged", ""), (request.form.get("filename") or "upload")[:200]
    path = _staged_path(token)
    if not path.exists():
        flash("The uploaded file is no longer waiting (it is kept for a day): upload it again.", "error")
        return redirect(url_for("imports_pages.new"), code=303)
    table = read_table(path.read_bytes(), filename)
    date_order = (
        request.form.get("date_order")
        if request.form.get("date_order") in ("month_first", "day_first")
        else service.date_order_of(g.db, caller().org_id)
    )
    chosen = request.form.get("saved_mapping", "")
    if not chosen.isdigit() or not 0 < int(chosen) < 2**31:
        return render(
            "imports/map.html",
            status=422,
            **_mapping_context(
                table,
                token,
                filename,
                guess_mapping(table.headers),
                date_order,
                {"saved_mapping": "Choose a saved mapping."},
            ),
        )
    saved = service.get_mapping(g.db, caller().org_id, int(chosen))
    mapping = {header: saved.mapping[header] for header in table.headers if header in saved.mapping}
    message = f"Applied the mapping \"{saved.name}\": {len(mapping)} of {len(table.headers)} columns matched."
    return render(
        "imports/map.html",
        status_message=message,
        applied=message,
        **_mapping_context(table, token, filename, mapping, date_order),
    )


def _show_context(row) -> dict[str, Any]:  # noqa: ANN001
    preview = row.preview if row.state in ("checked", "committing", "committed") else []
    return {
        "row": row,
        "conflict_rows": [p for p in preview if p.get("conflicts")],
        "warnings": [(p["row"], w) for p in preview for w in p.get("warnings", [])][:200],
        "can_write": permissions.can_write(caller()),
        "active_section": "caseload",
    }


@bp.route("/imports/<id:import_id>")
def show(import_id: int):
    row = service.get_import(g.db, caller().org_id, import_id)
    return render("imports/show.html", **_show_context(row))


@bp.route("/imports/<id:import_id>/status")
def status(import_id: int):
    """htmx asks every two seconds while a worker has the import; the answer stops asking once it is done."""
    row = service.get_import(g.db, caller().org_id, import_id)
    body, code = render("imports/_status.html", **_show_context(row))
    headers = {}
    if row.state in ("checked", "committed", "failed"):
        headers["HX-Trigger"] = json.dumps({"announce": f"The import is {row.state}."})
    return body, code, headers


@bp.route("/imports/<id:import_id>/commit", methods=["POST"])
def commit(import_id: int):
    row = service.get_import(g.db, caller().org_id, import_id)
    require_write()
    try:
        service.request_commit(g.db, caller(), row)
        g.db.commit()
    except Problem as problem:
        g.db.rollback()
        if problem.code != 409:
            raise
        flash(problem.detail, "error")
        return redirect(url_for("imports_pages.show", import_id=row.id), code=303)
    enqueue_import(row.id)
    if is_htmx():
        body, code = render("imports/_status.html", **_show_context(row))
        return body, code
    return redirect(url_for("imports_pages.show", import_id=row.id), code=303)


@bp.route("/imports/<id:import_id>/failed-rows.csv")
def failed_rows(import_id: int):
    row = service.get_import(g.db, caller().org_id, import_id)
    response = Response(exports.failed_rows_csv(g.db, row), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="import-{row.id}-failed-rows.csv"'
    return response


# ----------------------------------------------------------------------------------------------------
# Settings: the servicer alias table (conflict checks) and how imports read 03/04/2026. Everyone reads
# them; administrators change them (403 before the form is read, as the API answers).

ALIAS_LABELS = {"name": "Servicer's name", "alias": "Also known as"}


def _require_admin() -> None:
    permissions.require(caller(), permissions.can_change_org_settings, "change the organisation's intake settings")


def _intake_settings(
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: Any = None,
    status_message: str | None = None,
    labels: dict[str, str] | None = None,
):
    from service.parties.service import list_aliases

    aliases, total = list_aliases(g.db, caller().org_id, 1, 500)
    mappings, mapping_total = service.list_mappings(g.db, caller().org_id, 1, 500)
    return render(
        "imports/settings.html",
        status=status,
        aliases=aliases,
        alias_total=total,
        mappings=mappings,
        mapping_total=mapping_total,
        date_order=service.date_order_of(g.db, caller().org_id),
        date_orders=DATE_ORDERS,
        is_admin=permissions.can_change_org_settings(caller()),
        errors=errors or {},
        values=values or {},
        labels={**ALIAS_LABELS, **(labels or {})},
        mapping_field=mapping_field,
        status_message=status_message,
        active_section="settings",
    )


@bp.route("/settings/intake")
def intake_settings():
    return _intake_settings()


@bp.route("/settings/intake/aliases", methods=["POST"])
def add_alias():
    from service.parties import service as parties
    from service.parties.schemas import AliasCreateSchema
    from service.web import forms

    _require_admin()
    data, errors = forms.load(
        AliasCreateSchema(),
        forms.nested_from_form(request.form, {"name": forms.TEXT, "alias": forms.TEXT}),
        ALIAS_LABELS,
    )
    if not errors:
        try:
            alias = parties.add_alias(g.db, caller(), data)
            g.db.commit()
        except Problem as problem:
            g.db.rollback()
            if problem.code == 409:
                errors = {"alias": problem.detail}
            else:
                errors = forms.problem_errors(problem, ALIAS_LABELS)
        else:
            flash(f"Alias added: {alias.alias} is {alias.name}.", "success")
            return redirect(url_for("imports_pages.intake_settings") + "#aliases", code=303)
    return _intake_settings(status=422, errors=errors, values=request.form)


@bp.route("/settings/intake/aliases/<id:alias_id>/delete", methods=["POST"])
def delete_alias(alias_id: int):
    from service.parties import service as parties

    alias = parties.get_alias(g.db, caller().org_id, alias_id)
    _require_admin()
    parties.delete_alias(g.db, caller(), alias)
    g.db.commit()
    flash(f"Alias removed: {alias.alias}.", "success")
    return redirect(url_for("imports_pages.intake_settings") + "#aliases", code=303)


def mapping_field(mapping_id: int) -> str:
    """The rename field of one saved mapping: a name of its own, so its error stands next to it."""
    return f"mapping_name_{mapping_id}"


@bp.route("/settings/intake/mappings/<id:mapping_id>/rename", methods=["POST"])
def rename_mapping(mapping_id: int):
    from service.web import forms

    row = service.get_mapping(g.db, caller().org_id, mapping_id)
    _require_admin()
    field = mapping_field(row.id)
    label = f"New name for {row.name}"
    old_name, name = row.name, request.form.get(field, "").strip()
    try:
        service.rename_mapping(g.db, caller(), row, name)
        g.db.commit()
    except Problem as problem:
        g.db.rollback()
        message = problem.detail if problem.code == 409 else forms.problem_errors(problem, {"name": label})["name"]
        return _intake_settings(status=422, errors={field: message}, values=request.form, labels={field: label})
    flash(f"Mapping renamed: {old_name} is now {name}.", "success")
    return redirect(url_for("imports_pages.intake_settings") + "#mappings", code=303)


@bp.route("/settings/intake/mappings/<id:mapping_id>/delete", methods=["POST"])
def delete_mapping(mapping_id: int):
    row = service.get_mapping(g.db, caller().org_id, mapping_id)
    _require_admin()
    name = row.name
    service.delete_mapping(g.db, caller(), row)
    g.db.commit()
    flash(f"Mapping removed: {name}. Imports made with it keep their own copy.", "success")
    return redirect(url_for("imports_pages.intake_settings") + "#mappings", code=303)


@bp.route("/settings/intake/date-order", methods=["POST"])
def set_date_order():
    _require_admin()
    chosen = request.form.get("date_order")
    if chosen not in ("month_first", "day_first"):
        return _intake_settings(status=422, errors={"date_order": "Choose month first or day first."})
    service.set_date_order(g.db, caller(), chosen)
    g.db.commit()
    flash(
        "Imports now read dates like 03/04/2026 " + ("day first." if chosen == "day_first" else "month first."),
        "success",
    )
    return redirect(url_for("imports_pages.intake_settings") + "#dates", code=303)
