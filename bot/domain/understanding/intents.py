"""The intents of the understanding contract (issue 16) and the roles that shift their priors."""

from __future__ import annotations

import enum

from bot.domain.deadlines import AUDIENCE_ROLES, DOCUMENT_CATEGORIES


class Intent(enum.StrEnum):
    """What a message asks the bot to do."""

    ASK_QUESTION = "ask_question"
    SUBMIT_DOCUMENT = "submit_document"
    DEADLINES = "deadlines"
    MY_QUESTIONS = "my_questions"
    MY_REQUESTS = "my_requests"
    EXAMPLES = "examples"
    REMINDERS_OFF = "reminders_off"
    REMINDERS_ON = "reminders_on"
    MY_DATA = "my_data"
    DELETE_MY_DATA = "delete_my_data"
    HELP = "help"
    GREETING = "greeting"
    THANKS = "thanks"
    CANCEL = "cancel"
    OPEN_QUESTIONS = "open_questions"
    SUBMISSIONS = "submissions"
    COST_OVERVIEW = "cost_overview"
    EXPORT = "export"
    UNKNOWN = "unknown"


INTENTS: tuple[str, ...] = tuple(intent.value for intent in Intent)
# Erasing data and breaking off a dialog cannot be undone by the person who did not mean them:
# these only come from explicit wording, never from a word that happens to be in a sentence.
DESTRUCTIVE = frozenset({Intent.DELETE_MY_DATA, Intent.CANCEL})
DOCUMENT_KINDS: tuple[str, ...] = DOCUMENT_CATEGORIES
ROLES: tuple[str, ...] = AUDIENCE_ROLES
COORDINATOR_INTENTS = frozenset({Intent.OPEN_QUESTIONS, Intent.SUBMISSIONS, Intent.COST_OVERVIEW, Intent.EXPORT})
