"""merge the branches after 0010 (saved import mappings, the client's own messages, blob storage for
attachments, row-level security, scheduler runs) into one history

Revision ID: 0012
Revises: 0011b, 0011c, 0011d, 0011e, 0011h
Create Date: 2026-11-27
"""
revision = "0012"
down_revision = ("0011b", "0011c", "0011d", "0011e", "0011h")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
