"""Pages for cases: the caseload, intake (new case) and a case."""
from __future__ import annotations

from service.web.helpers import page_blueprint, render, require_write

bp = page_blueprint("cases_pages", __name__)


@bp.route("/cases")
def caseload():
    return render("cases/caseload.html")


@bp.route("/cases/new")
def new_case():
    require_write()
    return render("cases/new.html")
