"""Who is who, through the real endpoint: only identifiers Teams vouches for link a directory person.

A display name anyone can choose at most proposes a link, which the coordinator confirms on a
card; until then the account is an ordinary participant with no expert rights.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.components import COMPONENTS
from bot.directory_file import parse_directory_text
from bot.domain.services.directory_import import import_directory
from storage.tables import LinkProposalRow, ParticipantRow, RequestRow
from tests import activities as build
from tests.activities import member
from tests.e2e.test_http_sparring import ask, confirm_link, deliver, post, texts_of

SAMPLE = Path(__file__).resolve().parents[2] / "bot" / "data" / "sample_programme.yaml"
NOT_COORDINATOR = "Dat kan alleen de coördinator van het project."
PROPOSAL_TITLE = "Wie is dit?"
MAARTEN_OID = "3f2b8c1e-6a4d-4e7b-9c0a-1d2e3f4a5b6c"


async def hello(client, connector, key: str, *, name: str, email: str | None = None,  # type: ignore[no-untyped-def]
                aad: str | None = None, tenant: str | None = None) -> None:
    """``key`` says hello; the fake connector answers get_member with this name, e-mail and object id."""
    entry: dict[str, Any] = member(key, name=name, email=email or "")
    if not email:
        entry.pop("email"), entry.pop("userPrincipalName")
    if aad:
        entry["aadObjectId"] = aad
    if tenant:
        entry["tenantId"] = tenant
    connector.members[f"a:personal-{key}"] = [entry]
    activity = build.message(connector.url, "hallo", key=key)
    activity["from"]["name"] = name  # Teams puts the display name in every activity
    await post(client, activity)
    await deliver(client)


async def start_with_dia_and_anna(client, connector) -> None:  # type: ignore[no-untyped-def]
    await hello(client, connector, "dia", name="Dia Wesseling", email="dwesseling@probiblio.nl")
    await hello(client, connector, "anna", name="Anna de Vries", email="anna@bieb.nl")


async def links(client) -> dict[str, tuple[str | None, str | None]]:  # type: ignore[no-untyped-def]
    """Teams id key → (person id, link method)."""
    async with client.server.app[COMPONENTS].sessions() as session:
        rows = (await session.execute(select(ParticipantRow.teams_id, ParticipantRow.person_id,
                                             ParticipantRow.link_method))).all()
    return {teams_id.removeprefix("29:"): (person, method) for teams_id, person, method in rows}


async def proposals(client) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(teams key, person id, state) of every proposal."""
    async with client.server.app[COMPONENTS].sessions() as session:
        rows = (await session.execute(
            select(ParticipantRow.teams_id, LinkProposalRow.person_id, LinkProposalRow.state)
            .join(ParticipantRow, ParticipantRow.id == LinkProposalRow.participant_id)
            .order_by(LinkProposalRow.id))).all()
    return [(t.removeprefix("29:"), p, s) for t, p, s in rows]


def proposal_cards(connector, key: str = "dia") -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return [c for c in connector.cards(f"a:personal-{key}") if c["body"][0]["text"] == PROPOSAL_TITLE]


async def import_people(client, changes: dict[str, dict[str, Any]], extra: list[dict[str, Any]] = ()) -> None:  # type: ignore[no-untyped-def,assignment]
    """Import the sample programme with some people's fields changed (and people added)."""
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    for person in data["people"]:
        person.update(changes.get(person["id"], {}))
    data["people"].extend(extra)
    components = client.server.app[COMPONENTS]
    await import_directory(components.uow_factory, components.clock, parse_directory_text(yaml.safe_dump(data)))


async def click(client, connector, verb: str, data: dict[str, Any], key: str):  # type: ignore[no-untyped-def]
    response = await post(client, build.card_action(connector.url, verb, data, key=key), status=200)
    return await response.json()


async def test_a_stranger_named_like_an_expert_cannot_accept_their_introductions(bot_client, connector):
    await start_with_dia_and_anna(bot_client, connector)
    # Maarten of the OBA has no e-mail in the directory; anyone can call themselves Maarten.
    await hello(bot_client, connector, "mallory", name="Maarten", email="mallory@elders.example")
    assert (await links(bot_client))["mallory"] == (None, None)
    assert len(proposal_cards(connector)) == 1  # Dia is asked; nothing is decided

    await ask(bot_client, connector)
    review = connector.cards("a:personal-dia")[-1]
    approve = next(a for a in review["actions"] if a.get("verb") == "review.approve")
    await click(bot_client, connector, "review.approve", approve["data"], key="dia")
    await deliver(bot_client)
    offers = [c for c in connector.cards("a:personal-mallory") if "intro.accept" in str(c)]
    assert offers == []  # no introduction offer reaches the look-alike
    assert "Maarten" in connector.texts("a:personal-dia")[-1]  # Dia hears Maarten cannot be reached yet

    [row] = await requests_rows(bot_client)
    answer = await click(bot_client, connector, "intro.accept", {"request_id": row.id, "version": row.version},
                         key="mallory")
    assert answer.get("type") != "application/vnd.microsoft.card.adaptive"
    await post(bot_client, build.message(connector.url, "mijn verzoeken", key="mallory"))
    assert "#1" not in str(connector.activities("a:personal-mallory")[-1])
    [row] = await requests_rows(bot_client)
    assert (row.state, row.assignee_id) == ("assigned", "maarten-oba")


async def requests_rows(client) -> list[RequestRow]:  # type: ignore[no-untyped-def]
    async with client.server.app[COMPONENTS].sessions() as session:
        return list((await session.scalars(select(RequestRow))).all())


async def test_only_the_coordinator_confirms_a_proposed_link_and_then_it_works(bot_client, connector):
    await start_with_dia_and_anna(bot_client, connector)
    await hello(bot_client, connector, "maarten", name="Maarten Jansen", email="maarten@oba.nl")
    [card] = proposal_cards(connector)
    shown = texts_of(card)
    assert "Maarten Jansen (Teams) zegt Maarten (OBA) uit de deelnemerslijst te zijn" in shown
    assert "E-mail volgens Teams=maarten@oba.nl" in shown
    confirm = next(a for a in card["actions"] if a["verb"] == "link.confirm")

    for someone in ("anna", "maarten"):  # the asker, and the account itself, cannot link
        refused = await click(bot_client, connector, "link.confirm", confirm["data"], key=someone)
        assert refused.get("type") != "application/vnd.microsoft.card.adaptive"
        assert connector.texts(f"a:personal-{someone}")[-1] == NOT_COORDINATOR
    assert (await links(bot_client))["maarten"] == (None, None)

    answer = await confirm_link(bot_client, connector, "Maarten Jansen")
    assert "Gekoppeld door Dia Wesseling" in texts_of(answer["value"]) and "actions" not in answer["value"]
    assert (await links(bot_client))["maarten"] == ("maarten-oba", "coordinator")
    again = await click(bot_client, connector, "link.confirm", confirm["data"], key="dia")
    assert "al afgehandeld" in texts_of(again["value"])

    await ask(bot_client, connector)
    approve = next(a for a in connector.cards("a:personal-dia")[-1]["actions"] if a.get("verb") == "review.approve")
    await click(bot_client, connector, "review.approve", approve["data"], key="dia")
    await deliver(bot_client)
    offer = connector.cards("a:personal-maarten")[-1]
    accept = next(a for a in offer["actions"] if a.get("verb") == "intro.accept")
    await click(bot_client, connector, "intro.accept", accept["data"], key="maarten")
    [row] = await requests_rows(bot_client)
    assert row.state == "accepted"


async def test_a_rejected_proposal_links_nobody_and_is_not_asked_again(bot_client, connector):
    await start_with_dia_and_anna(bot_client, connector)
    await hello(bot_client, connector, "maarten", name="Maarten Jansen", email="maarten@oba.nl")
    [card] = proposal_cards(connector)
    reject = next(a for a in card["actions"] if a["verb"] == "link.reject")
    answer = await click(bot_client, connector, "link.reject", reject["data"], key="dia")
    assert "Niet gekoppeld (Dia Wesseling)" in texts_of(answer["value"])
    await hello(bot_client, connector, "maarten", name="Maarten J.", email="maarten@oba.nl")  # renamed
    await hello(bot_client, connector, "maarten", name="Maarten Jansen", email="maarten@oba.nl")  # and back
    assert len(proposal_cards(connector)) == 1 and (await links(bot_client))["maarten"] == (None, None)
    await post(bot_client, build.message(connector.url, "koppelingen", key="dia"))
    assert connector.texts("a:personal-dia")[-1] == "Er wachten geen koppelingen op jouw besluit."


async def test_verified_e_mail_and_object_id_link_at_once_whatever_the_case(bot_client, connector):
    await import_people(bot_client, {"maarten-oba": {"aad_object_id": MAARTEN_OID}})
    await hello(bot_client, connector, "dia", name="D. Wesseling", email="DWesseling@Probiblio.NL")
    # Teams reports the object id; the display name matches nobody, the e-mail is not in the directory.
    await hello(bot_client, connector, "maarten", name="M. J.", email="mj@oba.nl", aad=MAARTEN_OID.upper())
    found = await links(bot_client)
    assert found["dia"] == ("dia", "email") and found["maarten"] == ("maarten-oba", "aad")
    assert proposal_cards(connector) == [] and await proposals(bot_client) == []


async def test_the_coordinators_own_link_needs_teams_to_report_her_address(bot_client, connector):
    # Dia's name with another address: not Dia, and no proposal either (Dia links by e-mail only).
    await hello(bot_client, connector, "fake-dia", name="Dia Wesseling", email="dia@elders.example")
    await hello(bot_client, connector, "anna", name="Anna de Vries", email="anna@bieb.nl")
    assert (await links(bot_client))["fake-dia"] == (None, None)
    await post(bot_client, build.message(connector.url, "open vragen", key="fake-dia"))
    assert connector.texts("a:personal-fake-dia")[-1] == NOT_COORDINATOR
    assert await proposals(bot_client) == []


@pytest.mark.parametrize("name", ["maarten", "MAARTEN", "Máarten", "Maar\u200bten", "  Maarten\u200d ",
                                  "Maarten\u202e"])
async def test_look_alike_names_only_propose_and_the_card_warns(bot_client, connector, name):
    await start_with_dia_and_anna(bot_client, connector)
    await hello(bot_client, connector, "lookalike", name=name, email="x@elders.example")
    assert (await links(bot_client))["lookalike"] == (None, None)
    [card] = proposal_cards(connector)
    assert "de naam in Teams is niet precies gelijk" in texts_of(card)


async def test_two_people_with_the_same_name_are_both_proposed_and_one_confirmation_settles_it(bot_client, connector):
    twin = {"id": "eline-oba", "name": "Eline", "organisation": "OBA", "role": "colleague"}
    await import_people(bot_client, {}, [twin])
    await start_with_dia_and_anna(bot_client, connector)
    await hello(bot_client, connector, "eline", name="Eline", email="eline@oba.nl")
    cards = proposal_cards(connector)
    assert sorted("BZHE" in texts_of(c) for c in cards) == [False, True]
    assert (await links(bot_client))["eline"] == (None, None)
    oba = next(c for c in cards if "(OBA)" in texts_of(c))
    bzhe = next(c for c in cards if "(BZHE)" in texts_of(c))
    await click(bot_client, connector, "link.confirm", oba["actions"][0]["data"], key="dia")
    assert (await links(bot_client))["eline"] == ("eline-oba", "coordinator")
    late = await click(bot_client, connector, "link.confirm", bzhe["actions"][0]["data"], key="dia")
    assert "al afgehandeld" in texts_of(late["value"])
    assert (await links(bot_client))["eline"] == ("eline-oba", "coordinator")


async def test_an_e_mail_added_later_moves_the_link_to_its_owner(bot_client, connector):
    await start_with_dia_and_anna(bot_client, connector)
    await hello(bot_client, connector, "mallory", name="Maarten Jansen", email="mallory@elders.example")
    await confirm_link(bot_client, connector, "Maarten Jansen")  # Dia was fooled
    await hello(bot_client, connector, "eli", name="Eline B.", email="eli@bzhe.nl")  # first name proposes
    assert (await links(bot_client))["mallory"] == ("maarten-oba", "coordinator")

    await import_people(bot_client, {"maarten-oba": {"email": "Maarten@OBA.nl"},
                                     "eline-bzhe": {"email": "eline@bzhe.nl"}})
    assert (await links(bot_client))["mallory"] == (None, None)  # the directory now says who Maarten is
    assert ("eli", "eline-bzhe", "withdrawn") in await proposals(bot_client)
    eline_card = next(c for c in proposal_cards(connector) if "Eline B." in texts_of(c))
    late = await click(bot_client, connector, "link.confirm", eline_card["actions"][0]["data"], key="dia")
    assert "al afgehandeld" in texts_of(late["value"]) and (await links(bot_client))["eli"] == (None, None)

    await hello(bot_client, connector, "maarten", name="Maarten Jansen", email="maarten@oba.nl")
    assert (await links(bot_client))["maarten"] == ("maarten-oba", "email")
    await hello(bot_client, connector, "mallory", name="Maarten Jansen", email="mallory@elders.example")
    assert (await links(bot_client))["mallory"] == (None, None)


async def test_a_changed_display_name_neither_keeps_nor_grants_rights(bot_client, connector):
    await start_with_dia_and_anna(bot_client, connector)
    await hello(bot_client, connector, "dia", name="Dia (afwezig)", email="dwesseling@probiblio.nl")
    assert (await links(bot_client))["dia"] == ("dia", "email")  # the address, not the name, decides
    await hello(bot_client, connector, "anna", name="Geert-Jan", email="anna@bieb.nl")  # Anna renames herself
    assert (await links(bot_client))["anna"] == (None, None)
    assert [p[:2] for p in await proposals(bot_client)] == [("anna", "geert-jan")]


async def test_an_address_in_the_activity_itself_links_nobody(bot_client, connector):
    """Only Teams' member API vouches for an address; an account copied from the activity does not."""
    await hello(bot_client, connector, "anna", name="Anna de Vries", email="anna@bieb.nl")
    activity = build.team_members_changed(connector.url, added=["newcomer"])
    activity["membersAdded"][0].update({"name": "Nieuw", "email": "dwesseling@probiblio.nl",
                                        "userPrincipalName": "dwesseling@probiblio.nl"})
    await post(bot_client, activity)  # get_member does not know the newcomer (404)
    assert (await links(bot_client))["newcomer"] == (None, None)
    await post(bot_client, build.message(connector.url, "open vragen", key="newcomer"))
    assert connector.texts("a:personal-newcomer")[-1] == NOT_COORDINATOR


async def test_the_coordinator_lists_open_proposals(bot_client, connector):
    await start_with_dia_and_anna(bot_client, connector)
    await hello(bot_client, connector, "maarten", name="Maarten Jansen", email="maarten@oba.nl")
    connector.reset()
    await post(bot_client, build.message(connector.url, "koppelingen", key="anna"))
    assert connector.texts("a:personal-anna")[-1] == NOT_COORDINATOR
    await post(bot_client, build.message(connector.url, "koppelingen", key="dia"))
    assert connector.texts("a:personal-dia")[-1] == "Koppelingen die op jouw besluit wachten: 1"
    [card] = proposal_cards(connector)
    await click(bot_client, connector, "link.confirm", card["actions"][0]["data"], key="dia")
    assert (await links(bot_client))["maarten"] == ("maarten-oba", "coordinator")
