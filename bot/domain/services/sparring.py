"""The sparring loop: ask, route, review, introduce, follow up. One transaction per use case.

Notifications are planned in the use case's own transaction (the channel layer writes them to
the outbox): a decision and the messages announcing it commit together or not at all, so a
crash can neither lose the coordinator's card nor send news of a rolled-back decision.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from bot.domain.clock import Clock
from bot.domain.errors import DomainError
from bot.domain.models import Participant, Person, Role
from bot.domain.ports import Notifications, UnitOfWork, UnitOfWorkFactory
from bot.domain.requests import (
    WHO_MAY,
    Action,
    Draft,
    NotAllowed,
    Party,
    RequestEvent,
    SparringRequest,
    StaleRequest,
    State,
    Suggestion,
    next_state,
    question_problem,
)
from bot.domain.services.follow_ups import plan_expert_follow_ups, plan_feedback_question
from bot.domain.services.roles import is_coordinator, people_by_id, require_coordinator

SuggestFn = Callable[..., list[Suggestion]]
TOP_SUGGESTIONS = 3


class InvalidQuestion(DomainError):
    """The question text is too short or too long; ``key`` names the catalogue message."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


@dataclasses.dataclass(frozen=True)
class RequestView:
    """A request with the people its cards name: what a handler needs to render, and no more reads."""

    request: SparringRequest
    asker: Participant | None
    people: dict[str, Person]
    actor_name: str

    @property
    def asker_person(self) -> Person | None:
        """The directory entry of the asker, when their account is linked to one."""
        return self.people.get(self.asker.person_id) if self.asker and self.asker.person_id else None

    @property
    def assignee(self) -> Person | None:
        """The colleague or adviser the request is assigned to, if any."""
        return self.people.get(self.request.assignee_id) if self.request.assignee_id else None


class SparringService:
    """Use cases of sparring requests for askers, the coordinator and experts."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock, notifications: Notifications,
                 suggest: SuggestFn, auto_approve_score: float | None = None,
                 zone: ZoneInfo | None = None):
        self._uow_factory = uow_factory
        self._clock = clock
        self._notifications = notifications
        self._suggest = suggest
        self._auto_approve_score = auto_approve_score
        self._zone = zone or ZoneInfo("Europe/Amsterdam")

    async def submit(self, asker: Participant, draft: Draft, *, source_key: str) -> SparringRequest:
        """Turn a confirmed draft into a routed request (idempotent per ``source_key``).

        Raises:
            InvalidQuestion: The text is too short or too long.
        """
        problem = question_problem(draft.text)
        if problem:
            raise InvalidQuestion(problem)
        now = self._clock.now()
        fresh = SparringRequest(
            id=0, asker_id=asker.id, text=" ".join(draft.text.split()), theme=draft.theme,
            preference=draft.preference, context=draft.context.strip(), state=State.NEW,
            created_at=now, updated_at=now,
        )
        async with self._uow_factory() as uow:
            request, created = await uow.requests.add(fresh, source_key=source_key)
            if not created:
                return request
            await self._record(uow, request, None, State.NEW, Action.CREATE, _who(asker), "")
            suggestions = await self._rank(uow, request, asker)
            request = await self._transition(uow, request, Action.ROUTE, "system",
                                             suggestions=tuple(suggestions))
            auto = (self._auto_approve_score is not None and suggestions
                    and suggestions[0].score >= self._auto_approve_score
                    and suggestions[0].person_id != await self._coordinator_fallback_id(uow))
            if auto:
                request = await self._transition(uow, request, Action.APPROVE, "system:auto",
                                                 assignee_id=suggestions[0].person_id)
                await plan_expert_follow_ups(uow, request, now=now, zone=self._zone)
                await self._notifications.introduction_offered(uow, request)
            else:
                await self._notifications.review_needed(uow, request)
            await uow.commit()
        return request

    async def approve(self, actor: Participant, request_id: int, *, person_id: str | None = None,
                      version: int | None = None) -> SparringRequest:
        """Coordinator: send the request to the suggested person, or to ``person_id``.

        A different person than the top suggestion is a redirect, which the router learns from.
        """
        async with self._uow_factory() as uow:
            request = await self._load(uow, actor=actor, action=Action.APPROVE, request_id=request_id,
                                       version=version)
            top = request.suggestions[0].person_id if request.suggestions else None
            target = person_id or top
            person = await uow.directory.person(target) if target else None
            if person is None or not person.active:
                raise NotAllowed("unknown or inactive person")
            action = Action.APPROVE if target == top and request.state is State.SUGGESTED else Action.REDIRECT
            if action is Action.REDIRECT:
                await uow.requests.add_feedback(request.text, target, now=self._clock.now())
            if person.role is Role.COORDINATOR and person.id == actor.person_id:
                request = await self._transition(uow, request, Action.ANSWER_MYSELF, _who(actor),
                                                 assignee_id=person.id, introduced_at=self._clock.now())
                await plan_feedback_question(uow, request, now=self._clock.now())
            else:
                request = await self._transition(uow, request, action, _who(actor), assignee_id=person.id)
                await plan_expert_follow_ups(uow, request, now=self._clock.now(), zone=self._zone)
            if request.state is State.ACCEPTED:
                await self._notifications.introduced(uow, request)
            else:
                await self._notifications.introduction_offered(uow, request)
            await uow.commit()
        return request

    async def answer_myself(
        self, actor: Participant, request_id: int, *, version: int | None = None
    ) -> SparringRequest:
        """Coordinator: take the question personally; asker and coordinator are introduced."""
        async with self._uow_factory() as uow:
            request = await self._load(uow, actor=actor, action=Action.ANSWER_MYSELF, request_id=request_id,
                                       version=version)
            request = await self._transition(uow, request, Action.ANSWER_MYSELF, _who(actor),
                                             assignee_id=actor.person_id, introduced_at=self._clock.now())
            await plan_feedback_question(uow, request, now=self._clock.now())
            await self._notifications.introduced(uow, request)
            await uow.commit()
        return request

    async def decline(self, actor: Participant, request_id: int, *, note: str,
                      version: int | None = None) -> SparringRequest:
        """Coordinator: this is not a sparring question; the asker gets the note."""
        async with self._uow_factory() as uow:
            request = await self._load(uow, actor=actor, action=Action.DECLINE, request_id=request_id,
                                       version=version)
            request = await self._transition(uow, request, Action.DECLINE, _who(actor), note=note.strip())
            await self._notifications.declined(uow, request)
            await uow.commit()
        return request

    async def expert_accept(
        self, actor: Participant, request_id: int, *, version: int | None = None
    ) -> SparringRequest:
        """Expert: yes; asker and expert are introduced to each other."""
        async with self._uow_factory() as uow:
            request = await self._load(uow, actor=actor, action=Action.ACCEPT, request_id=request_id,
                                       version=version)
            request = await self._transition(uow, request, Action.ACCEPT, _who(actor), introduced_at=self._clock.now())
            await plan_feedback_question(uow, request, now=self._clock.now())
            await self._notifications.introduced(uow, request)
            await uow.commit()
        return request

    async def expert_decline(self, actor: Participant, request_id: int, *, reason: str,
                             version: int | None = None) -> SparringRequest:
        """Expert: no; the coordinator gets the request back with the next suggestion."""
        async with self._uow_factory() as uow:
            request = await self._load(uow, actor=actor, action=Action.EXPERT_DECLINE, request_id=request_id,
                                       version=version)
            declined_by = (*request.declined_by, request.assignee_id or "")
            asker = await uow.participants.get(request.asker_id)
            retry = dataclasses.replace(request, declined_by=declined_by)
            suggestions = await self._rank(uow, retry, asker)
            request = await self._transition(uow, request, Action.EXPERT_DECLINE, _who(actor),
                                             assignee_id=None, declined_by=declined_by,
                                             suggestions=tuple(suggestions), note=reason.strip())
            await self._notifications.review_needed(uow, request, note=reason.strip())
            await uow.commit()
        return request

    async def withdraw(self, actor: Participant, request_id: int) -> SparringRequest:
        """Asker: never mind."""
        async with self._uow_factory() as uow:
            request = await self._load(uow, actor=actor, action=Action.WITHDRAW, request_id=request_id,
                                       version=None)
            request = await self._transition(uow, request, Action.WITHDRAW, _who(actor))
            await self._notifications.withdrawn(uow, request)
            await uow.commit()
        return request

    async def close(self, actor: Participant, request_id: int, *, rating: int, comment: str = "") -> SparringRequest:
        """Asker: the question was answered (1–5 and a comment); closes the request."""
        async with self._uow_factory() as uow:
            request = await self._load(uow, actor=actor, action=Action.CLOSE, request_id=request_id,
                                       version=None)
            if not 1 <= rating <= 5:
                raise NotAllowed("rating must be 1 to 5")
            request = await self._transition(uow, request, Action.CLOSE, _who(actor), rating=rating,
                                             comment=comment.strip())
            await uow.commit()
        return request

    async def mine(self, actor: Participant) -> list[SparringRequest]:
        """The asker's own requests, newest first."""
        async with self._uow_factory() as uow:
            return await uow.requests.for_asker(actor.id)

    async def waiting_for_expert(self, actor: Participant) -> list[SparringRequest]:
        """Requests assigned to the actor's directory person and not yet answered."""
        if not actor.person_id:
            return []
        async with self._uow_factory() as uow:
            return await uow.requests.for_assignee(actor.person_id, [State.ASSIGNED])

    async def waiting_for_coordinator(self, actor: Participant) -> list[SparringRequest]:
        """Coordinator: requests that need a decision, oldest first."""
        async with self._uow_factory() as uow:
            await self._require_coordinator(uow, actor)
            return await uow.requests.in_states([State.NEW, State.SUGGESTED])

    async def history(self, request_id: int) -> list[RequestEvent]:
        """Every recorded transition of a request."""
        async with self._uow_factory() as uow:
            return await uow.requests.events(request_id)

    async def get(self, request_id: int) -> SparringRequest | None:
        """One request."""
        async with self._uow_factory() as uow:
            return await uow.requests.get(request_id)

    async def view(self, request_id: int, *, actor: Participant) -> RequestView | None:
        """Everything a card about ``request_id`` shows, read in one unit of work."""
        async with self._uow_factory() as uow:
            request = await uow.requests.get(request_id)
            if request is None:
                return None
            people = await people_by_id(uow)
            asker = await uow.participants.get(request.asker_id)
        actor_person = people.get(actor.person_id) if actor.person_id else None
        return RequestView(request=request, asker=asker, people=people,
                           actor_name=actor_person.name if actor_person else (actor.name or "?"))

    async def authorize(self, actor: Participant, *, public_ref: str, action: Action) -> int:
        """The id of the request a card's ``public_ref`` names, when ``actor`` may make ``action`` on it.

        The edge calls this before it reads anything else from a click (inputs, version), so a
        refusal comes first and says nothing about the request.

        Raises:
            NotAllowed: No such request, or not the actor's to act on (the same either way).
        """
        async with self._uow_factory() as uow:
            request = await uow.requests.by_ref(public_ref) if public_ref else None
            if request is None or not await self._may(uow, actor=actor, action=action, request=request):
                raise NotAllowed(f"not allowed to {action.value} this request")
            return request.id

    async def _rank(self, uow: UnitOfWork, request: SparringRequest, asker: Participant | None) -> list[Suggestion]:
        people = await uow.directory.people(active_only=True)
        feedback = await uow.requests.feedback()
        load = await uow.requests.open_load()
        exclude = set(request.declined_by)
        candidates: Sequence[Person] = [p for p in people if p.id not in exclude]
        return self._suggest(candidates, feedback=feedback, load=load, text=request.text,
                             preference=request.preference, asker=asker.person_id if asker else None,
                             top=TOP_SUGGESTIONS)

    async def _coordinator_fallback_id(self, uow: UnitOfWork) -> str | None:
        people = await uow.directory.people(active_only=True)
        return next((p.id for p in people if p.role is Role.COORDINATOR), None)

    async def _require_coordinator(self, uow: UnitOfWork, actor: Participant) -> None:
        await require_coordinator(uow, actor)

    async def _load(self, uow: UnitOfWork, *, actor: Participant, action: Action, request_id: int,
                    version: int | None) -> SparringRequest:
        """The request, once ``actor`` may make ``action`` on it; only then its version is compared.

        Who may act is decided first, and a refusal is the same :class:`NotAllowed` whether the
        request exists or not: a stale or made-up card must not tell a stranger anything.
        """
        request = await uow.requests.get(request_id)
        if request is None or not await self._may(uow, actor=actor, action=action, request=request):
            raise NotAllowed(f"not allowed to {action.value} this request")
        if version is not None and version != request.version:
            raise StaleRequest(f"request {request_id} changed since this card was sent")
        return request

    async def _may(self, uow: UnitOfWork, *, actor: Participant, action: Action, request: SparringRequest) -> bool:
        party = WHO_MAY[action]
        if party is Party.COORDINATOR:
            return await is_coordinator(uow, actor)
        if party is Party.ASSIGNEE:
            return bool(actor.person_id) and actor.person_id == request.assignee_id
        return request.asker_id == actor.id

    async def _transition(self, uow: UnitOfWork, request: SparringRequest, action: Action, actor: str,
                          **changes: object) -> SparringRequest:
        target = next_state(request.id, request.state, action)
        updated = dataclasses.replace(request, state=target, updated_at=self._clock.now(),
                                      version=request.version + 1, **changes)  # type: ignore[arg-type]
        saved = await uow.requests.save(updated, expected_version=request.version)
        await self._record(uow, saved, request.state, target, action, actor,
                           changes.get("assignee_id") or "")
        return saved

    async def _record(self, uow: UnitOfWork, request: SparringRequest, before: State | None, after: State,
                      action: Action, actor: str, detail: object) -> None:
        await uow.requests.add_event(RequestEvent(
            request_id=request.id, at=self._clock.now(), actor=actor, action=action,
            from_state=before, to_state=after, detail={"info": detail} if detail else {},
        ))


def _who(actor: Participant) -> str:
    return participant_actor(actor.id)


def participant_actor(participant_id: int) -> str:
    """How a request's history names a participant who acted (``RequestEvent.actor``)."""
    return f"participant:{participant_id}"
