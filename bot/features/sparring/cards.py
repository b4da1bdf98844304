"""Adaptive Cards of the sparring loop: confirm, review, introduce, and the overviews."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from bot.cards import Markdown, adaptive_card, card_button, escape, heading, paragraph, person_label
from bot.domain.libraries import person_label as plain_person_label
from bot.domain.libraries import who
from bot.domain.models import Participant, Person
from bot.domain.requests import Draft, Preference, SparringRequest, Suggestion
from bot.texts import Catalogue

Card = dict[str, Any]
# The verb Teams invokes to bring a review card up to date (see ``review_card``'s ``refresh_for``).
REFRESH_VERB = "review.refresh"


def _facts(pairs: Sequence[tuple[str, str]]) -> Card:
    return {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in pairs if v]}


def _execute(title: str, verb: str, request: SparringRequest, **extra: Any) -> Card:
    # Action.Execute lets Teams replace the card in place with the bot's answer.
    return {"type": "Action.Execute", "title": title, "verb": verb,
            "data": {"ref": request.public_ref, "version": request.version, **extra}}


def _show_card(title: str, body: list[Card], actions: list[Card]) -> Card:
    return {"type": "Action.ShowCard", "title": title, "card": {"type": "AdaptiveCard", "body": body,
                                                                  "actions": actions}}


def preference_label(texts: Catalogue, language: str, preference: Preference) -> str:
    """The Dutch (or English) words for a preference."""
    return texts.text(f"preference.{preference.value}", language)



def asker_label(asker: Participant | None, person: Person | None) -> Markdown:
    """How the asker is shown (escaped for card text): "Name (Library)", the directory's when linked.

    Someone outside the directory whose library is not known yet shows their e-mail address
    instead, so the coordinator can still tell who it is.
    """
    if person is not None:
        return person_label(person)
    if asker is not None and asker.library:
        return Markdown(escape(who(asker, {}).label))
    return Markdown(escape(asker.name if asker and asker.name else "?") + (
        f" ({escape(asker.email)})" if asker and asker.email else ""))


def confirm_card(texts: Catalogue, language: str, draft: Draft, themes: Sequence[str]) -> Card:
    """The editable summary of a question, with Send and Cancel."""
    t = texts.text
    body = [
        heading(t("question.confirm_title", language)),
        paragraph(t("question.confirm_hint", language), isSubtle=True),
        {"type": "Input.Text", "id": "text", "label": t("question.field.text", language), "isMultiline": True,
         "maxLength": 2000, "value": draft.text, "isRequired": True},
        {"type": "Input.ChoiceSet", "id": "theme", "label": t("question.field.theme", language),
         "value": draft.theme, "choices": [{"title": th, "value": th} for th in themes]},
        {"type": "Input.ChoiceSet", "id": "preference", "label": t("question.field.preference", language),
         "value": draft.preference.value,
         "choices": [{"title": preference_label(texts, language, p), "value": p.value} for p in Preference]},
        {"type": "Input.Text", "id": "context", "label": t("question.field.context", language),
         "isMultiline": True, "maxLength": 2000, "value": draft.context},
    ]
    actions = [
        {"type": "Action.Submit", "title": t("question.send", language), "style": "positive",
         "data": {"dialog": "question.send"}},
        {"type": "Action.Submit", "title": t("question.cancel", language), "data": {"dialog": "question.cancel"}},
    ]
    return adaptive_card(body, actions)


def _suggestion_line(suggestion: Suggestion, people: Mapping[str, Person]) -> str:
    reasons = "; ".join(escape(r) for r in suggestion.reasons[:3])
    return f"{person_label(people.get(suggestion.person_id))} · {suggestion.score:.2f}" + (
        f" · {reasons}" if reasons else "")


def request_summary(texts: Catalogue, language: str, request: SparringRequest, *, asker: str,
                    people: Mapping[str, Person]) -> list[Card]:
    """The question and its facts, as shown to the coordinator."""
    t = texts.text
    suggestions = list(request.suggestions)
    pairs = [
        (t("review.asker", language), asker),
        (t("review.theme", language), escape(request.theme)),
        (t("review.preference", language), preference_label(texts, language, request.preference)),
        (t("review.context", language), escape(request.context)),
        (t("review.suggestion", language),
         _suggestion_line(suggestions[0], people) if suggestions else t("review.none", language)),
        (t("review.alternatives", language), "\n\n".join(_suggestion_line(s, people) for s in suggestions[1:3])),
    ]
    return [paragraph(escape(request.text)), _facts(pairs)]


def review_card(texts: Catalogue, language: str, request: SparringRequest, *, asker: str,
                people: Mapping[str, Person], choices: Sequence[Person], note: str = "",
                refresh_for: Sequence[str] = ()) -> Card:
    """The coordinator's card: approve, someone else, answer myself, decline.

    Args:
        refresh_for: Teams user ids (MRIs) for whom Teams asks the bot for the card's current
            form whenever they see it (Universal Actions' ``refresh``): a decision made elsewhere
            (the overview tab, another coordinator) shows on this card too.
    """
    t = texts.text
    title = t("review.title_again" if note else "review.title", language, id=request.id)
    body = [heading(title)]
    if note:
        declined_name = person_label(people.get(request.declined_by[-1])) if request.declined_by else "?"
        body.append(paragraph(t("review.declined_note", language, name=declined_name, note=escape(note)),
                              color="Attention"))
    body += request_summary(texts, language, request, asker=asker, people=people)
    actions: list[Card] = []
    if request.suggestions:
        top = people.get(request.suggestions[0].person_id)
        # Button titles show no markdown: the name goes in as it is.
        title = texts.plain("review.approve", language, name=top.name if top else "?")
        actions.append(_execute(title, "review.approve", request))
    chooser = {"type": "Input.ChoiceSet", "id": "person", "label": t("review.choose_label", language),
               "isRequired": True, "choices": [{"title": plain_person_label(p), "value": p.id} for p in choices]}
    actions.append(_show_card(t("review.choose", language), [chooser],
                              [_execute(t("review.send_to_chosen", language), "review.redirect", request)]))
    actions.append(_execute(t("review.myself", language), "review.myself", request))
    note_input = {"type": "Input.Text", "id": "note", "label": t("review.decline_label", language),
                  "isMultiline": True, "maxLength": 1000, "isRequired": True}
    actions.append(_show_card(t("review.decline", language), [note_input],
                              [_execute(t("review.decline_send", language), "review.decline", request)]))
    card = adaptive_card(body, actions)
    if refresh_for:
        card["refresh"] = {"action": {"type": "Action.Execute", "verb": REFRESH_VERB,
                                      "data": {"ref": request.public_ref}},
                           "userIds": list(refresh_for)}
    return card


def status_card(title: str, body: list[Card], status: str) -> Card:
    """A finished card (no buttons) with a status line: what the update-in-place shows."""
    return adaptive_card([heading(title), *body, paragraph(status, weight="Bolder", color="Good")])


def intro_offer_card(texts: Catalogue, language: str, request: SparringRequest, *, asker: str) -> Card:
    """The expert's card: the question, the asker, accept or decline with a reason."""
    t = texts.text
    body = [heading(t("intro.offer_title", language, asker=asker)),
            paragraph(t("intro.offer_body", language, asker=asker)),
            paragraph(escape(request.text), style="emphasis")]
    if request.context:
        body.append(paragraph(escape(request.context), isSubtle=True))
    reason = {"type": "Input.Text", "id": "reason", "label": t("intro.decline_label", language),
              "isMultiline": True, "maxLength": 1000, "isRequired": True}
    actions = [_execute(t("intro.accept", language), "intro.accept", request),
               _show_card(t("intro.decline", language), [reason],
                          [_execute(t("intro.decline_send", language), "intro.decline", request)])]
    return adaptive_card(body, actions)


def chat_link(email: str | None) -> str | None:
    """A Teams deep link that opens a 1:1 chat with the user, when we know their address."""
    return f"https://teams.microsoft.com/l/chat/0/0?users={quote(email)}" if email else None


def introduction_card(text: str, *, button: str, email: str | None) -> Card:
    """An introduction message with a button that starts a Teams chat."""
    link = chat_link(email)
    actions = [{"type": "Action.OpenUrl", "title": button, "url": link}] if link else []
    return adaptive_card([paragraph(text)], actions)


def my_requests_card(texts: Catalogue, language: str, requests: Sequence[SparringRequest]) -> Card:
    """The asker's list, with a withdraw button per open request."""
    t = texts.text
    if not requests:
        return adaptive_card([heading(t("mine.title", language)), paragraph(t("mine.none", language))])
    body: list[Card] = [heading(t("mine.title", language))]
    actions: list[Card] = []
    for request in requests[:20]:
        body.append(paragraph(f"**#{request.id}** · {t(f'state.{request.state.value}', language)} · "
                              f"{request.created_at:%d-%m-%Y}", spacing="Medium"))
        body.append(paragraph(escape(_shorten(request.text)), isSubtle=True, spacing="None"))
        if request.is_open and len(actions) < 5:
            actions.append(card_button(texts.plain("mine.withdraw", language, id=request.id), "withdraw",
                                          ref=request.public_ref))
    return adaptive_card(body, actions)


def request_list_card(texts: Catalogue, language: str, *, title: str, empty: str,
                      requests: Sequence[SparringRequest], now: datetime, button: str | None = None,
                      verb: str = "review") -> Card:
    """A list of requests with their age (coordinator's and expert's overviews)."""
    if not requests:
        return adaptive_card([heading(title), paragraph(empty)])
    body: list[Card] = [heading(title)]
    actions: list[Card] = []
    for request in requests[:20]:
        days = (now - request.created_at).days
        age = texts.text("open.age_today", language) if days < 1 else texts.text("open.age", language, days=days)
        body.append(paragraph(f"**#{request.id}** · {escape(request.theme)} · {age}", spacing="Medium"))
        body.append(paragraph(escape(_shorten(request.text)), isSubtle=True, spacing="None"))
        if button and len(actions) < 5:
            actions.append(card_button(f"{button} #{request.id}", verb, ref=request.public_ref))
    return adaptive_card(body, actions)


def _shorten(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
