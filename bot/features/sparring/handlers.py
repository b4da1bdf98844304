"""Chat commands and card actions of the sparring loop (the edge of ``SparringService``)."""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import ConversationState, TurnContext

from bot.domain.clock import Clock
from bot.domain.errors import NotReachable
from bot.domain.models import Participant
from bot.domain.ports import UnitOfWorkFactory
from bot.domain.requests import Action, Draft, InvalidTransition, NotAllowed, SparringRequest, StaleRequest, State
from bot.domain.services.sparring import InvalidQuestion, RequestView, SparringService
from bot.features.sparring.cards import (
    REFRESH_VERB,
    asker_label,
    my_requests_card,
    request_list_card,
    request_summary,
    status_card,
)
from bot.features.sparring.notifications import TeamsNotifications
from bot.teams import turn_sender
from bot.teams.card_actions import CardAction, CardClick
from bot.teams.proactive import TeamsMessenger
from bot.teams.replies import send_card
from bot.texts import Catalogue, language_for
from dialogs.question_dialog import QUESTION_DIALOG
from dialogs.runner import DialogRunner

log = logging.getLogger(__name__)
Card = dict[str, Any]
SPARRING_COMMANDS = ("ask", "mine", "assigned", "open")
# Every ``Action.Execute`` verb the cards carry, and the request action it makes: who may click
# is ``WHO_MAY[action]``, checked before anything else. A verb not listed here is refused.
CARD_VERBS: dict[str, Action] = {
    "review.approve": Action.APPROVE,
    "review.redirect": Action.REDIRECT,
    "review.myself": Action.ANSWER_MYSELF,
    "review.decline": Action.DECLINE,
    "intro.accept": Action.ACCEPT,
    "intro.decline": Action.EXPERT_DECLINE,
    "feedback.close": Action.CLOSE,
}
# ``Action.Submit`` buttons of the request lists (their verbs were command names before the registry).
WITHDRAW_VERB = "withdraw"
REVIEW_VERB = "review"
REQUEST_VERBS: dict[str, Action] = {**CARD_VERBS, WITHDRAW_VERB: Action.WITHDRAW}


class InvalidRating(Exception):
    """A feedback card came back without a score from 1 to 5."""


class SparringHandlers:
    """Turns commands (``vraag``, ``mijn vragen``, ...) and card clicks into service calls."""

    def __init__(self, *, service: SparringService, texts: Catalogue, runner: DialogRunner,
                 messenger: TeamsMessenger, conversation_state: ConversationState,
                 uow_factory: UnitOfWorkFactory, clock: Clock, notifications: TeamsNotifications,
                 reads: UnitOfWorkFactory | None = None):
        self._service = service
        self._notifications = notifications
        self._texts = texts
        self._runner = runner
        self._messenger = messenger
        self._conversation_state = conversation_state
        self._uow_factory = uow_factory
        self._reads = reads or uow_factory  # units of work that only read (no transaction)
        self._clock = clock

    async def themes(self) -> list[str]:
        """The programme's themes (the question dialog offers them)."""
        async with self._reads() as uow:
            programme = await uow.directory.programme()
        return list(programme.themes) if programme else ["Overig"]

    async def submit_draft(self, turn_context: TurnContext, draft: Draft) -> None:
        """The question dialog's last step: create the request, thank the asker."""
        participant = await self._participant(turn_context)
        language = language_for(turn_context.activity.locale)
        # The confirming activity's id makes a redelivered click create nothing new.
        key = f"{turn_context.activity.conversation.id}:{turn_context.activity.id}"
        try:
            request = await self._service.submit(participant, draft, source_key=key)
        except InvalidQuestion as error:
            await turn_context.send_activity(self._texts.text(error.key, language))
            return
        await turn_context.send_activity(self._texts.text("question.sent", language, id=request.id))

    COMMANDS = SPARRING_COMMANDS

    async def on_command(self, turn_context: TurnContext, participant: Participant, name: str,
                         argument: str, data: dict[str, Any]) -> None:
        """Run one of :data:`SPARRING_COMMANDS`."""
        language = language_for(turn_context.activity.locale)
        if name == "ask":
            await self._start_question(turn_context, participant, argument)
        elif name == "mine":
            await send_card(turn_context, my_requests_card(self._texts, language,
                                                            await self._service.mine(participant)))
        elif name == "assigned":
            requests = await self._service.waiting_for_expert(participant)
            await send_card(turn_context, request_list_card(
                self._texts, language, title=self._texts.text("assigned.title", language),
                empty=self._texts.text("assigned.none", language), requests=requests, now=self._clock.now()))
        elif name == "open":
            await self._coordinator_view(turn_context, participant, language)

    async def _start_question(self, turn_context: TurnContext, participant: Participant, argument: str) -> None:
        conversation_type = turn_context.activity.conversation.conversation_type or "personal"
        if conversation_type == "personal":
            await self._runner.begin(turn_context, QUESTION_DIALOG, {"text": argument})
            return
        # In a channel or group chat the question would be public: continue it privately.
        language = language_for(turn_context.activity.locale)
        await turn_context.send_activity(self._texts.text("question.channel_private", language))

        async def begin_privately(private_context: TurnContext) -> None:
            private_context.activity.locale = turn_context.activity.locale
            await private_context.send_activity(self._texts.text("question.channel_start", language))
            await self._runner.begin(private_context, QUESTION_DIALOG, {"text": argument})
            await self._conversation_state.save_changes(private_context)

        try:
            await self._messenger.run_in_personal_chat(participant.id, begin_privately)
        except NotReachable as error:
            log.warning("could not open a personal chat: %s", error)

    def card_actions(self) -> list[CardAction]:
        """This feature's card verbs; who may act is the request's rule (``WHO_MAY``) or coordinator-only."""
        on_request = [CardAction(verb, who_may=self._may_act, handle=self._on_click) for verb in CARD_VERBS]
        return [*on_request,
                CardAction(WITHDRAW_VERB, who_may=self._may_act, handle=self._withdraw),
                # The ``review`` button of the open list: the list itself is what may be shown.
                CardAction(REVIEW_VERB, who_may=self._open_for_coordinator, handle=self._review),
                # Teams asks for a review card's current form when a coordinator sees it.
                # Teams asks for a review card's current form when a coordinator sees it; who may is
                # the reviewers' rule, decided by the registry first like every other verb.
                CardAction(REFRESH_VERB, who_may=self._may_review, handle=self._refresh)]

    async def _may_review(self, click: CardClick) -> int:
        return await self._service.authorize(click.participant, public_ref=str(click.data.get("ref") or ""),
                                             action=Action.APPROVE)

    async def _refresh(self, click: CardClick, request_id: int) -> Card:
        """The review card as it is now: still to decide (with the current version), or what became of it.

        A decision taken elsewhere (the overview tab, another coordinator's card) thus shows on
        every coordinator's card.
        """
        language, participant = click.language, click.participant
        view = await self._service.view(request_id, actor=participant)
        if view is None:
            return status_card(self._texts.text("review.title", language, id=request_id), [],
                               self._texts.text("error.generic", language))
        if view.request.state in (State.NEW, State.SUGGESTED):
            return await self._notifications.review_card_for(view.request, language,
                                                             refresh_for=(participant.teams_id,))
        state = self._texts.text(f"state.{view.request.state.value}", language)
        assignee = view.assignee
        status = (self._texts.text("review.now_assigned", language, state=state, name=assignee.name) if assignee
                  else self._texts.text("review.now", language, state=state))
        return self._done_card(view, status, language)

    async def _may_act(self, click: CardClick) -> int:
        """The id of the request the card names, when the clicker may make the verb's action on it."""
        action = REQUEST_VERBS[click.verb]
        return await self._service.authorize(click.participant, public_ref=str(click.data.get("ref") or ""),
                                             action=action)

    async def _open_for_coordinator(self, click: CardClick) -> list[SparringRequest]:
        return await self._service.waiting_for_coordinator(click.participant)

    async def _coordinator_view(self, turn_context: TurnContext, participant: Participant, language: str) -> None:
        requests = await self._service.waiting_for_coordinator(participant)  # CoordinatorOnly for the others
        await send_card(turn_context, self._open_list(requests, language))

    def _open_list(self, requests: list[SparringRequest], language: str) -> Card:
        return request_list_card(
            self._texts, language, title=self._texts.text("open.title", language),
            empty=self._texts.text("open.none", language), requests=requests, now=self._clock.now(),
            button=self._texts.text("review.title", language, id="").replace("#", "").strip(), verb=REVIEW_VERB)

    async def _review(self, click: CardClick, requests: list[SparringRequest]) -> Card:
        wanted = str(click.data.get("ref") or "")
        match = next((r for r in requests if wanted and r.public_ref == wanted), None)
        if match is not None:
            return await self._notifications.review_card_for(match, click.language,
                                                             refresh_for=(click.participant.teams_id,))
        return self._open_list(requests, click.language)

    async def _withdraw(self, click: CardClick, request_id: int) -> str | None:
        language = click.language
        try:
            request = await self._service.withdraw(click.participant, request_id)
        except NotAllowed:
            return self._texts.text("error.not_for_you", language)
        except (InvalidTransition, StaleRequest):
            current = await self._service.get(request_id)
            state = self._texts.text(f"state.{current.state.value}", language) if current else "?"
            return self._texts.text("review.already", language, state=state)
        await click.turn_context.send_activity(
            self._texts.text("request.withdrawn_to_asker", language, id=request.id))
        return None

    async def _on_click(self, click: CardClick, request_id: int) -> Card | str:
        """An ``Action.Execute`` click the clicker may make: the card that replaces the clicked one.

        Who may click was decided first (by ``_may_act``, from the verb's action and the actor
        alone); only then are the version, the state and the inputs looked at, so only someone
        allowed to act ever gets a refreshed card.
        """
        language, participant, verb = click.language, click.participant, click.verb
        try:
            await self._act(participant, verb, request_id, _int(click.data.get("version")), click.data)
        except InvalidRating:
            return self._texts.text("feedback.invalid", language)
        except NotAllowed:
            return self._texts.text("error.not_for_you", language)
        except (InvalidTransition, StaleRequest):
            view = await self._service.view(request_id, actor=participant)
            if view is None:
                return self._texts.text("error.generic", language)
            state = self._texts.text(f"state.{view.request.state.value}", language)
            return self._done_card(view, self._texts.text("review.already", language, state=state), language)
        view = await self._service.view(request_id, actor=participant)
        if view is None:
            return self._texts.text("error.generic", language)
        return self._done_card(view, self._status(view, verb, participant, language), language)

    async def _act(self, actor: Participant, verb: str, request_id: int, version: int | None,
                   data: dict[str, Any]) -> SparringRequest:
        service = self._service
        if verb == "review.approve":
            return await service.approve(actor, request_id, version=version)
        if verb == "review.redirect":
            return await service.approve(actor, request_id, person_id=str(data.get("person") or ""), version=version)
        if verb == "review.myself":
            return await service.answer_myself(actor, request_id, version=version)
        if verb == "review.decline":
            return await service.decline(actor, request_id, note=str(data.get("note") or ""), version=version)
        if verb == "intro.accept":
            return await service.expert_accept(actor, request_id, version=version)
        if verb == "feedback.close":
            rating = _int(data.get("rating"))
            if rating is None or not 1 <= rating <= 5:
                raise InvalidRating
            return await service.close(actor, request_id, rating=rating, comment=str(data.get("comment") or ""))
        if verb == "intro.decline":
            return await service.expert_decline(actor, request_id, reason=str(data.get("reason") or ""),
                                                version=version)
        raise NotAllowed(f"unknown action {verb!r}")

    def _status(self, view: RequestView, verb: str, actor: Participant, language: str) -> str:
        t, request, assignee = self._texts.text, view.request, view.assignee
        if verb == "feedback.close":
            return t("feedback.thanks", language, rating=request.rating)
        if verb.startswith("intro."):
            return t("intro.done_accepted" if request.state is State.ACCEPTED else "intro.done_declined", language)
        if request.state is State.DECLINED:
            return t("review.done_declined", language, actor=view.actor_name, note=request.note)
        if verb == "review.myself" or (assignee and assignee.id == actor.person_id):
            return t("review.done_myself", language, actor=view.actor_name)
        return t("review.done_assigned", language, name=assignee.name if assignee else "?", actor=view.actor_name)

    def _done_card(self, view: RequestView, status: str, language: str) -> Card:
        label = asker_label(view.asker, view.asker_person)
        title = self._texts.text("review.title", language, id=view.request.id)
        return status_card(title, request_summary(self._texts, language, view.request, asker=label,
                                                   people=view.people), status)

    async def _participant(self, turn_context: TurnContext) -> Participant:
        participant = turn_sender.sender(turn_context)
        if participant is None:
            async with self._uow_factory() as uow:
                participant = await uow.participants.by_teams_id(turn_context.activity.from_property.id)
        assert participant is not None, "the handler records every sender before dialogs run"
        return participant



def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
