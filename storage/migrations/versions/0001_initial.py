"""Initial schema: programme, people, participants, bot state.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "programme",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("expertise", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_people_email", "people", ["email"])
    op.create_table(
        "participants",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("teams_id", sa.String(200), nullable=False, unique=True),
        sa.Column("tenant_id", sa.String(64), nullable=True),
        sa.Column("aad_object_id", sa.String(64), nullable=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("locale", sa.String(20), nullable=True),
        sa.Column(
            "person_id", sa.String(64), sa.ForeignKey("people.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("service_url", sa.String(500), nullable=True),
        sa.Column("conversation_id", sa.String(300), nullable=True),
        sa.Column("conversation_reference", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_participants_aad_object_id", "participants", ["aad_object_id"])
    op.create_index("ix_participants_email", "participants", ["email"])
    op.create_index("ix_participants_person_id", "participants", ["person_id"])
    op.create_table(
        "once_keys",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "bot_state",
        sa.Column("key", sa.String(500), primary_key=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("e_tag", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("bot_state")
    op.drop_table("once_keys")
    op.drop_table("participants")
    op.drop_table("people")
    op.drop_table("programme")
