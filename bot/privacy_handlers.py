"""``mijn gegevens`` and ``verwijder mijn gegevens`` (AVG) in the chat."""

from __future__ import annotations

from typing import Any

from botbuilder.core import ConversationState, TurnContext, UserState

from bot.cards import adaptive_card, command_button, escape, heading, paragraph
from bot.domain.models import Participant
from bot.domain.services.privacy import PrivacyService
from bot.replies import send_card
from bot.texts import Catalogue, language_for


class PrivacyHandlers:
    """The edge of :class:`PrivacyService`."""

    COMMANDS = ("privacy", "erase", "erase_confirm")

    def __init__(self, *, service: PrivacyService, texts: Catalogue, conversation_state: ConversationState,
                 user_state: UserState):
        self._service = service
        self._texts = texts
        self._conversation_state = conversation_state
        self._user_state = user_state

    async def on_command(self, turn_context: TurnContext, participant: Participant, name: str, argument: str,
                         data: dict[str, Any]) -> None:
        """Show, confirm or carry out the erasure."""
        t, language = self._texts.text, language_for(turn_context.activity.locale)
        if name == "privacy":
            await send_card(turn_context, await self._summary_card(participant, language))
        elif name == "erase":
            await send_card(turn_context, adaptive_card(
                [paragraph(t("privacy.confirm", language), weight="Bolder")],
                [command_button(t("privacy.confirm_button", language), "erase_confirm")]))
        else:
            # Dialog and user state may hold question drafts: empty them too.
            await self._conversation_state.clear_state(turn_context)
            await self._user_state.clear_state(turn_context)
            erased_requests, erased_documents = await self._service.erase(
                participant, notice=lambda requests, documents: t("privacy.notice", "nl", requests=requests,
                                                                   documents=documents))
            await turn_context.send_activity(t("privacy.deleted", language, requests=erased_requests,
                                               documents=erased_documents))

    async def _summary_card(self, participant: Participant, language: str) -> dict[str, Any]:
        t = self._texts.text
        data = await self._service.summary(participant)
        body = [heading(t("privacy.title", language)),
                paragraph(t("privacy.profile", language, name=escape(participant.name or "-"),
                            email=escape(participant.email or "-"), locale=participant.locale or "-",
                            reminders=t("privacy.on" if participant.reminders_enabled else "privacy.off", language))),
                paragraph(f"**{t('privacy.requests', language, count=len(data.requests))}**", spacing="Medium")]
        body += [paragraph(f"#{r.id} · {escape(r.text)}", spacing="None") for r in data.requests[:20]]
        body.append(paragraph(f"**{t('privacy.documents', language, count=len(data.documents))}**", spacing="Medium"))
        body += [paragraph(f"{escape(d.file_name)} · {t(f'category.{d.category}', language)}", spacing="None")
                 for d in data.documents[:20]]
        return adaptive_card(body, [command_button(t("privacy.delete_button", language), "erase")])

