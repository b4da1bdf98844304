"""Adaptive Cards of account linking: the coordinator's "X says to be Y — link?" card."""

from __future__ import annotations

from typing import Any

from bot.cards import adaptive_card, escape, heading, paragraph, person_label
from bot.domain.linking import fold_name
from bot.domain.models import LinkProposal, Participant, Person
from bot.texts import Catalogue

Card = dict[str, Any]
CONFIRM_VERB = "link.confirm"
REJECT_VERB = "link.reject"


def proposal_card(texts: Catalogue, language: str, proposal: LinkProposal, *, participant: Participant,
                  person: Person) -> Card:
    """The proposal with what Teams reports about the account, and confirm / reject.

    The exact display name is shown (escaped), with a warning when it only folds to the
    directory name (case, accents, invisible characters): a look-alike must look different here.
    """
    t = texts.text
    teams_name = proposal.teams_name or participant.name or "?"
    label = person_label(person)
    facts = [(t("link.teams_name", language), escape(teams_name)),
             (t("link.teams_email", language), escape(participant.email or participant.upn)
              or t("link.no_email", language)),
             (t("link.directory", language), label)]
    body: list[Card] = [
        heading(t("link.proposal_title", language)),
        paragraph(t("link.proposal_body", language, teams_name=escape(teams_name), person=label)),
        {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in facts]},
    ]
    if teams_name != person.name and " ".join(teams_name.split()) != person.name:
        # The first name alone ("Maarten Jansen" for "Maarten") is expected; anything else that
        # folds to the same name (case, accents, zero-width characters) deserves a warning.
        if fold_name(teams_name) == fold_name(person.name) or not teams_name.startswith(person.name + " "):
            body.append(paragraph(t("link.lookalike", language), color="Attention", weight="Bolder"))
    body.append(paragraph(t("link.proposal_hint", language, person=label), isSubtle=True))
    data = {"proposal_id": proposal.id}
    actions = [{"type": "Action.Execute", "title": t("link.confirm", language), "verb": CONFIRM_VERB, "data": data},
               {"type": "Action.Execute", "title": t("link.reject", language), "verb": REJECT_VERB, "data": data}]
    return adaptive_card(body, actions)


def decided_card(texts: Catalogue, language: str, status: str) -> Card:
    """What replaces the proposal card once it is answered: no buttons, only the outcome."""
    return adaptive_card([heading(texts.text("link.proposal_title", language)),
                          paragraph(status, weight="Bolder", color="Good")])
