"""Claiming a row with a lease: the one compare-and-set the outboxes share (reminder notices and digests in
service/notices/outbox.py, reports in service/reports/service.py).

The row is the truth. A worker claims it with one UPDATE ... WHERE id = ? AND <still claimable>, whose row
count says whether the claim was won, and commits the claim before the slow work (SMTP, rendering); no row
lock is held across that work. A worker that dies leaves its lease to run out; the next claimer takes the
row again. Finishing is a compare-and-set too, so a slower, superseded worker writes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import Session


def compare_and_set(
    session: Session, model: type, row_id: int, *conditions: ColumnElement[bool], **values: Any
) -> bool:
    """UPDATE the row with `values` only if every condition still holds; True when it did."""
    result = session.execute(
        update(model)
        .where(model.id == row_id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def take_lease(
    session: Session,
    model: type,
    row_id: int,
    *claimable: ColumnElement[bool],
    lease_column: str,
    until: dt.datetime,
    **values: Any,
) -> bool:
    """Claim the row if it is still claimable: one more attempt, leased until `until` (the caller commits
    the claim before it starts the work). True when this caller won it."""
    return compare_and_set(
        session, model, row_id, *claimable, attempts=model.attempts + 1, **{lease_column: until}, **values
    )
