"""The notices outbox: claiming due notices and digests with a lease, sending them, recording the result.

- A worker claims due rows (PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED; both backends: the compare-and-set
  of service/leases.py, UPDATE ... WHERE id = ? AND state IN (pending, sending) AND attempt_at <= now) and
  commits the claim with a lease before it talks SMTP. No row lock is held across the SMTP conversation.
- A worker that dies leaves the row in `sending` until its lease (attempt_at) runs out; the next scan's
  claim takes it again. The Message-ID was fixed when the row was created, so such a re-send carries the
  same Message-ID (the one duplicate the contract allows).
- Transient SMTP errors put the row back to pending with a backoff (30 s doubling, at most 5 minutes);
  permanent ones (5xx) mark it failed with the server's answer in `error`."""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections import Counter
from typing import Any, Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Case, Deadline, User
from models.base import utcnow
from models.notices import Digest, Notice
from service.config import Settings
from service.db import within_org
from service.leases import compare_and_set, take_lease
from service.notices import mail
from service.notices.planning import cancel_reason, case_is_live, reminders_wanted

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=2)  # a dead worker's claim is taken over after this
BACKOFF_FIRST = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(minutes=5)  # contract: sent within 5 minutes of the fault ending
CLAIM_BATCH = 5  # claimed at once; 5 x the SMTP timeout (20 s) stays inside the lease


def count_due(session: Session, now: dt.datetime) -> int:
    total = 0
    for model in (Notice, Digest):
        total += (
            session.scalar(
                select(func.count())
                .select_from(model)
                .where(model.state.in_(("pending", "sending")), model.attempt_at <= now)
            )
            or 0
        )
    return total


# Claiming


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def claim_candidates(session: Session, model: type, now: dt.datetime, limit: int, lock: bool = True) -> list[int]:
    """Due rows: pending and due, or claimed by a worker whose lease ran out. On PostgreSQL the rows are
    locked (SKIP LOCKED: concurrent claimers take different rows) until the claim commits."""
    query = (
        select(model.id)
        .where(model.state.in_(("pending", "sending")), model.attempt_at <= now)
        .order_by(model.attempt_at, model.id)
        .limit(limit)
    )
    if lock and _is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query).all())


def take_claims(
    session: Session, model: type, ids: list[int], now: dt.datetime, naive: bool = False
) -> list[tuple[int, str]]:
    """Compare-and-set each candidate to `sending` with a lease; commit before any sending. `naive`: the
    negative control of the tests (no condition: two claimers may both win)."""
    token = uuid.uuid4().hex
    won: list[tuple[int, str]] = []
    claimable = [] if naive else [model.state.in_(("pending", "sending")), model.attempt_at <= now]
    for row_id in ids:
        if take_lease(
            session,
            model,
            row_id,
            *claimable,
            lease_column="attempt_at",
            until=now + LEASE,
            state="sending",
            claim_token=token,
            updated_at=utcnow(),
        ):
            won.append((row_id, token))
    session.commit()
    return won


def claim(session: Session, model: type, now: dt.datetime, limit: int = CLAIM_BATCH) -> list[tuple[int, str]]:
    return take_claims(session, model, claim_candidates(session, model, now, limit), now)


# Sending


def backoff(attempts: int) -> dt.timedelta:
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def _finish(session: Session, model: type, row_id: int, token: str, **values: Any) -> None:
    compare_and_set(session, model, row_id, model.claim_token == token, updated_at=utcnow(), **values)
    session.commit()


def _why_not_send(session: Session, notice: Notice, now: dt.datetime) -> tuple[str, str] | None:
    """Checked again after the claim: the world may have changed since the row was planned."""
    # populate_existing: the worker's session lives across a batch; read what is committed now.
    case = session.get(Case, notice.case_id, populate_existing=True)
    deadline = session.get(Deadline, notice.deadline_id, populate_existing=True)
    user = session.get(User, notice.recipient_user_id, populate_existing=True)
    if user is None or not user.is_active:
        return "cancelled", "The recipient is no longer active."
    if deadline.sequence != notice.deadline_sequence:
        return "cancelled", "The deadline moved; replanned."
    if notice.kind == "reminder" and not reminders_wanted(deadline, case):
        return "cancelled", cancel_reason(deadline, case)
    if notice.kind == "escalation" and not (
        case_is_live(case) and deadline.removed_at is None and deadline.status in ("open", "missed")
    ):
        return "cancelled", cancel_reason(deadline, case)
    later = session.scalar(
        select(Notice.id)
        .where(
            Notice.deadline_id == notice.deadline_id,
            Notice.deadline_sequence == notice.deadline_sequence,
            Notice.kind == notice.kind,
            Notice.recipient_user_id == notice.recipient_user_id,
            Notice.offset_days < notice.offset_days,
            Notice.send_at <= now,
            Notice.state.in_(("pending", "sending", "sent")),
        )
        .limit(1)
    )
    if later is not None:
        return "skipped", "Superseded by a later notice."
    return None


def deliver_one(
    session: Session, model: type, row_id: int, token: str, now: dt.datetime, mailer, settings: Settings
) -> str:
    row = session.get(model, row_id, populate_existing=True)
    if row is None or row.claim_token != token or row.state != "sending":
        session.commit()
        return "lost"
    if model is Notice:
        verdict = _why_not_send(session, row, now)
        if verdict is not None:
            _finish(session, model, row_id, token, state=verdict[0], error=verdict[1], claim_token=None)
            return verdict[0]
        message = mail.reminder_message(session, row, settings, now)
    else:
        message = mail.digest_message(session, row, settings)
        if message is None:
            _finish(
                session,
                model,
                row_id,
                token,
                state="skipped",
                error="Nothing due in the next 14 days.",
                claim_token=None,
            )
            return "skipped"
    attempts = row.attempts
    session.commit()  # no transaction (and no lock) stays open during the SMTP conversation
    try:
        mailer.send(message)
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the row
        kind = mail.classify(error)
        text = f"{type(error).__name__}: {error}"[:2000]
        if kind == "permanent":
            _finish(session, model, row_id, token, state="failed", error=text, claim_token=None)
            return "failed"
        log.warning("transient mail error for %s %s: %s", model.__tablename__, row_id, text)
        _finish(
            session,
            model,
            row_id,
            token,
            state="pending",
            error=text,
            claim_token=None,
            attempt_at=max(now, utcnow()) + backoff(attempts),
        )
        return "retry"
    _finish(session, model, row_id, token, state="sent", sent_at=utcnow(), error=None, claim_token=None)
    return "sent"


def deliver_due(
    make_session: Callable[[], Session],
    settings: Settings,
    now: dt.datetime | None = None,
    *,
    max_rows: int = 1000,
    time_budget: float = 50.0,
    mailer=None,
) -> Counter:
    """Claim and send due notices and digests until none is due (or the budget is spent)."""
    started = time.monotonic()
    results: Counter = Counter()
    own_mailer = mailer is None
    mailer = mailer or mail.Mailer(settings)
    try:
        with make_session() as session:
            while sum(results.values()) < max_rows and time.monotonic() - started < time_budget:
                moment = now or utcnow()
                claimed = [(Notice, c) for c in claim(session, Notice, moment)]
                if not claimed:
                    claimed = [(Digest, c) for c in claim(session, Digest, moment)]
                if not claimed:
                    break
                for model, (row_id, token) in claimed:
                    # Claimed across organisations; each one is written and sent for its own organisation
                    # only (row-level security: a mistake in gathering a digest cannot reach another's cases).
                    org_id = session.scalar(select(model.org_id).where(model.id == row_id))
                    if org_id is None:
                        results["lost"] += 1
                        continue
                    with within_org(session, org_id):
                        results[deliver_one(session, model, row_id, token, moment, mailer, settings)] += 1
    finally:
        if own_mailer:
            mailer.close()
    return results
