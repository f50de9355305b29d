"""The demo organisation: a realistic caseload across several states and stages (make run seeds it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from models import Organization, User
from models.client_messages import ClientMessageSettings
from service.auth import Caller, issue_token
from service.cases.schemas import CaseCreateSchema
from service.cases.service import create_case
from service.events.service import add_event
from service.demo_exchanges import seed_exchanges
from service.orgs import create_org, create_user
from service.rulebook import local_today
from service.storage import Storage

DEMO_USERS = [
    ("admin@demo.example", "admin", "Dana Admin"),
    ("attorney@demo.example", "attorney", "Alex Rivera, Esq."),
    ("counselor@demo.example", "counselor", "Sam Okafor"),
    ("viewer@demo.example", "viewer", "Pat Viewer"),
]


def _case(
    first: str,
    last: str,
    street: str,
    city: str,
    state: str,
    zip_code: str,
    county: str,
    servicer: str,
    investor: str,
    loan_number: str,
    principal: str,
    interest: str,
    fees: str,
    purpose: str = "purchase",
    occupancy: str = "primary_residence",
    assignee: str | None = "attorney@demo.example",
    events: list[tuple[str, int, dict]] | None = None,
    co_borrower: tuple[str, str] | None = None,
    acreage: str = "0.250",
) -> dict[str, Any]:
    """events: (type, days before today, details)."""
    return {
        "data": {
            "client": {
                "first_name": first,
                "last_name": last,
                "email": f"{first.lower()}.{last.lower()}@example.com",
                "phone": "312-555-0100",
                "preferred_language": "en",
            },
            "co_borrowers": ([{"first_name": co_borrower[0], "last_name": co_borrower[1]}] if co_borrower else []),
            "property": {
                "street": street,
                "city": city,
                "state": state,
                "zip": zip_code,
                "county": county,
                "occupancy": occupancy,
                "dwelling_units": 1,
                "acreage": acreage,
            },
            "loan": {
                "servicer": servicer,
                "investor": investor,
                "loan_number": loan_number,
                "purpose": purpose,
                "lien_position": 1,
                "unpaid_principal": principal,
                "accrued_interest": interest,
                "fees_and_costs": fees,
                "credits": "0.00",
            },
        },
        "assignee": assignee,
        "events": events or [],
    }


DEMO_CASES = [
    _case(
        "Maria",
        "Gonzalez",
        "1420 W Addison St",
        "Chicago",
        "IL",
        "60613",
        "Cook",
        "Midland Mortgage",
        "fha",
        "4000123456",
        "600000.00",
        "18000.00",
        "7500.00",
        events=[
            ("first_missed_payment", 400, {}),
            ("complaint_filed", 230, {}),
            ("complaint_served", 220, {}),
            ("judgment_entered", 90, {}),
            ("sale_held", 20, {"sale_price": "450000.00"}),
        ],
        co_borrower=("Luis", "Gonzalez"),
    ),
    _case(
        "James",
        "Carter",
        "88 Maple Ave",
        "Minneapolis",
        "MN",
        "55406",
        "Hennepin",
        "US Bank",
        "fannie_mae",
        "7712009931",
        "212000.00",
        "6100.00",
        "2900.00",
        events=[
            ("first_missed_payment", 250, {}),
            ("pre_foreclosure_notice_sent", 120, {}),
            ("sale_held", 40, {"sale_price": "180000.00"}),
        ],
    ),
    _case(
        "Aisha",
        "Bello",
        "301 Palm Dr",
        "Orlando",
        "FL",
        "32801",
        "Orange",
        "Nationstar",
        "freddie_mac",
        "5550001212",
        "245000.00",
        "9100.00",
        "4200.00",
        events=[("first_missed_payment", 160, {}), ("complaint_filed", 25, {}), ("complaint_served", 10, {})],
    ),
    _case(
        "Robert",
        "Nguyen",
        "912 Elm St",
        "Sacramento",
        "CA",
        "95814",
        "Sacramento",
        "Wells Fargo",
        "private",
        "3300221100",
        "410000.00",
        "12000.00",
        "5000.00",
        # Its loss-mitigation application is in the communications log (service/demo_exchanges.py).
        events=[("first_missed_payment", 190, {}), ("notice_of_default_recorded", 50, {})],
    ),
    _case(
        "Linda",
        "Kowalski",
        "45 Oak Ln",
        "Columbus",
        "OH",
        "43215",
        "Franklin",
        "PNC Bank",
        "portfolio",
        "9100456677",
        "150000.00",
        "4000.00",
        "2500.00",
        events=[("first_missed_payment", 95, {})],
        assignee="counselor@demo.example",
    ),
    _case(
        "David",
        "Johnson",
        "77 Peachtree Rd",
        "Atlanta",
        "GA",
        "30303",
        "Fulton",
        "Truist",
        "va",
        "6600778899",
        "275000.00",
        "8000.00",
        "3500.00",
        events=[("first_missed_payment", 140, {}), ("sale_scheduled", -25, {})],
    ),
    _case(
        "Emily",
        "Schwartz",
        "12 Beacon St",
        "Boston",
        "MA",
        "02108",
        "Suffolk",
        "Rocket Mortgage",
        "fannie_mae",
        "1200340056",
        "520000.00",
        "15000.00",
        "6000.00",
        events=[("first_missed_payment", 60, {})],
        assignee="counselor@demo.example",
    ),
    _case(
        "Carlos",
        "Ramirez",
        "5020 N 7th St",
        "Phoenix",
        "AZ",
        "85014",
        "Maricopa",
        "Mr. Cooper",
        "fha",
        "8800990011",
        "230000.00",
        "7000.00",
        "3100.00",
        events=[("first_missed_payment", 170, {}), ("notice_of_default_recorded", 45, {}), ("sale_scheduled", -46, {})],
    ),
    _case(
        "Grace",
        "Lee",
        "300 Lake Shore Blvd",
        "Seattle",
        "WA",
        "98101",
        "King",
        "Chase",
        "freddie_mac",
        "2233445566",
        "690000.00",
        "21000.00",
        "8000.00",
        events=[
            ("first_missed_payment", 130, {}),
            ("notice_of_error_sent", 8, {}),
            ("request_for_information_sent", 3, {}),
        ],
    ),
    _case(
        "Thomas",
        "Brown",
        "1600 Main St",
        "Houston",
        "TX",
        "77002",
        "Harris",
        "Carrington",
        "private",
        "7788990012",
        "198000.00",
        "5200.00",
        "2400.00",
        events=[
            ("first_missed_payment", 300, {}),
            ("sale_held", 60, {"sale_price": "150000.00", "fair_market_value": "185000.00"}),
        ],
        purpose="refinance",
    ),
    _case(
        "Patricia",
        "Moore",
        "22 Broad St",
        "Newark",
        "NJ",
        "07102",
        "Essex",
        "Shellpoint",
        "private",
        "4455667788",
        "320000.00",
        "11000.00",
        "4700.00",
        events=[
            ("first_missed_payment", 210, {}),
            ("pre_foreclosure_notice_sent", 150, {}),
            ("complaint_filed", 100, {}),
            ("complaint_served", 90, {}),
            ("bankruptcy_filed", 15, {}),
        ],
    ),
    _case(
        "Kevin",
        "Walsh",
        "9 Hudson Ave",
        "Albany",
        "NY",
        "12207",
        "Albany",
        "Ocwen",
        "portfolio",
        "3344556677",
        "260000.00",
        "7800.00",
        "3900.00",
        assignee=None,
        events=[
            ("first_missed_payment", 200, {}),
            ("pre_foreclosure_notice_sent", 80, {}),
            ("military_service_ended", 100, {}),
        ],
    ),
]


def seed_demo(session, storage: Storage | None = None) -> str:
    """Create the demo organisation once (later runs only print a new token); return an admin token."""
    org = session.scalars(select(Organization).where(Organization.slug == "demo")).one_or_none()
    if org is None:
        org = create_org(session, "Demo Legal Aid & Housing Counseling", "demo", "America/Chicago")
        users = {email: create_user(session, org, email, role, name) for email, role, name in DEMO_USERS}
        # The phone every client message gives (without it, client messages wait).
        session.add(ClientMessageSettings(org_id=org.id, phone="(312) 555-0199"))
        session.flush()
        admin = users["admin@demo.example"]
        today = local_today(org.timezone)
        creator = Caller(user_id=admin.id, org_id=org.id, role="admin", email=admin.email, timezone=org.timezone)
        by_last_name = {}
        for spec in DEMO_CASES:
            data = CaseCreateSchema().load(spec["data"])  # the same validation as the API
            data["assigned_to"] = users[spec["assignee"]].id if spec["assignee"] else None
            case = create_case(session, creator, data)
            by_last_name[spec["data"]["client"]["last_name"]] = case
            _seed_events(
                session, creator, case, [(t, today - dt.timedelta(days=d), det) for t, d, det in spec["events"]]
            )
        seed_exchanges(session, creator, by_last_name, today, storage)
    admin = session.scalars(select(User).where(User.email == "admin@demo.example")).one()
    return issue_token(session, admin, label="demo")


def _seed_events(session, caller, case, events) -> None:
    """The demo case's events, added as through the API (each recomputes the case's deadlines)."""
    for event_type, occurred_on, details in events:
        add_event(session, caller, case, {"type": event_type, "occurred_on": occurred_on, "details": details})
