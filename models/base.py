"""Declarative base, constraint naming, and the mixins every domain model shares."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, MetaData, Numeric, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")


def wall_clock() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# The one reading of "now" for the whole application (utcnow, and through it rulebook.local_today). A
# seam: the tests replace it to pin the time (tests/conftest.py, frozen_now).
clock = wall_clock


def utcnow() -> dt.datetime:
    return clock()


class UTCDateTime(TypeDecorator):
    """Always timezone-aware UTC, also on SQLite (which forgets the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def Money() -> Numeric:  # noqa: N802 - reads like a type
    """Money: exact decimal with cents, never float."""
    return Numeric(12, 2, asdecimal=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime(), Decimal: Numeric(12, 2), dict[str, Any]: JSONType}


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)


class OrgScopedMixin:
    """Rows that belong to one organisation; every query filters on org_id (each service's
    get_* and list functions do, e.g. service/cases/service.py: get_case)."""

    @declared_attr
    def org_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(Integer, ForeignKey("organizations.id"), nullable=False, index=True)
