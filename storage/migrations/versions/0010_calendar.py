"""Calendars: a SEQUENCE per deadline and session, and each participant's feed secret.

``schedule_items.sequence`` starts at 0 for the items there are; ``calendar_feeds`` holds one
row per participant who asked for a feed link (``agenda``), deleted with the participant.

Revision ID: 0010_calendar
Revises: 0009_library
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_calendar"
down_revision = "0009_library"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedule_items") as batch:
        batch.add_column(sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "calendar_feeds",
        sa.Column("participant_id", sa.Integer(), sa.ForeignKey("participants.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("calendar_feeds")
    with op.batch_alter_table("schedule_items") as batch:
        batch.drop_column("sequence")
