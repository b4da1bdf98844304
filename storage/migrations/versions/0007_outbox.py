"""The shared send budget: the app's global send rate holds across dispatchers and restarts.

Each dispatcher reserves the moment of its next send from the one row here (an upsert that
returns the moment), so two instances on one PostgreSQL, or a process restarted right after a
crash on SQLite, together stay within GLOBAL_SEND_RATE (see docs/delivery.md).

Revision ID: 0007_outbox
Revises: 0007_identity
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_outbox"
down_revision = "0007_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "send_budget",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("next_at", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("send_budget")
