"""A lean fake Bot Connector for benchmarks, run as its own process (``python -m bench.connector``).

It accepts what the bot sends, answers ``GET .../members/{id}`` with a synthetic member, and can
enforce Teams' rate limits (per conversation 7/1 s, 8/2 s, 60/30 s, 1800/h; one global rate per
app), answering 429 with ``Retry-After: 1`` when a send would exceed them. It counts accepted
sends, 429s and, for fan-out messages (text containing ``[fanout N]``), duplicates.

The first line it prints is ``PORT <n>``. ``GET /_stats`` returns the counts, ``POST /_reset``
clears them.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import re
import sys
import time
from collections import deque

from aiohttp import web

PER_CONVERSATION = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))
MARKER = re.compile(r"\[fanout (\d+)\]")
TENANT = "7d9a3e2b-1c4f-4b8e-9a61-5f0c2d8e4b17"


class Windows:
    """Sliding windows of accepted events for one key."""

    __slots__ = ("events",)

    def __init__(self) -> None:
        self.events: deque[float] = deque()

    def allows(self, now: float, limits: tuple[tuple[float, int], ...]) -> bool:
        longest = max(window for window, _ in limits)
        events = self.events
        while events and events[0] <= now - longest:
            events.popleft()
        for window, maximum in limits:
            if len(events) >= maximum and events[-maximum] > now - window:
                return False
        return True


class Connector:
    """State of the fake: counters and rate-limit windows."""

    def __init__(self, global_rate: float, limit: bool) -> None:
        self.global_limits = ((1.0, max(1, int(global_rate))),)
        self.limit = limit
        self.reset()

    def reset(self) -> None:
        self.accepted = 0
        self.throttled = 0
        self.updates = 0
        self.members = 0
        self.markers: dict[int, int] = {}
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.global_window = Windows()
        self.conversations: dict[str, Windows] = {}
        self.ids = itertools.count(1)

    def stats(self) -> dict[str, object]:
        duplicates = sum(count - 1 for count in self.markers.values() if count > 1)
        return {"accepted": self.accepted, "throttled": self.throttled, "updates": self.updates,
                "members": self.members, "distinct_markers": len(self.markers), "duplicates": duplicates,
                "markers": sorted(self.markers), "first_at": self.first_at, "last_at": self.last_at,
                "now": time.monotonic()}

    async def post_activity(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation_id"]
        body = await request.json()
        now = time.monotonic()
        if self.limit:
            window = self.conversations.get(conversation)
            if window is None:
                window = self.conversations[conversation] = Windows()
            if not (window.allows(now, PER_CONVERSATION) and self.global_window.allows(now, self.global_limits)):
                self.throttled += 1
                return web.json_response({"error": {"code": "Throttled", "message": "Too many requests."}},
                                         status=429, headers={"Retry-After": "1"})
            window.events.append(now)
            self.global_window.events.append(now)
        self.accepted += 1
        self.first_at = self.first_at or now
        self.last_at = now
        text = body.get("text") if isinstance(body, dict) else None
        if text and (found := MARKER.search(text)):
            number = int(found.group(1))
            self.markers[number] = self.markers.get(number, 0) + 1
        return web.json_response({"id": f"activity-{next(self.ids)}"}, status=201)

    async def put_activity(self, request: web.Request) -> web.Response:
        self.updates += 1
        return web.json_response({"id": request.match_info["activity_id"]})

    async def create_conversation(self, request: web.Request) -> web.Response:
        return web.json_response({"id": f"a:new-conv-{next(self.ids)}", "serviceUrl": str(request.url.origin())},
                                 status=201)

    async def get_member(self, request: web.Request) -> web.Response:
        """Any ``29:KEY`` is a synthetic member: name and e-mail derived from the key."""
        self.members += 1
        member_id = request.match_info["member_id"]
        key = member_id.split(":", 1)[-1]
        return web.json_response({"id": member_id, "aadObjectId": f"aad-{key}", "name": f"Deelnemer {key}",
                                  "email": f"{key}@bieb.example", "userPrincipalName": f"{key}@bieb.example",
                                  "tenantId": TENANT, "userRole": "user"})

    async def get_stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    async def post_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})


def build_app(connector: Connector) -> web.Application:
    app = web.Application()
    conversation = "/v3/conversations/{conversation_id}"
    app.router.add_post("/v3/conversations", connector.create_conversation)
    app.router.add_post(conversation + "/activities", connector.post_activity)
    app.router.add_post(conversation + "/activities/{activity_id}", connector.post_activity)
    app.router.add_put(conversation + "/activities/{activity_id}", connector.put_activity)
    app.router.add_get(conversation + "/members/{member_id}", connector.get_member)
    app.router.add_get("/_stats", connector.get_stats)
    app.router.add_post("/_reset", connector.post_reset)
    return app


async def _main(global_rate: float, limit: bool) -> None:
    runner = web.AppRunner(build_app(Connector(global_rate, limit)), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"PORT {runner.addresses[0][1]}", flush=True)
    # Ends when the parent closes our stdin (or kills us).
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--global-rate", type=float, default=30.0)
    parser.add_argument("--limit", action="store_true", help="enforce Teams' rate limits (429)")
    args = parser.parse_args(argv)
    asyncio.run(_main(args.global_rate, args.limit))


if __name__ == "__main__":
    main()
