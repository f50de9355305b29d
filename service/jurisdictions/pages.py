"""Pages for jurisdictions: each state's rules as a reviewable page."""
from __future__ import annotations

from service.web.helpers import page_blueprint, render

bp = page_blueprint("jurisdictions_pages", __name__)


@bp.route("/jurisdictions")
def index():
    return render("jurisdictions/index.html")
