"""Tickets replayed from the local spool carry its entry's id, unique so a replay is never doubled.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("spool_id", sa.String(length=64), nullable=True))
    op.create_index("ix_tickets_spool_id", "tickets", ["spool_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_tickets_spool_id", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("spool_id")
