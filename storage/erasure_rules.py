"""What an AVG erasure (``verwijder mijn gegevens``) does with every column that can hold personal data.

One rule per column of ``storage/tables.py`` that holds text, JSON or bytes, points at another row
(a foreign key) or is named ``*_id``. ``tests/storage/test_erasure_rules.py`` fails when such a
column has no rule here, so a new column is decided on when it is added. The erasure itself is
``bot.domain.services.privacy.PrivacyService.erase``; a rule says what it does, and why.

Kinds of rule:

- ``deleted``: the person's rows go (say how they are found);
- ``redacted``: the row stays for others, with the person's part replaced (say by what);
- ``kept``: personal data that deliberately stays (say why and who manages it);
- ``not personal``: holds nobody's personal data (say why).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy import JSON, Column, LargeBinary, MetaData, String, Text


class Kind(enum.StrEnum):
    """What happens to a column's data about the erased person."""

    DELETED = "deleted"
    REDACTED = "redacted"
    KEPT = "kept"
    NOT_PERSONAL = "not personal"


@dataclass(frozen=True)
class Rule:
    """One column's rule and the reason for it."""

    kind: Kind
    why: str


def deleted(why: str) -> Rule:
    """The person's rows go; ``why`` says how they are found."""
    return Rule(Kind.DELETED, why)


def redacted(why: str) -> Rule:
    """The row stays for others with the person's part replaced; ``why`` says by what."""
    return Rule(Kind.REDACTED, why)


def kept(why: str) -> Rule:
    """Personal data that deliberately stays; ``why`` says why and who manages it."""
    return Rule(Kind.KEPT, why)


def not_personal(why: str) -> Rule:
    """Holds nobody's personal data; ``why`` says why."""
    return Rule(Kind.NOT_PERSONAL, why)


_PARTICIPANT = deleted("the participant row is deleted")
_OWN_REQUEST = deleted("their requests are deleted (requests.asker_id cascades)")
_OWN_DOCUMENT = deleted("their documents are deleted (DocumentRepository.delete_for_owner), files too")
_DIRECTORY = kept("the programme's directory, kept by the coordinator from the programme file "
                  "(`sparringbot directory import`); someone leaves it by leaving the file. The erasure "
                  "unlinks the participant (participants.person_id goes with their row)")
_TO_OR_ABOUT = deleted("rows to or about them (recipient_id, about_id) are deleted, planned or sent "
                       "(OutboxRepository.forget_participant); everyone's finished rows are pruned after "
                       "OUTBOX_RETENTION_DAYS")

ERASURE_RULES: Mapping[str, Mapping[str, Rule]] = {
    "send_budget": {
        "name": not_personal("the fixed name 'global' of the app's one send budget row"),
    },
    "programme": {
        "name": not_personal("the programme's name"),
        "timezone": not_personal("a time zone"),
        "language": not_personal("a language code"),
        "themes": not_personal("the programme's themes"),
    },
    "people": {
        "id": _DIRECTORY, "name": _DIRECTORY, "organisation": _DIRECTORY, "role": _DIRECTORY,
        "email": _DIRECTORY, "topics": _DIRECTORY, "expertise": _DIRECTORY, "aad_object_id": _DIRECTORY,
    },
    "participants": {
        "teams_id": _PARTICIPANT, "tenant_id": _PARTICIPANT, "aad_object_id": _PARTICIPANT, "name": _PARTICIPANT,
        "email": _PARTICIPANT, "locale": _PARTICIPANT, "person_id": _PARTICIPANT, "service_url": _PARTICIPANT,
        "conversation_id": _PARTICIPANT, "conversation_reference": _PARTICIPANT, "upn": _PARTICIPANT,
        "link_method": _PARTICIPANT, "library": _PARTICIPANT,
    },
    "link_proposals": {
        "participant_id": deleted("their proposals go with their participant row (link_proposals.participant_id "
                                  "cascades); the proposal cards planned for the coordinator are about them "
                                  "(outbox.about_id) and go too"),
        "person_id": deleted("with the proposal row"),
        "teams_name": deleted("with the proposal row"),
        "state": deleted("with the proposal row"),
        "decided_by": redacted("a coordinator who erases is forgotten as the decider (SET NULL)"),
    },
    "once_keys": {
        "key": deleted("the welcome key of each of their conversations (welcome:<conversation id>) is deleted; "
                       "other keys are fingerprints of the schedule ('planned:<hash>')"),
    },
    "bot_state": {
        "key": deleted("the documents of their user, the erasing conversation and their personal chat "
                       "(ChannelStateRepository.forget)"),
        "data": deleted("with its key: dialog drafts of their conversations, as plain JSON (readable with SQL)"),
        "e_tag": not_personal("a random version tag"),
    },
    "requests": {
        "source_key": _OWN_REQUEST, "asker_id": _OWN_REQUEST, "text": _OWN_REQUEST, "theme": _OWN_REQUEST,
        "preference": _OWN_REQUEST, "public_ref": _OWN_REQUEST, "context": _OWN_REQUEST, "state": _OWN_REQUEST,
        "suggestions": _OWN_REQUEST, "declined_by": _OWN_REQUEST, "comment": _OWN_REQUEST,
        "assignee_id": deleted("with their requests; in others' requests it names a directory person "
                               "(see people), not a participant"),
        "note": deleted("with their requests; a note an expert or coordinator wrote on another's request "
                        "is part of that request's record, written in their role"),
    },
    "request_events": {
        "request_id": deleted("their requests' history goes with the requests (cascade)"),
        "actor": redacted("in the history of others' requests, 'participant:<id>' becomes 'participant:erased' "
                          "(RequestRepository.redact_actor)"),
        "action": not_personal("a step of the request's life"),
        "from_state": not_personal("a request state"),
        "to_state": not_personal("a request state"),
        "detail": deleted("with their requests; in others' it holds a directory person id (see people)"),
    },
    "routing_feedback": {
        "question": deleted("redirect notes made from their questions (matched by text: "
                            "RequestRepository.forget_feedback)"),
        "person_id": not_personal("a directory person id (see people)"),
    },
    "outbox": {
        "key": _TO_OR_ABOUT, "recipient_id": _TO_OR_ABOUT, "about_id": _TO_OR_ABOUT, "payload": _TO_OR_ABOUT,
        "last_error": _TO_OR_ABOUT,
        "kind": not_personal("a message kind"),
        "state": not_personal("a delivery state"),
        "claimed_by": not_personal("the dispatching host and process"),
    },
    "schedule_items": {
        "id": not_personal("a deadline or event id from the programme file"),
        "kind": not_personal("deadline or event"),
        "spec": kept("the programme's schedule from the programme file; an audience may name directory "
                     "people by id or e-mail, managed by the coordinator like the directory"),
    },
    "calendar_feeds": {
        "participant_id": deleted("their feed goes with their participant row (calendar_feeds.participant_id "
                                  "cascades): every feed link they had stops working"),
        "secret": deleted("with the feed row"),
    },
    "documents": {
        "owner_id": _OWN_DOCUMENT, "category": _OWN_DOCUMENT, "deadline_id": _OWN_DOCUMENT,
        "consent": _OWN_DOCUMENT, "note": _OWN_DOCUMENT, "public_ref": _OWN_DOCUMENT, "file_name": _OWN_DOCUMENT,
        "stored_name": _OWN_DOCUMENT, "sha256": _OWN_DOCUMENT, "content_type": _OWN_DOCUMENT,
    },
    "uploads": {
        "owner_id": deleted("their upload counts go with their participant row (uploads.owner_id cascades)"),
    },
    "cost_splits": {
        "document_id": redacted("detached from their deleted document (set to NULL): the figures stay anonymous"),
        "library": redacted("'participant:<id>' becomes a random 'anoniem:<hex>'; a library's name stays "
                            "(an organisation, not a person)"),
        "parts": not_personal("amounts per payer category"),
    },
}


def needs_rule(column: Column) -> bool:  # type: ignore[type-arg]
    """Whether ``column`` can hold personal data: text, JSON or bytes, a reference to a row, or ``*_id``."""
    return (isinstance(column.type, String | Text | JSON | LargeBinary) or bool(column.foreign_keys)
            or column.name.endswith("_id"))


def columns_needing_rules(metadata: MetaData) -> Iterator[tuple[str, str]]:
    """(table, column) of every column of ``metadata`` that needs a rule, in table order."""
    for table in metadata.sorted_tables:
        for column in table.columns:
            if needs_rule(column):
                yield table.name, column.name
