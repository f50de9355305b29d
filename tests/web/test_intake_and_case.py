"""Intake and the case page in a real browser: validation errors shown and announced, a valid intake lands
on the case, events recompute the deadlines in place, "show the work", mark met; and all of it with
JavaScript off."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from tests.conftest import case_payload, org_today


def fill_intake(page, first: str = "Ana", last: str = "Diaz", email: str = "ana@example.com") -> None:  # noqa: ANN001
    client = page.get_by_role("group", name="Client")
    client.get_by_label("First name").fill(first)
    client.get_by_label("Last name").fill(last)
    client.get_by_label("Email").fill(email)
    client.get_by_label("Phone").fill("312-555-0100")
    prop = page.get_by_role("group", name="Property")
    prop.get_by_label("Street").fill("10 Elm St")
    prop.get_by_label("City").fill("Joliet")
    prop.get_by_label("State").select_option("IL")
    prop.get_by_label("ZIP").fill("60431")
    prop.get_by_label("County").fill("Will")
    prop.get_by_label("Occupancy").select_option("primary_residence")
    prop.get_by_label("Dwelling units").fill("1")
    loan = page.get_by_role("group", name="Loan")
    loan.get_by_label("Servicer").fill("Example Servicing")
    loan.get_by_label("Investor").select_option("fha")
    loan.get_by_label("Loan number").fill("1234567890")
    loan.get_by_label("Unpaid principal").fill("250000.00")


def add_event(tab, label: str, on: dt.date) -> None:  # noqa: ANN001
    tab.page.get_by_label("Event", exact=True).select_option(label=label)
    tab.page.get_by_label("Date", exact=True).fill(on.isoformat())
    tab.page.get_by_role("button", name="Add event").click()


def test_intake_with_an_error_then_valid_lands_on_the_case(signed_in, web_org):
    tab = signed_in("paralegal")
    tab.page.get_by_role("link", name="New case").click()
    tab.page.wait_for_url("**/cases/new")
    tab.assert_accessible()
    fill_intake(tab.page, email="not-an-address")
    tab.page.get_by_label("Dwelling units").fill("two")
    tab.page.get_by_role("button", name="Create case").click()
    tab.page.wait_for_load_state("load")
    assert tab.page.url.endswith("/cases/new")
    email = tab.page.get_by_role("group", name="Client").get_by_label("Email")
    assert email.get_attribute("aria-invalid") == "true"
    message = tab.page.locator("#" + email.get_attribute("aria-describedby").split()[0])
    assert "email" in message.inner_text().lower()
    assert tab.page.get_by_label("Dwelling units").get_attribute("aria-invalid") == "true"
    expect(tab.page.locator("#error-summary")).to_be_focused()
    assert tab.page.get_by_label("First name").input_value() == "Ana"  # what was typed is kept
    tab.assert_accessible()  # the page with validation errors shown

    email.fill("ana@example.com")
    tab.page.get_by_label("Dwelling units").fill("1")
    tab.page.get_by_role("button", name="Create case").click()
    tab.page.wait_for_url(re.compile(r"/cases/\d+$"))
    tab.assert_accessible()
    assert tab.page.get_by_role("heading", level=1).inner_text().startswith("Ana Diaz")
    assert "Case opened" in tab.page.locator("#status").inner_text()


def test_a_case_from_the_intake_is_identical_to_one_from_the_api(page_client, web_org):
    from service.web.forms import nested_from_form  # noqa: F401 - the path under test is the page's

    client = page_client("attorney")
    payload = case_payload(co_borrowers=[{"first_name": "Luis", "last_name": "Gonzalez"}])
    form = {f"client.{k}": v for k, v in payload["client"].items()}
    form.update({f"property.{k}": str(v) for k, v in payload["property"].items()})
    form.update({f"loan.{k}": str(v) for k, v in payload["loan"].items()})
    form.update(
        {
            "co_borrower.first_name": "Luis",
            "co_borrower.last_name": "Gonzalez",
            "assigned_to": str(web_org.attorney.user_id),
        }
    )
    response = client.post("/cases/new", data=form)
    assert response.status_code == 303, response.text
    page_case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    api_case = web_org.attorney.post(
        "/api/v1/cases", json={**payload, "assigned_to": web_org.attorney.user_id}
    ).get_json()
    page_case = web_org.attorney.get(f"/api/v1/cases/{page_case_id}").get_json()
    ignore = {"id", "created_at", "updated_at"}
    assert {k: v for k, v in page_case.items() if k not in ignore} == {
        k: v for k, v in api_case.items() if k not in ignore
    }


def test_events_recompute_the_deadlines_in_place_and_mark_met(signed_in, web_org):
    tab = signed_in("attorney")
    case_id = web_org.attorney.post("/api/v1/cases", json=case_payload()).get_json()["id"]
    tab.goto(f"/cases/{case_id}")
    today = org_today()
    add_event(tab, "First missed payment", today - dt.timedelta(days=120))
    tab.page.locator("#status").filter(has_text="deadlines were recomputed").wait_for()
    tab.assert_accessible()
    served = today - dt.timedelta(days=3)
    add_event(tab, "Complaint served", served)
    row = tab.page.locator("tr", has_text="Answer to the foreclosure complaint")
    row.wait_for()
    assert tab.page.url.endswith(f"/cases/{case_id}")  # updated in place, no navigation
    # focus moves after htmx settles, a moment after the row appears
    expect(tab.page.locator("#deadlines-heading")).to_be_focused()
    due = row.locator("time").get_attribute("datetime")
    assert dt.date.fromisoformat(due) >= served + dt.timedelta(days=30)
    row.get_by_text("Show the work").click()
    work = row.locator("details").inner_text()
    assert "Ill. S. Ct. R. 101(d)" in work and "+ 30 days" in work
    assert row.get_by_role("link", name=re.compile("Ill. S. Ct.")).get_attribute("href").startswith("https://")
    tab.assert_accessible()
    row.get_by_role("button", name="Mark met").click()
    tab.page.locator("#status").filter(has_text="marked met").wait_for()
    row = tab.page.locator("tr", has_text="Answer to the foreclosure complaint")
    assert row.get_by_role("button", name="Mark met").count() == 0
    assert row.locator(".usa-tag").inner_text().lower() == "met"
    tab.assert_accessible()
    deadlines = web_org.attorney.get(f"/api/v1/cases/{case_id}/deadlines").get_json()["items"]
    assert [d["status"] for d in deadlines if d["kind"] == "answer_due"] == ["met"]


def test_an_event_with_a_bad_date_is_refused_next_to_the_field(signed_in, web_org):
    tab = signed_in("counselor")
    case_id = web_org.attorney.post("/api/v1/cases", json=case_payload()).get_json()["id"]
    tab.goto(f"/cases/{case_id}")
    add_event(tab, "Complaint served", org_today() + dt.timedelta(days=30))
    date = tab.page.get_by_label("Date", exact=True)
    tab.page.locator("#error-summary").wait_for()
    assert date.get_attribute("aria-invalid") == "true"
    assert "future" in tab.page.locator("#" + date.get_attribute("aria-describedby").split()[0]).inner_text()
    tab.assert_accessible()
    assert web_org.attorney.get(f"/api/v1/cases/{case_id}/events").get_json()["total"] == 0


def test_intake_to_deadline_with_javascript_off(signed_in, web_org):
    tab = signed_in("admin", javascript=False)
    tab.goto("/cases/new")
    fill_intake(tab.page, first="Noscript", last="Person")
    tab.page.get_by_role("button", name="Create case").click()
    tab.page.wait_for_url(re.compile(r"/cases/\d+$"))
    tab.assert_accessible()
    add_event(tab, "First missed payment", org_today() - dt.timedelta(days=100))
    tab.page.wait_for_load_state("load")
    tab.assert_accessible()
    add_event(tab, "Complaint served", org_today() - dt.timedelta(days=2))
    tab.page.wait_for_url(re.compile(r"/cases/\d+#deadlines$"))
    tab.assert_accessible()
    row = tab.page.locator("tr", has_text="Answer to the foreclosure complaint")
    assert row.locator("time").get_attribute("datetime")
    row.get_by_text("Show the work").click()
    assert "+ 30 days" in row.locator("details").inner_text()
    row.get_by_role("button", name="Mark met").click()
    tab.page.wait_for_load_state("load")
    tab.assert_accessible()
    row = tab.page.locator("tr", has_text="Answer to the foreclosure complaint")
    assert row.get_by_role("button", name="Mark met").count() == 0
    assert "marked met" in tab.page.locator("main").inner_text()


def test_a_viewer_sees_no_edit_controls(signed_in, web_org):
    case_id = web_org.attorney.post("/api/v1/cases", json=case_payload()).get_json()["id"]
    web_org.attorney.post(
        f"/api/v1/cases/{case_id}/events", json={"type": "complaint_served", "occurred_on": org_today().isoformat()}
    )
    tab = signed_in("viewer")
    assert tab.page.get_by_role("link", name="New case").count() == 0
    tab.goto(f"/cases/{case_id}")
    assert tab.page.locator("tr", has_text="Answer to the foreclosure complaint").count() == 1
    for name in ("Mark met", "Add event", "Waive", "Add deadline"):
        assert tab.page.get_by_role("button", name=name).count() == 0, name
    assert tab.page.locator("main form").count() == 0


def test_another_organisations_case_is_a_404_page(signed_in, make_org):
    other = make_org()
    case_id = other.attorney.post("/api/v1/cases", json=case_payload()).get_json()["id"]
    tab = signed_in("admin")
    response = tab.goto(f"/cases/{case_id}")
    assert response.status == 404
    assert tab.page.get_by_role("heading", name="Page not found").count() == 1


def test_correct_and_delete_an_event_and_add_a_deadline_by_hand(signed_in, web_org):
    tab = signed_in("attorney")
    case_id = web_org.attorney.post("/api/v1/cases", json=case_payload()).get_json()["id"]
    served = org_today() - dt.timedelta(days=5)
    web_org.attorney.post(
        f"/api/v1/cases/{case_id}/events", json={"type": "complaint_served", "occurred_on": served.isoformat()}
    )
    tab.goto(f"/cases/{case_id}")
    row = tab.page.locator("tr", has_text="Answer to the foreclosure complaint")
    first_due = row.locator("time").get_attribute("datetime")

    event_row = tab.page.locator("#events tbody tr", has_text="Complaint served")
    event_row.get_by_text("Correct").click()
    tab.page.get_by_label("Complaint served occurred on").fill((served - dt.timedelta(days=10)).isoformat())
    event_row.get_by_role("button", name=re.compile("^Save")).click()
    tab.page.locator("#status").filter(has_text="Corrected complaint served").wait_for()
    tab.assert_accessible()
    moved = (
        tab.page.locator("tr", has_text="Answer to the foreclosure complaint").locator("time").get_attribute("datetime")
    )
    assert dt.date.fromisoformat(moved) < dt.date.fromisoformat(first_due)

    tab.page.get_by_text("Add a deadline by hand").click()
    tab.page.get_by_label("Title").fill("Hearing on the motion to dismiss")
    tab.page.get_by_label("Due on").fill((org_today() + dt.timedelta(days=20)).isoformat())
    tab.page.get_by_label("Binds").select_option("court")
    tab.page.get_by_role("button", name="Add deadline").click()
    tab.page.locator("#status").filter(has_text="Hearing on the motion to dismiss").wait_for()
    tab.assert_accessible()
    assert tab.page.locator("tr", has_text="Hearing on the motion to dismiss").count() == 1

    tab.page.once("dialog", lambda dialog: dialog.accept())
    tab.page.locator("#events tbody tr", has_text="Complaint served").get_by_role(
        "button", name=re.compile("^Delete")
    ).click()
    tab.page.locator("#status").filter(has_text="Deleted complaint served").wait_for()
    tab.assert_accessible()
    assert tab.page.locator("tr", has_text="Answer to the foreclosure complaint").count() == 0
    assert web_org.attorney.get(f"/api/v1/cases/{case_id}/events").get_json()["total"] == 0
