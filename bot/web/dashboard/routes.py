"""The overview tab's routes: sign-in (link and tab SSO), the pages, the actions, static files.

Kept in their own module (other features add routes of their own to ``bot.web``). Every page
and action first establishes who is signed in and checks, from the database, that they are
still an active coordinator; anyone else gets 403. Every POST that changes something needs the
session's CSRF token. Decisions go through ``SparringService``, the same use cases, role checks
and compare-and-set (``version``) as the chat cards.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.components import COMPONENTS, Components
from bot.domain.cost_split import CostAggregate
from bot.domain.dashboard_access import DashboardSession, csrf_matches, read_login_token
from bot.domain.documents import DOCUMENT_CATEGORIES, Document
from bot.domain.models import Participant
from bot.domain.overview import MAX_SEARCH_CHARS, RequestFilter
from bot.domain.requests import InvalidTransition, NotAllowed, StaleRequest, State
from bot.domain.services.overview import DOCUMENTS_PAGE
from bot.domain.signed_links import LINK_LIFETIME, sign
from bot.features.documents.cost_cards import chart_texts
from bot.features.documents.cost_chart import CostChartTexts, cost_overview_png, euro, percent
from bot.web.dashboard.rendering import render, secure_headers
from bot.web.dashboard.session import close_session, open_session, session_of
from bot.web.dashboard.sso import InvalidTabToken

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
# The Teams JavaScript SDK, from the pinned npm package (package-lock.json): served by the bot, not a CDN.
TEAMS_JS = Path(__file__).resolve().parents[3] / "node_modules/@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js"
STATIC_FILES = {"dashboard.css": "text/css", "dashboard.js": "text/javascript"}
# The states a coordinator filters on, in the order of a request's life.
STATE_FILTERS = tuple(State)
# What an action on a request reports back (catalogue keys after "dashboard.notice."): a fixed set,
# so a crafted link can only ever show one of these texts.
NOTICES = ("done_assigned", "done_myself", "done_declined", "already", "note_needed", "person_needed",
           "unknown_action")
MAX_NOTE_CHARS = 1000
# Drawn charts by (figures, words): drawing takes a quarter of a second, the figures rarely change.
CHARTS_KEPT = 4
_CHARTS: dict[str, bytes] = {}


@dataclass(frozen=True)
class SignedIn:
    """The coordinator of this request and their session."""

    participant: Participant
    session: DashboardSession

    @property
    def language(self) -> str:
        """The coordinator's language (Dutch unless their Teams locale is English)."""
        return self.participant.language


def setup_dashboard_routes(app: web.Application) -> None:
    """Register the overview's routes on ``app``."""
    app.router.add_get("/overzicht", index)
    app.router.add_get("/overzicht/", index)
    app.router.add_get("/overzicht/inloggen", sign_in_page)
    app.router.add_post("/overzicht/inloggen", sign_in)
    app.router.add_post("/overzicht/sso", sign_in_with_teams)
    app.router.add_post("/overzicht/uitloggen", sign_out)
    app.router.add_get("/overzicht/vragen", requests_page)
    app.router.add_get("/overzicht/vragen/{id:[0-9]{1,12}}", request_page)
    app.router.add_post("/overzicht/vragen/{id:[0-9]{1,12}}", request_action)
    app.router.add_get("/overzicht/inzendingen", submissions_page)
    app.router.add_get("/overzicht/deadlines", deadlines_page)
    app.router.add_get("/overzicht/kosten", costs_page)
    app.router.add_get("/overzicht/kosten/grafiek.png", cost_chart)
    app.router.add_get("/overzicht/programma", programme_page)
    app.router.add_get("/overzicht/static/teams-js.js", teams_js)
    app.router.add_get("/overzicht/static/{name}", static_file)


def _components(request: web.Request) -> Components:
    return request.app[COMPONENTS]


def _page(request: web.Request, template: str, *, language: str = "nl", status: int = 200,
          **context: Any) -> web.Response:
    components = _components(request)
    return render(template, texts=components.texts, language=language, zone=components.settings.zone,
                  status=status, now=components.clock.now(), **context)


def _refused(request: web.Request, reason: str = "dashboard.refused.body") -> web.Response:
    """403: the page tells how to sign in (and, inside Teams, signs in by itself)."""
    return _page(request, "refused.html", status=403, reason=reason, signed_in=None, active="")


async def _signed_in(request: web.Request) -> SignedIn | None:
    components = _components(request)
    session = session_of(request, components)
    if session is None or components.overview is None:
        return None
    participant = await components.overview.coordinator(session.participant_id)
    return SignedIn(participant, session) if participant else None


def _coordinators_only(
        page: Callable[[web.Request, SignedIn], Awaitable[web.StreamResponse]],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A page for the signed-in coordinator, who it gets; anyone else gets the sign-in page (403)."""
    @functools.wraps(page)
    async def guarded(request: web.Request) -> web.StreamResponse:
        signed_in = await _signed_in(request)
        if signed_in is None:
            return _refused(request)
        return await page(request, signed_in)
    return guarded


def _csrf_ok(signed_in: SignedIn, form: Any) -> bool:
    return csrf_matches(signed_in.session, str(form.get("csrf", "")))


async def index(request: web.Request) -> web.Response:
    """``/overzicht/``: the board when signed in; otherwise the sign-in page (403)."""
    if await _signed_in(request) is None:
        return _refused(request)
    raise web.HTTPSeeOther("/overzicht/vragen")


async def sign_in_page(request: web.Request) -> web.Response:
    """``GET /overzicht/inloggen?t=...``: a button that uses the link (a GET never spends it).

    Link checkers and previews fetch links; only the POST below, made by a person's click,
    spends the one-time link and opens the session.
    """
    components = _components(request)
    token = request.query.get("t", "")
    if read_login_token(token, components.clock.now(), components.settings.link_secret) is None:
        return _refused(request, "dashboard.refused.link")
    return _page(request, "sign_in.html", token=token, signed_in=None, active="")


async def sign_in(request: web.Request) -> web.Response:
    """``POST /overzicht/inloggen``: spend the link, open the session, go to the board."""
    components = _components(request)
    form = await request.post()
    ticket = read_login_token(str(form.get("t", "")), components.clock.now(), components.settings.link_secret)
    participant = await components.overview.use_login(ticket) if ticket and components.overview else None
    if participant is None:
        log.info("refused a sign-in link (forged, expired, used before, or not a coordinator)")
        return _refused(request, "dashboard.refused.link")
    log.info("participant %d signed in to the overview with a link", participant.id)
    response = web.HTTPSeeOther("/overzicht/vragen")
    open_session(response, request, components, participant)
    secure_headers(response)
    raise response


async def sign_in_with_teams(request: web.Request) -> web.Response:
    """``POST /overzicht/sso``: the tab's Teams token (JSON ``{"token": ...}``) for a session."""
    components = _components(request)
    try:
        body = await request.json()
        token = str(body.get("token", "")) if isinstance(body, dict) else ""
    except ValueError:
        token = ""
    participant = None
    if token and components.sso is not None and components.overview is not None:
        try:
            identity = await components.sso.verify(token)
        except InvalidTabToken as error:
            log.info("refused a tab sign-in token: %s", error.reason)
        else:
            participant = await components.overview.coordinator_by_object_id(identity.object_id)
            if participant is None:
                log.info("refused a tab sign-in: the account is no coordinator the bot knows")
    if participant is None:
        return web.json_response({"signedIn": False}, status=403)
    response = web.json_response({"signedIn": True})
    open_session(response, request, components, participant, in_teams_frame=True)
    secure_headers(response)
    return response


async def sign_out(request: web.Request) -> web.Response:
    """``POST /overzicht/uitloggen`` (with the CSRF token): end the session."""
    signed_in = await _signed_in(request)
    if signed_in is None or not _csrf_ok(signed_in, await request.post()):
        return _refused(request)
    response = web.HTTPSeeOther("/overzicht/")
    close_session(response)
    raise response


@_coordinators_only
async def requests_page(request: web.Request, signed_in: SignedIn) -> web.Response:
    """``/overzicht/vragen?status=&q=&pagina=``: every request, newest first, filtered and paged."""
    wanted = _request_filter(request.query)
    page = await _components(request).overview.requests(signed_in.participant, wanted)
    query = _query_of(wanted)

    def page_url(number: int) -> str:
        return "/overzicht/vragen?" + urlencode({**query, "pagina": number}, doseq=True)

    return _page(request, "requests.html", language=signed_in.language, signed_in=signed_in, active="vragen",
                 page=page, states=STATE_FILTERS, query=query, page_url=page_url)


@_coordinators_only
async def request_page(request: web.Request, signed_in: SignedIn) -> web.Response:
    """``/overzicht/vragen/<id>``: one request, its history, and (while it waits) the decisions."""
    overview = _components(request).overview
    detail = await overview.request(signed_in.participant, int(request.match_info["id"]))
    if detail is None:
        return _page(request, "not_found.html", language=signed_in.language, status=404, signed_in=signed_in,
                     active="vragen")
    notice = request.query.get("melding", "")
    return _page(request, "request.html", language=signed_in.language, signed_in=signed_in, active="vragen",
                 detail=detail, choices=await overview.choices(signed_in.participant),
                 notice=notice if notice in NOTICES else "",
                 open=detail.item.request.state in (State.NEW, State.SUGGESTED))


async def request_action(request: web.Request) -> web.Response:
    """``POST /overzicht/vragen/<id>``: approve, someone else, answer herself, or decline.

    The same use cases as the card buttons: who may act is checked there first, then the
    version (a stale page acts on nothing and says so), and the chat's cards and messages
    follow from the same transaction.
    """
    signed_in = await _signed_in(request)
    form = await request.post()
    if signed_in is None or not _csrf_ok(signed_in, form):
        log.info("refused an overview action without a session or with a wrong CSRF token")
        return _refused(request, "dashboard.refused.csrf" if signed_in else "dashboard.refused.body")
    components = _components(request)
    request_id = int(request.match_info["id"])
    action = str(form.get("actie", ""))
    version = _whole(form.get("versie"))
    actor, service = signed_in.participant, components.sparring
    notice = ""
    try:
        if action == "approve":
            current = await service.get(request_id)
            if current is not None and not current.suggestions:
                notice = "person_needed"  # nothing suggested to send it to: choose someone
            else:
                await service.approve(actor, request_id, version=version)
        elif action == "redirect":
            person = str(form.get("persoon", "")).strip()
            if person not in {p.id for p in await components.overview.choices(actor)}:
                notice = "person_needed"
            else:
                await service.approve(actor, request_id, person_id=person, version=version)
        elif action == "myself":
            await service.answer_myself(actor, request_id, version=version)
        elif action == "decline":
            note = str(form.get("toelichting", "")).strip()
            if not note or len(note) > MAX_NOTE_CHARS:
                notice = "note_needed"
            else:
                await service.decline(actor, request_id, note=note, version=version)
        else:
            notice = "unknown_action"  # only a crafted form gets here: say so, change nothing
    except NotAllowed:
        return _refused(request)
    except (InvalidTransition, StaleRequest):
        notice = "already"
    if not notice:
        current = await service.get(request_id)
        state = current.state if current else None
        notice = ("done_declined" if state is State.DECLINED
                  else "done_myself" if current and current.assignee_id == actor.person_id else "done_assigned")
    raise web.HTTPSeeOther(f"/overzicht/vragen/{request_id}?{urlencode({'melding': notice})}")


@_coordinators_only
async def submissions_page(request: web.Request, signed_in: SignedIn) -> web.Response:
    """``/overzicht/inzendingen?soort=&deadline=&pagina=``: handed-in files by kind and deadline, with consent."""
    components = _components(request)
    deadlines = {d.id: d for d in await components.overview.deadlines(signed_in.participant)}
    kind, deadline = request.query.get("soort", ""), request.query.get("deadline", "")
    kind = kind if kind in DOCUMENT_CATEGORIES else ""
    deadline = deadline if deadline in deadlines or deadline == "-" else ""
    page = min(max(_whole(request.query.get("pagina")) or 1, 1), 100_000)
    shown, total = await components.overview.documents(signed_in.participant, category=kind, deadline=deadline,
                                                       page=page)
    now, secret, base = components.clock.now(), components.settings.link_secret, components.settings.public_url

    def link(document: Document) -> str:
        return f"{base}/files/{sign(f'doc-{document.id}', now + LINK_LIFETIME, secret)}"

    query = {"soort": kind, "deadline": deadline}
    return _page(request, "submissions.html", language=signed_in.language, signed_in=signed_in,
                 active="inzendingen", documents=shown, total=total, link=link,
                 deadlines=deadlines, categories=DOCUMENT_CATEGORIES, query=query, page=page,
                 pages=max(1, -(-total // DOCUMENTS_PAGE)),
                 page_url=lambda n: "/overzicht/inzendingen?" + urlencode({**query, "pagina": n}))


@_coordinators_only
async def deadlines_page(request: web.Request, signed_in: SignedIn) -> web.Response:
    """``/overzicht/deadlines``: per deadline who delivered, reminders; per session who was told."""
    deadlines, events = await _components(request).overview.schedule_board(signed_in.participant)
    return _page(request, "deadlines.html", language=signed_in.language, signed_in=signed_in, active="deadlines",
                 deadlines=deadlines, events=events)


@_coordinators_only
async def costs_page(request: web.Request, signed_in: SignedIn) -> web.Response:
    """``/overzicht/kosten``: the anonymous cost overview (from three libraries on), with its chart."""
    aggregate, libraries = await _components(request).documents.cost_overview(signed_in.participant)
    return _page(request, "costs.html", language=signed_in.language, signed_in=signed_in, active="kosten",
                 aggregate=aggregate, libraries=libraries, euro=euro, percent=percent)


@_coordinators_only
async def cost_chart(request: web.Request, signed_in: SignedIn) -> web.StreamResponse:
    """``/overzicht/kosten/grafiek.png``: the same chart as the chat's ``kostenoverzicht`` (drawn in a thread)."""
    components = _components(request)
    aggregate, _ = await components.documents.cost_overview(signed_in.participant)
    if aggregate is None:
        raise web.HTTPNotFound()
    png = await _chart_png(aggregate, chart_texts(components.texts, signed_in.language, aggregate))
    response = web.Response(body=png, content_type="image/png")
    secure_headers(response)
    return response


async def _chart_png(aggregate: CostAggregate, texts: CostChartTexts) -> bytes:
    """The chart's PNG, drawn in a thread; the last few are kept, since they change only with a new split."""
    key = repr((aggregate, texts))  # both are frozen dataclasses, but hold dicts: their repr is the key
    png = _CHARTS.get(key)
    if png is None:
        png = await asyncio.to_thread(cost_overview_png, aggregate, texts)
        _CHARTS[key] = png
        while len(_CHARTS) > CHARTS_KEPT:
            _CHARTS.pop(next(iter(_CHARTS)))
    return png


@_coordinators_only
async def programme_page(request: web.Request, signed_in: SignedIn) -> web.Response:
    """``/overzicht/programma``: the health figures, and what the data cannot tell yet."""
    health = await _components(request).overview.health(signed_in.participant)
    peak = max((count for _, count in health.per_week), default=0)
    return _page(request, "programme.html", language=signed_in.language, signed_in=signed_in, active="programma",
                 health=health, peak=peak)


async def teams_js(request: web.Request) -> web.StreamResponse:
    """The Teams JavaScript SDK from ``node_modules`` (``npm ci``), when installed."""
    if not TEAMS_JS.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(TEAMS_JS, headers={"Content-Type": "text/javascript", "Cache-Control": "max-age=3600",
                                               "X-Content-Type-Options": "nosniff"})


async def static_file(request: web.Request) -> web.StreamResponse:
    """The overview's own stylesheet and script (a fixed list: no path from the URL reaches the disk)."""
    name = request.match_info["name"]
    if name not in STATIC_FILES:
        raise web.HTTPNotFound()
    return web.FileResponse(STATIC / name, headers={
        "Content-Type": STATIC_FILES[name], "Cache-Control": "max-age=300", "X-Content-Type-Options": "nosniff"})


def _request_filter(query: Any) -> RequestFilter:
    states = tuple(State(value) for value in query.getall("status", []) if value in {s.value for s in State})
    search = " ".join(str(query.get("q", "")).split())[:MAX_SEARCH_CHARS]
    page = _whole(query.get("pagina")) or 1
    return RequestFilter(states=states, search=search, page=min(max(page, 1), 100_000))


def _query_of(wanted: RequestFilter) -> dict[str, Any]:
    return {"status": [s.value for s in wanted.states], "q": wanted.search}


def _whole(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None
