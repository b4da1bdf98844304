"""Outbox rows say whom they are about, so an AVG erasure finds messages for others that carry the person.

A review card for the coordinator, an introduction for an expert and a follow-up all name the
asker; ``about_id`` points at that participant. Deleting the participant deletes the rows (the
foreign key cascades), and the erasure itself cancels or replaces them first (``bot.domain.services.privacy``).

Revision ID: 0007_erasure
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_erasure"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite cannot add a foreign key to an existing table in place.
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("about_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_outbox_about_id_participants", "participants", ["about_id"], ["id"],
                                 ondelete="CASCADE")
        batch.create_index("ix_outbox_about_id", ["about_id"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_about_id")
        batch.drop_constraint("fk_outbox_about_id_participants", type_="foreignkey")
        batch.drop_column("about_id")
