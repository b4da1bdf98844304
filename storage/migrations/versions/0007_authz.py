"""Random public references for requests and documents: what cards carry instead of the id.

Ids are sequential, so a card that names a request by its id lets anyone try the next one.
Cards now carry a 128-bit URL-safe reference; existing rows get one here (cards already sent
with the old ids stop working, which is the point: they named rows by a guessable number).

Revision ID: 0007_authz
Revises: 0007_fetch
Create Date: 2026-12-10
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0007_authz"
down_revision = "0007_fetch"
branch_labels = None
depends_on = None

TABLES = ("requests", "documents")


def upgrade() -> None:
    connection = op.get_bind()
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("public_ref", sa.String(32), nullable=True))
        rows = sa.table(table, sa.column("id", sa.Integer()), sa.column("public_ref", sa.String(32)))
        ids = [row.id for row in connection.execute(sa.select(rows.c.id))]
        for row_id in ids:
            connection.execute(sa.update(rows).where(rows.c.id == row_id)
                               .values(public_ref=secrets.token_urlsafe(16)))
        with op.batch_alter_table(table) as batch:
            batch.alter_column("public_ref", existing_type=sa.String(32), nullable=False)
            batch.create_unique_constraint(f"uq_{table}_public_ref", ["public_ref"])


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"uq_{table}_public_ref", type_="unique")
            batch.drop_column("public_ref")
