"""The library a participant outside the directory works for, and how often the bot asked.

Overviews and exports name such a participant "Name (Library)" instead of an internal number.
Existing participants start unasked: they are asked at their next message.

Revision ID: 0009_library
Revises: 0008_storage
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_library"
down_revision = "0008_storage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("participants", sa.Column("library", sa.String(200), nullable=True))
    op.add_column("participants", sa.Column("library_asked", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("library_asked")
        batch.drop_column("library")
