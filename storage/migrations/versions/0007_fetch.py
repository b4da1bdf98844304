"""Uploads counted per participant, so the daily upload limit holds across restarts and instances.

Revision ID: 0007_fetch
Revises: 0007_erasure
Create Date: 2026-12-09
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_fetch"
down_revision = "0007_erasure"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "uploads",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("participants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_uploads_owner_received", "uploads", ["owner_id", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_uploads_owner_received", "uploads")
    op.drop_table("uploads")
