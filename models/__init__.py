"""SQLAlchemy models, one module per domain. Importing this package registers them all."""
from models.base import Base
from models.orgs import ApiToken, Organization, User, ROLES
from models.cases import Borrower, Case, CaseEvent
from models.audit import AuditEntry
from models.deadlines import Deadline

__all__ = ["Base", "ApiToken", "Organization", "User", "ROLES", "Borrower", "Case", "CaseEvent", "AuditEntry", "Deadline"]
