"""The participant behind the current turn: looked up once per turn, and recorded when something is new.

Several handlers of one turn need the sender (the locale of a card click, the activity handler,
the question dialog's last step); each lookup is a database read. The first one is kept in the
turn's own state, which lives exactly as long as the turn. :class:`Senders` does the lookup and
records what the activity tells about the sender (name, e-mail, locale, personal chat) only
when it is new: the common turn writes nothing.
"""

from __future__ import annotations

from typing import Protocol

from botbuilder.core import TurnContext

from bot.domain.models import Participant, ParticipantSeen
from bot.domain.services.participants import ParticipantService
from bot.teams import gateway as teams_gateway
from bot.teams.proactive import address_from_turn

_KEY = "sparringbot.sender"


def remember(turn_context: TurnContext, participant: Participant | None) -> None:
    """Keep ``participant`` (None: not known) as this turn's sender."""
    turn_context.turn_state[_KEY] = participant


def looked_up(turn_context: TurnContext) -> bool:
    """True when this turn's sender was looked up already (known or not)."""
    return _KEY in turn_context.turn_state


def sender(turn_context: TurnContext) -> Participant | None:
    """This turn's sender as remembered (None when not looked up or not known)."""
    return turn_context.turn_state.get(_KEY)


class SenderAndState(Protocol):
    """Reads a turn's sender and its conversation's state together (``storage.turn_reads.TurnReads``)."""

    async def sender_and_state(self, teams_id: str, state_keys: list[str]) -> Participant | None: ...

    def turn_ended(self) -> None: ...


class Senders:
    """Who sent a turn, as the participants table knows them.

    Args:
        participants: Reads and records participants.
        first_reads: Reads the sender together with the conversation's state at the start of a
            turn; without it the sender is read on its own when first needed.
    """

    def __init__(self, participants: ParticipantService, first_reads: SenderAndState | None = None):
        self._participants = participants
        self._first_reads = first_reads

    async def read_first(self, turn_context: TurnContext, state_keys: list[str]) -> None:
        """At the start of a turn: read the sender and the state under ``state_keys`` in one go.

        Call :meth:`turn_ended` when the turn ends, whatever happened.
        """
        account = turn_context.activity.from_property
        if self._first_reads is None or account is None or not account.id or looked_up(turn_context):
            return
        remember(turn_context, await self._first_reads.sender_and_state(account.id, state_keys))

    def turn_ended(self) -> None:
        """Drop what the turn read first and did not use."""
        if self._first_reads is not None:
            self._first_reads.turn_ended()

    async def look_up(self, turn_context: TurnContext) -> Participant | None:
        """The sender as stored (None: not known, or no person sent it); read once per turn."""
        account = turn_context.activity.from_property
        if account is None or not account.id:
            return None
        if not looked_up(turn_context):
            remember(turn_context, await self._participants.by_teams_id(account.id))
        return sender(turn_context)

    async def who_is_who(self, turn_context: TurnContext) -> Participant | None:
        """Upsert the sender, asking Teams for name and e-mail only while we lack them.

        Returns:
            The sender as stored now; None for an activity without a sender or sent by a bot.
        """
        activity = turn_context.activity
        account = activity.from_property
        if account is None or not account.id or account.role == "bot":
            return None
        known = await self.look_up(turn_context)
        seen = teams_gateway.seen_from_account(
            account, tenant_id=teams_gateway.tenant_of(activity), locale=activity.locale,
            service_url=activity.service_url,
        )
        if known is None or not known.email:
            fetched = await teams_gateway.fetch_member(turn_context, account)
            if fetched is not None:
                seen = _merge(seen, fetched)
        personal = (activity.conversation.conversation_type or "personal") == "personal"
        if known is not None and _nothing_new(known, seen, activity.conversation.id if personal else None):
            participant = known  # the common case: no write at all on this turn
        else:
            participant = await self._participants.record_seen(
                seen, address_from_turn(turn_context) if personal else None)
        remember(turn_context, participant)
        return participant


def _nothing_new(known: Participant, seen: ParticipantSeen, personal_conversation: str | None) -> bool:
    """True when the activity tells nothing the participant record does not already hold."""
    if not known.active or (personal_conversation and personal_conversation != known.conversation_id):
        return False
    fields = ("tenant_id", "aad_object_id", "name", "locale", "service_url")
    if any(getattr(seen, f) and getattr(seen, f) != getattr(known, f) for f in fields):
        return False
    if seen.upn and seen.upn.strip().lower() != known.upn:
        return False
    return not seen.email or seen.email.strip().lower() == known.email


def _merge(seen: ParticipantSeen, fetched: ParticipantSeen) -> ParticipantSeen:
    """Prefer what Teams told us; keep the activity's values where Teams had none."""
    return ParticipantSeen(
        teams_id=seen.teams_id,
        tenant_id=fetched.tenant_id or seen.tenant_id,
        aad_object_id=fetched.aad_object_id or seen.aad_object_id,
        name=fetched.name or seen.name,
        email=fetched.email,  # only Teams' member API vouches for an address
        upn=fetched.upn,
        locale=seen.locale,
        service_url=seen.service_url,
    )
