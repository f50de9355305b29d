"""SQLAlchemy models, one module per domain. Importing this package registers them all (Alembic and the
schema-drift test see every table)."""

import importlib
import pkgutil

from models.base import Base
from models.orgs import ApiToken, Organization, User, ROLES
from models.cases import Borrower, Case, CaseEvent
from models.audit import AuditEntry
from models.deadlines import Deadline

for _info in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_info.name}")

__all__ = [
    "Base",
    "ApiToken",
    "Organization",
    "User",
    "ROLES",
    "Borrower",
    "Case",
    "CaseEvent",
    "AuditEntry",
    "Deadline",
]
