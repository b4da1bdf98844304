"""The coordinator's overview tab end to end: the real app, real activities, real HTTP, real databases.

Sign-in through the chat's link, 403 for everyone else, CSRF refused, and a decision in the tab
that moves the request, plans the chat messages in the outbox and shows on the review card.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from bot.components import COMPONENTS
from bot.domain.dashboard_access import login_token
from storage.tables import OutboxRow, ParticipantRow
from tests import activities as build
from tests.e2e.test_http_sparring import QUESTION, ask, deliver, introduce_people, post, requests, texts_of


async def link_for(client, connector, key: str = "dia") -> str:  # type: ignore[no-untyped-def]
    """Type ``overzicht`` as ``key``; the sign-in link of the card the bot answers with."""
    await post(client, build.message(connector.url, "overzicht", key=key))
    card = connector.cards(f"a:personal-{key}")[-1]
    [button] = card["actions"]
    assert button["type"] == "Action.OpenUrl"
    return button["url"]


async def sign_in(client, url: str):  # type: ignore[no-untyped-def]
    """Open the link's page, then press its button, as a person does; returns the POST's response."""
    parts = urlsplit(url)
    assert parts.path == "/overzicht/inloggen"
    page = await client.get(f"{parts.path}?{parts.query}")
    assert page.status == 200, await page.text()
    token = parse_qs(parts.query)["t"][0]
    assert f'value="{token}"' in await page.text()
    return await client.post("/overzicht/inloggen", data={"t": token}, allow_redirects=False)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)  # type: ignore[union-attr]


async def participant_id(client, teams_key: str) -> int:  # type: ignore[no-untyped-def]
    async with client.server.app[COMPONENTS].sessions() as session:
        return (await session.scalars(select(ParticipantRow.id).where(
            ParticipantRow.teams_id == f"29:{teams_key}"))).one()


async def test_the_coordinator_signs_in_with_the_link_and_sees_the_new_question(bot_client, connector):
    await introduce_people(bot_client, connector)
    await ask(bot_client, connector)
    assert (await bot_client.get("/overzicht/vragen")).status == 403  # not signed in yet

    url = await link_for(bot_client, connector)
    response = await sign_in(bot_client, url)
    assert response.status == 303 and response.headers["Location"] == "/overzicht/vragen"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/overzicht" in cookie
    assert "Secure" not in cookie  # plain http here; PUBLIC_URL https:// makes it Secure

    board = await bot_client.get("/overzicht/vragen")
    html = await board.text()
    assert board.status == 200
    assert "Sparringvragen" in html and QUESTION[:40] in html and "Anna de Vries" in html
    assert "voorstel: Maarten" in html and "bij Dia" in html
    assert board.headers["Cache-Control"] == "no-store" and "frame-ancestors" in board.headers[
        "Content-Security-Policy"]

    # The same link a second time opens nothing: it is spent.
    again = await bot_client.post("/overzicht/inloggen", data={"t": parse_qs(urlsplit(url).query)["t"][0]},
                                  allow_redirects=False)
    assert again.status == 403


async def test_filter_and_search_narrow_the_list(bot_client, connector):
    await introduce_people(bot_client, connector)
    await ask(bot_client, connector)
    await ask(bot_client, connector, "Hoe krijg ik de schoolbesturen mee in de financiering van de leesconsulent?")
    await sign_in(bot_client, await link_for(bot_client, connector))

    everything = await (await bot_client.get("/overzicht/vragen")).text()
    assert "2 vragen gevonden" in everything
    searched = await (await bot_client.get("/overzicht/vragen", params={"q": "LEESCONSULENT"})).text()
    assert "1 vragen gevonden" in searched and "leesconsulent" in searched and QUESTION[:40] not in searched
    wildcard = await (await bot_client.get("/overzicht/vragen", params={"q": "%"})).text()
    assert "0 vragen gevonden" in wildcard  # % is searched for as itself, not as a pattern
    closed = await (await bot_client.get("/overzicht/vragen", params={"status": "closed"})).text()
    assert "0 vragen gevonden" in closed
    waiting = await bot_client.get("/overzicht/vragen", params=[("status", "suggested"), ("status", "new")])
    assert "2 vragen gevonden" in await waiting.text()


async def test_others_get_403_and_the_usual_refusal(bot_client, connector):
    await introduce_people(bot_client, connector)
    await post(bot_client, build.message(connector.url, "overzicht", key="anna"))
    assert connector.texts("a:personal-anna")[-1] == "Dat kan alleen de coördinator van het project."
    assert not any("overzicht/inloggen" in str(card) for card in connector.cards("a:personal-anna"))

    components = bot_client.server.app[COMPONENTS]
    secret, now = components.settings.link_secret, components.clock.now()
    # A correctly signed link for a non-coordinator (as if the secret leaked): still refused.
    anna = await participant_id(bot_client, "anna")
    refused = await bot_client.post("/overzicht/inloggen", data={"t": login_token(anna, now, secret)},
                                    allow_redirects=False)
    assert refused.status == 403 and "Set-Cookie" not in refused.headers
    # A forged one (wrong key) and a download link's token: refused as well.
    dia = await participant_id(bot_client, "dia")
    forged = login_token(dia, now, b"not-the-secret-of-this-bot")
    for token in (forged, "doc-1.9999999999.0123456789abcdef0123456789abcdef", ""):
        assert (await bot_client.get("/overzicht/inloggen", params={"t": token})).status == 403
        assert (await bot_client.post("/overzicht/inloggen", data={"t": token},
                                      allow_redirects=False)).status == 403
    for path in ("/overzicht/", "/overzicht/vragen", "/overzicht/vragen/1"):
        assert (await bot_client.get(path)).status == 403
    # A session cookie made up by hand is no session.
    bot_client.session.cookie_jar.update_cookies({"sparringbot_overzicht": f"sess-{dia}-abc.9999999999.00"})
    assert (await bot_client.get("/overzicht/vragen")).status == 403


async def test_a_link_expires_after_15_minutes(bot_client, connector, clock):
    await introduce_people(bot_client, connector)
    url = await link_for(bot_client, connector)
    clock.advance(timedelta(minutes=16))
    token = parse_qs(urlsplit(url).query)["t"][0]
    assert (await bot_client.get("/overzicht/inloggen", params={"t": token})).status == 403
    assert (await bot_client.post("/overzicht/inloggen", data={"t": token}, allow_redirects=False)).status == 403


async def test_actions_without_the_csrf_token_change_nothing(bot_client, connector):
    await introduce_people(bot_client, connector)
    await ask(bot_client, connector)
    await sign_in(bot_client, await link_for(bot_client, connector))
    [request] = await requests(bot_client)
    for form in ({"actie": "approve", "versie": str(request.version)},
                 {"actie": "approve", "versie": str(request.version), "csrf": "0" * 40}):
        refused = await bot_client.post(f"/overzicht/vragen/{request.id}", data=form, allow_redirects=False)
        assert refused.status == 403
        assert "Deze actie is geweigerd" in await refused.text()
    [after] = await requests(bot_client)
    assert (after.state, after.version) == (request.state, request.version)


async def test_approving_in_the_tab_moves_the_request_and_updates_the_chat(bot_client, connector):
    await introduce_people(bot_client, connector)
    await ask(bot_client, connector)
    review = connector.cards("a:personal-dia")[-1]
    assert review["refresh"]["action"]["verb"] == "review.refresh"
    assert review["refresh"]["userIds"] == ["29:dia"]
    await sign_in(bot_client, await link_for(bot_client, connector))
    [request] = await requests(bot_client)

    page = await bot_client.get(f"/overzicht/vragen/{request.id}")
    html = await page.text()
    assert "Doorsturen naar Maarten" in html and "Vraag gesteld" in html and "Voorstel gemaakt" in html
    response = await bot_client.post(f"/overzicht/vragen/{request.id}", allow_redirects=False, data={
        "csrf": csrf_of(html), "actie": "approve", "versie": str(request.version)})
    assert response.status == 303
    assert response.headers["Location"] == f"/overzicht/vragen/{request.id}?melding=done_assigned"

    [after] = await requests(bot_client)
    assert (after.state, after.assignee_id) == ("assigned", "maarten-oba")
    detail = await (await bot_client.get(response.headers["Location"])).text()
    assert "✔ Doorgestuurd" in detail and "Doorgestuurd naar het voorstel" in detail
    assert 'name="actie"' not in detail  # decided: no buttons left

    # The chat follows from the same transaction: Maarten's offer in the outbox, then sent.
    async with bot_client.server.app[COMPONENTS].sessions() as session:
        assert (await session.scalars(select(OutboxRow).where(
            OutboxRow.recipient_id == await participant_id(bot_client, "maarten")))).first() is not None
    await deliver(bot_client)
    assert connector.cards("a:personal-maarten")[-1]["body"][0]["text"].startswith("Wil je sparren met Anna")

    # Dia's review card: Teams asks for its current form (refresh) and gets the decision.
    refreshed = await post(bot_client, build.card_action(connector.url, "review.refresh", review["refresh"]["action"][
        "data"], key="dia"), status=200)
    card = (await refreshed.json())["value"]
    assert "Inmiddels afgehandeld: wacht op sparringpartner, bij Maarten." in texts_of(card)
    assert "actions" not in card and "refresh" not in card
    # A click on the old card's button now changes nothing: the version moved on.
    approve = next(a for a in review["actions"] if a.get("verb") == "review.approve")
    clicked = await post(bot_client, build.card_action(connector.url, "review.approve", approve["data"], key="dia"),
                         status=200)
    assert "al afgehandeld" in texts_of((await clicked.json())["value"])
    await deliver(bot_client)
    assert len(connector.cards("a:personal-maarten")) == 1


async def test_a_card_decision_shows_in_the_tab_and_a_stale_tab_acts_on_nothing(bot_client, connector):
    await introduce_people(bot_client, connector)
    await ask(bot_client, connector)
    await sign_in(bot_client, await link_for(bot_client, connector))
    [request] = await requests(bot_client)
    html = await (await bot_client.get(f"/overzicht/vragen/{request.id}")).text()

    # Dia declines on the card in the chat meanwhile.
    review = next(c for c in connector.cards("a:personal-dia")
                  if c["body"][0]["text"].startswith("Nieuwe sparringvraag"))
    await post(bot_client, build.card_action(connector.url, "review.decline", review["actions"][-1]["card"][
        "actions"][0]["data"], key="dia", note="Dit is een vraag voor de helpdesk."), status=200)
    # The tab's page, loaded before, still offers the buttons; pressing one changes nothing.
    response = await bot_client.post(f"/overzicht/vragen/{request.id}", data={
        "csrf": csrf_of(html), "actie": "myself", "versie": str(request.version)})
    text = await response.text()
    assert "al afgehandeld" in text and "niet doorgezet" in text and "Afgewezen" in text
    [after] = await requests(bot_client)
    assert (after.state, after.assignee_id) == ("declined", None)


async def test_decline_needs_a_note_and_someone_else_needs_a_person(bot_client, connector):
    await introduce_people(bot_client, connector)
    await ask(bot_client, connector)
    await sign_in(bot_client, await link_for(bot_client, connector))
    [request] = await requests(bot_client)
    csrf = csrf_of(await (await bot_client.get(f"/overzicht/vragen/{request.id}")).text())
    for form, notice in (({"actie": "decline", "toelichting": "   "}, "Schrijf een toelichting"),
                         ({"actie": "redirect", "persoon": "nobody"}, "Kies eerst iemand"),
                         ({"actie": "redirect", "persoon": "dia"}, "Kies eerst iemand"),
                         ({"actie": "delete"}, "Deze actie bestaat niet")):
        response = await bot_client.post(f"/overzicht/vragen/{request.id}",
                                         data={"csrf": csrf, "versie": str(request.version), **form})
        assert notice in await response.text()
    [after] = await requests(bot_client)
    assert (after.state, after.version) == (request.state, request.version)

    response = await bot_client.post(f"/overzicht/vragen/{request.id}", data={
        "csrf": csrf, "versie": str(request.version), "actie": "decline", "toelichting": "Past niet in dBos po."})
    assert "Afgewezen; de vrager krijgt je toelichting" in await response.text()
    await deliver(bot_client)
    assert "Past niet in dBos po." in connector.texts("a:personal-anna")[-1]


async def test_signing_out_ends_the_session(bot_client, connector):
    await introduce_people(bot_client, connector)
    await sign_in(bot_client, await link_for(bot_client, connector))
    html = await (await bot_client.get("/overzicht/vragen")).text()
    response = await bot_client.post("/overzicht/uitloggen", data={"csrf": csrf_of(html)}, allow_redirects=False)
    assert response.status == 303
    assert (await bot_client.get("/overzicht/vragen")).status == 403


async def test_the_tab_serves_its_own_script_style_and_the_pinned_teams_sdk(bot_client):
    from bot.web.dashboard.routes import TEAMS_JS

    for path, kind in (("/overzicht/static/dashboard.css", "text/css"),
                       ("/overzicht/static/dashboard.js", "text/javascript")):
        response = await bot_client.get(path)
        assert response.status == 200 and response.headers["Content-Type"].startswith(kind)
    for path in ("/overzicht/static/..%2Fsession.py", "/overzicht/static/routes.py"):
        assert (await bot_client.get(path)).status == 404
    sdk = await bot_client.get("/overzicht/static/teams-js.js")
    if TEAMS_JS.is_file():  # `npm ci` installed @microsoft/teams-js (package-lock.json)
        assert sdk.status == 200 and "microsoftTeams" in await sdk.text()
    else:
        assert sdk.status == 404
    page = await (await bot_client.get("/overzicht/")).text()
    assert '<script src="/overzicht/static/teams-js.js"' in page and "cdn" not in page.lower()


async def test_every_page_answers_the_coordinator_and_refuses_the_others(bot_client, connector):
    await introduce_people(bot_client, connector)
    await ask(bot_client, connector)
    pages = ("/overzicht/vragen", "/overzicht/vragen/1", "/overzicht/inzendingen", "/overzicht/deadlines",
             "/overzicht/kosten", "/overzicht/programma")
    for path in (*pages, "/overzicht/kosten/grafiek.png"):
        assert (await bot_client.get(path)).status == 403, path
    await sign_in(bot_client, await link_for(bot_client, connector))
    for path in pages:
        response = await bot_client.get(path)
        html = await response.text()
        assert response.status == 200, path
        assert 'aria-current="page"' in html and "<h1>" in html, path

    deadlines = await (await bot_client.get("/overzicht/deadlines")).text()
    assert re.search(r"\d+ van de \d+ hebben ingeleverd", deadlines) and "Herinneringen:" in deadlines
    assert "Bijeenkomsten" in deadlines
    costs = await (await bot_client.get("/overzicht/kosten")).text()
    assert "het overzicht verschijnt vanaf 3" in costs  # the threshold of three libraries, as in the chat
    assert (await bot_client.get("/overzicht/kosten/grafiek.png")).status == 404
    submissions = await (await bot_client.get("/overzicht/inzendingen")).text()
    assert "0 inzendingen" in submissions


async def test_the_programme_figures_follow_the_requests(bot_client, connector, clock):
    await introduce_people(bot_client, connector)
    await ask(bot_client, connector)
    await sign_in(bot_client, await link_for(bot_client, connector))
    before = await (await bot_client.get("/overzicht/programma")).text()
    assert "Nog geen introducties." in before and "Nog geen antwoorden van sparringpartners." in before

    [request] = await requests(bot_client)
    csrf = csrf_of(await (await bot_client.get(f"/overzicht/vragen/{request.id}")).text())
    await bot_client.post(f"/overzicht/vragen/{request.id}", data={"csrf": csrf, "actie": "approve",
                                                                    "versie": str(request.version)})
    await deliver(bot_client)
    clock.advance(timedelta(hours=5))
    offer = connector.cards("a:personal-maarten")[-1]
    accept = next(a for a in offer["actions"] if a.get("verb") == "intro.accept")
    await post(bot_client, build.card_action(connector.url, "intro.accept", accept["data"], key="maarten"),
               status=200)
    after = await (await bot_client.get("/overzicht/programma")).text()
    assert "5.0 uur" in after  # asked, then accepted five hours later: introduction and first answer
    assert "100% van 1" in after
    assert re.search(r">Maarten</td><td[^>]*>OBA</td>\s*<td[^>]*>1</td>", after)  # his load: one open request


async def test_a_card_refresh_by_someone_else_tells_nothing_of_the_request(bot_client, connector):
    await introduce_people(bot_client, connector)
    await ask(bot_client, connector)
    review = connector.cards("a:personal-dia")[-1]
    for data in (review["refresh"]["action"]["data"], {"ref": "made-up"}):
        response = await post(bot_client, build.card_action(connector.url, "review.refresh", data, key="anna"),
                              status=200)
        answer = await response.json()
        assert QUESTION[:30] not in json.dumps(answer)
        assert connector.texts("a:personal-anna")[-1] == "Deze knop is niet voor jou bedoeld."
    # The coordinator's refresh of a question still waiting: the review card again, still refreshing.
    mine = await post(bot_client, build.card_action(connector.url, "review.refresh",
                                                    review["refresh"]["action"]["data"], key="dia"), status=200)
    again = (await mine.json())["value"]
    assert any(a.get("verb") == "review.approve" for a in again["actions"])
    assert again["refresh"]["userIds"] == ["29:dia"]


async def test_submissions_filter_and_link_and_costs_show_from_three_libraries(bot_client, connector, database_url):
    from bench.dashboard import add_documents
    from bot.domain.signed_links import verify

    await introduce_people(bot_client, connector)
    await sign_in(bot_client, await link_for(bot_client, connector))
    costs = await (await bot_client.get("/overzicht/kosten")).text()
    assert "het overzicht verschijnt vanaf 3" in costs
    owners = [await participant_id(bot_client, key) for key in ("anna", "maarten")]
    components = bot_client.server.app[COMPONENTS]
    await add_documents(database_url, owners, 12, libraries=3, now=components.clock.now())

    everything = await (await bot_client.get("/overzicht/inzendingen")).text()
    assert "12 inzendingen" in everything and "Maarten (OBA)" in everything
    links = re.findall(r'href="[^"]*/files/([^"]+)"', everything)
    assert len(links) == 12
    assert all((verify(token, components.clock.now(), components.settings.link_secret) or "").startswith("doc-")
               for token in links)
    only = await (await bot_client.get("/overzicht/inzendingen", params={"soort": "accountplan"})).text()
    assert "3 inzendingen" in only and "Kostenberekening" not in only.split("<tbody>")[1]
    without = await (await bot_client.get("/overzicht/inzendingen", params={"deadline": "-"})).text()
    assert "6 inzendingen" in without
    bogus = await (await bot_client.get("/overzicht/inzendingen", params={"soort": "<script>"})).text()
    assert "12 inzendingen" in bogus and "<script>" not in bogus

    shown = await (await bot_client.get("/overzicht/kosten")).text()
    assert "Anoniem, over 3 bibliotheken" in shown and "Bibliotheek 0" not in shown  # no library is named
    chart = await bot_client.get("/overzicht/kosten/grafiek.png")
    assert chart.status == 200 and (await chart.read()).startswith(b"\x89PNG")
