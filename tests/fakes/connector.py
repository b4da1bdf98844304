"""A fake Bot Connector: the Teams REST API the bot calls, on an ephemeral loopback port.

The server runs in its own thread with its own event loop. Some SDK calls (``TeamsInfo``
team details, channels) use a synchronous client and block the caller's loop; if the fake
shared that loop, such a call would wait forever for an answer the blocked loop can never
give.

Usage::

    with FakeConnector() as connector:
        activity["serviceUrl"] = connector.url
        ...  # drive the bot
        assert connector.texts("a:personal-anna")[-1] == "Hallo"

Everything the bot sends is recorded in ``connector.sent`` (failed attempts included, with
their status); ``activities()``, ``texts()`` and ``cards()`` look only at accepted sends.

``enforce_limits(global_per_second=N)`` makes the fake throttle like Teams: a send that would
exceed a conversation's limits (7 a second, 8 per 2 s, 60 per 30 s, 1800 an hour) or N sends
in any second for the whole app is answered 429 with ``Retry-After: 1``. Windows slide and are
measured at the moment each request arrives (``received_at``, monotonic seconds).
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"

# The record of the request being answered; handlers fill in the ids they hand out. A context
# variable because request["..."] storage with string keys warns in newer aiohttp.
_current: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("fake_connector_record")

# Error bodies shaped like the connector's (``{"error": {"code", "message"}}``), per status.
_ERROR_BODIES: dict[int, dict[str, Any]] = {
    400: {"error": {"code": "BadSyntax", "message": "Bad request."}},
    403: {"error": {"code": "ConversationBlockedByUser", "message": "User blocked the conversation with the bot."}},
    404: {"error": {"code": "ConversationNotFound", "message": "Conversation not found."}},
    412: {"error": {"code": "PreconditionFailed", "message": "Precondition failed, please try again."}},
    429: {"error": {"code": "Throttled", "message": "Too many requests."}},
}
_SERVER_ERROR = {"error": {"code": "ServiceError", "message": "The service is unavailable."}}
# Teams' limits per bot and conversation for sends and for creating conversations: (window s, max).
PER_CONVERSATION_LIMITS: tuple[tuple[float, int], ...] = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))


class SlidingWindows:
    """Accepted moments per key; ``allows`` says whether one more at ``now`` keeps every limit."""

    def __init__(self, limits: tuple[tuple[float, int], ...]):
        self.limits = limits
        self._events: dict[str, deque[float]] = {}

    def allows(self, key: str, now: float) -> bool:
        events = self._events.setdefault(key, deque())
        longest = max(window for window, _ in self.limits)
        while events and events[0] <= now - longest:
            events.popleft()
        return all(len(events) < maximum or events[-maximum] <= now - window for window, maximum in self.limits)

    def add(self, key: str, now: float) -> None:
        self._events.setdefault(key, deque()).append(now)


@dataclass
class _Failure:
    """A queued fault: the next ``remaining`` matching requests get this answer."""

    remaining: int
    status: int
    headers: dict[str, str]
    body: Any
    path_contains: str | None
    method: str | None

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method:
            return False
        return self.path_contains is None or self.path_contains in path


@dataclass(eq=False)  # hashed by identity: waiters live in a set
class _AsyncWaiter:
    """An ``asyncio.Event`` in some other loop, set (thread-safely) on every recorded request."""

    loop: asyncio.AbstractEventLoop
    event: asyncio.Event = field(default_factory=asyncio.Event)

    def wake(self) -> None:
        self.loop.call_soon_threadsafe(self.event.set)


class FakeConnector:
    """The Bot Connector (and the Teams extensions) on ``http://127.0.0.1:<ephemeral port>/``.

    Attributes:
        members: Roster per conversation or team id, as the connector returns members
            (``{"id": "29:...", "aadObjectId", "name", "email", "userPrincipalName", "tenantId"}``).
        default_members: The roster for ids missing from ``members`` (empty by default).
        teams: Optional team details per team id (merged over plausible defaults).
        channels: Optional channel list per team id (``[{"id", "name"}]``).
        sent: Every request received, in order: ``{"method", "path", "conversation_id",
            "activity_id", "reply_to_id", "body", "query", "headers", "status", "kind"}``.
            ``activity_id`` is the activity the request is about: the id the fake gave a new
            activity (POST), or the one updated or deleted (PUT, DELETE). ``reply_to_id`` is the
            id in the path of a reply (``POST .../activities/{id}``). ``kind`` is
            ``activity``, ``create``, ``members``, ``team`` or ``other``.
        created_conversations: The bodies of accepted ``POST /v3/conversations`` requests, each
            with ``"id"`` set to the conversation id the fake answered.
        delay: Seconds to wait before answering any request (0 = answer at once).
        throttled: How many sends ``enforce_limits`` answered 429.
    """

    def __init__(self) -> None:
        self.members: dict[str, list[dict[str, Any]]] = {}
        self.default_members: list[dict[str, Any]] = []
        self.teams: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, list[dict[str, Any]]] = {}
        self.sent: list[dict[str, Any]] = []
        self.created_conversations: list[dict[str, Any]] = []
        self.delay: float = 0.0
        self.throttled = 0
        self._conversation_windows: SlidingWindows | None = None
        self._app_window: SlidingWindows | None = None
        # An RLock so predicates passed to wait_for_sync may call texts()/cards() while the
        # condition holds the lock.
        self._condition = threading.Condition(threading.RLock())
        self._failures: list[_Failure] = []
        self._async_waiters: set[_AsyncWaiter] = set()
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # ----------------------------------------------------------------- life cycle

    @property
    def url(self) -> str:
        """The service URL to put in test activities (``serviceUrl``), with a trailing slash."""
        if self._port is None:
            raise RuntimeError("FakeConnector is not started")
        return f"http://127.0.0.1:{self._port}/"

    def start(self) -> FakeConnector:
        """Start the server in its own thread; returns once it accepts connections.

        Returns:
            The connector itself, so ``connector = FakeConnector().start()`` works.
        """
        if self._thread is not None:
            return self
        ready = threading.Event()
        errors: list[BaseException] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, args=(ready, errors), name="fake-connector", daemon=True)
        self._thread.start()
        ready.wait()
        if errors:
            self._thread.join()
            self._thread = None
            raise RuntimeError("FakeConnector could not start") from errors[0]
        return self

    def stop(self) -> None:
        """Stop the server and its thread. Safe to call twice."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
        self._thread = self._loop = self._runner = None
        self._port = None

    def __enter__(self) -> FakeConnector:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _serve(self, ready: threading.Event, errors: list[BaseException]) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._start_site())
        except BaseException as error:  # reported to start(), which raises in the caller's thread
            errors.append(error)
            ready.set()
            loop.close()
            return
        ready.set()
        loop.run_forever()

    async def _start_site(self) -> None:
        # access_log=None: the fake must not flood test output with one line per request.
        self._runner = web.AppRunner(self._build_app(), access_log=None)
        await self._runner.setup()
        # Port 0: the OS picks a free port, so parallel test runs never collide.
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    # ----------------------------------------------------------------- configuration

    def fail_next(
        self,
        n: int = 1,
        status: int = 429,
        headers: dict[str, str] | None = None,
        body: Any = None,
        path_contains: str | None = None,
        method: str | None = None,
    ) -> None:
        """Make the next ``n`` matching requests fail.

        Args:
            n: How many matching requests fail.
            status: The HTTP status to answer (429, 403, 502, ...).
            headers: Response headers; defaults to ``{"Retry-After": "1"}`` for 429, none otherwise.
            body: The JSON body; defaults to a connector-style error (403 gives
                ``ConversationBlockedByUser``, 429 ``Throttled``, 5xx ``ServiceError``).
            path_contains: Only requests whose (percent-decoded) path contains this string match,
                e.g. ``"a:personal-anna"`` or ``"/pagedmembers"`` (any request when None).
            method: Only requests with this HTTP method match (any when None).

        Example:
            ``connector.fail_next(2, status=429, path_contains="a:personal-anna")``
        """
        if headers is None:
            headers = {"Retry-After": "1"} if status == 429 else {}
        if body is None:
            body = _ERROR_BODIES.get(status, _SERVER_ERROR if status >= 500 else {"error": {"code": str(status)}})
        with self._condition:
            self._failures.append(_Failure(n, status, dict(headers), body, path_contains, method))

    def enforce_limits(self, *, global_per_second: int, per_conversation: bool = True) -> None:
        """Answer 429 (``Retry-After: 1``) to sends that would exceed Teams' rate limits.

        Sends are activity POSTs and conversation creations. Each is counted when it arrives,
        before ``delay``; only accepted ones count towards later decisions, as in Teams.

        Args:
            global_per_second: The app's limit: sends in any one second, all conversations together.
            per_conversation: Also enforce the per-conversation limits (7/1 s, 8/2 s, 60/30 s, 1800/h).
        """
        with self._condition:
            self._app_window = SlidingWindows(((1.0, global_per_second),))
            self._conversation_windows = SlidingWindows(PER_CONVERSATION_LIMITS) if per_conversation else None

    def reset(self) -> None:
        """Forget recorded requests, queued failures and the delay; keep members and teams."""
        with self._condition:
            self.sent.clear()
            self.created_conversations.clear()
            self._failures.clear()
            self.delay = 0.0

    def default_member(self, member_id: str) -> dict[str, Any] | None:
        """The member answered for ``GET .../members/{member_id}`` when the conversation's roster lacks it.

        Looks the id up in every configured roster, so a user known anywhere is found (as in a
        tenant where the bot can see them). Override or monkeypatch for other behaviour.

        Args:
            member_id: The Teams user id (``29:...``).

        Returns:
            The member dict, or None (the fake then answers 404 ``MemberNotFoundInConversation``).
        """
        for roster in [*list(self.members.values()), self.default_members]:
            for member in roster:
                if member.get("id") == member_id or member.get("aadObjectId") == member_id:
                    return member
        return None

    # ----------------------------------------------------------------- reading what was sent

    def activities(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """The activity bodies the connector accepted (sends, replies and updates), in order.

        Args:
            conversation_id: Only activities for this conversation (None: all).
        """
        with self._condition:
            records = list(self.sent)
        found = []
        for record in records:
            if record["status"] >= 300 or record["method"] not in ("POST", "PUT"):
                continue
            body = record["body"]
            if record["kind"] == "activity":
                activity = body
            elif record["kind"] == "create" and isinstance(body, dict) and isinstance(body.get("activity"), dict):
                activity = body["activity"]  # a conversation created with a first message
            else:
                continue
            if conversation_id is None or record["conversation_id"] == conversation_id:
                found.append(activity)
        return found

    def texts(self, conversation_id: str | None = None) -> list[str]:
        """The non-empty ``text`` of each accepted message activity, in order.

        Args:
            conversation_id: Only this conversation's texts (None: all).
        """
        return [
            a["text"]
            for a in self.activities(conversation_id)
            if a.get("type", "message") == "message" and a.get("text")
        ]

    def cards(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """The Adaptive Card contents of accepted activities' attachments (updates included), in order.

        Args:
            conversation_id: Only this conversation's cards (None: all).
        """
        return [
            attachment.get("content")
            for a in self.activities(conversation_id)
            for attachment in a.get("attachments") or []
            if attachment.get("contentType") == ADAPTIVE_CARD
        ]

    def wait_for_sync(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Block until ``predicate()`` is truthy; it is re-checked on every request the fake records.

        Args:
            predicate: A callable without arguments, e.g. ``lambda: len(connector.texts()) >= 2``.
            timeout: Seconds to wait at most.

        Returns:
            The predicate's truthy value.

        Raises:
            TimeoutError: When the predicate still fails after ``timeout`` seconds.
        """
        with self._condition:
            result = self._condition.wait_for(predicate, timeout=timeout)
        if not result:
            raise TimeoutError(f"condition not met within {timeout} s; {len(self.sent)} requests recorded")
        return result

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait, without blocking the caller's event loop, until ``predicate()`` is truthy.

        Args:
            predicate: A callable without arguments, e.g. ``lambda: connector.cards("a:personal-anna")``.
            timeout: Seconds to wait at most.

        Returns:
            The predicate's truthy value.

        Raises:
            TimeoutError: When the predicate still fails after ``timeout`` seconds.
        """
        waiter = _AsyncWaiter(asyncio.get_running_loop())
        with self._condition:
            self._async_waiters.add(waiter)
        deadline = time.monotonic() + timeout
        try:
            while True:
                # Clear before checking: a request recorded after the check sets it again.
                waiter.event.clear()
                with self._condition:
                    result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met within {timeout} s; {len(self.sent)} requests recorded")
                try:
                    await asyncio.wait_for(waiter.event.wait(), remaining)
                except TimeoutError:
                    pass  # checked once more above, then reported
        finally:
            with self._condition:
                self._async_waiters.discard(waiter)

    # ----------------------------------------------------------------- the HTTP side

    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._record_middleware])
        conversation = "/v3/conversations/{conversation_id}"
        app.router.add_post("/v3/conversations", self._create_conversation)
        app.router.add_get("/v3/conversations", self._list_conversations)
        app.router.add_post(conversation + "/activities", self._post_activity)
        app.router.add_post(conversation + "/activities/{activity_id}", self._post_activity)
        app.router.add_put(conversation + "/activities/{activity_id}", self._put_activity)
        app.router.add_delete(conversation + "/activities/{activity_id}", self._delete_activity)
        app.router.add_get(conversation + "/members", self._list_members)
        app.router.add_get(conversation + "/pagedmembers", self._paged_members)
        app.router.add_get(conversation + "/members/{member_id}", self._get_member)
        app.router.add_post(conversation + "/attachments", self._upload_attachment)
        app.router.add_get("/v3/teams/{team_id}/conversations", self._team_channels)
        app.router.add_get("/v3/teams/{team_id}", self._team_details)
        # Anything else is recorded and answered 404, so a test sees calls the fake lacks.
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        return app

    @web.middleware
    async def _record_middleware(self, request: web.Request, handler: Callable[..., Any]) -> web.StreamResponse:
        raw = await request.text()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        path_activity_id = request.match_info.get("activity_id")
        record: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "conversation_id": request.match_info.get("conversation_id") or request.match_info.get("team_id"),
            "activity_id": path_activity_id,
            "reply_to_id": path_activity_id if request.method == "POST" else None,
            "body": body,
            "query": dict(request.query),
            "headers": dict(request.headers),
            "kind": _kind_of(request),
            "status": 0,
            "received_at": time.monotonic(),
        }
        throttled = self._over_limit(record)
        if self.delay:
            await asyncio.sleep(self.delay)
        failure = None if throttled else self._take_failure(request.method, request.path)
        if throttled:
            response: web.StreamResponse = web.json_response(_ERROR_BODIES[429], status=429,
                                                             headers={"Retry-After": "1"})
        elif failure is not None:
            response = web.json_response(failure.body, status=failure.status, headers=failure.headers)
        else:
            token = _current.set(record)
            try:
                response = await handler(request)
            finally:
                _current.reset(token)
        record["status"] = response.status
        self._record(record)
        return response

    def _over_limit(self, record: dict[str, Any]) -> bool:
        """With ``enforce_limits``: True (and counted) when this send would exceed a limit."""
        is_send = record["method"] == "POST" and record["kind"] in ("activity", "create")
        if self._app_window is None or not is_send:
            return False
        now, conversation = record["received_at"], record["conversation_id"] or "(new)"
        with self._condition:
            conversations = self._conversation_windows
            if not self._app_window.allows("app", now) or (
                    conversations is not None and record["kind"] == "activity"
                    and not conversations.allows(conversation, now)):
                self.throttled += 1
                return True
            self._app_window.add("app", now)
            if conversations is not None and record["kind"] == "activity":
                conversations.add(conversation, now)
        return False

    def _take_failure(self, method: str, path: str) -> _Failure | None:
        with self._condition:
            for failure in self._failures:
                if failure.matches(method, path):
                    failure.remaining -= 1
                    if failure.remaining <= 0:
                        self._failures.remove(failure)
                    return failure
        return None

    def _record(self, record: dict[str, Any]) -> None:
        with self._condition:
            self.sent.append(record)
            if record["kind"] == "create" and record["status"] < 300 and isinstance(record["body"], dict):
                self.created_conversations.append({**record["body"], "id": record["conversation_id"]})
            self._condition.notify_all()
            waiters = list(self._async_waiters)
        for waiter in waiters:
            waiter.wake()

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"

    async def _create_conversation(self, request: web.Request) -> web.Response:
        record = _current.get()
        conversation_id = record["conversation_id"] = self._new_id("a:new-conv-")
        answer = {"id": conversation_id, "serviceUrl": self.url}
        if isinstance(record["body"], dict) and record["body"].get("activity"):
            answer["activityId"] = self._new_id("activity-")
        return web.json_response(answer, status=201)

    async def _list_conversations(self, request: web.Request) -> web.Response:
        return web.json_response({"conversations": [], "continuationToken": None})

    async def _post_activity(self, request: web.Request) -> web.Response:
        activity_id = _current.get()["activity_id"] = self._new_id("activity-")
        return web.json_response({"id": activity_id}, status=201)

    async def _put_activity(self, request: web.Request) -> web.Response:
        return web.json_response({"id": request.match_info["activity_id"]})

    async def _delete_activity(self, request: web.Request) -> web.Response:
        return web.Response(status=200)

    async def _upload_attachment(self, request: web.Request) -> web.Response:
        return web.json_response({"id": self._new_id("attachment-")}, status=201)

    def _roster(self, conversation_id: str) -> list[dict[str, Any]]:
        # A channel conversation id carries ";messageid=..." after the team/channel id.
        base_id = conversation_id.split(";", 1)[0]
        roster = self.members.get(conversation_id, self.members.get(base_id, self.default_members))
        return list(roster)

    async def _list_members(self, request: web.Request) -> web.Response:
        return web.json_response(self._roster(request.match_info["conversation_id"]))

    async def _paged_members(self, request: web.Request) -> web.Response:
        roster = self._roster(request.match_info["conversation_id"])
        try:
            # Teams' default page is 200 members; the token is an opaque string (here an offset).
            size = int(request.query.get("pageSize") or 200)
            start = int(request.query.get("continuationToken") or 0)
        except ValueError:
            return web.json_response({"error": {"code": "BadArgument", "message": "bad paging"}}, status=400)
        end = start + max(size, 1)
        token = str(end) if end < len(roster) else None
        return web.json_response({"members": roster[start:end], "continuationToken": token})

    async def _get_member(self, request: web.Request) -> web.Response:
        member_id = request.match_info["member_id"]
        roster = self._roster(request.match_info["conversation_id"])
        member = next((m for m in roster if member_id in (m.get("id"), m.get("aadObjectId"))), None)
        member = member or self.default_member(member_id)
        if member is None:
            body = {"error": {"code": "MemberNotFoundInConversation",
                              "message": "The member is not in the conversation."}}
            return web.json_response(body, status=404)
        return web.json_response(member)

    async def _team_details(self, request: web.Request) -> web.Response:
        team_id = request.match_info["team_id"]
        details = {
            "id": team_id,
            "name": "Team",
            "aadGroupId": "00000000-0000-0000-0000-000000000001",
            "channelCount": len(self.channels.get(team_id, [])) or 1,
            "memberCount": len(self._roster(team_id)),
            "type": "standard",
        }
        details.update(self.teams.get(team_id, {}))
        return web.json_response(details)

    async def _team_channels(self, request: web.Request) -> web.Response:
        team_id = request.match_info["team_id"]
        # The General channel has the team's own id and no name, as in Teams.
        channels = self.channels.get(team_id, [{"id": team_id, "name": None}])
        return web.json_response({"conversations": channels})

    async def _unknown(self, request: web.Request) -> web.Response:
        body = {"error": {"code": "NotImplemented", "message": f"FakeConnector: no route for {request.path}"}}
        return web.json_response(body, status=404)


def _kind_of(request: web.Request) -> str:
    """Classify a request by its route: ``activity``, ``create``, ``members``, ``team`` or ``other``."""
    route = request.match_info.route.resource
    canonical = route.canonical if route is not None else ""
    if "/activities" in canonical:
        return "activity"
    if canonical == "/v3/conversations" and request.method == "POST":
        return "create"
    if "members" in canonical:
        return "members"
    if canonical.startswith("/v3/teams/"):
        return "team"
    return "other"
