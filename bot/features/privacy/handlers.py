"""``mijn gegevens`` and ``verwijder mijn gegevens`` (AVG) in the chat, and the notices an erasure sends."""

from __future__ import annotations

from typing import Any

from botbuilder.core import ConversationState, TurnContext, UserState

from bot.cards import adaptive_card, card_button, command_button, escape, heading, paragraph
from bot.domain.models import OutgoingMessage, Participant
from bot.domain.outbox import OutboxMessage
from bot.domain.ports import UnitOfWorkFactory
from bot.domain.services.once import welcome_key
from bot.domain.services.privacy import ERASURE_NOTICE, REQUEST_WITHDRAWN, PrivacyService
from bot.teams.card_actions import CardAction, CardClick, anyone
from bot.teams.replies import send_card
from bot.texts import Catalogue, language_for


class PrivacyHandlers:
    """The edge of :class:`PrivacyService`."""

    COMMANDS = ("privacy", "erase")

    def __init__(self, *, service: PrivacyService, texts: Catalogue, conversation_state: ConversationState,
                 user_state: UserState, retention_days: int = 30):
        self._service = service
        self._texts = texts
        self._conversation_state = conversation_state
        self._user_state = user_state
        self._retention_days = retention_days

    async def on_command(self, turn_context: TurnContext, participant: Participant, name: str, argument: str,
                         data: dict[str, Any]) -> None:
        """Show, confirm or carry out the erasure."""
        t, language = self._texts.text, language_for(turn_context.activity.locale)
        if name == "privacy":
            await send_card(turn_context, await self._summary_card(participant, language))
        elif name == "erase":
            await send_card(turn_context, adaptive_card(
                [paragraph(t("privacy.confirm", language), weight="Bolder")],
                [card_button(t("privacy.confirm_button", language), "erase_confirm")]))

    def card_actions(self) -> list[CardAction]:
        """``erase_confirm``: anyone may erase their own data (the clicker's, whatever the card says)."""
        return [CardAction("erase_confirm", who_may=anyone, handle=self._erase)]

    async def _erase(self, click: CardClick, permit: object) -> None:
        turn_context, participant = click.turn_context, click.participant
        t, language = self._texts.text, click.language
        channel_keys, once_keys = self._keys_of(turn_context, participant)
        erased = await self._service.erase(participant, channel_keys=channel_keys, once_keys=once_keys)
        # The erasure deleted the stored state (dialog drafts included) in its transaction; drop this
        # turn's copies too, or saving them at the end of the turn would write the documents again.
        for state in (self._conversation_state, self._user_state):
            await state.load(turn_context)
            await state.delete(turn_context)
        await turn_context.send_activity(t("privacy.deleted", language, requests=erased.requests,
                                           documents=erased.documents))

    def _keys_of(self, turn_context: TurnContext, participant: Participant) -> tuple[list[str], list[str]]:
        """The state documents and once-keys that name the person: their user, this conversation and
        their personal chat (where proactive messages go)."""
        activity = turn_context.activity
        conversations = [c for c in dict.fromkeys((activity.conversation.id, participant.conversation_id)) if c]
        channel_keys = [self._user_state.get_storage_key(turn_context),
                        self._conversation_state.get_storage_key(turn_context),
                        # The SDK's key layouts (ConversationState, UserState), for the other conversation.
                        f"{activity.channel_id}/users/{participant.teams_id}",
                        *(f"{activity.channel_id}/conversations/{c}" for c in conversations)]
        return list(dict.fromkeys(channel_keys)), [welcome_key(c) for c in conversations]

    async def _summary_card(self, participant: Participant, language: str) -> dict[str, Any]:
        t = self._texts.text
        data = await self._service.summary(participant)
        participant = data.participant  # as stored now: a library given earlier in this turn shows
        body = [heading(t("privacy.title", language)),
                paragraph(t("privacy.profile", language, name=escape(participant.name or "-"),
                            email=escape(participant.email or "-"), locale=participant.locale or "-",
                            reminders=t("privacy.on" if participant.reminders_enabled else "privacy.off", language))),
                paragraph(t("privacy.library", language, library=data.library) if data.library
                          else t("privacy.library_unknown", language), spacing="None"),
                paragraph(f"**{t('privacy.requests', language, count=len(data.requests))}**", spacing="Medium")]
        body += [paragraph(f"#{r.id} · {escape(r.text)}", spacing="None") for r in data.requests[:20]]
        body.append(paragraph(f"**{t('privacy.documents', language, count=len(data.documents))}**", spacing="Medium"))
        body += [paragraph(f"{escape(d.file_name)} · {t(f'category.{d.category}', language)}", spacing="None")
                 for d in data.documents[:20]]
        body.append(paragraph(t("privacy.kept", language, days=self._retention_days), isSubtle=True,
                              spacing="Medium"))
        actions = [command_button(t("privacy.delete_button", language), "erase")]
        if participant.person_id is None:  # someone in the directory: the coordinator keeps their organisation
            # The identity feature's verb (``library_form``): features share verbs, not code.
            actions.append(card_button(t("privacy.library_button", language), "library_form"))
        return adaptive_card(body, actions)


class PrivacyComposers:
    """``composers`` for the dispatcher: the notices an erasure plans, in each recipient's language."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, texts: Catalogue):
        self._uow_factory = uow_factory
        self._texts = texts

    def mapping(self) -> dict[str, Any]:
        """Kind → composer."""
        return {ERASURE_NOTICE: self.erasure_notice, REQUEST_WITHDRAWN: self.request_withdrawn}

    async def erasure_notice(self, message: OutboxMessage) -> OutgoingMessage | None:
        """To a coordinator: someone had their data deleted (counts only)."""
        language = await self._language(message)
        return OutgoingMessage(text=self._texts.text("privacy.notice", language,
                                                     requests=int(message.payload.get("requests", 0)),
                                                     documents=int(message.payload.get("documents", 0))))

    async def request_withdrawn(self, message: OutboxMessage) -> OutgoingMessage | None:
        """To the expert of an erased person's open request: it is off (its number only)."""
        language = await self._language(message)
        return OutgoingMessage(text=self._texts.text("privacy.request_withdrawn", language,
                                                     id=int(message.payload.get("request_id", 0))))

    async def _language(self, message: OutboxMessage) -> str:
        async with self._uow_factory() as uow:
            recipient = await uow.participants.get(message.recipient_id)
        return language_for(recipient.locale if recipient else None)
