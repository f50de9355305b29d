"""Reminder notices: planning (which e-mails, to whom, when), the every-minute scan, claiming and sending.

How a reminder is never lost and never doubled:
- The plan is rows in `notices` (unique key: deadline, its sequence, kind, offset, recipient), written
  on the deadlines_changed signal (service/signals.py) and again by the scan, idempotently
  (INSERT ... ON CONFLICT DO NOTHING): planning twice changes nothing.
- A worker claims due rows (PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED; both backends: a
  compare-and-set UPDATE ... WHERE id = ? AND state IN (pending, sending) AND attempt_at <= now, whose
  row count says whether the claim was won) and commits the claim with a lease before it talks SMTP.
  No row lock is held across the SMTP conversation.
- A worker that dies leaves the row in `sending` until its lease (attempt_at) runs out; the next scan's
  claim takes it again. The Message-ID was fixed when the row was created, so such a re-send carries the
  same Message-ID (the one duplicate the contract allows).
- Transient SMTP errors put the row back to pending with a backoff (30 s doubling, at most 5 minutes);
  permanent ones (5xx) mark it failed with the server's answer in `error`.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models import Case, Deadline, Organization, User
from models.base import utcnow
from models.notices import (Digest, Notice, NoticeDailyRun, NoticeScanState, OrgNotificationSettings,
                            UserNotificationPreference)
from service import audit
from service.auth import Caller
from service.clock.kinds import DEADLINE_KINDS
from service.config import load_settings
from service.db import paginate
from service.errors import Problem

log = logging.getLogger(__name__)

# Default offsets (days before the due date). Grave deadlines (court, sale, the borrower's own):
# a month ahead, then closer; informational ones (the servicer's or lender's clock): a week ahead only.
DEFAULT_OFFSETS = {"grave": (30, 14, 7, 3, 1, 0), "informational": (7, 1, 0)}
DEFAULT_LOCAL_HOUR = 8
DIGEST_DAYS = 14
# Escalations: daily to the admins, for past deadlines that bind the borrower or the court.
ESCALATED_BINDS = ("borrower", "court")
LEASE = dt.timedelta(minutes=2)            # a dead worker's claim is taken over after this
BACKOFF_FIRST = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(minutes=5)      # contract: sent within 5 minutes of the fault ending
REPLAN_MARGIN = dt.timedelta(minutes=10)   # a transaction committed late is still seen by the next scans
CLAIM_BATCH = 5                            # claimed at once; 5 x the SMTP timeout (20 s) stays inside the lease


# ----------------------------------------------------------------------------------------------------
# Preferences

@dataclass(frozen=True)
class Preferences:
    grave_offsets: tuple[int, ...]
    informational_offsets: tuple[int, ...]
    local_hour: int
    daily_digest: bool
    digest_only: bool

    def offsets_for(self, kind: str) -> tuple[int, ...]:
        spec = DEADLINE_KINDS.get(kind)
        severity = spec.severity if spec else "grave"
        return self.grave_offsets if severity == "grave" else self.informational_offsets

    def as_dict(self) -> dict[str, Any]:
        return {"grave_offsets": list(self.grave_offsets), "informational_offsets": list(self.informational_offsets),
                "local_hour": self.local_hour, "daily_digest": self.daily_digest, "digest_only": self.digest_only}


def org_settings(session: Session, org_id: int) -> OrgNotificationSettings | None:
    return session.scalars(select(OrgNotificationSettings).where(OrgNotificationSettings.org_id == org_id)).one_or_none()


def user_preference(session: Session, user_id: int) -> UserNotificationPreference | None:
    return session.scalars(select(UserNotificationPreference)
                           .where(UserNotificationPreference.user_id == user_id)).one_or_none()


def org_defaults(settings: OrgNotificationSettings | None) -> Preferences:
    def pick(name: str, default: Any) -> Any:
        value = getattr(settings, name, None) if settings is not None else None
        return default if value is None else value
    return Preferences(grave_offsets=tuple(pick("grave_offsets", DEFAULT_OFFSETS["grave"])),
                       informational_offsets=tuple(pick("informational_offsets", DEFAULT_OFFSETS["informational"])),
                       local_hour=pick("local_hour", DEFAULT_LOCAL_HOUR), daily_digest=True, digest_only=False)


def effective_preferences(org: Preferences, own: UserNotificationPreference | None) -> Preferences:
    if own is None:
        return org
    return Preferences(
        grave_offsets=tuple(own.grave_offsets) if own.grave_offsets is not None else org.grave_offsets,
        informational_offsets=(tuple(own.informational_offsets) if own.informational_offsets is not None
                               else org.informational_offsets),
        local_hour=own.local_hour if own.local_hour is not None else org.local_hour,
        daily_digest=own.daily_digest, digest_only=own.digest_only)


def local_send_at(day: dt.date, hour: int, timezone: str) -> dt.datetime:
    """`hour`:00 on `day` in the time zone, as UTC. zoneinfo gives one instant per (day, hour) across
    daylight-saving changes (a time in the spring gap maps to the hour after it, a repeated one to its
    first occurrence), so a change neither skips nor doubles a reminder."""
    local = dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(timezone))
    return local.astimezone(dt.timezone.utc)


class PlanContext:
    """Per-scan caches: organisations' time zones and settings, users' preferences, admins."""

    def __init__(self, session: Session, now: dt.datetime):
        self.session = session
        self.now = now
        self._orgs: dict[int, tuple[str, Preferences]] = {}
        self._prefs: dict[int, Preferences] = {}
        self._admins: dict[int, list[User]] = {}
        self._users: dict[int, User | None] = {}

    def org(self, org_id: int) -> tuple[str, Preferences]:
        if org_id not in self._orgs:
            org = self.session.get(Organization, org_id)
            self._orgs[org_id] = (org.timezone, org_defaults(org_settings(self.session, org_id)))
        return self._orgs[org_id]

    def today(self, org_id: int) -> dt.date:
        return self.now.astimezone(ZoneInfo(self.org(org_id)[0])).date()

    def prefs(self, user: User) -> Preferences:
        if user.id not in self._prefs:
            self._prefs[user.id] = effective_preferences(self.org(user.org_id)[1], user_preference(self.session, user.id))
        return self._prefs[user.id]

    def user(self, user_id: int | None) -> User | None:
        if user_id is None:
            return None
        if user_id not in self._users:
            self._users[user_id] = self.session.get(User, user_id)
        return self._users[user_id]

    def admins(self, org_id: int) -> list[User]:
        if org_id not in self._admins:
            self._admins[org_id] = list(self.session.scalars(
                select(User).where(User.org_id == org_id, User.role == "admin", User.is_active.is_(True))
                .order_by(User.id)).all())
        return self._admins[org_id]


# ----------------------------------------------------------------------------------------------------
# Recipients

def case_recipients(ctx: PlanContext, case: Case) -> list[User]:
    """The assignee; a case with no (active) assignee: its creator and every admin. One copy each; never
    the client (recipients are staff users only)."""
    assignee = ctx.user(case.assigned_to_id)
    if assignee is not None and assignee.is_active and assignee.org_id == case.org_id:
        return [assignee]
    people: dict[int, User] = {}
    creator = ctx.user(case.created_by_id)
    if creator is not None and creator.is_active and creator.org_id == case.org_id:
        people[creator.id] = creator
    for admin in ctx.admins(case.org_id):
        people.setdefault(admin.id, admin)
    return list(people.values())


# ----------------------------------------------------------------------------------------------------
# Planning

def _new_message_id() -> str:
    domain = load_settings().mail_from.rsplit("@", 1)[-1].strip(" >") or "forestall.localhost"
    return f"<{uuid.uuid4().hex}.notice@{domain}>"


def _insert_ignoring_duplicates(session: Session, model: type, values: dict[str, Any]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: the hook and the scan may plan the same row at once."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    values = {"state": "pending", "attempts": 0, "attempt_at": values["send_at"], "message_id": _new_message_id(),
              "created_at": now, "updated_at": now, **values}
    session.execute(insert(model).values(**values).on_conflict_do_nothing())


def _set_state(session: Session, model: type, row_id: int, new_state: str, from_states: Iterable[str],
               **values: Any) -> bool:
    """Compare-and-set a row's state (never clobbers a worker's claim)."""
    result = session.execute(
        update(model).where(model.id == row_id, model.state.in_(tuple(from_states)))
        .values(state=new_state, updated_at=utcnow(), **values).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _case_is_live(case: Case) -> bool:
    return case.deleted_at is None and case.stage != "closed"


def reminders_wanted(deadline: Deadline, case: Case) -> bool:
    return (_case_is_live(case) and deadline.removed_at is None and deadline.status == "open"
            and deadline.due_on is not None)


def escalation_wanted(deadline: Deadline, case: Case, today: dt.date) -> bool:
    return (_case_is_live(case) and deadline.removed_at is None and deadline.status in ("open", "missed")
            and deadline.binds in ESCALATED_BINDS and deadline.due_on is not None and deadline.due_on < today)


def plan_case(session: Session, case: Case, now: dt.datetime | None = None, ctx: PlanContext | None = None) -> None:
    """(Re)plan every notice of the case: idempotent, and safe to run alongside a worker or another planner."""
    now = now or utcnow()
    ctx = ctx or PlanContext(session, now)
    deadlines = session.scalars(select(Deadline).where(Deadline.case_id == case.id)).all()
    notices_by_deadline: dict[int, list[Notice]] = defaultdict(list)
    for notice in session.execute(select(Notice).where(Notice.case_id == case.id)
                                  .execution_options(populate_existing=True)).scalars():
        notices_by_deadline[notice.deadline_id].append(notice)
    recipients = case_recipients(ctx, case)
    for deadline in deadlines:
        _plan_deadline(ctx, case, deadline, recipients, notices_by_deadline.get(deadline.id, []))
    session.flush()


def _plan_deadline(ctx: PlanContext, case: Case, deadline: Deadline, recipients: list[User],
                   existing: list[Notice]) -> None:
    session, now = ctx.session, ctx.now
    timezone, _ = ctx.org(case.org_id)
    today = ctx.today(case.org_id)
    seq = deadline.sequence
    by_key = {(n.deadline_sequence, n.kind, n.offset_days, n.recipient_user_id): n for n in existing}

    # A moved deadline (new sequence): the old plan's pending rows go; the new plan follows.
    for notice in existing:
        if notice.state == "pending" and notice.deadline_sequence != seq:
            _set_state(session, Notice, notice.id, "cancelled", ("pending",), error="The deadline moved; replanned.")

    # Reminders.
    wanted_reminders = reminders_wanted(deadline, case)
    recipient_ids = {user.id for user in recipients}
    for notice in existing:
        if notice.kind != "reminder" or notice.state != "pending" or notice.deadline_sequence != seq:
            continue
        user = ctx.user(notice.recipient_user_id)
        still = (wanted_reminders and user is not None and user.id in recipient_ids and not ctx.prefs(user).digest_only
                 and notice.offset_days in ctx.prefs(user).offsets_for(deadline.kind))
        if not still:
            _set_state(session, Notice, notice.id, "cancelled", ("pending",), error=_cancel_reason(deadline, case))
    if wanted_reminders:
        for user in recipients:
            prefs = ctx.prefs(user)
            if prefs.digest_only:
                continue
            missed: list[int] = []
            for offset in sorted(set(prefs.offsets_for(deadline.kind)), reverse=True):
                send_at = local_send_at(deadline.due_on - dt.timedelta(days=offset), prefs.local_hour, timezone)
                key = (seq, "reminder", offset, user.id)
                if send_at <= now:
                    missed.append(offset)
                    continue
                _ensure(ctx, case, deadline, key, user, send_at, by_key.get(key))
            if not missed:
                continue
            # Offsets whose time has passed: only the latest one is (still) sent, once; an older pending
            # one is superseded (a scheduler that was down sends one catch-up, not a burst). A deadline
            # already past gets no catch-up at all.
            latest = min(missed)
            for offset in missed:
                key = (seq, "reminder", offset, user.id)
                row = by_key.get(key)
                if offset != latest and row is not None and row.state == "pending":
                    _set_state(session, Notice, row.id, "skipped", ("pending",),
                               error=f"Superseded by the {latest}-day reminder.")
            if deadline.due_on >= today:
                key = (seq, "reminder", latest, user.id)
                already = any(n.state in ("sent", "sending", "pending", "failed") and n.kind == "reminder"
                              and n.recipient_user_id == user.id and n.deadline_sequence == seq
                              and n.offset_days <= latest for n in existing)
                if not already:
                    send_at = local_send_at(deadline.due_on - dt.timedelta(days=latest), prefs.local_hour, timezone)
                    _ensure(ctx, case, deadline, key, user, send_at, by_key.get(key))

    # Escalations: today's only, one per admin; an earlier day's still pending is superseded.
    wanted_escalation = escalation_wanted(deadline, case, today)
    for notice in existing:
        if notice.kind == "escalation" and notice.state == "pending" and notice.deadline_sequence == seq:
            current = wanted_escalation and notice.offset_days == -(today - deadline.due_on).days
            if not current:
                reason = "Superseded by a later escalation." if wanted_escalation else _cancel_reason(deadline, case)
                _set_state(session, Notice, notice.id, "skipped" if wanted_escalation else "cancelled",
                           ("pending",), error=reason)
    if wanted_escalation:
        offset = -(today - deadline.due_on).days
        for admin in ctx.admins(case.org_id):
            key = (seq, "escalation", offset, admin.id)
            _ensure(ctx, case, deadline, key, admin, local_send_at(today, ctx.prefs(admin).local_hour, timezone),
                    by_key.get(key))


def _cancel_reason(deadline: Deadline, case: Case) -> str:
    if case.deleted_at is not None:
        return "The case was deleted."
    if case.stage == "closed":
        return "The case is closed."
    if deadline.removed_at is not None:
        return "The deadline was removed."
    if deadline.status != "open":
        return f"The deadline is {deadline.status}."
    return "No longer planned (recipient or preferences changed)."


def _ensure(ctx: PlanContext, case: Case, deadline: Deadline, key: tuple, user: User, send_at: dt.datetime,
            row: Notice | None) -> None:
    seq, kind, offset, _user_id = key
    if row is None:
        _insert_ignoring_duplicates(ctx.session, Notice, {
            "org_id": case.org_id, "case_id": case.id, "deadline_id": deadline.id, "deadline_sequence": seq,
            "kind": kind, "offset_days": offset, "recipient_user_id": user.id, "recipient": user.email,
            "due_on": deadline.due_on, "send_at": send_at})
    elif row.state == "cancelled":
        # Wanted again (e.g. a status set back to open): the same row, the same Message-ID.
        _set_state(ctx.session, Notice, row.id, "pending", ("cancelled",), send_at=send_at, attempt_at=send_at,
                   error=None, recipient=user.email)
    elif row.state == "pending" and (row.send_at != send_at or row.recipient != user.email) and row.attempts == 0:
        # The hour preference changed: move the row (a retrying row keeps its backoff).
        _set_state(ctx.session, Notice, row.id, "pending", ("pending",), send_at=send_at, attempt_at=send_at,
                   recipient=user.email)


def plan_case_on_change(case: Case, *, session: Session) -> None:
    """Receiver of service.signals.deadlines_changed (connected in service/wiring.py): plans follow deadlines."""
    if case is not None:
        plan_case(session, case)


def plan_cases(session: Session, case_ids: Iterable[int], now: dt.datetime, ctx: PlanContext | None = None) -> int:
    ctx = ctx or PlanContext(session, now)
    count = 0
    for case_id in sorted(set(case_ids)):
        case = session.get(Case, case_id)
        if case is not None:
            plan_case(session, case, now, ctx)
            count += 1
    return count


def plan_changed(session: Session, now: dt.datetime, ctx: PlanContext) -> int:
    """Plan the cases whose deadlines changed since the last scan (the scan does not depend on the
    deadlines_changed signal: a process that never connected it, a receiver that failed, ...).
    Cost: the changes, not all deadlines."""
    wall_clock = utcnow()
    state = session.get(NoticeScanState, 1)
    query = select(Deadline.case_id).distinct()
    if state is not None:
        query = query.where(Deadline.updated_at >= state.planned_through - REPLAN_MARGIN)
    count = plan_cases(session, session.scalars(query).all(), now, ctx)
    if state is None:
        session.add(NoticeScanState(id=1, planned_through=wall_clock))
    else:
        state.planned_through = wall_clock
    return count


def run_daily(session: Session, now: dt.datetime, ctx: PlanContext) -> int:
    """Once per organisation and local date: today's escalations and digests."""
    done = 0
    for org in session.scalars(select(Organization).order_by(Organization.id)).all():
        today = ctx.today(org.id)
        exists = session.scalar(select(NoticeDailyRun.id).where(NoticeDailyRun.org_id == org.id,
                                                                NoticeDailyRun.run_on == today))
        if exists is not None:
            continue
        overdue_cases = session.scalars(
            select(Deadline.case_id).distinct().join(Case, Case.id == Deadline.case_id)
            .where(Deadline.org_id == org.id, Deadline.removed_at.is_(None), Deadline.due_on < today,
                   Deadline.status.in_(("open", "missed")), Deadline.binds.in_(ESCALATED_BINDS),
                   Case.deleted_at.is_(None))).all()
        plan_cases(session, overdue_cases, now, ctx)
        plan_digests(session, org, today, ctx)
        session.add(NoticeDailyRun(org_id=org.id, run_on=today, created_at=utcnow()))
        session.flush()
        done += 1
    return done


def user_case_filter(user: User):
    """The cases that are a user's for reminders and digests: assigned to them, or unassigned and created
    by them (admins: every unassigned case)."""
    unassigned = Case.assigned_to_id.is_(None)
    if user.role == "admin":
        return or_(Case.assigned_to_id == user.id, unassigned)
    return or_(Case.assigned_to_id == user.id, unassigned & (Case.created_by_id == user.id))


def digest_deadlines(session: Session, user: User, today: dt.date, limit: int | None = None) -> list[Deadline]:
    """Deadlines of the user's cases due in the next 14 days, and the overdue ones, overdue first.

    Overdue means past and still to act on: missed (the engine's verdict), or open and binding the
    borrower or the court, or entered by hand. A computed mark of the servicer's or lender's that is simply
    past (the early-intervention day, the 120-day mark) is not the staff's overdue work, and is left out."""
    upcoming = Deadline.status.in_(("open", "missed")) & (Deadline.due_on >= today)
    still_to_act = (Deadline.status == "missed") | ((Deadline.status == "open") & (
        Deadline.is_manual.is_(True) | Deadline.binds.in_(("borrower", "court"))))
    overdue = (Deadline.due_on < today) & still_to_act
    query = (select(Deadline).join(Case, Case.id == Deadline.case_id)
             .where(Deadline.org_id == user.org_id, Deadline.removed_at.is_(None), Case.deleted_at.is_(None),
                    Case.stage != "closed", Deadline.due_on.is_not(None), or_(upcoming, overdue),
                    Deadline.due_on <= today + dt.timedelta(days=DIGEST_DAYS), user_case_filter(user))
             .order_by(Deadline.due_on, Deadline.id))
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query).all())


def plan_digests(session: Session, org: Organization, today: dt.date, ctx: PlanContext) -> int:
    count = 0
    for user in session.scalars(select(User).where(User.org_id == org.id, User.is_active.is_(True))).all():
        prefs = ctx.prefs(user)
        if not prefs.daily_digest or not digest_deadlines(session, user, today, limit=1):
            continue
        _insert_ignoring_duplicates(session, Digest, {
            "org_id": org.id, "user_id": user.id, "recipient": user.email, "digest_on": today,
            "send_at": local_send_at(today, prefs.local_hour, org.timezone)})
        count += 1
    return count


def skip_superseded(session: Session, now: dt.datetime) -> int:
    """Of the due pending notices of one deadline and recipient, only the latest offset is sent."""
    due = session.execute(
        select(Notice.id, Notice.deadline_id, Notice.deadline_sequence, Notice.kind, Notice.recipient_user_id,
               Notice.offset_days)
        .where(Notice.state == "pending", Notice.attempt_at <= now)).all()
    groups: dict[tuple, list] = defaultdict(list)
    for row in due:
        groups[(row.deadline_id, row.deadline_sequence, row.kind, row.recipient_user_id)].append(row)
    skipped = 0
    for rows in groups.values():
        latest = min(r.offset_days for r in rows)
        for row in rows:
            if row.offset_days != latest and _set_state(session, Notice, row.id, "skipped", ("pending",),
                                                        error=f"Superseded by the notice for offset {latest}."):
                skipped += 1
    return skipped


def count_due(session: Session, now: dt.datetime) -> int:
    total = 0
    for model in (Notice, Digest):
        total += session.scalar(select(func.count()).select_from(model).where(
            model.state.in_(("pending", "sending")), model.attempt_at <= now)) or 0
    return total


def scan(session: Session, now: dt.datetime | None = None) -> dict[str, int]:
    """The every-minute job: plan what changed, the day's escalations and digests, drop superseded
    catch-ups; answer how many notices are due (the caller dispatches that many deliveries)."""
    now = now or utcnow()
    ctx = PlanContext(session, now)
    planned = plan_changed(session, now, ctx)
    daily = run_daily(session, now, ctx)
    skipped = skip_superseded(session, now)
    session.commit()
    return {"planned_cases": planned, "daily_runs": daily, "skipped": skipped, "due": count_due(session, now)}


def replan_all(session: Session, now: dt.datetime | None = None) -> int:
    """Every case with deadlines (the daily refresh, and after an organisation's settings change)."""
    now = now or utcnow()
    return plan_cases(session, session.scalars(select(Deadline.case_id).distinct()).all(), now)


# ----------------------------------------------------------------------------------------------------
# Claiming

def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def claim_candidates(session: Session, model: type, now: dt.datetime, limit: int, lock: bool = True) -> list[int]:
    """Due rows: pending and due, or claimed by a worker whose lease ran out. On PostgreSQL the rows are
    locked (SKIP LOCKED: concurrent claimers take different rows) until the claim commits."""
    query = (select(model.id).where(model.state.in_(("pending", "sending")), model.attempt_at <= now)
             .order_by(model.attempt_at, model.id).limit(limit))
    if lock and _is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query).all())


def take_claims(session: Session, model: type, ids: list[int], now: dt.datetime, naive: bool = False) -> list[tuple[int, str]]:
    """Compare-and-set each candidate to `sending` with a lease; commit before any sending. `naive`: the
    negative control of the tests (no condition: two claimers may both win)."""
    token = uuid.uuid4().hex
    won: list[tuple[int, str]] = []
    for row_id in ids:
        condition = [model.id == row_id]
        if not naive:
            condition += [model.state.in_(("pending", "sending")), model.attempt_at <= now]
        result = session.execute(
            update(model).where(*condition)
            .values(state="sending", claim_token=token, attempt_at=now + LEASE, attempts=model.attempts + 1,
                    updated_at=utcnow())
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            won.append((row_id, token))
    session.commit()
    return won


def claim(session: Session, model: type, now: dt.datetime, limit: int = CLAIM_BATCH) -> list[tuple[int, str]]:
    return take_claims(session, model, claim_candidates(session, model, now, limit), now)


# ----------------------------------------------------------------------------------------------------
# Sending

def backoff(attempts: int) -> dt.timedelta:
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def _finish(session: Session, model: type, row_id: int, token: str, **values: Any) -> None:
    session.execute(update(model).where(model.id == row_id, model.claim_token == token)
                    .values(updated_at=utcnow(), **values).execution_options(synchronize_session=False))
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
        return "cancelled", _cancel_reason(deadline, case)
    if notice.kind == "escalation" and not (_case_is_live(case) and deadline.removed_at is None
                                            and deadline.status in ("open", "missed")):
        return "cancelled", _cancel_reason(deadline, case)
    later = session.scalar(select(Notice.id).where(
        Notice.deadline_id == notice.deadline_id, Notice.deadline_sequence == notice.deadline_sequence,
        Notice.kind == notice.kind, Notice.recipient_user_id == notice.recipient_user_id,
        Notice.offset_days < notice.offset_days, Notice.send_at <= now,
        Notice.state.in_(("pending", "sending", "sent"))).limit(1))
    if later is not None:
        return "skipped", "Superseded by a later notice."
    return None


def deliver_one(session: Session, model: type, row_id: int, token: str, now: dt.datetime, mailer) -> str:  # noqa: ANN001
    from service.notices import mail

    row = session.get(model, row_id, populate_existing=True)
    if row is None or row.claim_token != token or row.state != "sending":
        session.commit()
        return "lost"
    if model is Notice:
        verdict = _why_not_send(session, row, now)
        if verdict is not None:
            _finish(session, model, row_id, token, state=verdict[0], error=verdict[1], claim_token=None)
            return verdict[0]
        message = mail.reminder_message(session, row, now)
    else:
        message = mail.digest_message(session, row)
        if message is None:
            _finish(session, model, row_id, token, state="skipped", error="Nothing due in the next 14 days.",
                    claim_token=None)
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
        _finish(session, model, row_id, token, state="pending", error=text, claim_token=None,
                attempt_at=max(now, utcnow()) + backoff(attempts))
        return "retry"
    _finish(session, model, row_id, token, state="sent", sent_at=utcnow(), error=None, claim_token=None)
    return "sent"


def deliver_due(make_session: Callable[[], Session], now: dt.datetime | None = None, *, max_rows: int = 1000,
                time_budget: float = 50.0, mailer=None) -> Counter:  # noqa: ANN001
    """Claim and send due notices and digests until none is due (or the budget is spent)."""
    from service.notices import mail

    started = time.monotonic()
    results: Counter = Counter()
    own_mailer = mailer is None
    mailer = mailer or mail.Mailer(load_settings())
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
                    results[deliver_one(session, model, row_id, token, moment, mailer)] += 1
    finally:
        if own_mailer:
            mailer.close()
    return results


# ----------------------------------------------------------------------------------------------------
# The API's reads and writes

def case_notices(session: Session, case: Case, page: int, per_page: int, state: str | None = None):
    query = select(Notice).where(Notice.case_id == case.id, Notice.org_id == case.org_id)
    if state:
        query = query.where(Notice.state == state)
    return paginate(session, query.order_by(Notice.send_at, Notice.id), page, per_page)


PREFERENCE_FIELDS = ("grave_offsets", "informational_offsets", "local_hour")


def _clean_offsets(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(data)
    for name in ("grave_offsets", "informational_offsets"):
        if cleaned.get(name) is not None:
            cleaned[name] = sorted(set(cleaned[name]), reverse=True)
    return cleaned


def my_preferences(session: Session, caller: Caller) -> dict[str, Any]:
    own = user_preference(session, caller.user_id)
    org = org_defaults(org_settings(session, caller.org_id))
    effective = effective_preferences(org, own)
    return {"own": {**{name: getattr(own, name, None) for name in PREFERENCE_FIELDS},
                    "daily_digest": own.daily_digest if own else True,
                    "digest_only": own.digest_only if own else False},
            "effective": effective.as_dict(), "timezone": session.get(Organization, caller.org_id).timezone}


def set_my_preferences(session: Session, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
    data = _clean_offsets(data)
    own = user_preference(session, caller.user_id)
    before = my_preferences(session, caller)["own"]
    if own is None:
        own = UserNotificationPreference(org_id=caller.org_id, user_id=caller.user_id)
        session.add(own)
    for name in PREFERENCE_FIELDS:
        setattr(own, name, data.get(name))
    own.daily_digest = data.get("daily_digest", True)
    own.digest_only = data.get("digest_only", False)
    session.flush()
    audit.record(session, caller, "update", "notification_preferences", own.id, org_id=caller.org_id, case_id=None,
                 before=before, after=my_preferences(session, caller)["own"])
    user = session.get(User, caller.user_id)
    plan_cases(session, session.scalars(select(Case.id).where(Case.org_id == caller.org_id,
                                                              Case.deleted_at.is_(None), user_case_filter(user))).all(),
               utcnow())
    return my_preferences(session, caller)


def organisation_preferences(session: Session, caller: Caller) -> dict[str, Any]:
    settings = org_settings(session, caller.org_id)
    defaults = org_defaults(settings)
    return {"own": {name: getattr(settings, name, None) for name in PREFERENCE_FIELDS},
            "effective": {name: getattr(defaults, name) if name == "local_hour" else list(getattr(defaults, name))
                          for name in PREFERENCE_FIELDS},
            "timezone": session.get(Organization, caller.org_id).timezone}


def set_organisation_preferences(session: Session, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
    if caller.role != "admin":
        raise Problem(403, "Only an admin may change the organisation's notification settings.")
    data = _clean_offsets(data)
    settings = org_settings(session, caller.org_id)
    before = organisation_preferences(session, caller)["own"]
    if settings is None:
        settings = OrgNotificationSettings(org_id=caller.org_id)
        session.add(settings)
    for name in PREFERENCE_FIELDS:
        setattr(settings, name, data.get(name))
    session.flush()
    audit.record(session, caller, "update", "org_notification_settings", settings.id, org_id=caller.org_id,
                 case_id=None, before=before, after=organisation_preferences(session, caller)["own"])
    plan_cases(session, session.scalars(select(Case.id).where(Case.org_id == caller.org_id,
                                                              Case.deleted_at.is_(None))).all(), utcnow())
    return organisation_preferences(session, caller)

