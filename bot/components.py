"""The objects one running app is made of, built by ``bot.bootstrap`` and shared with routes."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.domain.clock import Clock
from bot.domain.ports import Messenger, UnitOfWorkFactory
from bot.domain.services.dispatcher import Dispatcher
from bot.domain.services.documents import DocumentService
from bot.domain.services.exports import ExportService
from bot.domain.services.overview import OverviewService
from bot.domain.services.participants import ParticipantService
from bot.domain.services.reminder_planner import ReminderPlanner
from bot.domain.services.retention import OutboxRetention
from bot.domain.services.schedule import ScheduleService
from bot.domain.services.sparring import SparringService
from bot.teams.activity_handler import SparringBot
from bot.texts import Catalogue
from bot.web.dashboard.sso import TabTokenVerifier


@dataclass(frozen=True)
class Components:
    """Everything wired together for one app instance."""

    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    uow_factory: UnitOfWorkFactory
    texts: Catalogue
    adapter: CloudAdapter
    bot: SparringBot
    participants: ParticipantService
    messenger: Messenger
    sparring: SparringService
    dispatcher: Dispatcher
    planner: ReminderPlanner
    documents: DocumentService
    exports: ExportService
    retention: OutboxRetention | None = None
    overview: OverviewService | None = None
    sso: TabTokenVerifier | None = None
    schedule: ScheduleService | None = None


COMPONENTS: web.AppKey[Components] = web.AppKey("components", Components)
