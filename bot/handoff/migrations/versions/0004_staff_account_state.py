"""Staff accounts that can be disabled, and when each last signed in.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("staff_users", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("staff_users", sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:  # SQLite drops columns by copying the table
        batch.drop_column("last_sign_in_at")
        batch.drop_column("disabled_at")
