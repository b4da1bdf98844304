"""The activity handler: turns Teams activities into commands, dialogs and service calls."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from botbuilder.core import (
    ConversationState,
    TurnContext,
    UserState,
)
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import (
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    AdaptiveCardInvokeValue,
    ChannelAccount,
)
from botbuilder.schema.teams import TeamInfo

from bot.cards import CARD_CONTENT_TYPE
from bot.domain.clock import Clock
from bot.domain.models import Participant
from bot.domain.ports import UnitOfWorkFactory
from bot.domain.services.once import first_time, welcome_key
from bot.domain.services.participants import ParticipantService
from bot.domain.understanding import Understander
from bot.teams import gateway as teams_gateway
from bot.teams.attachments import files_in
from bot.teams.card_actions import CardActions
from bot.teams.command_table import CommandTable
from bot.teams.commands import ParsedCommand, parse_command
from bot.teams.dialog_turns import DialogTurns
from bot.teams.free_text import FreeTextReplies, RoleOf, participant_role
from bot.teams.input_bounds import clean_in_place, refuse_too_long
from bot.teams.library_prompt import LibraryPrompt, NeverAsk, ask_library_if_due
from bot.teams.replies import send_card
from bot.teams.turn_sender import SenderAndState, Senders
from bot.teams.understood import OFFER_DECLINED
from bot.texts import Catalogue, language_for
from dialogs.runner import DialogRunner

log = logging.getLogger(__name__)
MESSAGE_CONTENT_TYPE = "application/vnd.microsoft.activity.message"


class FileReceiver(Protocol):
    """What takes the files someone sends (the documents feature)."""

    async def on_files(self, turn_context: TurnContext, participant: Participant) -> None: ...


class HelpReplies(Protocol):
    """The welcome and the help card (the help feature)."""

    async def welcome(self, turn_context: TurnContext, participant: Participant | None, language: str, *,
                      team: bool = False) -> None: ...

    async def help(self, turn_context: TurnContext, language: str, *, unknown: bool = False,
                   participant: Participant | None = None) -> None: ...


class SparringBot(TeamsActivityHandler):
    """Sparringbot's Teams activity handler."""

    def __init__(
        self, *, conversation_state: ConversationState, user_state: UserState,
        runner: DialogRunner, participants: ParticipantService, uow_factory: UnitOfWorkFactory,
        clock: Clock, texts: Catalogue, commands: CommandTable, card_actions: CardActions,
        files: FileReceiver, help: HelpReplies, understander: Understander,
        role_of: RoleOf = participant_role, first_reads: SenderAndState | None = None,
        library: LibraryPrompt | None = None,
        allowed_tenants: frozenset[str] = frozenset(),
        forced_locale: str | None = None,
    ):
        super().__init__()
        self._library = library or NeverAsk()
        self._conversation_state = conversation_state
        self._user_state = user_state
        self._participants = participants
        self._uow_factory = uow_factory
        self._clock = clock
        self._texts = texts
        self._allowed_tenants = allowed_tenants
        self._files = files  # attachments: files are neither commands nor card actions
        self._help = help
        self._commands = commands
        self._card_actions = card_actions
        self._forced_locale = forced_locale
        self._senders = Senders(participants, first_reads)
        self._dialogs = DialogTurns(runner=runner, texts=texts)
        self._free_text = FreeTextReplies(texts=texts, understander=understander, role_of=role_of, help=help,
                                          commands=frozenset(commands.names), run=self._run_understood,
                                          library=self._library)

    @property
    def commands(self) -> tuple[str, ...]:
        """Every typed command a feature answers."""
        return self._commands.names

    @property
    def card_verbs(self) -> tuple[str, ...]:
        """Every card action verb (``Action.Execute`` and ``Action.Submit`` alike)."""
        return self._card_actions.verbs

    async def on_turn(self, turn_context: TurnContext) -> None:
        """Refuse foreign tenants before anything is stored; save state once, after the turn."""
        if not self._tenant_allowed(turn_context):
            return
        try:
            if turn_context.activity.type in (ActivityTypes.message, ActivityTypes.invoke):
                await self._senders.read_first(turn_context, self._state_keys(turn_context))
            await self._settle_locale(turn_context)
            if not await self._bound_input(turn_context):
                return
            await super().on_turn(turn_context)
            await self._conversation_state.save_changes(turn_context)
            await self._user_state.save_changes(turn_context)
        finally:
            self._senders.turn_ended()

    def _state_keys(self, turn_context: TurnContext) -> list[str]:
        """The conversation state's key, which nearly every message and click loads (none without a conversation)."""
        activity = turn_context.activity
        if not activity.channel_id or not activity.conversation or not activity.conversation.id:
            return []
        return [self._conversation_state.get_storage_key(turn_context)]

    async def _settle_locale(self, turn_context: TurnContext) -> None:
        """Decide the turn's language once; everything downstream reads ``activity.locale``.

        A configured LANGUAGE wins (the Agents Playground always says en-US). Otherwise card
        clicks speak the language of the user's typed messages, because some clients send
        button clicks with a default locale.
        """
        activity = turn_context.activity
        if self._forced_locale:
            activity.locale = self._forced_locale
            return
        is_click = activity.type == "invoke" or (activity.type == "message" and activity.value and not activity.text)
        if is_click:
            known = await self._senders.look_up(turn_context)
            if known is not None and known.locale:
                activity.locale = known.locale

    async def _bound_input(self, turn_context: TurnContext) -> bool:
        """Clean what the person sent, once, before any parser, prompt or recognizer sees it.

        Input over the limit is refused whole (``bot.teams.input_bounds``). Returns False when the
        turn ends here.
        """
        if clean_in_place(turn_context.activity):
            return True
        # The sender is still recorded as on any turn (it reads who wrote, not what).
        language = self._language(turn_context, await self._who_is_who(turn_context))
        await refuse_too_long(turn_context, self._texts, language)
        return False

    def _tenant_allowed(self, turn_context: TurnContext) -> bool:
        if not self._allowed_tenants:
            return True
        tenant = teams_gateway.tenant_of(turn_context.activity)
        if tenant in self._allowed_tenants:
            return True
        log.warning("refused activity type=%s from tenant=%s (not in ALLOWED_TENANTS)",
                    turn_context.activity.type, tenant)
        return False

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """Typed text and card submits: cancel, continue a dialog, run a card action or a command."""
        participant = await self._who_is_who(turn_context)
        language = self._language(turn_context, participant)
        activity = turn_context.activity
        submitted = activity.value if isinstance(activity.value, dict) else {}
        typed = bool((activity.text or "").strip())
        verb = None if typed else self._card_actions.verb_of_submit(submitted)
        if submitted.get("command") and not typed:
            # A button may carry the command's argument ("ask" with the question it offered to send).
            argument = submitted.get("text") if isinstance(submitted.get("text"), str) else ""
            command: ParsedCommand | None = ParsedCommand(str(submitted["command"]), argument)
        else:
            command = parse_command(activity.text or "")
        await ask_library_if_due(self._library, turn_context, participant, language,
                                 verb=verb, command=command, submitted=submitted, typed=typed)
        if verb is not None:
            reply = await self._card_actions.dispatch(turn_context=turn_context, participant=participant,
                                                      verb=verb, data=submitted)
            if isinstance(reply, dict):
                await send_card(turn_context, reply)
            return
        if command and command.name == "cancel":
            await self._dialogs.cancel(turn_context, language)
            return
        if participant is not None and files_in(activity):
            await self._files.on_files(turn_context, participant)
            return
        if await self._dialogs.take(turn_context, language, command, submitted, typed=typed):
            return
        if submitted.get("offer") == OFFER_DECLINED and not typed:
            await turn_context.send_activity(self._texts.text("understood.offer_declined", language))
        elif typed and command is None and await self._dialogs.old_choice(turn_context, language, activity.text or ""):
            return  # a choice button of a dialog that is no longer running: said so
        elif typed and (command is None or (command.name == "hello" and command.argument)):
            # Free text ("Deadlines?", "ik wil mijn accountplan insturen", "hallo, wat kun je?").
            await self._free_text.answer(turn_context, participant, language, activity.text or "")
        else:
            await self._run(turn_context, participant, language, command, data=submitted)

    async def _run(self, turn_context: TurnContext, participant: Participant | None, language: str,
                   command: ParsedCommand | None, *, data: dict[str, Any]) -> None:
        """Run a command, typed exactly, clicked or understood: one code path for all three."""
        if command and command.name == "hello":
            await self._help.welcome(turn_context, participant, language)
        elif command and command.name == "help":
            await self._help.help(turn_context, language, participant=participant)
        elif command and command.name in self._commands and participant is not None:
            await self._commands.run(turn_context=turn_context, participant=participant, name=command.name,
                                     argument=command.argument, data=data)
        else:
            await self._help.help(turn_context, language, unknown=True, participant=participant)

    async def _run_understood(self, turn_context: TurnContext, participant: Participant | None, language: str,
                              command: ParsedCommand, data: dict[str, Any]) -> None:
        await self._run(turn_context, participant, language, command, data=data)

    async def on_adaptive_card_invoke(  # type: ignore[override]
        self, turn_context: TurnContext, invoke_value: AdaptiveCardInvokeValue
    ) -> AdaptiveCardInvokeResponse:
        """An ``Action.Execute`` click: act, then answer with the card that replaces it.

        A refused click keeps its card and answers with an error, which Teams shows on it.
        """
        participant = await self._who_is_who(turn_context)
        action = invoke_value.action if isinstance(invoke_value.action, dict) else {}
        data = action.get("data") if isinstance(action.get("data"), dict) else {}
        result = await self._card_actions.dispatch(turn_context=turn_context, participant=participant,
                                                   verb=str(action.get("verb") or ""), data=data)
        if isinstance(result, dict):
            return AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE, value=result)
        if result is None:  # the handler answered in the chat; the card stays as it is
            return AdaptiveCardInvokeResponse(status_code=200, type=MESSAGE_CONTENT_TYPE, value="")
        return AdaptiveCardInvokeResponse(status_code=400, type="application/vnd.microsoft.error",
                                          value={"code": "BadRequest", "message": result})

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        """Installed in a personal chat, group chat or team: record people and welcome."""
        await self._on_bot_added(turn_context)

    async def on_teams_members_added(  # type: ignore[override]
        self, teams_members_added: list[Any], team_info: TeamInfo, turn_context: TurnContext
    ) -> None:
        """Record new team members; welcome when the bot itself was added."""
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if any(member.id == bot_id for member in teams_members_added):
            await self._on_bot_added(turn_context)
            return
        tenant = teams_gateway.tenant_of(activity)
        seen = []
        for member in teams_members_added:
            fetched = await teams_gateway.fetch_member(turn_context, ChannelAccount(id=member.id))
            seen.append(fetched or teams_gateway.seen_from_account(
                member, tenant_id=tenant, service_url=activity.service_url))
        await self._participants.record_roster(seen)

    async def on_teams_members_removed(  # type: ignore[override]
        self, teams_members_removed: list[Any], team_info: TeamInfo, turn_context: TurnContext
    ) -> None:
        """Members who left the team are deactivated, never deleted."""
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        removed = [m.id for m in teams_members_removed if m.id != bot_id]
        count = await self._participants.record_removed(removed)
        log.info("deactivated %d participant(s) who left the team", count)

    async def _on_bot_added(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        team_id = teams_gateway.team_id_of(activity)
        if team_id:
            members = await teams_gateway.read_team_roster(turn_context, team_id)
            count = await self._participants.record_roster(members)
            log.info("recorded %d member(s) of the programme team", count)
            participant = None
        else:
            participant = await self._who_is_who(turn_context)
        if await first_time(self._uow_factory, self._clock, welcome_key(activity.conversation.id)):
            language = self._language(turn_context, participant)
            await self._help.welcome(turn_context, participant, language, team=bool(team_id))
            if not team_id:  # first contact in the personal chat: who is this, for the overviews
                await self._library.maybe_ask(turn_context, participant, language)

    async def _who_is_who(self, turn_context: TurnContext) -> Participant | None:
        return await self._senders.who_is_who(turn_context)

    @staticmethod
    def _language(turn_context: TurnContext, participant: Participant | None) -> str:
        return language_for(turn_context.activity.locale or (participant.locale if participant else None))

