"""Proactive messages: the channel side of the domain's ``Messenger`` port."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import ClientError
from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
    ErrorResponseException,
)
from msrest.exceptions import ClientRequestError

from bot.domain.clock import Clock
from bot.domain.errors import NotReachable
from bot.domain.models import Address, OutgoingMessage
from bot.domain.outbox import DeliveryError
from bot.domain.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)
Logic = Callable[[TurnContext], Awaitable[None]]


def address_from_turn(turn_context: TurnContext) -> Address:
    """The reference needed to message this conversation later, as plain JSON."""
    reference = TurnContext.get_conversation_reference(turn_context.activity)
    return Address(
        conversation_id=reference.conversation.id,
        reference=reference.serialize(),
        is_personal=(reference.conversation.conversation_type or "personal") == "personal",
    )


def to_activity(message: OutgoingMessage) -> Activity:
    """Build the Bot Framework activity for a domain message."""
    if message.card is not None:
        activity = MessageFactory.attachment(CardFactory.adaptive_card(message.card))
        activity.text = message.text
        return activity
    return MessageFactory.text(message.text or "")


RETRYABLE_STATUSES = frozenset({412, 429, 500, 502, 503, 504})


def delivery_error(error: ErrorResponseException) -> DeliveryError:
    """Classify a connector error: throttling and server trouble are retried, 403/404 are final."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    headers = getattr(response, "headers", None) or {}
    retry_after: float | None = None
    try:
        retry_after = float(headers.get("Retry-After")) if headers.get("Retry-After") else None
    except (TypeError, ValueError):
        retry_after = None
    return DeliveryError(f"connector answered {status}", retryable=status in RETRYABLE_STATUSES,
                         status=status, retry_after=retry_after)


class TeamsMessenger:
    """Sends via the stored personal conversation, or creates one first.

    A participant who never chatted with the bot but is in the programme's team is reached
    with ``create_conversation`` (their Teams id and tenant); the new reference is stored so
    the next message takes the short path.
    """

    def __init__(self, *, adapter: CloudAdapter, app_id: str, uow_factory: UnitOfWorkFactory, clock: Clock,
                 reads: UnitOfWorkFactory | None = None):
        """Args:
            adapter: The adapter that sends.
            app_id: The bot's app id (empty without authentication).
            uow_factory: Units of work that write (a new conversation's address).
            clock: The clock.
            reads: Units of work that only read (every send reads the recipient); ``uow_factory`` if not given.
        """
        self._adapter = adapter
        self._app_id = app_id or None
        self._uow_factory = uow_factory
        self._reads = reads or uow_factory
        self._clock = clock

    async def send(self, participant_id: int, message: OutgoingMessage) -> None:
        """Deliver ``message`` to the participant's personal chat.

        Raises:
            NotReachable: No stored conversation and none can be created.
        """
        activity = to_activity(message)

        async def deliver(turn_context: TurnContext) -> None:
            await turn_context.send_activity(activity)

        try:
            await self.run_in_personal_chat(participant_id, deliver)
        except NotReachable:
            raise
        except ErrorResponseException as error:
            raise delivery_error(error) from error
        except (TimeoutError, OSError, ClientError, ClientRequestError) as error:
            raise DeliveryError(f"connection problem: {type(error).__name__}", retryable=True) from error

    async def run_in_personal_chat(self, participant_id: int, logic: Logic) -> None:
        """Run ``logic`` with a turn context of the participant's personal chat.

        Raises:
            NotReachable: No stored conversation and none can be created.
            Exception: Whatever ``logic`` raised (e.g. the connector's 429).
        """
        # The adapter runs ``logic`` in a turn pipeline that hands any exception to
        # ``on_turn_error`` and returns normally; catch it here and raise it after, or every
        # failed send (429, 403, timeouts) would look like a success to the caller.
        failures: list[Exception] = []
        await self._run(participant_id, _capturing(logic, failures))
        if failures:
            raise failures[0]

    async def _run(self, participant_id: int, logic: Logic) -> None:
        async with self._reads() as uow:
            participant = await uow.participants.get(participant_id)
            address = await uow.participants.address(participant_id)
        if participant is None:
            raise NotReachable(f"participant {participant_id} does not exist")
        if address is not None:
            reference = ConversationReference.deserialize(address.reference)
            await self._adapter.continue_conversation(reference, logic, bot_app_id=self._app_id)
            return
        if not participant.service_url or not participant.tenant_id:
            raise NotReachable(f"participant {participant_id} has no conversation, tenant or service url")
        created: list[Address] = []

        async def on_created(turn_context: TurnContext) -> None:
            created.append(address_from_turn(turn_context))
            await logic(turn_context)

        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=self._app_id) if self._app_id else None,
            members=[ChannelAccount(id=participant.teams_id)],
            tenant_id=participant.tenant_id,
            channel_data={"tenant": {"id": participant.tenant_id}},
        )
        await self._adapter.create_conversation(
            self._app_id, on_created, parameters, "msteams", participant.service_url
        )
        if created:
            async with self._uow_factory() as uow:
                await uow.participants.set_address(participant_id, created[0], now=self._clock.now())
                await uow.commit()


def _capturing(logic: Logic, failures: list[Exception]) -> Logic:
    async def run(turn_context: TurnContext) -> None:
        try:
            await logic(turn_context)
        except Exception as error:
            failures.append(error)

    return run
