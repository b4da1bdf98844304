"""The activity handler: turns Teams activities into commands, dialogs and service calls."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from botbuilder.core import (
    ConversationState,
    TurnContext,
    UserState,
)
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    AdaptiveCardInvokeValue,
    ChannelAccount,
    InvokeResponse,
)
from botbuilder.schema.teams import TeamInfo

from bot.cards import CARD_CONTENT_TYPE
from bot.domain.clock import Clock
from bot.domain.models import Participant, ParticipantSeen
from bot.domain.ports import UnitOfWorkFactory
from bot.domain.services.once import first_time, welcome_key
from bot.domain.services.participants import ParticipantService
from bot.domain.understanding import Intent, Understander
from bot.domain.understanding.calendar_request import asks_for_calendar
from bot.teams import gateway as teams_gateway
from bot.teams import turn_sender
from bot.teams.attachments import files_in
from bot.teams.card_actions import CardActions
from bot.teams.command_table import CommandTable
from bot.teams.commands import ParsedCommand, parse_command
from bot.teams.proactive import address_from_turn
from bot.teams.replies import send_card
from bot.teams.typed_input import MAX_TYPED_CHARS, TooLong, clean_message, clean_values
from bot.teams.understood import (
    INTENT_COMMANDS,
    OFFER_DECLINED,
    command_data,
    guesses_card,
    offer_card,
    question_of,
)
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

    async def help(self, turn_context: TurnContext, language: str, *, unknown: bool = False) -> None: ...


# Who the sender is in the programme (``coordinator`` or ``participant``): it shifts what free text means.
RoleOf = Callable[[Participant | None], Awaitable[str]]


async def _participant_role(participant: Participant | None) -> str:
    return "participant"


class SparringBot(TeamsActivityHandler):
    """Sparringbot's Teams activity handler."""

    def __init__(
        self, *, conversation_state: ConversationState, user_state: UserState,
        runner: DialogRunner, participants: ParticipantService, uow_factory: UnitOfWorkFactory,
        clock: Clock, texts: Catalogue, commands: CommandTable, card_actions: CardActions,
        files: FileReceiver, help: HelpReplies, understander: Understander,
        role_of: RoleOf = _participant_role,
        allowed_tenants: frozenset[str] = frozenset(),
        forced_locale: str | None = None,
    ):
        super().__init__()
        self._conversation_state = conversation_state
        self._user_state = user_state
        self._runner = runner
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
        self._understander = understander  # built once, at start-up: it compiles its cues
        self._role_of = role_of

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
        await self._settle_locale(turn_context)
        if not await self._bound_input(turn_context):
            return
        await super().on_turn(turn_context)
        await self._conversation_state.save_changes(turn_context)
        await self._user_state.save_changes(turn_context)

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
        if is_click and activity.from_property and activity.from_property.id:
            known = await self._participants.by_teams_id(activity.from_property.id)
            turn_sender.remember(turn_context, known)
            if known is not None and known.locale:
                activity.locale = known.locale

    async def _bound_input(self, turn_context: TurnContext) -> bool:
        """Clean what the person typed, once, before any command parser, prompt or recognizer sees it.

        Text and card fields keep their case and accents (see ``bot.teams.typed_input``). Input over
        the limit is refused whole: the person is told the limit, nothing runs and nothing is
        stored. Returns False when the turn ends here.
        """
        activity = turn_context.activity
        if activity.type not in (ActivityTypes.message, ActivityTypes.invoke):
            return True
        try:
            typed = activity.type == ActivityTypes.message and activity.text is not None
            text = clean_message(activity.text) if typed else activity.text
            value = clean_values(activity.value)
        except TooLong:
            pass
        else:
            activity.text, activity.value = text, value
            return True
        # Logged without the text: it is what the person wrote.
        log.info("refused a %s over %d characters", activity.type, MAX_TYPED_CHARS)
        # The sender is still recorded as on any turn (it reads who wrote, not what).
        language = self._language(turn_context, await self._who_is_who(turn_context))
        message = self._texts.text("input.too_long", language, limit=_count(MAX_TYPED_CHARS, language))
        await turn_context.send_activity(message)
        if activity.type == ActivityTypes.invoke:
            # Teams shows an invoke's error on the card; the chat message is for clients that do not.
            error = AdaptiveCardInvokeResponse(status_code=400, type="application/vnd.microsoft.error",
                                               value={"code": "BadRequest", "message": message})
            await turn_context.send_activity(Activity(type=ActivityTypes.invoke_response,
                                                      value=InvokeResponse(status=200, body=error)))
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
        if verb is not None:
            reply = await self._card_actions.dispatch(turn_context=turn_context, participant=participant,
                                                      verb=verb, data=submitted)
            if isinstance(reply, dict):
                await send_card(turn_context, reply)
            return
        if submitted.get("command") and not typed:
            # A button may carry the command's argument ("ask" with the question it offered to send).
            argument = submitted.get("text") if isinstance(submitted.get("text"), str) else ""
            command: ParsedCommand | None = ParsedCommand(str(submitted["command"]), argument)
        else:
            command = parse_command(activity.text or "")
        if command and command.name == "cancel":
            cancelled = await self._runner.cancel_all(turn_context)
            await turn_context.send_activity(
                self._texts.text("cancel.done" if cancelled else "cancel.nothing", language)
            )
            return
        if participant is not None and files_in(activity):
            await self._files.on_files(turn_context, participant)
            return
        if await self._inside_dialog(turn_context, language, command, submitted, typed=typed):
            return
        if submitted.get("offer") == OFFER_DECLINED and not typed:
            await turn_context.send_activity(self._texts.text("understood.offer_declined", language))
        elif typed and command is None and await self._runner.is_old_choice(turn_context, activity.text or ""):
            # A choice button of a dialog that is no longer running ("Netwerk & Beleid" after stop).
            await turn_context.send_activity(self._texts.text("dialog.expired", language))
        elif typed and (command is None or (command.name == "hello" and command.argument)):
            # Free text ("Deadlines?", "ik wil mijn accountplan insturen", "hallo, wat kun je?").
            await self._understand(turn_context, participant, language, activity.text or "")
        else:
            await self._run(turn_context, participant, language, command, data=submitted)

    async def _inside_dialog(self, turn_context: TurnContext, language: str, command: ParsedCommand | None,
                             submitted: dict[str, Any], *, typed: bool) -> bool:
        """Give a running dialog what is its: typed answers and the buttons of the step now waiting.

        ``help`` explains the step and asks it again (the dialog stays); a dialog card's button that
        answers no waiting step (the dialog was stopped or that card was answered before) says the
        card has expired. Other buttons start something new. Returns True when the turn ends here.
        """
        step = await self._runner.active_step(turn_context)
        button = submitted.get("dialog") if not typed else None
        if step is None:
            if button is not None:
                await turn_context.send_activity(self._texts.text("dialog.expired", language))
                return True
            return False
        if typed and command is not None and command.name == "help":
            try:
                await turn_context.send_activity(self._texts.text(f"dialog.help.{step}", language))
            except KeyError:  # a step without its own explanation: the question again says enough
                log.warning("no help text for dialog step %s", step)
            await self._runner.reprompt(turn_context)
            return True
        if button is not None and not await self._runner.button_fits(turn_context, str(button)):
            await turn_context.send_activity(self._texts.text("dialog.expired_step", language))
            await self._runner.reprompt(turn_context)
            return True
        if submitted and button is None and not typed:
            return False  # another card's button: it starts something new
        return await self._runner.continue_active(turn_context)

    async def _run(self, turn_context: TurnContext, participant: Participant | None, language: str,
                   command: ParsedCommand | None, *, data: dict[str, Any]) -> None:
        """Run a command, typed exactly, clicked or understood: one code path for all three."""
        if command and command.name == "hello":
            await self._help.welcome(turn_context, participant, language)
        elif command and command.name == "help":
            await self._help.help(turn_context, language)
        elif command and command.name in self._commands and participant is not None:
            await self._commands.run(turn_context=turn_context, participant=participant, name=command.name,
                                     argument=command.argument, data=data)
        else:
            await self._help.help(turn_context, language, unknown=True)

    async def _understand(self, turn_context: TurnContext, participant: Participant | None, language: str,
                          typed: str) -> None:
        """Read free text and act on what it means, or ask "Bedoel je ...?" when not sure.

        The text reached here cleaned and bounded (``_bound_input``); the understander reads only
        its first sentences. Nothing destructive happens on a guess: erasing goes through the
        command, which asks for confirmation, and a running dialog never gets here.
        """
        if asks_for_calendar(typed) and "calendar" in self._commands:
            # "zet het in mijn agenda": the calendar link, outside the understander's intents (issue 16).
            log.info("free text read as a calendar request")
            await self._run(turn_context, participant, language, ParsedCommand("calendar"), data={})
            return
        role = await self._role_of(participant)
        understanding = self._understander.understand(typed, role=role)
        intent = understanding.intent
        # The intent and the confidence only: what was typed is the person's.
        log.info("free text read as %s (confidence %.2f)", intent, understanding.confidence)
        if not understanding.sure:
            card = guesses_card(self._texts, language, understanding, typed=typed,
                                commands=frozenset(self._commands.names), coordinator=role == "coordinator")
            if card is None:
                await self._help.help(turn_context, language, unknown=True)
            else:
                await send_card(turn_context, card)
            return
        if intent is Intent.GREETING:
            name = participant.name.split()[0] if participant and participant.name else ""
            await turn_context.send_activity(self._texts.text("understood.greeting" if name else
                                                              "understood.greeting_anonymous", language, name=name))
        elif intent is Intent.THANKS:
            await turn_context.send_activity(self._texts.text("understood.thanks", language))
        elif intent is Intent.CANCEL:
            # No dialog is running (it would have had this text); breaking off is only ever typed exactly.
            await turn_context.send_activity(self._texts.text("cancel.nothing", language))
        elif intent is Intent.ASK_QUESTION:
            await send_card(turn_context, offer_card(self._texts, language,
                                                     question=question_of(understanding, typed)))
        elif intent in INTENT_COMMANDS:
            await self._run(turn_context, participant, language, ParsedCommand(INTENT_COMMANDS[intent]),
                            data=command_data(understanding))
        else:
            await self._help.help(turn_context, language, unknown=True)

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
            await self._help.welcome(turn_context, participant, self._language(turn_context, participant),
                                     team=bool(team_id))

    async def _who_is_who(self, turn_context: TurnContext) -> Participant | None:
        """Upsert the sender, asking Teams for name and e-mail only while we lack them."""
        activity = turn_context.activity
        account = activity.from_property
        if account is None or not account.id or account.role == "bot":
            return None
        if turn_sender.looked_up(turn_context):
            known = turn_sender.sender(turn_context)
        else:
            known = await self._participants.by_teams_id(account.id)
        seen = teams_gateway.seen_from_account(
            account, tenant_id=teams_gateway.tenant_of(activity), locale=activity.locale,
            service_url=activity.service_url,
        )
        if known is None or not known.email:
            fetched = await teams_gateway.fetch_member(turn_context, account)
            if fetched is not None:
                seen = _merge(seen, fetched)
        personal = (activity.conversation.conversation_type or "personal") == "personal"
        if known is not None and _nothing_new(known, seen, activity.conversation.id if personal else None):
            participant = known  # the common case: no write at all on this turn
        else:
            participant = await self._participants.record_seen(
                seen, address_from_turn(turn_context) if personal else None)
        turn_sender.remember(turn_context, participant)
        return participant

    @staticmethod
    def _language(turn_context: TurnContext, participant: Participant | None) -> str:
        return language_for(turn_context.activity.locale or (participant.locale if participant else None))


def _count(number: int, language: str) -> str:
    """A whole number as people write it: 4.000 in Dutch, 4,000 in English."""
    written = f"{number:,}"
    return written if language == "en" else written.replace(",", ".")


def _nothing_new(known: Participant, seen: ParticipantSeen, personal_conversation: str | None) -> bool:
    """True when the activity tells nothing the participant record does not already hold."""
    if not known.active or (personal_conversation and personal_conversation != known.conversation_id):
        return False
    fields = ("tenant_id", "aad_object_id", "name", "locale", "service_url")
    if any(getattr(seen, f) and getattr(seen, f) != getattr(known, f) for f in fields):
        return False
    if seen.upn and seen.upn.strip().lower() != known.upn:
        return False
    return not seen.email or seen.email.strip().lower() == known.email


def _merge(seen: ParticipantSeen, fetched: ParticipantSeen) -> ParticipantSeen:
    """Prefer what Teams told us; keep the activity's values where Teams had none."""
    return ParticipantSeen(
        teams_id=seen.teams_id,
        tenant_id=fetched.tenant_id or seen.tenant_id,
        aad_object_id=fetched.aad_object_id or seen.aad_object_id,
        name=fetched.name or seen.name,
        email=fetched.email,  # only Teams' member API vouches for an address
        upn=fetched.upn,
        locale=seen.locale,
        service_url=seen.service_url,
    )
