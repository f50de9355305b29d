"""Page actions for counseling records on a case (household, counseling sessions, outcomes, legal-aid closing)
and the organisation's income limits (Settings, admins). Thin: the same service calls as the JSON API
(service/counseling/api.py), the same schemas validate the posted forms, and a form with errors writes nothing."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from service import permissions
from service.cases.pages import ensure_can_edit, respond_with_case
from service.cases.service import get_case
from service.counseling import schemas, service
from service.counseling.ami import BAND_LABELS
from service.errors import Problem
from service.funder_reports.codes import hud_9902, lsc_csr
from service.funder_reports.hud9902 import fiscal_year_of
from service.rulebook import local_today
from service.web import forms
from service.web.helpers import caller, page_blueprint
from service.web.labels import choices

bp = page_blueprint("counseling_pages", __name__)

HOUSEHOLD_FIELDS = {
    "household_size": forms.INTEGER,
    "gross_monthly_income": forms.MONEY,
    "ami_band": forms.TEXT,
    "ami_band_override_reason": forms.TEXT,
    "ethnicity": forms.TEXT,
    "race": forms.TEXT,
    "rural": forms.TEXT,
    "limited_english": forms.TEXT,
    "preferred_language": forms.TEXT,
    "disability": forms.TEXT,
    "head_of_household": forms.TEXT,
    "intake_on": forms.TEXT,
}
# Labels are what people (and screen readers, and the browser tests) find the fields by: on the case page no
# label may contain another one.
HOUSEHOLD_LABELS = {
    "household_size": "Household size",
    "gross_monthly_income": "Gross monthly income",
    "ami_band": "Income band (AMI)",
    "ami_band_override_reason": "Reason for a different band",
    "ethnicity": "Ethnicity",
    "race": "Race",
    "rural": "Rural area status",
    "limited_english": "Limited English proficiency",
    "preferred_language": "Household's preferred language",
    "disability": "Disability in the household",
    "head_of_household": "Head of household",
    "intake_on": "Intake date",
}
SESSION_FIELDS = {
    "started_at": forms.TEXT,
    "duration_minutes": forms.INTEGER,
    "counselor_id": forms.INTEGER,
    "type": forms.TEXT,
    "purpose": forms.TEXT,
    "hud_billable": forms.TEXT,
    "notes": forms.TEXT,
}
SESSION_LABELS = {
    "started_at": "Session started at",
    "duration_minutes": "Duration in minutes",
    "counselor_id": "Counselor",
    "type": "Session type",
    "purpose": "Purpose (HUD-9902 line)",
    "hud_billable": "Billed to the HUD grant",
    "notes": "Session notes",
}
OUTCOME_FIELDS = {"code": forms.TEXT, "achieved_on": forms.TEXT, "note": forms.TEXT}
OUTCOME_LABELS = {"code": "Outcome (HUD-9902 section 10)", "achieved_on": "Achieved on", "note": "Outcome note"}
CLOSING_FIELDS = {"lsc_problem_code": forms.TEXT, "lsc_closing_code": forms.TEXT, "closed_on": forms.TEXT}
CLOSING_LABELS = {
    "lsc_problem_code": "LSC problem code",
    "lsc_closing_code": "LSC closing code",
    "closed_on": "Closed on",
}
YES_NO_LABELS = {"yes": "Yes", "no": "No", "no_response": "Chose not to respond"}


def _demographic_choices(field: str) -> list[tuple[str, str]]:
    """The household field's values with the HUD-9902 form's own words (sections 3 to 7)."""
    for section in hud_9902().values():
        if section.get("field") == field:
            return [(line["value"], line["label"]) for line in section["lines"].values()]
    raise KeyError(field)


def purpose_choices() -> list[tuple[str, str]]:
    return [
        (f"{n}{letter}", f"{n}{letter}: {line['label']}")
        for n in ("9", "8")
        for letter, line in hud_9902()[n]["lines"].items()
    ]


def outcome_choices() -> list[tuple[str, str]]:
    return [
        (f"10{letter}", f"10{letter}: {line['label']}")
        for letter, line in hud_9902()["10"]["lines"].items()
        if not line.get("derived")
    ]


def counseling_context(case, events: list | None = None) -> dict[str, Any]:  # noqa: ANN001
    """The case page's counseling sections: household, sessions, outcomes (with suggestions), closing.
    `events`: ALL the case's live events when the caller holds them (not read again)."""
    from service.cases.queries import assignable_users, user_names

    me = caller()
    household = service.household_document(case, service.get_household(g.db, case))
    sessions, sessions_total = service.list_sessions(g.db, case, 1, 100)
    outcome_rows, outcomes_total = service.list_outcomes(g.db, case, 1, 100)
    day = household["intake_on"] or local_today(me.timezone)
    limits = service.income_limits_for(
        g.db, case.org_id, case.property_state, case.property_county, fiscal_year_of(day)
    )
    codes = lsc_csr()
    return {
        "household": household,
        "income_limits": limits,
        "band_labels": BAND_LABELS,
        "sessions": sessions,
        "sessions_total": sessions_total,
        "counselors": user_names(g.db, {s["counselor_id"] for s in sessions}),
        "outcomes": [service.outcome_document(r) for r in outcome_rows],
        "outcomes_total": outcomes_total,
        "suggestions": service.outcome_suggestions(
            g.db,
            case,
            events=events,
            recorded=[r.code for r in outcome_rows] if len(outcome_rows) == outcomes_total else None,
        ),
        "closing": service.closing_document(g.db, case),
        "household_options": {
            "ami_band": [(b, BAND_LABELS[b]) for b in schemas.BANDS],
            "ethnicity": _demographic_choices("ethnicity"),
            "race": _demographic_choices("race"),
            "rural": _demographic_choices("rural"),
            "limited_english": _demographic_choices("limited_english"),
            "disability": list(YES_NO_LABELS.items()),
            "head_of_household": choices(schemas.HEADS_OF_HOUSEHOLD),
        },
        "household_labels": HOUSEHOLD_LABELS,
        "session_labels": SESSION_LABELS,
        "outcome_labels": OUTCOME_LABELS,
        "closing_labels": CLOSING_LABELS,
        "session_types": choices(schemas.SESSION_TYPES),
        "purposes": purpose_choices(),
        "counselor_choices": assignable_users(g.db, case.org_id),
        "outcome_codes": outcome_choices(),
        "problem_codes": [(c, f"{c}: {label}") for c, label in codes["problem_codes"].items()],
        "closing_codes": [(c, f"{c}: {label}") for c, label in codes["closing_codes"].items()],
        "household_errors": {},
        "household_values": None,
        "session_errors": {},
        "session_values": {},
        "outcome_errors": {},
        "outcome_values": {},
        "closing_errors": {},
        "closing_values": None,
    }


def _save(
    case,
    section: str,
    labels: dict[str, str],
    schema,
    data: dict[str, Any],
    write,  # noqa: ANN001
    done: str,
    failed: str,
):
    """Validate with the API's schema, call the service, commit; on any field error show the form again
    (422) with each message next to its field, nothing written."""
    loaded, errors = forms.load(schema, data, labels)
    if not errors:
        try:
            write(loaded)
            g.db.commit()
        except Problem as problem:
            g.db.rollback()
            errors = forms.problem_errors(problem, labels)
        else:
            return respond_with_case(case, done, anchor=f"#{section}")
    prefix = {"household": "household", "sessions": "session", "outcomes": "outcome", "closing": "closing"}[section]
    return respond_with_case(
        case,
        failed + " " + " ".join(errors.values()),
        status=422,
        focus=section,
        **{f"{prefix}_errors": errors, f"{prefix}_values": request.form},
    )


@bp.route("/cases/<id:case_id>/household", methods=["POST"])
def household(case_id: int):
    case = get_case(g.db, caller().org_id, case_id)
    ensure_can_edit(case)
    data = forms.nested_from_form(request.form, HOUSEHOLD_FIELDS)
    existing = service.get_household(g.db, case)
    if existing is not None and existing.termination_reason:  # not on this form: kept as it is
        data["termination_reason"] = existing.termination_reason
    return _save(
        case,
        "household",
        HOUSEHOLD_LABELS,
        schemas.HouseholdInputSchema(),
        data,
        lambda loaded: service.put_household(g.db, caller(), case, loaded),
        "Household saved.",
        "The household was not saved:",
    )


PREVIEW_FIELDS = {"household_size": forms.INTEGER, "gross_monthly_income": forms.MONEY, "intake_on": forms.TEXT}


@bp.route("/cases/<id:case_id>/household/band")
def band_preview(case_id: int):
    """The band the income limits give for the size and income typed so far, with its derivation (htmx asks
    on each change; nothing is saved). Without JavaScript the derivation shows once the household is saved."""
    case = get_case(g.db, caller().org_id, case_id)
    data, errors = forms.load(
        schemas.HouseholdInputSchema(only=tuple(PREVIEW_FIELDS)),
        forms.nested_from_form(request.args, PREVIEW_FIELDS),
        HOUSEHOLD_LABELS,
    )
    result = service.compute_band(g.db, caller(), case, data) if data else None
    return render_template(
        "counseling/_band_preview.html",
        result=result,
        errors=errors,
        complete=bool(data and data.get("household_size") and data.get("gross_monthly_income") is not None),
        band_labels=BAND_LABELS,
    )


@bp.route("/cases/<id:case_id>/counseling-sessions", methods=["POST"])
def add_session(case_id: int):
    case = get_case(g.db, caller().org_id, case_id)
    ensure_can_edit(case)
    data = forms.nested_from_form(request.form, SESSION_FIELDS)
    data["hud_billable"] = request.form.get("hud_billable") == "on"
    return _save(
        case,
        "sessions",
        SESSION_LABELS,
        schemas.SessionCreateSchema(),
        data,
        lambda loaded: service.add_session(g.db, caller(), case, loaded),
        "Counseling session logged.",
        "The session was not logged:",
    )


@bp.route("/cases/<id:case_id>/outcomes", methods=["POST"])
def add_outcome(case_id: int):
    case = get_case(g.db, caller().org_id, case_id)
    ensure_can_edit(case)
    data = forms.nested_from_form(request.form, OUTCOME_FIELDS)
    code = data.get("code", "")
    label = dict(outcome_choices()).get(code, code)
    return _save(
        case,
        "outcomes",
        OUTCOME_LABELS,
        schemas.OutcomeCreateSchema(),
        data,
        lambda loaded: service.add_outcome(g.db, caller(), case, loaded),
        f"Outcome recorded: {label}.",
        "The outcome was not recorded:",
    )


@bp.route("/cases/<id:case_id>/legal-aid-closing", methods=["POST"])
def closing(case_id: int):
    case = get_case(g.db, caller().org_id, case_id)
    ensure_can_edit(case)
    data = forms.nested_from_form(request.form, CLOSING_FIELDS)
    # The time by funding source is not on this form: it is kept as it is (the service replaces it).
    data["funding"] = service.closing_document(g.db, case)["funding"]
    return _save(
        case,
        "closing",
        CLOSING_LABELS,
        schemas.ClosingInputSchema(),
        data,
        lambda loaded: service.put_closing(g.db, caller(), case, loaded),
        "Legal-aid closing saved.",
        "The closing was not saved:",
    )


# ----------------------------------------------------------------------------------------------------
# Settings (admins): HUD's income limits

INCOME_LABELS = {"fiscal_year": "HUD fiscal year", "csv": "Income limits file (CSV)"}


def _require_admin() -> None:
    permissions.require(caller(), permissions.can_change_org_settings, "load income limits")


def _loaded_years() -> list[tuple[int, int]]:
    from sqlalchemy import func, select

    from models.counseling import IncomeLimit

    return [
        tuple(row)
        for row in g.db.execute(
            select(IncomeLimit.fiscal_year, func.count(IncomeLimit.id))
            .where(IncomeLimit.org_id == caller().org_id)
            .group_by(IncomeLimit.fiscal_year)
            .order_by(IncomeLimit.fiscal_year.desc())
        ).all()
    ]


def _income_page(errors: dict[str, str] | None = None, values: dict[str, Any] | None = None, status: int = 200):
    from flask import get_flashed_messages

    today = local_today(caller().timezone)
    return render_template(
        "counseling/income_limits.html",
        errors=errors or {},
        values=values or {"fiscal_year": fiscal_year_of(today)},
        years=_loaded_years(),
        labels=INCOME_LABELS,
        active_section="settings",
        status_message=" ".join(get_flashed_messages()),
    ), status


@bp.route("/settings/income-limits", methods=["GET", "POST"])
def income_limits():
    _require_admin()
    if request.method == "GET":
        return _income_page()
    values = {"fiscal_year": (request.form.get("fiscal_year") or "").strip()}
    upload = request.files.get("csv")
    data: dict[str, Any] = forms.nested_from_form(request.form, {"fiscal_year": forms.INTEGER})
    if upload is not None and upload.filename:
        raw = upload.stream.read()
        try:
            data["csv"] = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return _income_page(
                {"csv": "The file is not UTF-8 text: save it from the spreadsheet as CSV (UTF-8)."}, values, 422
            )
    loaded, errors = forms.load(schemas.IncomeLimitsLoadSchema(), data, INCOME_LABELS)
    if errors:
        if "csv" in errors and "csv" not in data:
            errors["csv"] = "Choose HUD's income limits file (CSV)."
        return _income_page(errors, values, 422)
    try:
        counties = service.load_income_limits(g.db, caller(), caller().org_id, loaded["fiscal_year"], loaded["csv"])
    except Problem as problem:
        g.db.rollback()
        return _income_page(forms.problem_errors(problem, INCOME_LABELS), values, 422)
    g.db.commit()
    flash(f"Loaded FY{loaded['fiscal_year']} income limits for {counties} count{'y' if counties == 1 else 'ies'}.")
    return redirect(url_for("counseling_pages.income_limits"), code=303)
