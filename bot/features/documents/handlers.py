"""Files in the chat: receive attachments, ask what they are, give a receipt; examples and overviews."""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from botbuilder.core import ConversationState, TurnContext

from bot.cards import adaptive_card, heading, paragraph
from bot.domain.clock import Clock
from bot.domain.cost_split import CostSplitInvalid
from bot.domain.documents import (
    CATEGORIES,
    COST_CATEGORY,
    Consent,
    Document,
    UploadLimitReached,
    UploadRefused,
    sanitise_file_name,
)
from bot.domain.exports import EXPORTS, FORMATS
from bot.domain.localtime import format_moment
from bot.domain.models import Participant
from bot.domain.requests import NotAllowed
from bot.domain.services.documents import DocumentService, PendingUpload
from bot.domain.services.roles import Roles
from bot.domain.services.schedule import ScheduleService
from bot.domain.signed_links import LINK_LIFETIME, sign
from bot.features.documents.cards import examples_card, receipt_card, submission_form, submissions_card
from bot.features.documents.cost_cards import FIELDS, chart_texts, cost_form
from bot.features.documents.cost_cards import overview_card as cost_overview_card
from bot.features.documents.cost_chart import cost_overview_png
from bot.features.documents.downloads import FileFetcher
from bot.teams.attachments import files_in
from bot.teams.card_actions import CardAction, CardClick
from bot.teams.replies import send_card
from bot.texts import Catalogue, language_for

log = logging.getLogger(__name__)
DOCUMENT_COMMANDS = ("submit", "examples", "submissions", "costs", "export")
DOWNLOAD_TIMEOUT = aiohttp.ClientTimeout(total=120, sock_read=30)



class DocumentHandlers:
    """The edge of :class:`DocumentService`."""

    def __init__(self, *, service: DocumentService, schedule: ScheduleService, texts: Catalogue,
                 conversation_state: ConversationState, fetcher: FileFetcher,
                 clock: Clock, zone: ZoneInfo, link_secret: bytes, public_url: str, roles: Roles):
        self._service = service
        self._roles = roles
        self._schedule = schedule
        self._texts = texts
        self._pending = conversation_state.create_property("PendingUploads")
        # The kind someone said they would send ("ik wil mijn accountplan insturen"), for the next file's form.
        self._announced = conversation_state.create_property("AnnouncedKind")
        self._fetcher = fetcher
        self._clock = clock
        self._zone = zone
        self._secret = link_secret
        self._public_url = public_url.rstrip("/")

    async def on_files(self, turn_context: TurnContext, participant: Participant) -> None:
        """Each attached file: download, check, keep, and ask what it is."""
        language = language_for(turn_context.activity.locale)
        if (turn_context.activity.conversation.conversation_type or "personal") != "personal":
            await turn_context.send_activity(self._texts.text("upload.channel", language))
            return
        files = files_in(turn_context.activity)
        try:
            await self._service.admit(participant, len(files))  # before anything is fetched
        except UploadLimitReached as limit:
            log.info("participant %d is over the daily upload limit; %d file(s) not fetched", participant.id,
                     len(files))
            await turn_context.send_activity(self._texts.text(
                limit.reason_key, language, moment=format_moment(limit.retry_at, self._zone, language),
                **limit.values))
            return
        except UploadRefused as refusal:
            log.info("a message with %d files is over the per-message limit; none fetched", len(files))
            await turn_context.send_activity(self._texts.text(refusal.reason_key, language, **refusal.values))
            return
        pending: dict[str, Any] = await self._pending.get(turn_context, dict) or {}
        statuses, _ = await self._schedule.for_participant(participant)
        deadlines = [s.deadline for s in statuses if s.deadline.fulfilment.document_categories]
        suggested = next((s.deadline.id for s in statuses if not s.done and s.deadline.fulfilment.document_categories
                          and s.due_at > self._clock.now()), None)
        kind = await self._announced.get(turn_context, lambda: None)
        for name, url in files:
            try:
                self._fetcher.check(url)  # a refused source: no request, no temporary file
                upload = await self._service.receive(
                    participant, name, self._fetcher.stream(url, timeout=DOWNLOAD_TIMEOUT))
            except UploadRefused as refusal:
                await turn_context.send_activity(self._texts.text(
                    refusal.reason_key, language, **{"name": sanitise_file_name(name), **refusal.values}))
                continue
            except (aiohttp.ClientError, TimeoutError):
                log.info("download of an attachment failed")
                await turn_context.send_activity(self._texts.text("upload.failed", language, name=name))
                continue
            token = secrets.token_urlsafe(9)
            pending[token] = upload.to_json()
            await send_card(turn_context, submission_form(self._texts, language, upload, token, deadlines, suggested,
                                                          kind=kind))
        await self._pending.set(turn_context, pending)
        await self._announced.delete(turn_context)

    COMMANDS = DOCUMENT_COMMANDS

    async def on_command(self, turn_context: TurnContext, participant: Participant, name: str, argument: str,
                         data: dict[str, Any]) -> None:
        """Run one of :data:`DOCUMENT_COMMANDS`."""
        language = language_for(turn_context.activity.locale)
        kind = data.get("kind") if data.get("kind") in CATEGORIES else None  # said in plain words
        if name == "submit" and kind:
            await self._announced.set(turn_context, kind)
            await turn_context.send_activity(self._texts.text("upload.how_kind", language,
                                                              kind=self._texts.text(f"category.{kind}", language)))
        elif name == "submit":
            await turn_context.send_activity(self._texts.text("upload.how", language))
        elif name == "examples":
            examples = await self._service.examples()
            await send_card(turn_context, examples_card(self._texts, language, examples.documents, self._link,
                                                         examples.owners, kind=kind))
        elif name == "submissions":
            await self._submissions(turn_context, participant, language)
        elif name == "costs":
            await self._cost_overview(turn_context, participant, language)
        elif name == "export":
            await self._export_links(turn_context, participant, language)

    def card_actions(self) -> list[CardAction]:
        """Saving a submission form (its token must be pending in this chat) and a cost split (own document)."""
        return [CardAction("submission_save", who_may=self._pending_upload, handle=self._save,
                           refusal="submission.unknown"),
                CardAction("cost_save", who_may=self._cost_owner, handle=self._save_costs)]

    async def _export_links(self, turn_context: TurnContext, participant: Participant, language: str) -> None:
        await self._roles.require_coordinator(participant)
        # The link carries the asker's language: the file's name, sheet and headings are in it.
        links = [(self._texts.plain("export.link", language, what=self._texts.plain(f"export.what.{what}", language),
                                    format=self._texts.plain(f"export.format.{fmt}", language)),
                  self._signed(f"export-{what}-{fmt}-{language}"))
                 for what in EXPORTS for fmt in FORMATS]
        await send_card(turn_context, adaptive_card(
            [heading(self._texts.text("export.title", language)), paragraph(self._texts.text("export.hint", language))],
            [{"type": "Action.OpenUrl", "title": title, "url": url} for title, url in links]))

    async def _cost_owner(self, click: CardClick) -> bool:
        return await self._service.owns_cost_document(click.participant, document_ref=str(click.data.get("ref") or ""))

    async def _save_costs(self, click: CardClick, permit: object) -> None:
        turn_context, participant, data, language = click.turn_context, click.participant, click.data, click.language
        document_ref = str(data.get("ref") or "")
        values = {k: str(data.get(k) or "") for k in (*FIELDS, "unit")}
        try:
            await self._service.save_cost_split(participant, document_ref=document_ref, values=values)
        except NotAllowed:
            await turn_context.send_activity(self._texts.text("error.not_for_you", language))
            return
        except CostSplitInvalid as invalid:
            await send_card(turn_context, cost_form(self._texts, language, document_ref, values=values,
                                                     errors=invalid.errors, placeholders=invalid.values))
            return
        await turn_context.send_activity(self._texts.text("cost.saved", language))

    async def _cost_overview(self, turn_context: TurnContext, participant: Participant, language: str) -> None:
        overview, libraries = await self._service.cost_overview(participant)  # CoordinatorOnly for the others
        if overview is None:
            await turn_context.send_activity(self._texts.text("costs.too_few", language, count=libraries))
            return
        # Drawing takes a few hundred milliseconds of CPU: in a thread, so other turns go on meanwhile.
        png = await asyncio.to_thread(cost_overview_png, overview, chart_texts(self._texts, language, overview))
        await send_card(turn_context, cost_overview_card(self._texts, language, overview, chart_png=png))

    async def _pending_upload(self, click: CardClick) -> dict[str, Any] | None:
        """The upload the form's token names, when it waits in this chat (not an old card, not someone else's)."""
        pending: dict[str, Any] = await self._pending.get(click.turn_context, dict) or {}
        return pending.get(str(click.data.get("token") or ""))

    async def _save(self, click: CardClick, raw: dict[str, Any]) -> None:
        turn_context, participant, data, language = click.turn_context, click.participant, click.data, click.language
        pending: dict[str, Any] = await self._pending.get(turn_context, dict) or {}
        consent = Consent.PARTICIPANTS if data.get("consent") == Consent.PARTICIPANTS.value else Consent.PROJECT_TEAM
        deadline_id = str(data.get("deadline") or "") or None
        try:
            document, created = await self._service.submit(
                participant, PendingUpload(**raw), category=str(data.get("category") or ""),
                deadline_id=deadline_id, consent=consent, note=str(data.get("note") or ""))
        except NotAllowed:
            await turn_context.send_activity(self._texts.text("submission.category", language) + "?")
            return
        pending.pop(str(data["token"]))
        await self._pending.set(turn_context, pending)
        deadline = await self._schedule.deadline(document.deadline_id or "")
        await send_card(turn_context, receipt_card(self._texts, language, document, duplicate=not created,
                                                    deadline_title=deadline.title if deadline else None,
                                                    zone=self._zone))
        if created and document.category == COST_CATEGORY:
            await send_card(turn_context, cost_form(self._texts, language, document.public_ref))

    async def _submissions(self, turn_context: TurnContext, participant: Participant, language: str) -> None:
        view = await self._schedule.submissions(participant)  # CoordinatorOnly for the others
        await send_card(turn_context, submissions_card(self._texts, language, view.documents, view.deadlines,
                                                        view.names, view.missing))

    def _link(self, document: Document) -> str:
        return self._signed(f"doc-{document.id}")

    def _signed(self, subject: str) -> str:
        token = sign(subject, self._clock.now() + LINK_LIFETIME, self._secret)
        return f"{self._public_url}/files/{token}"
