"""Indexes for the coordinator's overview: the request list newest first, whole or by state.

The overview pages requests by ``created_at`` (newest first), optionally filtered by state; with
10,000 requests every page otherwise sorted the whole table (``bench/dashboard.py``).

Revision ID: 0011_overview
Revises: 0010_calendar
Create Date: 2026-12-02
"""

from alembic import op

revision = "0011_overview"
down_revision = "0010_calendar"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_requests_created", "requests", ["created_at", "id"])
    op.create_index("ix_requests_state_created", "requests", ["state", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_requests_state_created", table_name="requests")
    op.drop_index("ix_requests_created", table_name="requests")
