"""What every turn reads first, in one read-only unit of work: who sent it and its conversation's state.

Both are read on nearly every turn, by different parts (the activity handler's sender lookup,
the SDK's ``ConversationState.load``). Reading them apart took two units of work, each a session
and a connection checkout and return; together it is one. The state is held for the turn's own
``load`` to take (``SqlStorage.read_ahead``), and dropped when the turn ends.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.models import Participant
from storage.bot_state import SqlStorage
from storage.unit_of_work import SqlUnitOfWork


class TurnReads:
    """The sender and the conversation's state, read together.

    Args:
        sessions: Where the unit of work gets its session.
        storage: The bot state store that holds the state for the turn.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], storage: SqlStorage):
        self._sessions = sessions
        self._storage = storage

    async def sender_and_state(self, teams_id: str, state_keys: list[str]) -> Participant | None:
        """The participant with Teams id ``teams_id`` (None: not known); the state is held for the turn."""
        async with SqlUnitOfWork(self._sessions, read_only=True) as uow:
            sender = await uow.participants.by_teams_id(teams_id)
            await self._storage.read_ahead(uow.statements, state_keys)
        return sender

    def turn_ended(self) -> None:
        """Drop the state the turn did not take."""
        self._storage.drop_read_ahead()
