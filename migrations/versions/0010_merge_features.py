"""merge the feature branches (case facts of the clock, counseling records, parties and intake,
web accounts) into one history

Revision ID: 0010
Revises: 0008c, 0008f, 0008i, 0008w, 0009a
Create Date: 2026-11-27
"""
revision = "0010"
down_revision = ("0008c", "0008f", "0008i", "0008w", "0009a")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
