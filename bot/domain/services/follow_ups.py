"""Follow-ups of a sparring request, planned in the outbox within the deciding transaction.

No answer from the expert in 3 working days: a nudge; after 5: the coordinator is told. Two
weeks after an introduction the asker is asked whether the question was answered. Each
composer checks at send time that the request is still where it was, so a follow-up of a
request that moved on is cancelled instead of sent. Those for others name the asker as
``about_id``: the asker's erasure deletes them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.outbox import OutboxMessage
from bot.domain.ports import UnitOfWork
from bot.domain.quiet_hours import add_working_days
from bot.domain.requests import SparringRequest
from bot.domain.services.roles import coordinator_participants

NUDGE, ESCALATE, FEEDBACK = "followup.nudge", "followup.escalate", "followup.feedback"
NUDGE_WORKING_DAYS, ESCALATE_WORKING_DAYS, FEEDBACK_DAYS = 3, 5, 14


async def plan_expert_follow_ups(uow: UnitOfWork, request: SparringRequest, *, now: datetime, zone: ZoneInfo) -> None:
    """After an assignment: nudge the expert, then tell the coordinators."""
    expert = await uow.participants.by_person(request.assignee_id or "")
    payload = {"request_id": request.id, "version": request.version}
    planned = []
    if expert is not None:
        planned.append(OutboxMessage(key=f"req:{request.id}:v{request.version}:nudge", recipient_id=expert.id,
                                     kind=NUDGE, due_at=add_working_days(now, NUDGE_WORKING_DAYS, zone),
                                     payload=payload, about_id=request.asker_id))
    for coordinator in await coordinator_participants(uow):
        planned.append(OutboxMessage(
            key=f"req:{request.id}:v{request.version}:escalate:{coordinator.id}", recipient_id=coordinator.id,
            kind=ESCALATE, due_at=add_working_days(now, ESCALATE_WORKING_DAYS, zone), payload=payload,
            about_id=request.asker_id))
    await uow.outbox.plan(planned, now=now)


async def plan_feedback_question(uow: UnitOfWork, request: SparringRequest, *, now: datetime) -> None:
    """After an introduction: ask the asker, two weeks later, how it went."""
    await uow.outbox.plan([OutboxMessage(
        key=f"req:{request.id}:feedback", recipient_id=request.asker_id, kind=FEEDBACK,
        due_at=now + timedelta(days=FEEDBACK_DAYS), payload={"request_id": request.id},
    )], now=now)
