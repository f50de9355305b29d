"""Planning reminder notices, escalations and digests: which e-mails, to whom, when.

The plan is rows in `notices` (unique key: deadline, its sequence, kind, offset, recipient), written on the
deadlines_changed signal (service/signals.py, connected in service/wiring.py) and again by the every-minute
scan, idempotently (INSERT ... ON CONFLICT DO NOTHING): planning twice changes nothing. A pending row is
moved or cancelled with a compare-and-set on its state, so a planner never clobbers a worker's claim."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models import Case, Deadline, Organization, User
from models.base import utcnow
from models.notices import Digest, Notice, NoticeDailyRun, NoticeScanState
from service.config import Settings
from service.leases import compare_and_set
from service.notices.preferences import (
    Preferences,
    effective_preferences,
    local_send_at,
    org_defaults,
    org_settings,
    user_preference,
)
from service.notices.queries import digest_deadlines
from service.notices.rules_review import is_review_day, stale_rules
from service.permissions import is_org_admin
from service.rulebook import local_today

# Escalations: daily to the admins, for past deadlines that bind the borrower or the court.
ESCALATED_BINDS = ("borrower", "court")
REPLAN_MARGIN = dt.timedelta(minutes=10)  # a transaction committed late is still seen by the next scans


class PlanContext:
    """Per-scan caches: organisations' time zones and settings, users' preferences, admins."""

    def __init__(self, session: Session, now: dt.datetime, settings: Settings):
        self.session = session
        self.now = now
        self.settings = settings
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
        return local_today(self.org(org_id)[0], self.now)

    def prefs(self, user: User) -> Preferences:
        if user.id not in self._prefs:
            self._prefs[user.id] = effective_preferences(
                self.org(user.org_id)[1], user_preference(self.session, user.id)
            )
        return self._prefs[user.id]

    def user(self, user_id: int | None) -> User | None:
        if user_id is None:
            return None
        if user_id not in self._users:
            self._users[user_id] = self.session.get(User, user_id)
        return self._users[user_id]

    def admins(self, org_id: int) -> list[User]:
        if org_id not in self._admins:
            self._admins[org_id] = list(
                self.session.scalars(
                    select(User)
                    .where(User.org_id == org_id, User.role == "admin", User.is_active.is_(True))
                    .order_by(User.id)
                ).all()
            )
        return self._admins[org_id]


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


def _new_message_id(domain: str) -> str:
    return f"<{uuid.uuid4().hex}.notice@{domain}>"


def _insert_ignoring_duplicates(ctx: PlanContext, model: type, rows: list[dict[str, Any]]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: the hook and the scan may plan the same row at once. All the rows
    in one statement (a case's new notices together: one round trip, not one per notice)."""
    if not rows:
        return
    insert = postgresql_insert if ctx.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    values = [
        {
            "state": "pending",
            "attempts": 0,
            "attempt_at": row["send_at"],
            "message_id": _new_message_id(ctx.settings.mail_domain),
            "created_at": now,
            "updated_at": now,
            **row,
        }
        for row in rows
    ]
    ctx.session.execute(insert(model).on_conflict_do_nothing(), values)


def _set_state(
    session: Session, model: type, row_id: int, new_state: str, from_states: Iterable[str], **values: Any
) -> bool:
    """Compare-and-set a row's state (never clobbers a worker's claim)."""
    return compare_and_set(
        session, model, row_id, model.state.in_(tuple(from_states)), state=new_state, updated_at=utcnow(), **values
    )


def case_is_live(case: Case) -> bool:
    return case.deleted_at is None and case.stage != "closed"


def reminders_wanted(deadline: Deadline, case: Case) -> bool:
    return (
        case_is_live(case) and deadline.removed_at is None and deadline.status == "open" and deadline.due_on is not None
    )


def escalation_wanted(deadline: Deadline, case: Case, today: dt.date) -> bool:
    return (
        case_is_live(case)
        and deadline.removed_at is None
        and deadline.status in ("open", "missed")
        and deadline.binds in ESCALATED_BINDS
        and deadline.due_on is not None
        and deadline.due_on < today
    )


def plan_case(
    session: Session, case: Case, settings: Settings, now: dt.datetime | None = None, ctx: PlanContext | None = None
) -> None:
    """(Re)plan every notice of the case: idempotent, and safe to run alongside a worker or another planner."""
    now = now or utcnow()
    ctx = ctx or PlanContext(session, now, settings)
    deadlines = session.scalars(select(Deadline).where(Deadline.case_id == case.id)).all()
    notices_by_deadline: dict[int, list[Notice]] = defaultdict(list)
    for notice in session.execute(
        select(Notice).where(Notice.case_id == case.id).execution_options(populate_existing=True)
    ).scalars():
        notices_by_deadline[notice.deadline_id].append(notice)
    recipients = case_recipients(ctx, case)
    new_notices: list[dict[str, Any]] = []
    for deadline in deadlines:
        _plan_deadline(ctx, case, deadline, recipients, notices_by_deadline.get(deadline.id, []), new_notices)
    _insert_ignoring_duplicates(ctx, Notice, new_notices)
    session.flush()


def _plan_deadline(
    ctx: PlanContext,
    case: Case,
    deadline: Deadline,
    recipients: list[User],
    existing: list[Notice],
    new_notices: list[dict[str, Any]],
) -> None:
    """Cancel, move or revive the deadline's notices; the ones to create go into new_notices."""
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
        still = (
            wanted_reminders
            and user is not None
            and user.id in recipient_ids
            and not ctx.prefs(user).digest_only
            and notice.offset_days in ctx.prefs(user).offsets_for(deadline.kind)
        )
        if not still:
            _set_state(session, Notice, notice.id, "cancelled", ("pending",), error=cancel_reason(deadline, case))
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
                _ensure(ctx, case, deadline, key, user, send_at, by_key.get(key), new_notices)
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
                    _set_state(
                        session,
                        Notice,
                        row.id,
                        "skipped",
                        ("pending",),
                        error=f"Superseded by the {latest}-day reminder.",
                    )
            if deadline.due_on >= today:
                key = (seq, "reminder", latest, user.id)
                already = any(
                    n.state in ("sent", "sending", "pending", "failed")
                    and n.kind == "reminder"
                    and n.recipient_user_id == user.id
                    and n.deadline_sequence == seq
                    and n.offset_days <= latest
                    for n in existing
                )
                if not already:
                    send_at = local_send_at(deadline.due_on - dt.timedelta(days=latest), prefs.local_hour, timezone)
                    _ensure(ctx, case, deadline, key, user, send_at, by_key.get(key), new_notices)

    # Escalations: today's only, one per admin; an earlier day's still pending is superseded.
    wanted_escalation = escalation_wanted(deadline, case, today)
    for notice in existing:
        if notice.kind == "escalation" and notice.state == "pending" and notice.deadline_sequence == seq:
            current = wanted_escalation and notice.offset_days == -(today - deadline.due_on).days
            if not current:
                reason = "Superseded by a later escalation." if wanted_escalation else cancel_reason(deadline, case)
                _set_state(
                    session,
                    Notice,
                    notice.id,
                    "skipped" if wanted_escalation else "cancelled",
                    ("pending",),
                    error=reason,
                )
    if wanted_escalation:
        offset = -(today - deadline.due_on).days
        for admin in ctx.admins(case.org_id):
            key = (seq, "escalation", offset, admin.id)
            _ensure(
                ctx,
                case,
                deadline,
                key,
                admin,
                local_send_at(today, ctx.prefs(admin).local_hour, timezone),
                by_key.get(key),
                new_notices,
            )


def cancel_reason(deadline: Deadline, case: Case) -> str:
    if case.deleted_at is not None:
        return "The case was deleted."
    if case.stage == "closed":
        return "The case is closed."
    if deadline.removed_at is not None:
        return "The deadline was removed."
    if deadline.status != "open":
        return f"The deadline is {deadline.status}."
    return "No longer planned (recipient or preferences changed)."


def _ensure(
    ctx: PlanContext,
    case: Case,
    deadline: Deadline,
    key: tuple,
    user: User,
    send_at: dt.datetime,
    row: Notice | None,
    new_notices: list[dict[str, Any]],
) -> None:
    seq, kind, offset, _user_id = key
    if row is None:
        new_notices.append(
            {
                "org_id": case.org_id,
                "case_id": case.id,
                "deadline_id": deadline.id,
                "deadline_sequence": seq,
                "kind": kind,
                "offset_days": offset,
                "recipient_user_id": user.id,
                "recipient": user.email,
                "due_on": deadline.due_on,
                "send_at": send_at,
            }
        )
    elif row.state == "cancelled":
        # Wanted again (e.g. a status set back to open): the same row, the same Message-ID.
        _set_state(
            ctx.session,
            Notice,
            row.id,
            "pending",
            ("cancelled",),
            send_at=send_at,
            attempt_at=send_at,
            error=None,
            recipient=user.email,
        )
    elif row.state == "pending" and (row.send_at != send_at or row.recipient != user.email) and row.attempts == 0:
        # The hour preference changed: move the row (a retrying row keeps its backoff).
        _set_state(
            ctx.session,
            Notice,
            row.id,
            "pending",
            ("pending",),
            send_at=send_at,
            attempt_at=send_at,
            recipient=user.email,
        )


def plan_case_on_change(case: Case, *, session: Session, settings: Settings) -> None:
    """Receiver of service.signals.deadlines_changed (connected in service/wiring.py): plans follow deadlines."""
    if case is not None:
        plan_case(session, case, settings)


def plan_cases(session: Session, case_ids: Iterable[int], ctx: PlanContext) -> int:
    count = 0
    for case_id in sorted(set(case_ids)):
        case = session.get(Case, case_id)
        if case is not None:
            plan_case(session, case, ctx.settings, ctx.now, ctx)
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
    count = plan_cases(session, session.scalars(query).all(), ctx)
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
        exists = session.scalar(
            select(NoticeDailyRun.id).where(NoticeDailyRun.org_id == org.id, NoticeDailyRun.run_on == today)
        )
        if exists is not None:
            continue
        overdue_cases = session.scalars(
            select(Deadline.case_id)
            .distinct()
            .join(Case, Case.id == Deadline.case_id)
            .where(
                Deadline.org_id == org.id,
                Deadline.removed_at.is_(None),
                Deadline.due_on < today,
                Deadline.status.in_(("open", "missed")),
                Deadline.binds.in_(ESCALATED_BINDS),
                Case.deleted_at.is_(None),
            )
        ).all()
        plan_cases(session, overdue_cases, ctx)
        plan_digests(session, org, today, ctx)
        session.add(NoticeDailyRun(org_id=org.id, run_on=today, created_at=utcnow()))
        session.flush()
        done += 1
    return done


def plan_digests(session: Session, org: Organization, today: dt.date, ctx: PlanContext) -> int:
    count = 0
    # The weekly rules review rides on the admins' digest of the review day (service/notices/rules_review.py).
    review = is_review_day(today) and bool(stale_rules(session, org.id, today))
    for user in session.scalars(select(User).where(User.org_id == org.id, User.is_active.is_(True))).all():
        prefs = ctx.prefs(user)
        wanted = prefs.daily_digest and digest_deadlines(session, user, today, limit=1)
        if not wanted and not (review and is_org_admin(user)):
            continue
        _insert_ignoring_duplicates(
            ctx,
            Digest,
            [
                {
                    "org_id": org.id,
                    "user_id": user.id,
                    "recipient": user.email,
                    "digest_on": today,
                    "send_at": local_send_at(today, prefs.local_hour, org.timezone),
                }
            ],
        )
        count += 1
    return count


def skip_superseded(session: Session, now: dt.datetime) -> int:
    """Of the due pending notices of one deadline and recipient, only the latest offset is sent."""
    due = session.execute(
        select(
            Notice.id,
            Notice.deadline_id,
            Notice.deadline_sequence,
            Notice.kind,
            Notice.recipient_user_id,
            Notice.offset_days,
        ).where(Notice.state == "pending", Notice.attempt_at <= now)
    ).all()
    groups: dict[tuple, list] = defaultdict(list)
    for row in due:
        groups[(row.deadline_id, row.deadline_sequence, row.kind, row.recipient_user_id)].append(row)
    skipped = 0
    for rows in groups.values():
        latest = min(r.offset_days for r in rows)
        for row in rows:
            if row.offset_days != latest and _set_state(
                session, Notice, row.id, "skipped", ("pending",), error=f"Superseded by the notice for offset {latest}."
            ):
                skipped += 1
    return skipped
