"""Page actions on a case's parties: add one, change one (on its own page), remove one. Thin: the work is
service/parties/service.py's, the same calls the API makes. A party that mirrors the case (its client, a
co-borrower, its servicer) is changed on the case; here only its address."""

from __future__ import annotations

from typing import Any, Mapping

from flask import flash, g, redirect, request, url_for

from models.intake import PARTY_ROLES
from service.cases.pages import ensure_can_edit, respond_with_case
from service.cases.service import get_case
from service.errors import Problem
from service.parties import service
from service.parties.schemas import PartyCreateSchema, PartyPatchSchema
from service.web import forms
from service.web.helpers import caller, page_blueprint, render
from service.web.labels import humanize

bp = page_blueprint("parties_pages", __name__)

# Labels unlike any other on the case page (a label search matches parts of words too).
PARTY_LABELS = {
    "role": "Party's role",
    "side": "Side",
    "name": "Party's name",
    "is_organisation": "Organisation or person",
    "email": "Party's email",
    "phone": "Party's phone",
    "address": "Party's address",
}
PARTY_FIELDS = {name: forms.TEXT for name in PARTY_LABELS}
CLEARABLE = ("email", "phone", "address")


def party_options() -> dict[str, Any]:
    return {
        "party_roles": [(r, humanize(r)) for r in PARTY_ROLES if r != "client"],
        "party_sides": [("ours", "Ours"), ("adverse", "Adverse"), ("other", "Other")],
        "party_kinds": [("true", "Organisation"), ("false", "Person")],
        "party_labels": PARTY_LABELS,
    }


def _data(form: Mapping[str, str], *, clear_blanks: bool) -> dict[str, Any]:
    data = forms.nested_from_form(form, PARTY_FIELDS)
    if clear_blanks:  # a field emptied on the edit form clears it
        for name in CLEARABLE:
            if name in form and not (form.get(name) or "").strip():
                data[name] = None
    return data


@bp.route("/cases/<id:case_id>/parties", methods=["POST"])
def add(case_id: int):
    case = get_case(g.db, caller().org_id, case_id)
    ensure_can_edit(case)
    data, errors = forms.load(PartyCreateSchema(), _data(request.form, clear_blanks=False), PARTY_LABELS)
    if not errors:
        try:
            party = service.add_party(g.db, caller(), case, data)
            g.db.commit()
        except Problem as problem:
            g.db.rollback()
            errors = forms.problem_errors(problem, PARTY_LABELS)
        else:
            return respond_with_case(case, f"Party added: {party.name}.", anchor="#parties")
    return respond_with_case(
        case,
        "The party was not added: " + " ".join(errors.values()),
        status=422,
        party_errors=errors,
        party_values=request.form,
        focus="parties",
    )


def _party_and_case(party_id: int):  # noqa: ANN202
    """Another organisation's party: 404 before the role is looked at."""
    party = service.get_party(g.db, caller().org_id, party_id)
    case = get_case(g.db, caller().org_id, party.case_id)
    ensure_can_edit(case)
    return party, case


@bp.route("/parties/<id:party_id>/edit", methods=["GET", "POST"])
def edit(party_id: int):
    party, case = _party_and_case(party_id)
    if request.method == "GET":
        values = {name: getattr(party, name) for name in PARTY_LABELS}
        values["is_organisation"] = "true" if party.is_organisation else "false"
        return render("parties/edit.html", party=party, case=case, values=values, errors={}, **party_options())
    form = request.form
    if party.mirrors is not None:  # only its address is changed here
        form = {"address": request.form.get("address", "")}
    data, errors = forms.load(PartyPatchSchema(), _data(form, clear_blanks=True), PARTY_LABELS)
    if not errors and party.mirrors is None and not (request.form.get("name") or "").strip():
        errors = {"name": "Enter the party's name."}
    if not errors:
        try:
            service.update_party(g.db, caller(), party, data)
            g.db.commit()
        except Problem as problem:
            g.db.rollback()
            errors = forms.problem_errors(problem, PARTY_LABELS)
        else:
            flash(f"Party changed: {party.name}.", "success")
            return redirect(url_for("cases_pages.show", case_id=case.id) + "#parties", code=303)
    return render(
        "parties/edit.html", status=422, party=party, case=case, values=request.form, errors=errors, **party_options()
    )


@bp.route("/parties/<id:party_id>/delete", methods=["POST"])
def remove(party_id: int):
    party, case = _party_and_case(party_id)
    try:
        service.delete_party(g.db, caller(), party)
        g.db.commit()
    except Problem as problem:
        g.db.rollback()
        if problem.code != 409:
            raise
        return respond_with_case(case, problem.detail, status=409, focus="parties")
    return respond_with_case(case, f"Party removed: {party.name}.", anchor="#parties")
