"""Pages for deadlines: Today (what is due for me, and what is overdue)."""
from __future__ import annotations

from service.web.helpers import caller, page_blueprint, render

bp = page_blueprint("deadlines_pages", __name__)


@bp.route("/")
def today():
    return render("deadlines/today.html", me=caller())
