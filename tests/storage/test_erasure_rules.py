"""Every table and every column that can hold personal data has a declared AVG erasure rule."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, Text

from storage.erasure_rules import ERASURE_RULES, Kind, columns_needing_rules
from storage.tables import Base

HOW_TO_FIX = """\
Every column of storage/tables.py that holds text, JSON or bytes, points at another row or is named *_id
needs a rule saying what `verwijder mijn gegevens` (AVG erasure) does with it. Add to ERASURE_RULES in
storage/erasure_rules.py (and make PrivacyService.erase, bot/domain/services/privacy.py, do what it says):

{snippets}
Pick one: deleted("how the person's rows are found"), redacted("what replaces their part"),
kept("why it stays and who manages it"), not_personal("why it holds nobody's personal data")."""


def missing_rules(metadata: MetaData) -> list[tuple[str, str | None]]:
    """(table, column) without a rule; column None for a table that is not in the registry at all."""
    missing: list[tuple[str, str | None]] = [(t.name, None) for t in metadata.sorted_tables
                                             if t.name not in ERASURE_RULES]
    missing += [(table, column) for table, column in columns_needing_rules(metadata)
                if column not in ERASURE_RULES.get(table, {})]
    return missing


def explain(missing: list[tuple[str, str | None]]) -> str:
    snippets = []
    for table, column in missing:
        if column is None:
            snippets.append(f'    "{table}": {{...one entry per column below...}},  # new table\n')
        else:
            snippets.append(f'    "{table}": {{..., "{column}": deleted("...") / redacted("...") / kept("...") '
                            f'/ not_personal("..."),}},\n')
    return HOW_TO_FIX.format(snippets="".join(snippets))


def test_every_column_that_can_hold_personal_data_has_an_erasure_rule():
    missing = missing_rules(Base.metadata)
    assert not missing, explain(missing)


def test_no_rule_names_a_column_that_does_not_exist():
    tables = {t.name: t for t in Base.metadata.sorted_tables}
    stale = [f"{table}.{column}" for table, rules in ERASURE_RULES.items() for column in rules
             if table not in tables or column not in tables[table].columns]
    assert not stale, f"storage/erasure_rules.py has rules for columns that are gone: {stale}; remove them"


def test_every_rule_gives_its_reason():
    for table, rules in ERASURE_RULES.items():
        for column, rule in rules.items():
            assert rule.kind in Kind and len(rule.why.strip()) >= 10, f"{table}.{column}: say why"


def test_a_new_column_or_table_without_a_rule_fails_and_says_what_to_add():
    """What another engineer sees when they add a column with a person's data and no rule."""
    metadata = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    metadata.tables["outbox"].append_column(Column("reason", Text()))
    Table("badges", metadata, Column("id", Integer, primary_key=True),
          Column("holder", ForeignKey("participants.id")), Column("title", String(50)))

    missing = missing_rules(metadata)

    assert set(missing) == {("outbox", "reason"), ("badges", None), ("badges", "holder"), ("badges", "title")}
    message = explain(missing)
    assert '"outbox": {..., "reason": deleted("...")' in message
    assert "storage/erasure_rules.py" in message and "PrivacyService.erase" in message
