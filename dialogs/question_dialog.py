"""The ``vraag`` dialog: question → theme → preference → context → editable confirmation card.

Thin by design: it prompts and validates; creating and routing the request is the service's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.dialogs import ComponentDialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext
from botbuilder.dialogs.choices import Choice, ListStyle
from botbuilder.dialogs.prompts import (
    ChoicePrompt,
    PromptOptions,
    PromptRecognizerResult,
    PromptValidatorContext,
    TextPrompt,
)

from bot.domain.requests import MAX_CONTEXT_CHARS, Draft, Preference, question_problem
from bot.texts import Catalogue, language_for

QUESTION_DIALOG = "question"
SKIP_WORDS = {"nee", "no", "geen", "-", "nvt", "n.v.t.", "skip", "overslaan"}

# A choice is a few words; an answer much longer than the longest choice is none of them.
MIN_CHOICE_ANSWER_CHARS = 100

ThemesProvider = Callable[[], Awaitable[list[str]]]
Submit = Callable[[TurnContext, Draft], Awaitable[None]]
# (language, draft, themes) -> the editable confirmation card; a feature's card, injected by the
# composition root so that dialogs import nothing of the bot's edge.
ConfirmCard = Callable[[str, Draft, list[str]], dict[str, Any]]
# question -> the theme it is clearly about, or None (the understanding layer's suggestion).
SuggestTheme = Callable[[str], str | None]


def _no_suggestion(question: str) -> None:
    return None


class ShortAnswerChoicePrompt(ChoicePrompt):
    """A ``ChoicePrompt`` that hands only short answers to the SDK's recognizers.

    Recognizers-Text (numbers, ordinals) takes time that grows with the square of the text: a
    long reply would hold the event loop for seconds. A reply longer than any choice can be is
    simply not one of the choices, so the prompt asks again without recognising anything.
    """

    async def on_recognize(self, turn_context: TurnContext, state: dict[str, object],
                           options: PromptOptions) -> PromptRecognizerResult:
        """Recognise the reply as one of the choices, unless it is too long to be one."""
        choices = options.choices if options and options.choices else []
        longest = max((len(str(getattr(c, "value", c))) for c in choices), default=0)
        if len(turn_context.activity.text or "") > max(MIN_CHOICE_ANSWER_CHARS, 2 * longest):
            return PromptRecognizerResult()
        return await super().on_recognize(turn_context, state, options)


class QuestionDialog(ComponentDialog):
    """Collects a sparring question and hands the confirmed draft to ``submit``.

    Args:
        texts: The text catalogue.
        themes: The programme's themes, offered as choices.
        submit: Called with the confirmed draft.
        confirm_card: Builds the editable confirmation card; its buttons answer with
            ``{"dialog": "question.send"}`` or ``{"dialog": "question.cancel"}``.
        suggest_theme: The theme a question is clearly about; then the theme is not asked but
            pre-selected on the confirmation card (where it can still be changed).
    """

    # The confirmation card's buttons and the step they answer (``dialogs.runner.KnowsItsAnswers``).
    BUTTONS = {"question.send": "question.confirm", "question.cancel": "question.confirm"}

    def __init__(self, *, texts: Catalogue, themes: ThemesProvider, submit: Submit, confirm_card: ConfirmCard,
                 suggest_theme: SuggestTheme = _no_suggestion):
        super().__init__(QUESTION_DIALOG)
        self._suggest_theme = suggest_theme
        self._texts = texts
        self._themes = themes
        self._submit = submit
        self._confirm_card = confirm_card
        self.add_dialog(TextPrompt("question.text", self._validate_question))
        self.add_dialog(ShortAnswerChoicePrompt("question.theme", default_locale="en-us"))
        self.add_dialog(ShortAnswerChoicePrompt("question.preference", default_locale="en-us"))
        self.add_dialog(TextPrompt("question.context", self._validate_context))
        self.add_dialog(TextPrompt("question.confirm", self._validate_confirm))
        self.add_dialog(WaterfallDialog("question.steps", [
            self._ask_text, self._ask_theme, self._ask_preference, self._ask_context, self._confirm, self._finish,
        ]))
        self.initial_dialog_id = "question.steps"

    def _language(self, turn_context: TurnContext) -> str:
        return language_for(turn_context.activity.locale)

    def _retry(self, key: str, language: str) -> str:
        """A step's "that does not fit" text, with the way out (help, stop) after it."""
        return self._texts.text(key, language) + " " + self._texts.text("dialog.way_out", language)

    async def is_choice(self, turn_context: TurnContext, text: str) -> bool:
        """True when ``text`` is a theme or a preference as the choice buttons send them."""
        wanted = " ".join(text.split()).casefold()
        if not wanted or len(wanted) > MIN_CHOICE_ANSWER_CHARS:
            return False
        labels = {self._texts.text(f"preference.{p.value}", lang) for p in Preference for lang in ("nl", "en")}
        return wanted in {label.casefold() for label in [*labels, *await self._themes()]}

    async def _ask_text(self, step: WaterfallStepContext) -> DialogTurnResult:
        options = step.options if isinstance(step.options, dict) else {}
        draft = options.get("draft")
        if draft:  # back from a refused confirmation: keep everything, show the card again
            step.values.update(draft)
            return await step.next(draft["text"])
        given = (options.get("text") or "").strip()
        if given and question_problem(given) is None:
            return await step.next(given)
        language = self._language(step.context)
        prompt = self._texts.text("question.prompt", language)
        if given:
            prompt = self._texts.text(question_problem(given) or "question.prompt", language) + "\n\n" + prompt
        return await step.prompt("question.text", PromptOptions(prompt=MessageFactory.text(prompt)))

    async def _ask_theme(self, step: WaterfallStepContext) -> DialogTurnResult:
        step.values["text"] = " ".join(str(step.result).split())
        if "theme" in step.values:
            return await step.next(None)
        themes = await self._themes()
        suggested = (self._suggest_theme(step.values["text"]) or "").casefold()
        clear = next((theme for theme in themes if theme.casefold() == suggested), None)
        if clear is not None:  # clear from the question: not asked, pre-selected on the confirmation card
            step.values["theme"] = clear
            return await step.next(None)
        language = self._language(step.context)
        return await step.prompt("question.theme", PromptOptions(
            prompt=MessageFactory.text(self._texts.text("question.theme_prompt", language)),
            retry_prompt=MessageFactory.text(self._retry("question.theme_retry", language)),
            choices=[Choice(theme) for theme in themes], style=ListStyle.hero_card,
        ))

    async def _ask_preference(self, step: WaterfallStepContext) -> DialogTurnResult:
        if step.result is not None:
            step.values["theme"] = step.result.value
        if "preference" in step.values:
            return await step.next(None)
        language = self._language(step.context)
        return await step.prompt("question.preference", PromptOptions(
            prompt=MessageFactory.text(self._texts.text("question.preference_prompt", language)),
            retry_prompt=MessageFactory.text(self._retry("question.preference_retry", language)),
            choices=[Choice(self._texts.text(f"preference.{p.value}", language)) for p in Preference],
            style=ListStyle.hero_card,
        ))

    async def _ask_context(self, step: WaterfallStepContext) -> DialogTurnResult:
        if step.result is not None:
            step.values["preference"] = list(Preference)[step.result.index].value
        if "context" in step.values:
            return await step.next(step.values["context"])
        language = self._language(step.context)
        return await step.prompt("question.context", PromptOptions(
            prompt=MessageFactory.text(self._texts.text("question.context_prompt", language)),
            retry_prompt=MessageFactory.text(self._retry("question.context_too_long", language)),
        ))

    async def _confirm(self, step: WaterfallStepContext) -> DialogTurnResult:
        context = " ".join(str(step.result or "").split())
        step.values["context"] = "" if context.lower() in SKIP_WORDS else context
        language = self._language(step.context)
        card = self._confirm_card(language, _draft(step.values), await self._themes())
        return await step.prompt("question.confirm", PromptOptions(
            prompt=MessageFactory.attachment(CardFactory.adaptive_card(card)),
            retry_prompt=MessageFactory.text(self._retry("question.confirm_waiting", language)),
        ))

    async def _finish(self, step: WaterfallStepContext) -> DialogTurnResult:
        value = step.context.activity.value or {}
        language = self._language(step.context)
        if value.get("dialog") != "question.send":
            await step.context.send_activity(self._texts.text("cancel.done", language))
            return await step.end_dialog()
        edited = {
            "text": " ".join(str(value.get("text", step.values["text"])).split()),
            "theme": str(value.get("theme") or step.values["theme"]),
            "preference": _preference(value.get("preference"), step.values["preference"]),
            "context": " ".join(str(value.get("context", "")).split()),
        }
        themes = await self._themes()
        if edited["theme"] not in themes:
            edited["theme"] = step.values["theme"]
        problem = question_problem(edited["text"])
        if problem is None and len(edited["context"]) > MAX_CONTEXT_CHARS:
            problem = "question.context_too_long"  # said and shown again, never cut off unseen
        if problem:
            await step.context.send_activity(self._texts.text(problem, language))
            return await step.replace_dialog(self.initial_dialog_id, {"draft": edited})
        await self._submit(step.context, _draft(edited))
        return await step.end_dialog()

    async def _validate_question(self, prompt: PromptValidatorContext) -> bool:
        text = prompt.recognized.value if prompt.recognized.succeeded else ""
        problem = question_problem(text or "")
        if problem:
            language = self._language(prompt.context)
            await prompt.context.send_activity(self._retry(problem, language))
            return False
        return True

    async def _validate_context(self, prompt: PromptValidatorContext) -> bool:
        return prompt.recognized.succeeded and len(prompt.recognized.value or "") <= MAX_CONTEXT_CHARS

    async def _validate_confirm(self, prompt: PromptValidatorContext) -> bool:
        # Only the card's buttons answer this step; typed text re-prompts.
        value = prompt.context.activity.value
        return isinstance(value, dict) and value.get("dialog") in ("question.send", "question.cancel")


def _preference(value: object, fallback: str) -> str:
    return value if value in {p.value for p in Preference} else fallback  # type: ignore[return-value]


def _draft(values: dict) -> Draft:  # type: ignore[type-arg]
    return Draft(text=values["text"], theme=values["theme"], preference=Preference(values["preference"]),
                 context=values.get("context", ""))
