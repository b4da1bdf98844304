"""Linking rules where storage matters: the 0007 migration's demotion, tenants, the directory field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, text

from bot.directory_file import load_directory_file, parse_directory_text
from bot.domain.errors import DirectoryFileError
from bot.domain.models import ParticipantSeen
from bot.domain.services.directory_import import import_directory
from bot.domain.services.participants import ParticipantService
from storage.db import create_engine
from storage.migrate import alembic_config, upgrade

SAMPLE = Path(__file__).resolve().parents[2] / "bot" / "data" / "sample_programme.yaml"
WHEN = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def _downgrade_sync(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def test_migration_0007_keeps_e_mail_links_and_demotes_name_links_to_proposals(database_url):
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        async with engine.begin() as connection:
            await connection.run_sync(_downgrade_sync, "0006")
            for person_id, name, email in [("dia", "Dia Wesseling", "dwesseling@probiblio.nl"),
                                           ("maarten-oba", "Maarten", None)]:
                await connection.execute(text(
                    "INSERT INTO people (id, name, organisation, role, email, topics, expertise, capacity, active,"
                    " updated_at) VALUES (:id, :name, 'X', 'colleague', :email, '[]', '', 3, true, :at)"),
                    {"id": person_id, "name": name, "email": email, "at": WHEN})
            # An earlier version linked by e-mail (Dia), by name (Mallory as Maarten), and kept a link
            # whose address no longer matches (Eve as Dia).
            for key, name, email, person in [("dia", "Dia", "DWesseling@probiblio.nl", "dia"),
                                             ("mallory", "Maarten", "m@elders.example", "maarten-oba"),
                                             ("eve", "Dia W.", "eve@elders.example", "dia")]:
                await connection.execute(text(
                    "INSERT INTO participants (teams_id, name, email, person_id, active, reminders_enabled,"
                    " created_at, updated_at) VALUES (:t, :name, :email, :person, true, true, :at, :at)"),
                    {"t": f"29:{key}", "name": name, "email": email, "person": person, "at": WHEN})
        await upgrade(engine)
        async with engine.connect() as connection:
            links = dict((await connection.execute(text(
                "SELECT teams_id, person_id || '/' || link_method FROM participants"))).all())
            proposals = (await connection.execute(text(
                "SELECT p.teams_id, l.person_id, l.state, l.teams_name FROM link_proposals l"
                " JOIN participants p ON p.id = l.participant_id"))).all()
    finally:
        await engine.dispose()
    assert links == {"29:dia": "dia/email", "29:mallory": None, "29:eve": None}
    assert [tuple(row) for row in proposals] == [("29:mallory", "maarten-oba", "pending", "Maarten")]


async def test_e_mail_from_a_tenant_that_is_not_the_programmes_links_nobody(uow_factory, clock):
    await import_directory(uow_factory, clock, load_directory_file(SAMPLE), trusted_tenants={"home"})
    service = ParticipantService(uow_factory, clock, trusted_tenants={"home"})
    stranger = await service.record_seen(ParticipantSeen(teams_id="29:x", tenant_id="elsewhere", name="Dia",
                                                         email="dwesseling@probiblio.nl"))
    assert stranger.person_id is None
    dia = await service.record_seen(ParticipantSeen(teams_id="29:dia", tenant_id="HOME", name="Dia",
                                                    email="dwesseling@probiblio.nl"))
    assert (dia.person_id, dia.link_method) == ("dia", "email")


def test_the_directory_takes_an_aad_object_id_and_refuses_a_bad_or_duplicate_one():
    text_ = SAMPLE.read_text(encoding="utf-8")
    object_id = "    aad_object_id: 3F2B8C1E-6A4D-4E7B-9C0A-1D2E3F4A5B6C\n"
    good = text_.replace("    email: dwesseling@probiblio.nl\n", "    email: dwesseling@probiblio.nl\n" + object_id)
    dia = next(p for p in parse_directory_text(good).people if p.id == "dia")
    assert dia.aad_object_id == "3f2b8c1e-6a4d-4e7b-9c0a-1d2e3f4a5b6c"
    with pytest.raises(DirectoryFileError, match="aad_object_id: not an Entra ID object id"):
        parse_directory_text(good.replace("3F2B8C1E-6A4D-4E7B-9C0A-1D2E3F4A5B6C", "Maarten"))
    twice = good.replace("    role: colleague\n    topics: [schoolkoepels",
                         "    role: colleague\n    aad_object_id: 3f2b8c1e-6a4d-4e7b-9c0a-1d2e3f4a5b6c\n"
                         "    topics: [schoolkoepels", 1)
    with pytest.raises(DirectoryFileError, match="duplicate aad_object_id"):
        parse_directory_text(twice)
