"""Runs feature dialogs on top of conversation state; ``stop``/``annuleer`` cancels any."""

from __future__ import annotations

from botbuilder.core import ConversationState, TurnContext
from botbuilder.dialogs import Dialog, DialogSet, DialogTurnStatus


class DialogRunner:
    """Owns the dialog set; the activity handler asks it to continue or start dialogs."""

    def __init__(self, conversation_state: ConversationState, dialogs: list[Dialog] | None = None):
        self._dialogs = DialogSet(conversation_state.create_property("DialogState"))
        for dialog in dialogs or []:
            self._dialogs.add(dialog)

    def add(self, dialog: Dialog) -> None:
        """Register a feature dialog (done once, by the composition root)."""
        self._dialogs.add(dialog)

    async def continue_active(self, turn_context: TurnContext) -> bool:
        """Continue a running dialog; True when one consumed this activity."""
        context = await self._dialogs.create_context(turn_context)
        if context.active_dialog is None:
            return False
        result = await context.continue_dialog()
        return result.status != DialogTurnStatus.Empty

    async def begin(self, turn_context: TurnContext, dialog_id: str, options: object = None) -> None:
        """Start ``dialog_id``, replacing whatever ran before."""
        context = await self._dialogs.create_context(turn_context)
        await context.cancel_all_dialogs()
        await context.begin_dialog(dialog_id, options)

    async def cancel_all(self, turn_context: TurnContext) -> bool:
        """Cancel every running dialog; True when something was running."""
        context = await self._dialogs.create_context(turn_context)
        if context.active_dialog is None:
            return False
        await context.cancel_all_dialogs()
        return True
