"""Runs feature dialogs on top of conversation state; ``stop``/``annuleer`` cancels any."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from botbuilder.core import ConversationState, TurnContext
from botbuilder.dialogs import ComponentDialog, Dialog, DialogSet, DialogTurnStatus


@runtime_checkable
class KnowsItsAnswers(Protocol):
    """A dialog that can tell its cards' buttons and its choices apart from other input."""

    BUTTONS: dict[str, str]  # a card button's ``dialog`` value -> the step (prompt id) it answers

    async def is_choice(self, turn_context: TurnContext, text: str) -> bool: ...


class DialogRunner:
    """Owns the dialog set; the activity handler asks it to continue or start dialogs."""

    def __init__(self, conversation_state: ConversationState, dialogs: list[Dialog] | None = None):
        self._dialogs = DialogSet(conversation_state.create_property("DialogState"))
        self._knowing: list[KnowsItsAnswers] = []
        for dialog in dialogs or []:
            self.add(dialog)

    def add(self, dialog: Dialog) -> None:
        """Register a feature dialog (done once, by the composition root)."""
        self._dialogs.add(dialog)
        if isinstance(dialog, KnowsItsAnswers):
            self._knowing.append(dialog)

    async def active_step(self, turn_context: TurnContext) -> str | None:
        """The id of the innermost running dialog (the prompt waiting for an answer), or None."""
        context = await self._dialogs.create_context(turn_context)
        instance = context.active_dialog
        step = None
        while instance is not None:
            step = instance.id
            # A component dialog keeps its own stack in its state, top first (botbuilder's ComponentDialog).
            inner = instance.state.get(ComponentDialog.persisted_dialog_state) if isinstance(instance.state, dict) \
                else None
            stack = getattr(inner, "dialog_stack", None)
            instance = stack[0] if stack else None
        return step

    async def button_fits(self, turn_context: TurnContext, button: str) -> bool:
        """True when a dialog card's button (its ``dialog`` value) answers the step now waiting."""
        step = await self.active_step(turn_context)
        return step is not None and any(d.BUTTONS.get(button) == step for d in self._knowing)

    async def is_old_choice(self, turn_context: TurnContext, text: str) -> bool:
        """True when ``text`` is one of a dialog's choices (a button of a card shown before)."""
        return any([await d.is_choice(turn_context, text) for d in self._knowing])

    async def reprompt(self, turn_context: TurnContext) -> None:
        """Ask the running step's question again, as it was first asked."""
        context = await self._dialogs.create_context(turn_context)
        await context.reprompt_dialog()

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
