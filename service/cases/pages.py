"""Pages for cases: the caseload, intake (new case) and a case. Thin: the work is in the domain services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, flash, g, redirect, request, url_for

from models import User
from models.reports import REPORT_TYPES
from service import permissions
from service.client_messages import service as client_messages
from service.audit import case_history
from service.cases import schemas, service
from service.cases.display import effective_process
from service.cases.queries import user_names
from service.communications import compliance
from service.communications import service as communications
from service.communications.schemas import CATEGORIES, CHANNELS, COUNTERPARTY_TYPES, DIRECTIONS
from service.deadlines.service import as_engine_events, engine_answer, stage_history
from service.deficiency.service import case_deficiency
from service.errors import Problem
from service.notices.queries import case_notices
from service.reports import service as reports
from service.waivers import service as waivers
from service.rulebook import local_today, rules
from service.web import forms
from service.web.helpers import caller, is_htmx, page_blueprint, render, require_write
from service.web.labels import choices, humanize

bp = page_blueprint("cases_pages", __name__)

# Intake: the form's fields (dotted paths into the API's case document), their kinds and labels.
INTAKE_FIELDS = {
    "client.first_name": forms.TEXT,
    "client.last_name": forms.TEXT,
    "client.email": forms.TEXT,
    "client.phone": forms.TEXT,
    "client.preferred_language": forms.TEXT,
    "co_borrower.first_name": forms.TEXT,
    "co_borrower.last_name": forms.TEXT,
    "property.street": forms.TEXT,
    "property.city": forms.TEXT,
    "property.state": forms.TEXT,
    "property.zip": forms.TEXT,
    "property.county": forms.TEXT,
    "property.occupancy": forms.TEXT,
    "property.dwelling_units": forms.INTEGER,
    "property.acreage": forms.DECIMAL,
    "loan.servicer": forms.TEXT,
    "loan.investor": forms.TEXT,
    "loan.loan_number": forms.TEXT,
    "loan.purpose": forms.TEXT,
    "loan.lien_position": forms.INTEGER,
    "loan.unpaid_principal": forms.MONEY,
    "loan.accrued_interest": forms.MONEY,
    "loan.fees_and_costs": forms.MONEY,
    "loan.credits": forms.MONEY,
    "foreclosure_process": forms.TEXT,
    "assigned_to": forms.INTEGER,
    "notes": forms.TEXT,
}
# Labels are part of the public contract (screen readers and scripts find fields by them). None of the
# other labels may contain one of them: a label search matches parts of words too.
INTAKE_LABELS = {
    "client.first_name": "First name",
    "client.last_name": "Last name",
    "client.email": "Email",
    "client.phone": "Phone",
    "client.preferred_language": "Preferred language",
    "co_borrower.first_name": "Co-borrower's given name",
    "co_borrower.last_name": "Co-borrower's family name",
    "property.street": "Street",
    "property.city": "City",
    "property.state": "State",
    "property.zip": "ZIP",
    "property.county": "County",
    "property.occupancy": "Occupancy",
    "property.dwelling_units": "Dwelling units",
    "property.acreage": "Acreage",
    "loan.servicer": "Servicer",
    "loan.investor": "Investor",
    "loan.loan_number": "Loan number",
    "loan.purpose": "Purpose of the loan",
    "loan.lien_position": "Lien position",
    "loan.unpaid_principal": "Unpaid principal",
    "loan.accrued_interest": "Accrued interest",
    "loan.fees_and_costs": "Fees and costs",
    "loan.credits": "Credits",
    "foreclosure_process": "Foreclosure process",
    "assigned_to": "Assigned to",
    "notes": "Notes",
}
LANGUAGES = [("en", "English"), ("es", "Spanish")]


def state_choices() -> list[tuple[str, str]]:
    book = rules()
    return [(code, f"{book.jurisdictions[code].name} ({code})") for code in sorted(book.jurisdictions)]


def user_choices(org_id: int) -> list[tuple[int, str]]:
    from service.cases.queries import assignable_users

    return assignable_users(g.db, org_id)


def intake_options(org_id: int) -> dict[str, Any]:
    return {
        "states": state_choices(),
        "occupancies": choices(schemas.OCCUPANCIES),
        "investors": choices(schemas.INVESTORS),
        "purposes": choices(schemas.PURPOSES),
        "processes": choices(schemas.PROCESSES),
        "users": user_choices(org_id),
        "languages": LANGUAGES,
        "labels": INTAKE_LABELS,
    }


def intake_data(form) -> dict[str, Any]:  # noqa: ANN001
    """The posted intake as the API's case document: one optional co-borrower row becomes co_borrowers."""
    data = forms.nested_from_form(form, INTAKE_FIELDS)
    co_borrower = data.pop("co_borrower", None)
    if co_borrower:
        data["co_borrowers"] = [co_borrower]
    data.setdefault("client", {})
    data.setdefault("property", {})
    return data


def _co_borrower_errors(errors: dict[str, str]) -> dict[str, str]:
    """co_borrowers.0.first_name (the schema's path) -> co_borrower.first_name (the form's field)."""
    return {name.replace("co_borrowers.0.", "co_borrower."): message for name, message in errors.items()}


def render_intake(
    values: Any,
    errors: dict[str, str],
    *,
    check: Any = None,
    status: int = 200,
    conflict_errors: dict[str, str] | None = None,
    status_message: str | None = None,
):
    from service.conflicts.pages import panel_context

    return render(
        "cases/new.html",
        status=status,
        values=values,
        errors=errors,
        status_message=status_message,
        **panel_context(check, conflict_errors),
        **intake_options(caller().org_id),
    )


ACKNOWLEDGE_MESSAGE = (
    "Review the possible conflicts shown, then tick the box to open the case anyway (the acknowledgment is recorded)."
)


@bp.route("/cases/new", methods=["GET", "POST"])
def new_case():
    from service.conflicts import pages as conflict_pages

    require_write()
    me = caller()
    if request.method == "GET":
        return render_intake({"assigned_to": me.user_id}, {})
    if request.form.get("intent") == "check_conflicts":  # the "Check for conflicts" button without JavaScript
        check = conflict_pages.run_for_intake(request.form)
        g.db.commit()
        return render_intake(request.form, {}, check=check, status_message=conflict_pages.summary(check))
    labels = {**INTAKE_LABELS, **{k.replace("co_borrower.", "co_borrowers.0."): v for k, v in INTAKE_LABELS.items()}}
    data, errors = forms.load(schemas.CaseCreateSchema(), intake_data(request.form), labels)
    check = None
    if not errors:
        check = conflict_pages.run_for_intake(request.form)  # the names are checked again on submit
        if (
            check is not None
            and conflict_pages.needing_review(check.matches)
            and not conflict_pages.acknowledged(request.form, check)
        ):
            g.db.commit()  # the check is stored (as the API stores it); the case is not opened
            return render_intake(
                request.form,
                {},
                check=check,
                status=422,
                conflict_errors={"acknowledge_conflicts": ACKNOWLEDGE_MESSAGE},
            )
        try:
            case = service.create_case(g.db, me, data)  # the same call the API makes
            if check is not None:
                conflict_pages.file_under_case(check, case.id)
            g.db.commit()
        except Problem as problem:
            g.db.rollback()
            check = None
            errors = forms.problem_errors(problem, labels)
        else:
            flash(f"Case opened for {case.borrowers[0].first_name} {case.borrowers[0].last_name}.", "success")
            return redirect(url_for("cases_pages.show", case_id=case.id), code=303)
    return render_intake(request.form, _co_borrower_errors(errors), check=check, status=422)


@bp.route("/cases/<id:case_id>")
def show(case_id: int):
    case = service.get_case(g.db, caller().org_id, case_id)
    live = case_context(case)
    if defer_sections():
        # The sections below the live region come in a second request, once the page is shown (htmx).
        return render("cases/show.html", **live, sections_deferred=True, history_page=_int_arg("history_page"))
    return render("cases/show.html", **live, **sections_context(case, live=live))


# Set by static/js/forestall.js: this browser runs the scripts, so it fetches the deferred sections itself.
SCRIPTS_COOKIE = "forestall_js"


def defer_sections() -> bool:
    """Whether the case page leaves its secondary sections to a request of their own. Only for a browser
    that said it runs the scripts: without them the page carries every section, as it always did (and
    ?sections=all asks for them all at once anyway: the placeholder's plain link)."""
    return request.cookies.get(SCRIPTS_COOKIE) == "1" and request.args.get("sections") != "all"


@bp.route("/cases/<id:case_id>/sections")
def sections(case_id: int):
    """The case page's secondary sections alone, for htmx to put in the page; a plain request (a link
    followed without the scripts) gets the whole case page with them."""
    case = service.get_case(g.db, caller().org_id, case_id)
    if not is_htmx():
        history_page = request.args.get("history_page")
        target = url_for("cases_pages.show", case_id=case.id, sections="all", history_page=history_page)
        return redirect(target + "#parties", code=303)
    live = case_context(case)
    return render("cases/_sections_block.html", **live, **sections_context(case, live=live))


def sections_context(case, live: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:  # noqa: ANN001
    """The case page's other sections: stage history, deficiency, communications, waivers, reminders,
    reports and history. Each is read through its domain's service functions. `live`: case_context's
    answer for the same case in the same request; the rows it holds (events, deadlines) are not read again
    and the engine runs once for the stage and the deficiency."""
    # The sections' own page modules import respond_with_case from this one: imported here, not at the top.
    from service.counseling.pages import counseling_context
    from service.waivers.pages import waiver_form_context

    me = caller()
    today = local_today(me.timezone)
    comm_rows, comm_total = communications.list_communications(g.db, case, 1, 100)
    comm_documents = communications.documents(g.db, comm_rows)
    waiver_rows, _ = waivers.list_waiver_requests(g.db, case, 1, 100)
    notices, notice_total = case_notices(g.db, case, 1, 100)
    report_rows, _ = reports.case_reports(g.db, case, 1, 20)
    client_rows, client_total = client_messages.case_messages(g.db, case, 1, 100)
    consent_rows, _ = client_messages.case_consents(g.db, case.id, 1, 100)
    overview = client_messages.consent_overview(g.db, case)
    history_page = _int_arg("history_page")
    history, history_total = case_history(g.db, me.org_id, case.id, history_page, 25)
    from service.conflicts import service as conflicts
    from service.conflicts.pages import needing_review
    from service.parties import service as parties
    from service.parties.pages import party_options

    if live is None:
        live = case_context(case)
    # The live region holds every live event of the case, and every deadline unless it has more than 500.
    events = live["events"]
    deadlines = live["deadlines"] if live["deadlines_complete"] else None
    answer = engine_answer(g.db, case, today, as_engine_events(events))
    comms_loaded = {"communications": comm_rows} if len(comm_rows) == comm_total else {}
    party_rows, party_total = parties.list_parties(g.db, case, 1, 100)
    checks, checks_total = conflicts.checks_touching_case(g.db, me.org_id, case.id)
    actors = user_names(
        g.db,
        {h.actor_id for h in history if h.actor_id}
        | {c.ran_by_id for c in checks if c.ran_by_id}
        | {c.recorded_by_id for c in consent_rows if c.recorded_by_id},
    )
    return {
        "parties": party_rows,
        "parties_total": party_total,
        **party_options(),
        "party_errors": {},
        "party_values": {},
        "conflict_checks": [
            (
                c,
                needing_review(c.matches)
                if c.case_id == case.id
                else [m for m in c.matches if m.get("case_id") == case.id],
            )
            for c in checks
        ],
        "conflict_checks_total": checks_total,
        "stages": stage_history(g.db, case, today, answer),
        "deficiency": case_deficiency(g.db, case, today, answer),
        "communications": comm_documents,
        "communications_total": comm_total,
        "compliance": compliance.servicer_compliance(
            g.db, case, today, events=events, deadlines=deadlines, **comms_loaded
        ),
        "waivers": [waivers.document(g.db, row) for row in waiver_rows],
        "notices": notices,
        "notices_total": notice_total,
        "client_messages": [client_messages.message_document(r) for r in client_rows],
        "client_messages_total": client_total,
        "consent_overview": overview,
        "consent_history": consent_rows,
        "consent_parties": [(o["party"].id, o["party"].name) for o in overview],
        "party_names": {o["party"].id: o["party"].name for o in overview},
        "consent_errors": {},
        "consent_values": {},
        "appointment_errors": {},
        "appointment_values": {},
        "appointment_move_errors": {},
        "appointment_move_values": {},
        "appointments": client_messages.case_appointments(g.db, case, 1, 100)[0],
        "reports": report_rows,
        "report_types": choices(t for t in REPORT_TYPES if t != "waiver_request_letter"),
        "history": history,
        "history_total": history_total,
        "history_page": history_page,
        "actors": actors,
        "channels": choices(CHANNELS),
        "directions": choices(DIRECTIONS),
        "counterparty_types": choices(COUNTERPARTY_TYPES),
        "categories": choices(CATEGORIES),
        "comm_errors": {},
        "comm_values": {},
        "upload_errors": {},
        **counseling_context(case, events),
        **waiver_form_context(comm_documents),
        **extra,
    }


def _int_arg(name: str) -> int:
    try:
        return max(1, min(int(request.args.get(name) or 1), 100_000))
    except ValueError:
        return 1


def case_context(
    case,
    *,
    event_errors: dict[str, str] | None = None,
    event_values: Any = None,  # noqa: ANN001
    deadline_errors: dict[str, str] | None = None,
    deadline_values: Any = None,
    focus: str | None = None,
) -> dict[str, Any]:
    """Everything the case page (and its live region, re-rendered after each change) shows."""
    from service.clock.kinds import BINDS, EVENT_TYPES
    from service.deadlines.service import case_deadlines
    from service.events.service import live_events

    me = caller()
    today = local_today(me.timezone)
    deadlines, total = case_deadlines(g.db, case, 1, 500)
    upcoming = [d for d in deadlines if d.status == "open" and d.due_on is not None and d.due_on >= today][:3]
    assignee = g.db.get(User, case.assigned_to_id) if case.assigned_to_id else None
    jurisdiction = rules().jurisdiction(case.property_state)
    return {
        "case": case,
        "client": case.borrowers[0] if case.borrowers else None,
        "co_borrowers": case.borrowers[1:],
        "assignee": assignee,
        "jurisdiction": jurisdiction,
        "process": effective_process(case),
        "events": live_events(g.db, case),
        "deadlines": deadlines,
        "deadlines_complete": len(deadlines) == total,
        "upcoming": upcoming,
        "today": today,
        "event_types": choices(EVENT_TYPES),
        "binds_choices": choices(BINDS),
        "can_edit": permissions.can_edit_case(me, case),
        "event_errors": event_errors or {},
        "event_values": event_values or {},
        "deadline_errors": deadline_errors or {},
        "deadline_values": deadline_values or {},
        "focus": focus,
    }


# The sections' forms (below the live region): their errors and posted values, shown again on a 422.
SECTION_FORM_KEYS = (
    "comm_errors",
    "comm_values",
    "upload_errors",
    "household_errors",
    "household_values",
    "session_errors",
    "session_values",
    "outcome_errors",
    "outcome_values",
    "closing_errors",
    "closing_values",
    "waiver_errors",
    "waiver_values",
    "waiver_progress_errors",
    "waiver_progress_values",
    "waiver_offer_errors",
    "waiver_offer_values",
    "party_errors",
    "party_values",
    "consent_errors",
    "consent_values",
    "appointment_errors",
    "appointment_values",
    "appointment_move_errors",
    "appointment_move_values",
)


def respond_with_case(
    case,
    message: str,
    *,
    status: int = 200,
    focus: str | None = None,
    anchor: str = "",  # noqa: ANN001
    **errors_and_values: Any,
):
    """After a change: the live part of the case page for htmx (focus and announcement included), else
    back to the case page (Post/Redirect/Get) with the message shown there. A form with errors is shown
    again with its messages (422) either way."""
    if is_htmx():
        body, _ = render("cases/_live.html", **case_context(case, focus=focus, **errors_and_values))
        import json

        return body, status, {"HX-Trigger": json.dumps({"announce": message})}
    if status >= 400:
        section_extra = {k: errors_and_values.pop(k) for k in list(errors_and_values) if k in SECTION_FORM_KEYS}
        return render(
            "cases/show.html",
            status=status,
            status_message=message,
            **(live := case_context(case, focus=focus, **errors_and_values)),
            **sections_context(case, live=live, **section_extra),
        )
    flash(message, "success")
    return redirect(url_for("cases_pages.show", case_id=case.id) + anchor, code=303)


def parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


CASELOAD_PER_PAGE = 25
SORT_LABELS = {
    "-updated_at": "Recently changed",
    "updated_at": "Least recently changed",
    "client_last_name": "Client name, A to Z",
    "-client_last_name": "Client name, Z to A",
    "-created_at": "Newest first",
    "created_at": "Oldest first",
    "state": "State",
    "stage": "Stage",
}


CASELOAD_REPORT_LABELS = {"report_days": "Days ahead", "report_assigned_to": "Whose cases"}
CASELOAD_REPORTS_SHOWN = 5


@bp.route("/cases")
def caseload():
    """The API's filters and sort, kept in the URL (a filtered list can be bookmarked and shared)."""
    return caseload_page()


def caseload_page(report_values: dict[str, Any] | None = None, report_errors: dict[str, str] | None = None):
    """The caseload; below it the deadlines report form (with what was typed and its errors, when a request
    of it failed: service/reports/pages.py) and the latest such reports."""
    from service.cases.queries import next_deadlines, stage_counts, user_names
    from service.web.forms import readable_errors
    import marshmallow as ma

    me = caller()
    raw = {k: v.strip() for k, v in request.args.items() if k in schemas.CaseListQuerySchema().fields and v.strip()}
    raw.setdefault("per_page", str(CASELOAD_PER_PAGE))
    try:
        args = schemas.CaseListQuerySchema().load(raw)
        errors: dict[str, str] = {}
    except ma.ValidationError as error:
        errors = readable_errors({k: v for k, v in error.messages.items()}, {"q": "Search"})
        args = schemas.CaseListQuerySchema().load({"per_page": str(CASELOAD_PER_PAGE)})
    page_no, per_page = args.pop("page"), args.pop("per_page")
    counts = stage_counts(g.db, me.org_id)
    # Unfiltered, or by stage only: the counts by stage are the total (a second count of the organisation's
    # cases was the page's slowest statement on PostgreSQL).
    narrowed = {name for name in args if name != "sort"}
    known_total = None  # a filter other than the stage: list_cases counts
    if not narrowed:
        known_total = sum(counts.values())
    elif narrowed == {"stage"}:
        known_total = counts.get(args["stage"], 0)
    cases, total = service.list_cases(g.db, me.org_id, page=page_no, per_page=per_page, total=known_total, **args)
    today = local_today(me.timezone)
    filters = {k: v for k, v in raw.items() if k not in ("page", "per_page") and k not in errors}
    others = {k: v for k, v in filters.items() if k != "stage"}
    stage_links = [(None, "All stages", sum(counts.values()), url_for("cases_pages.caseload", **others))] + [
        (stage, humanize(stage), counts[stage], url_for("cases_pages.caseload", **others, stage=stage))
        for stage in schemas.STAGES
        if counts.get(stage)
    ]
    return render(
        "cases/caseload.html",
        cases=cases,
        total=total,
        page=page_no,
        per_page=per_page,
        filters=filters,
        errors=errors,
        stage_links=stage_links,
        stages=schemas.STAGES,
        next_due=next_deadlines(g.db, [c.id for c in cases], today),
        today=today,
        assignees=user_names(g.db, {c.assigned_to_id for c in cases if c.assigned_to_id}),
        states=state_choices(),
        users=user_choices(me.org_id),
        sorts=list(SORT_LABELS.items()),
        caseload_reports=reports.org_reports(g.db, me.org_id, 1, CASELOAD_REPORTS_SHOWN, "caseload_deadlines")[0],
        report_values=report_values or {"report_days": 30},
        report_errors=report_errors or {},
        report_labels=CASELOAD_REPORT_LABELS,
        status=200 if not (errors or report_errors) else 422,
    )


def ensure_can_edit(case) -> None:  # noqa: ANN001
    if not permissions.can_edit_case(caller(), case):
        abort(403, description=f"Your role ({caller().role}) may read but not change anything.")
