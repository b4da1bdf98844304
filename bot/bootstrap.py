"""THE composition root: ``create_app(settings)`` wires everything; nothing runs at import."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
from collections.abc import AsyncIterator

from aiohttp import web
from botbuilder.core import ConversationState, UserState

from bot.components import COMPONENTS, Components
from bot.config import Settings
from bot.domain.clock import Clock, SystemClock
from bot.domain.models import Participant
from bot.domain.rate_limit import SendRateLimiter
from bot.domain.routing import load_thesaurus
from bot.domain.services.calendar import CalendarService
from bot.domain.services.dispatcher import Dispatcher
from bot.domain.services.documents import DocumentService
from bot.domain.services.exports import ExportService
from bot.domain.services.identity import LinkDecisions
from bot.domain.services.libraries import LibraryService
from bot.domain.services.matching import Matcher
from bot.domain.services.overview import OverviewService
from bot.domain.services.participants import ParticipantService
from bot.domain.services.privacy import PrivacyService
from bot.domain.services.reminder_planner import ReminderPlanner
from bot.domain.services.retention import OutboxRetention
from bot.domain.services.roles import Roles
from bot.domain.services.schedule import ScheduleService
from bot.domain.services.sparring import SparringService
from bot.domain.understanding import Understander
from bot.features.calendar.composers import CalendarComposers
from bot.features.calendar.handlers import CalendarHandlers
from bot.features.calendar.links import CalendarLinks
from bot.features.dashboard.handlers import DashboardHandlers
from bot.features.documents.downloads import FileFetcher, HostResolver
from bot.features.documents.handlers import DocumentHandlers
from bot.features.help.handlers import HelpHandlers
from bot.features.identity.cards import proposal_card
from bot.features.identity.handlers import IdentityHandlers
from bot.features.identity.library import LibraryHandlers
from bot.features.privacy.handlers import PrivacyComposers, PrivacyHandlers
from bot.features.schedule.composers import ScheduleComposers
from bot.features.schedule.handlers import ScheduleHandlers
from bot.features.sparring.cards import confirm_card
from bot.features.sparring.follow_ups import FollowUpComposers
from bot.features.sparring.handlers import SparringHandlers
from bot.features.sparring.notifications import TeamsNotifications
from bot.teams.activity_handler import SparringBot
from bot.teams.adapter import create_adapter
from bot.teams.card_actions import CardActions, coordinator_only
from bot.teams.command_table import CommandTable
from bot.teams.commands import COMMAND_WORDS
from bot.teams.connector_http import ConnectorHttp
from bot.teams.connector_pool import ConnectorPool
from bot.teams.delivery_failures import FailureReporter
from bot.teams.outbox_messenger import MESSAGE_KIND, OutboxMessenger, compose_stored_message
from bot.teams.proactive import TeamsMessenger
from bot.teams.turn_errors import make_turn_error_handler
from bot.texts import Catalogue
from bot.web.calendar_routes import CALENDAR_ROUTES, CalendarRoutes
from bot.web.dashboard.sso import TabTokenVerifier, tab_audiences
from bot.web.routes import request_id_middleware, setup_routes
from dialogs.question_dialog import QuestionDialog
from dialogs.runner import DialogRunner
from storage.bot_state import SqlStorage
from storage.database import open_database
from storage.local_file_store import LocalFileStore
from storage.turn_reads import TurnReads

log = logging.getLogger(__name__)

# Planning is idempotent and cheap to repeat; every ten minutes catches new participants.
PLANNING_INTERVAL_SECONDS = 600.0
# How long shutdown waits for the dispatcher and the planner to stop by themselves. The dispatcher
# finishes the sends under way (normally milliseconds) and hands back the rest; a send hanging on
# the connector (msrest's timeout is 100 s) is cancelled after this and its row waits for its lease.
BACKGROUND_STOP_SECONDS = 5.0
# Set when the app shuts down: the dispatcher and the planner stop.
BACKGROUND_STOP = web.AppKey("background_stop", asyncio.Event)


def create_app(settings: Settings, *, clock: Clock | None = None,
               resolver: HostResolver | None = None, tab_sso: TabTokenVerifier | None = None) -> web.Application:
    """Build the aiohttp application; the database engine lives and dies with it.

    Args:
        settings: Validated settings.
        clock: The clock to use everywhere (tests pass a fixed one).
        resolver: How attachment hosts are resolved (tests pass their own; default: the system's).
        tab_sso: How the overview tab's SSO tokens are checked (tests pass their own keys; default:
            the identity platform's keys, this app id, the trusted tenants).

    Returns:
        The application, ready for ``web.run_app`` or a test server.
    """
    app = web.Application(middlewares=[request_id_middleware],
                          client_max_size=settings.max_body_bytes)
    app[BACKGROUND_STOP] = asyncio.Event()
    app.on_shutdown.append(_stop_background)
    app.cleanup_ctx.append(functools.partial(_components, settings=settings, clock=clock or SystemClock(),
                                             resolver=resolver, tab_sso=tab_sso))
    setup_routes(app)
    return app


async def _components(app: web.Application, *, settings: Settings, clock: Clock,
                      resolver: HostResolver | None, tab_sso: TabTokenVerifier | None) -> AsyncIterator[None]:
    # The database opens here and closes last, when the app is cleaned up (storage.database).
    closing = contextlib.AsyncExitStack()
    database = await closing.enter_async_context(open_database(settings.database_url))
    engine, sessions, uow_factory = database.engine, database.sessions, database.unit_of_work
    # Use cases that only read (the sender's lookup on every turn, the recipient of every send, the
    # programme's themes) take read-only units of work: no BEGIN and no write lock (storage.unit_of_work).
    reads = database.read_only_unit_of_work

    texts = Catalogue.load()
    # Bot state goes through the same units of work as every repository (issue 17: one way to the database).
    storage = SqlStorage(sessions, dialect=engine.dialect.name)
    conversation_state, user_state = ConversationState(storage), UserState(storage)
    connector_http = ConnectorHttp()
    adapter = create_adapter(settings, ConnectorPool(connector_http))
    adapter.on_turn_error = make_turn_error_handler(texts)
    messenger = TeamsMessenger(adapter=adapter, app_id=settings.app_id, uow_factory=uow_factory, clock=clock,
                               reads=reads)
    wake = asyncio.Event()
    queued = OutboxMessenger(uow_factory=uow_factory, clock=clock, wake=wake)
    schedule = ScheduleService(uow_factory=uow_factory, clock=clock, zone=settings.zone)
    calendar = CalendarService(uow_factory=uow_factory, clock=clock, schedule=schedule,
                               link_secret=settings.link_secret)
    calendar_links = CalendarLinks(service=calendar, public_url=settings.public_url)
    fetcher = FileFetcher(policy=settings.file_hosts, resolver=resolver)
    store = LocalFileStore(settings.files_dir)
    documents = DocumentService(uow_factory=uow_factory, clock=clock, store=store, max_bytes=settings.max_upload_bytes,
                                max_files_per_message=settings.max_files_per_message,
                                max_uploads_per_day=settings.max_uploads_per_day)
    planner = ReminderPlanner(uow_factory=uow_factory, clock=clock, zone=settings.zone)
    retention = OutboxRetention(uow_factory=uow_factory, clock=clock, days=settings.outbox_retention_days)
    dispatcher = Dispatcher(
        uow_factory=uow_factory, messenger=messenger, clock=clock,
        worker=f"{socket.gethostname()}:{os.getpid()}",
        composers={MESSAGE_KIND: compose_stored_message,
                   **FollowUpComposers(uow_factory=uow_factory, texts=texts).mapping(),
                   **ScheduleComposers(uow_factory=uow_factory, texts=texts, schedule=schedule,
                                       zone=settings.zone, calendar_link=calendar_links.item_url).mapping(),
                   **CalendarComposers(uow_factory=uow_factory, texts=texts, service=calendar,
                                       item_url=calendar_links.item_url, zone=settings.zone).mapping(),
                   **PrivacyComposers(uow_factory=uow_factory, texts=texts).mapping()},
        limiter=SendRateLimiter(settings.global_send_rate),
        on_failed=FailureReporter(uow_factory=uow_factory, messenger=queued, texts=texts), reads=reads,
    )
    notifications = TeamsNotifications(outbox=queued, uow_factory=uow_factory, texts=texts,
                                       proposal_card=proposal_card)
    # Display-name look-alikes become proposals on the coordinators' cards (bot.domain.linking).
    participants = ParticipantService(uow_factory, clock, reads=reads, link_notifications=notifications,
                                      trusted_tenants=settings.trusted_tenants)
    sparring_service = SparringService(uow_factory=uow_factory, clock=clock, notifications=notifications,
                                       suggest=Matcher(load_thesaurus()),
                                       auto_approve_score=settings.auto_approve_score, zone=settings.zone)
    runner = DialogRunner(conversation_state)
    understander = Understander()  # built once: it compiles its cues and indexes its vocabulary
    sparring = SparringHandlers(service=sparring_service, texts=texts, runner=runner, messenger=messenger,
                                conversation_state=conversation_state, uow_factory=uow_factory, clock=clock,
                                notifications=notifications, reads=reads)
    runner.add(QuestionDialog(texts=texts, themes=sparring.themes, submit=sparring.submit_draft,
                              confirm_card=functools.partial(confirm_card, texts),
                              suggest_theme=understander.suggest_theme))
    roles = Roles(uow_factory)
    documents_handlers = DocumentHandlers(service=documents, schedule=schedule, texts=texts,
                                          conversation_state=conversation_state, fetcher=fetcher, clock=clock,
                                          zone=settings.zone, link_secret=settings.link_secret,
                                          public_url=settings.public_url, roles=roles)
    schedule_handlers = ScheduleHandlers(service=schedule, planner=planner, texts=texts, clock=clock,
                                         zone=settings.zone)
    privacy_handlers = PrivacyHandlers(service=PrivacyService(uow_factory=uow_factory, store=store, clock=clock,
                                                              wake=wake.set),
                                       texts=texts, conversation_state=conversation_state, user_state=user_state,
                                       retention_days=settings.outbox_retention_days)
    identity_handlers = IdentityHandlers(decisions=LinkDecisions(uow_factory=uow_factory, clock=clock), texts=texts)
    library_handlers = LibraryHandlers(service=LibraryService(uow_factory=uow_factory, clock=clock), texts=texts)
    # Typed commands and card actions: two registries, each name in one only (checked here, at start-up).
    calendar_handlers = CalendarHandlers(service=calendar, links=calendar_links, texts=texts)
    dashboard_handlers = DashboardHandlers(roles=roles, texts=texts, clock=clock, link_secret=settings.link_secret,
                                           public_url=settings.public_url)
    commands = CommandTable([sparring, documents_handlers, schedule_handlers, calendar_handlers, privacy_handlers,
                             identity_handlers, dashboard_handlers], texts=texts)
    coordinator = coordinator_only(roles)
    card_actions = CardActions([*sparring.card_actions(), *documents_handlers.card_actions(),
                                *schedule_handlers.card_actions(coordinator_only=coordinator),
                                *privacy_handlers.card_actions(),
                                *identity_handlers.card_actions(coordinator_only=coordinator),
                                *library_handlers.card_actions()],
                               texts=texts, typed_commands=COMMAND_WORDS)
    async def role_of(participant: Participant | None) -> str:
        return "coordinator" if await roles.is_coordinator(participant) else "participant"

    bot = SparringBot(
        conversation_state=conversation_state, user_state=user_state, runner=runner, participants=participants,
        uow_factory=uow_factory, clock=clock, texts=texts, commands=commands, card_actions=card_actions,
        files=documents_handlers, help=HelpHandlers(texts=texts, uow_factory=uow_factory, role_of=role_of),
        understander=understander, role_of=role_of, first_reads=TurnReads(sessions, storage),
        library=library_handlers,
        allowed_tenants=settings.allowed_tenants,
        forced_locale=settings.forced_locale,
    )
    app[COMPONENTS] = Components(
        settings=settings, clock=clock, engine=engine, sessions=sessions, uow_factory=uow_factory,
        texts=texts, adapter=adapter, bot=bot, participants=participants, messenger=queued,
        sparring=sparring_service, dispatcher=dispatcher, planner=planner, documents=documents,
        exports=ExportService(uow_factory=uow_factory, zone=settings.zone, wording=texts.plain),
        retention=retention,
        overview=OverviewService(uow_factory=uow_factory, clock=clock, zone=settings.zone, schedule=schedule,
                                 reads=reads),
        # Tab single sign-on: tokens for this app from the programme's tenants only (off without both).
        sso=tab_sso or TabTokenVerifier(audiences=tab_audiences(settings.app_id, settings.public_url),
                                        tenants=settings.trusted_tenants, clock=clock),
        schedule=schedule,
    )
    app[CALENDAR_ROUTES] = CalendarRoutes(service=calendar, texts=texts, clock=clock, zone=settings.zone)
    try:
        swept = await documents.sweep()
        if swept:
            log.info("removed %d stored file(s) that no document refers to", swept)
    except OSError:
        log.warning("could not sweep the files folder", exc_info=True)
    stop = app[BACKGROUND_STOP]
    background = [asyncio.create_task(dispatcher.run_forever(stop, settings.dispatch_interval, wake)),
                  asyncio.create_task(planner.run_forever(stop, PLANNING_INTERVAL_SECONDS, wake)),
                  asyncio.create_task(retention.run_forever(stop, PLANNING_INTERVAL_SECONDS))] \
        if settings.dispatch_interval > 0 else []
    try:
        yield
    finally:
        stop.set()
        await _stop_within(background, BACKGROUND_STOP_SECONDS)
        await fetcher.close()
        await connector_http.close()
        await closing.aclose()


async def _stop_background(app: web.Application) -> None:
    # On shutdown, before aiohttp waits for requests in flight: the dispatcher stops claiming at
    # once instead of working through a backlog while the server drains.
    app[BACKGROUND_STOP].set()


async def _stop_within(tasks: list[asyncio.Task[None]], seconds: float) -> None:
    """Wait up to ``seconds`` for ``tasks`` (already told to stop), then cancel what still runs."""
    if not tasks:
        return
    _, running = await asyncio.wait(tasks, timeout=seconds)
    if running:
        log.warning("%d background task(s) did not stop within %.0f s; cancelling them", len(running), seconds)
        for task in running:
            task.cancel()
        # Cancelled, the dispatcher still hands back its unsent rows (one short statement).
        await asyncio.wait(running, timeout=seconds)
