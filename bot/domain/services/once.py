"""At-most-once guard for side effects such as a welcome message."""

from __future__ import annotations

from bot.domain.clock import Clock
from bot.domain.ports import UnitOfWorkFactory


async def first_time(uow_factory: UnitOfWorkFactory, clock: Clock, key: str) -> bool:
    """Claim ``key``; True only for the first caller, however many instances race.

    Args:
        uow_factory: Makes the unit of work.
        clock: Timestamps the claim.
        key: What must happen once, e.g. ``welcome:<conversation id>``.
    """
    async with uow_factory() as uow:
        claimed = await uow.once.claim(key, now=clock.now())
        await uow.commit()
    return claimed


def welcome_key(conversation_id: str) -> str:
    """The once-key of the welcome in a conversation (it names the conversation: erased with its person)."""
    return f"welcome:{conversation_id}"
