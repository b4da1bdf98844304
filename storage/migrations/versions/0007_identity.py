"""Identity by verified identifiers only: directory object ids, reported UPNs, link methods, proposals.

Earlier versions linked a Teams account to a directory person by display name alone. Such links
gave rights (an expert's introductions, the coordinator's cards) to whoever chose that name.
This migration keeps a link only where the account's Teams-reported e-mail equals the person's
directory e-mail (recorded as ``email``); every other link is undone and becomes a pending
proposal in ``link_proposals`` for the coordinator to confirm (command ``koppelingen``), when
the person still has no e-mail. Nobody keeps rights on a name until the coordinator says so.

Revision ID: 0007_identity
Revises: 0007_authz
Create Date: 2026-12-10
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007_identity"
down_revision = "0007_authz"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("people", sa.Column("aad_object_id", sa.String(64), nullable=True))
    op.create_index("ix_people_aad_object_id", "people", ["aad_object_id"])
    op.add_column("participants", sa.Column("upn", sa.String(320), nullable=True))
    op.add_column("participants", sa.Column("link_method", sa.String(20), nullable=True))
    op.create_table(
        "link_proposals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("participant_id", sa.Integer(), sa.ForeignKey("participants.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("person_id", sa.String(64), sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
        sa.Column("teams_name", sa.String(200), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), sa.ForeignKey("participants.id", ondelete="SET NULL"),
                  nullable=True),
        sa.UniqueConstraint("participant_id", "person_id", name="uq_link_proposals_pair"),
    )
    op.create_index("ix_link_proposals_person_id", "link_proposals", ["person_id"])
    op.create_index("ix_link_proposals_state", "link_proposals", ["state"])
    _demote_name_links()


def _demote_name_links() -> None:
    # Plain SQL that SQLite and PostgreSQL both run. Same e-mail: a verified link, kept.
    op.execute(sa.text(
        "UPDATE participants SET link_method = 'email' WHERE person_id IS NOT NULL AND email IS NOT NULL"
        " AND EXISTS (SELECT 1 FROM people WHERE people.id = participants.person_id"
        " AND people.email IS NOT NULL AND lower(people.email) = lower(participants.email))"))
    # Anything else was a name match: a proposal (for people who still have no e-mail), then unlinked.
    op.get_bind().execute(sa.text(
        "INSERT INTO link_proposals (participant_id, person_id, teams_name, state, created_at)"
        " SELECT participants.id, participants.person_id, COALESCE(participants.name, ''), 'pending', :now"
        " FROM participants JOIN people ON people.id = participants.person_id"
        " WHERE participants.link_method IS NULL AND people.email IS NULL"), {"now": datetime.now(UTC)})
    op.execute(sa.text("UPDATE participants SET person_id = NULL WHERE person_id IS NOT NULL"
                       " AND link_method IS NULL"))


def downgrade() -> None:
    # Links demoted by the upgrade stay undone: restoring name links would restore the fault.
    op.drop_index("ix_link_proposals_state", "link_proposals")
    op.drop_index("ix_link_proposals_person_id", "link_proposals")
    op.drop_table("link_proposals")
    op.drop_column("participants", "link_method")
    op.drop_column("participants", "upn")
    op.drop_index("ix_people_aad_object_id", "people")
    op.drop_column("people", "aad_object_id")
