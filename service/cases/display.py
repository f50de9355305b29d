"""How a case's people and numbers are shown, the same in the API, e-mails, calendars and reports."""

from __future__ import annotations

from models import Case
from service.clock.facts import CaseFacts
from service.clock.facts import effective_process as engine_effective_process
from service.rulebook import rules


def person_name(first: str | None, last: str | None) -> str:
    return " ".join(part for part in (first, last) if part)


def client_name(case: Case) -> str | None:
    """The first borrower's name; None for a case without one (each caller says what to show instead)."""
    if not case.borrowers:
        return None
    client = case.borrowers[0]
    return person_name(client.first_name, client.last_name)


def mask_loan_number(loan_number: str | None) -> str | None:
    """Only the last four digits, as court filings show a financial-account number (Fed. R. Civ. P.
    5.2(a)(4)): lists in the API and every report."""
    if not loan_number:
        return loan_number
    return "*" * max(len(loan_number) - 4, 0) + loan_number[-4:]


def effective_process(case: Case) -> str | None:
    """The foreclosure process as entered, else the jurisdiction's usual one (the engine's own rule)."""
    facts = CaseFacts(state=case.property_state, process=case.foreclosure_process)
    return engine_effective_process(facts, rules().jurisdiction(case.property_state))
