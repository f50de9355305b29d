"""Today (my deadlines for 14 days and what is overdue, one-click Mark met) and the caseload (the API's
filters in the URL, counts by stage, pages)."""

from __future__ import annotations

import datetime as dt
import re

from tests.conftest import case_payload, org_today


def _case_with_answer_due(member, assignee_id: int, served: dt.date, last_name: str) -> int:  # noqa: ANN001
    case = member.post(
        "/api/v1/cases", json={**case_payload(client={"last_name": last_name}), "assigned_to": assignee_id}
    ).get_json()
    member.post(
        f"/api/v1/cases/{case['id']}/events", json={"type": "complaint_served", "occurred_on": served.isoformat()}
    )
    return case["id"]


def test_today_lists_my_soon_and_overdue_deadlines_and_marks_one_met(signed_in, web_org):
    today = org_today()
    attorney = web_org.attorney
    soon = _case_with_answer_due(attorney, attorney.user_id, today - dt.timedelta(days=20), "Soonish")
    overdue = _case_with_answer_due(attorney, attorney.user_id, today - dt.timedelta(days=45), "Latecomer")
    later = _case_with_answer_due(attorney, attorney.user_id, today - dt.timedelta(days=1), "Farahead")
    others = _case_with_answer_due(attorney, web_org.counselor.user_id, today - dt.timedelta(days=20), "Notmine")
    tab = signed_in("attorney")
    rows = tab.page.locator("main tbody tr")
    text = tab.page.locator("main").inner_text()
    assert "Soonish" in text and "Latecomer" in text
    assert "Farahead" not in text and "Notmine" not in text  # 29 days ahead; another person's case
    assert rows.nth(0).inner_text().find("Latecomer") >= 0  # soonest (overdue) first
    assert "overdue" in rows.nth(0).inner_text().lower()
    tab.page.get_by_role("link", name="Everyone's cases").click()
    tab.page.wait_for_url("**/?whose=all")
    tab.assert_accessible()
    assert "Notmine" in tab.page.locator("main").inner_text()
    tab.page.get_by_role("link", name="My cases").click()
    tab.page.wait_for_load_state("load")
    tab.assert_accessible()
    tab.page.locator("tr", has_text="Soonish").get_by_role("button", name="Mark met").click()
    tab.page.wait_for_load_state("load")
    tab.assert_accessible()
    assert "marked met" in tab.page.locator("main").inner_text()
    assert tab.page.locator("tr", has_text="Soonish").count() == 0
    statuses = [
        d["status"]
        for d in attorney.get(f"/api/v1/cases/{soon}/deadlines").get_json()["items"]
        if d["kind"] == "answer_due"
    ]
    assert statuses == ["met"]
    assert overdue and later and others


def test_caseload_filters_live_in_the_url_with_counts_and_pages(signed_in, web_org):
    for i in range(27):
        web_org.attorney.post("/api/v1/cases", json=case_payload(client={"last_name": f"Pager{i:02d}"}))
    web_org.attorney.post(
        "/api/v1/cases", json=case_payload(client={"last_name": "Texan"}, property={"state": "TX", "zip": "77002"})
    )
    tab = signed_in("viewer")
    tab.page.get_by_role("link", name="Caseload").click()
    tab.page.wait_for_url("**/cases")
    tab.assert_accessible()
    assert "28 cases" in tab.page.locator("#results").inner_text()
    assert re.search(r"Intake\s+28", tab.page.get_by_role("navigation", name="Cases by stage").inner_text())
    tab.page.get_by_role("link", name="Next page").click()
    tab.page.wait_for_url(re.compile(r"page=2"))
    tab.assert_accessible()
    assert tab.page.locator("main tbody tr").count() == 3
    tab.goto("/cases")
    tab.page.get_by_label("Search").fill("pager1")
    tab.page.get_by_label("Sort").select_option("client_last_name")
    tab.page.get_by_role("button", name="Apply filters").click()
    tab.page.wait_for_url(re.compile(r"q=pager1"))
    tab.assert_accessible()
    assert "sort=client_last_name" in tab.page.url
    names = tab.page.locator("main tbody th").all_inner_texts()
    assert names == sorted(names) and len(names) == 10 and all(n.startswith("Pager1") for n in names)
    tab.goto("/cases?state=TX")
    assert tab.page.locator("main tbody tr").count() == 1
    assert tab.page.get_by_label("State").input_value() == "TX"  # the URL fills the form back in


def test_the_caseload_and_today_show_only_my_organisation(page_client, web_org, make_org):
    other = make_org()
    other.attorney.post("/api/v1/cases", json=case_payload(client={"last_name": "Elsewhere"}))
    client = page_client("admin")
    assert "Elsewhere" not in client.get("/cases?q=elsewhere").text
    assert "Elsewhere" not in client.get("/?whose=all").text


def test_the_caseload_counts_its_cases_once_unless_a_filter_needs_its_own_count(page_client, web_org):
    """The counts by stage already give the total of the unfiltered caseload and of one stage: no second
    count of the organisation's cases (on PostgreSQL the page's slowest statement at 90,000 cases)."""
    from tests.conftest import recorded_statements

    for last_name in ("Alpha", "Bravo", "Charlie"):
        web_org.attorney.post("/api/v1/cases", json=case_payload(client={"last_name": last_name}))
    client = page_client("viewer")
    for query, shown, counted in (
        ("per_page=2", "3 cases", False),
        ("per_page=2&sort=client_last_name&page=2", "3 cases", False),
        ("per_page=2&stage=intake", "3 cases", False),
        ("per_page=2&stage=closed", "0 cases", False),
        ("per_page=2&state=IL", "3 cases", True),
        ("per_page=2&q=bravo", "1 case", False),  # a first page that is not full is its own total
    ):
        with recorded_statements() as statements:
            page = client.get(f"/cases?{query}")
        assert page.status_code == 200, query
        assert re.search(rf'id="results">{shown}<', page.text), query
        list_counts = [s for s in statements if "count(*)" in s and "FROM (SELECT" in s]
        assert len(list_counts) == (1 if counted else 0), (query, list_counts)
