"""The case page's client messages: consent per client and channel, a consent form with its errors next to
the fields, the consent history, the messages with their state (skipped for want of consent shown as such),
the CSV report; the e-mail's public unsubscribe page. Checked with axe."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from tests.conftest import case_payload, org_today


def _case_with_hearing(web_org) -> int:  # noqa: ANN001
    member = web_org.attorney
    case_id = member.post(
        "/api/v1/cases",
        json=case_payload(
            client={
                "first_name": "Rosa",
                "last_name": "Lopez",
                "email": "rosa@example.com",
                "phone": "+17735550123",
                "preferred_language": "es",
            }
        ),
    ).get_json()["id"]
    due = org_today() + dt.timedelta(days=20)
    response = member.post(
        f"/api/v1/cases/{case_id}/deadlines",
        json={"title": "Hearing on the motion", "due_on": due.isoformat(), "binds": "court"},
    )
    assert response.status_code == 201, response.get_json()
    return case_id


def test_record_consent_and_see_messages_and_history(signed_in, web_org, tmp_path):  # noqa: ANN001
    case_id = _case_with_hearing(web_org)
    tab = signed_in("attorney")
    tab.goto(f"/cases/{case_id}")
    section = tab.page.locator("#client-messages")
    assert "no consent" in section.inner_text().lower() and "Planned" in section.inner_text()
    assert "+17735550123" in section.inner_text() and "(Spanish)" in section.inner_text()

    tab.page.get_by_text("Record a consent or a revocation").click()
    tab.page.get_by_role("button", name="Record consent").click()  # nothing chosen: errors by the fields
    tab.page.wait_for_load_state()
    assert tab.page.locator("#f-consent-party-id").get_attribute("aria-invalid") == "true"
    assert "f-consent-party-id-error" in tab.page.locator("#f-consent-party-id").get_attribute("aria-describedby")
    tab.assert_accessible()

    form = tab.page.locator("#client-messages form")
    form.get_by_label("Client", exact=True).select_option(label="Rosa Lopez")
    form.get_by_label("Consent to").select_option("sms")
    form.get_by_label("Given or revoked").select_option("true")
    form.get_by_label("How it was given").select_option("verbal")
    form.get_by_role("button", name="Record consent").click()
    tab.page.wait_for_url(re.compile(r"#client-messages$"))
    section = tab.page.locator("#client-messages")
    assert "consent given" in section.inner_text().lower() and "Consent history" in section.inner_text()
    tab.assert_accessible()
    section.screenshot(path=str(tmp_path / "client-messages.png"))

    with tab.page.expect_download() as download_info:
        tab.page.get_by_role("link", name=re.compile("Download consents and messages")).click()
    rows = list(csv.DictReader(io.StringIO(download_info.value.path().read_text())))
    assert {r["record"] for r in rows} == {"consent", "message"} and {r["case_id"] for r in rows} == {str(case_id)}
    consent = next(r for r in rows if r["record"] == "consent")
    assert (consent["client"], consent["channel"], consent["what"], consent["how"]) == (
        "Rosa Lopez",
        "sms",
        "given",
        "verbal",
    )


def test_a_viewer_sees_no_consent_form(signed_in, web_org):  # noqa: ANN001
    case_id = _case_with_hearing(web_org)
    tab = signed_in("viewer")
    tab.goto(f"/cases/{case_id}")
    assert tab.page.get_by_text("Record a consent or a revocation").count() == 0
    assert "Client messages and consent" in tab.page.locator("#client-messages").inner_text()


def test_the_unsubscribe_page_is_accessible(open_tab, web_org, app):  # noqa: ANN001
    case_id = _case_with_hearing(web_org)
    rows = web_org.viewer.get(f"/api/v1/cases/{case_id}/client-messages").get_json()["items"]
    email = next(r for r in rows if r["channel"] == "email")
    from service.client_messages.outbox import unsubscribe_token

    tab = open_tab()
    tab.goto(f"/client-messages/unsubscribe/{unsubscribe_token(app.config['FORESTALL'], email['id'])}")
    assert "¿Dejar de recibir" in tab.page.locator("h1").inner_text()  # the client's language
    tab.assert_accessible()
    tab.page.get_by_role("button", name=re.compile("dejar de recibir correos")).click()
    tab.page.wait_for_load_state()
    assert "Listo" in tab.page.locator("h1").inner_text()
    tab.assert_accessible()
    history = web_org.viewer.get(f"/api/v1/cases/{case_id}/consents").get_json()["items"]
    assert [(c["channel"], c["given"], c["method"]) for c in history] == [("email", False, "link")]


def test_admin_sets_the_client_message_topics_and_phone(signed_in, web_org, page_client, tmp_path):  # noqa: ANN001
    tab = signed_in("admin")
    tab.goto("/settings")
    tab.page.get_by_role("link", name="Client messages (organisation)").click()
    tab.page.wait_for_url(re.compile(r"/settings/client-messages$"))
    tab.assert_accessible()
    assert tab.page.get_by_label("Court hearings (manual deadlines that bind the court)").is_checked()
    tab.page.get_by_label("Phone").fill("not a phone")
    tab.page.get_by_role("button", name="Save").click()
    tab.page.wait_for_load_state()
    assert tab.page.get_by_label("Phone").get_attribute("aria-invalid") == "true"
    tab.assert_accessible()
    tab.page.get_by_label("Phone").fill("(312) 555-0100")
    tab.page.locator("label[for=topic-sale_date]").click()
    tab.page.locator("label[for=topic-redemption_period_end]").click()
    tab.page.get_by_role("button", name="Save").click()
    tab.page.wait_for_url(re.compile(r"/settings/client-messages$"))
    tab.page.screenshot(path=str(tmp_path / "client-message-settings.png"), full_page=True)
    saved = web_org.viewer.get("/api/v1/client-message-settings").get_json()
    assert saved["phone"] == "(312) 555-0100"
    assert "sale_date" in saved["topics"] and "redemption_period_end" not in saved["topics"]

    viewer = page_client("viewer")
    report = viewer.get("/settings/client-messages/report.csv")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    assert report.data.decode().splitlines()[0] == "case_id,client,role,channel,record,at,what,how,by_or_to,detail"
    page = viewer.get("/settings/client-messages")
    assert page.status_code == 200 and b"Only an admin may change these." in page.data
    assert viewer.post("/settings/client-messages", data={"phone": "1"}).status_code == 403
    assert web_org.viewer.get("/api/v1/client-message-settings").get_json()["phone"] == "(312) 555-0100"


def test_the_organisation_report_holds_every_case_and_only_this_organisations(page_client, web_org, make_org):  # noqa: ANN001
    mine = _case_with_hearing(web_org)
    theirs = _case_with_hearing(make_org())
    rows = list(
        csv.DictReader(io.StringIO(page_client("viewer").get("/settings/client-messages/report.csv").data.decode()))
    )
    cases = {int(r["case_id"]) for r in rows}
    assert mine in cases and theirs not in cases


def test_add_an_appointment_from_the_case_page(signed_in, web_org):  # noqa: ANN001
    case_id = _case_with_hearing(web_org)
    tab = signed_in("counselor")
    tab.goto(f"/cases/{case_id}")
    tab.page.get_by_text("Add an appointment").click()
    form = tab.page.locator("#client-messages form", has_text="Add appointment")
    form.get_by_role("button", name="Add appointment").click()
    tab.page.wait_for_load_state()
    assert tab.page.locator("#f-appointment-place").get_attribute("aria-invalid") == "true"
    tab.assert_accessible()
    day = org_today() + dt.timedelta(days=9)
    form = tab.page.locator("#client-messages form", has_text="Add appointment")
    form.get_by_label("Kind of appointment").select_option("court_date")
    form.get_by_label("Date and time").fill(f"{day.isoformat()}T09:30")
    form.get_by_label("Place").fill("Daley Center, Courtroom 2801")
    form.get_by_role("button", name="Add appointment").click()
    tab.page.wait_for_url(re.compile(r"#client-messages$"))
    assert "Daley Center, Courtroom 2801" in tab.page.locator("#client-messages").inner_text()
    tab.assert_accessible()
    rows = web_org.viewer.get(f"/api/v1/cases/{case_id}/client-messages").get_json()["items"]
    assert len([r for r in rows if r["kind"] == "appointment_reminder"]) == 4


def _appointment(web_org, case_id: int, days: int = 9) -> dict:  # noqa: ANN001
    starts = (org_today() + dt.timedelta(days=days)).isoformat() + "T09:30:00"
    response = web_org.attorney.post(
        f"/api/v1/cases/{case_id}/appointments",
        json={"kind": "court_date", "starts_at": starts, "place": "Daley Center, Courtroom 2801"},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _appointment_reminders(web_org, case_id: int) -> list[dict]:  # noqa: ANN001
    rows = web_org.viewer.get(f"/api/v1/cases/{case_id}/client-messages").get_json()["items"]
    return [r for r in rows if r["kind"] == "appointment_reminder"]


def test_move_then_cancel_an_appointment_from_the_case_page(signed_in, web_org):  # noqa: ANN001
    case_id = _case_with_hearing(web_org)
    appointment = _appointment(web_org, case_id)
    planned_before = {r["send_at"] for r in _appointment_reminders(web_org, case_id) if r["state"] == "planned"}
    tab = signed_in("counselor")
    tab.goto(f"/cases/{case_id}")
    item = tab.page.locator(f"#appointment-{appointment['id']}")
    item.get_by_text("Move or cancel").click()
    new_day = org_today() + dt.timedelta(days=12)
    item.get_by_label("New date and time").fill(f"{new_day.isoformat()}T14:00")
    item.get_by_role("button", name="Move appointment").click()
    tab.page.wait_for_url(re.compile(r"#client-messages$"))
    tab.assert_accessible()
    moved = web_org.viewer.get(f"/api/v1/appointments/{appointment['id']}").get_json()
    assert moved["sequence"] == appointment["sequence"] + 1 and moved["place"] == appointment["place"]
    planned_after = {r["send_at"] for r in _appointment_reminders(web_org, case_id) if r["state"] == "planned"}
    assert planned_after and not planned_after & planned_before  # the reminders follow the new time

    item = tab.page.locator(f"#appointment-{appointment['id']}")
    item.get_by_text("Move or cancel").click()
    item.get_by_role("button", name="Cancel appointment").click()
    tab.page.wait_for_url(re.compile(r"#client-messages$"))
    tab.assert_accessible()
    assert web_org.viewer.get(f"/api/v1/appointments/{appointment['id']}").get_json()["cancelled"] is True
    assert not [r for r in _appointment_reminders(web_org, case_id) if r["state"] == "planned"]
    assert "cancelled" in tab.page.locator(f"#appointment-{appointment['id']}").inner_text().lower()


def test_a_move_without_a_new_time_or_place_changes_nothing_and_viewers_cannot_move(page_client, web_org):  # noqa: ANN001
    case_id = _case_with_hearing(web_org)
    appointment = _appointment(web_org, case_id)
    response = page_client("attorney").post(f"/appointments/{appointment['id']}", {"action": "move"})
    assert response.status_code == 422
    assert re.search(rf'id="a{appointment["id"]}-f-starts-at"[^>]*aria-invalid="true"', response.text, re.S)
    assert page_client("viewer").post(f"/appointments/{appointment['id']}", {"action": "cancel"}).status_code == 403
    after = web_org.viewer.get(f"/api/v1/appointments/{appointment['id']}").get_json()
    assert after["sequence"] == appointment["sequence"] and after["cancelled"] is False
