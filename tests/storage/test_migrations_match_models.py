"""The migrations build exactly the schema the models describe, on both engines."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.tables import Base


async def test_migrated_schema_matches_the_models(engine):  # type: ignore[no-untyped-def]
    def differences(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as connection:
        found = await connection.run_sync(differences)
    assert found == []


async def test_open_load_reads_only_the_index_on_sqlite(engine, database_url):  # type: ignore[no-untyped-def]
    """Routing counts open requests per person on every submit: that must not read the table."""
    if not database_url.startswith("sqlite"):
        return
    from sqlalchemy import text

    query = ("EXPLAIN QUERY PLAN SELECT assignee_id, count(*) FROM requests WHERE state IN ('assigned', 'accepted')"
             " AND assignee_id IS NOT NULL GROUP BY assignee_id")
    async with engine.connect() as connection:
        plan = " ".join(str(row[-1]) for row in (await connection.execute(text(query))).all())
    assert "COVERING INDEX ix_requests_state_assignee" in plan
