"""The floor: a bare aiohttp relay that does a turn's HTTP and nothing else.

For each activity it reads the JSON, posts one short reply to the fake connector and answers
201: the two HTTP hops every turn of any bot makes, with no SDK, state or database. Its latency
is what the machine allows; the difference to the real bot is what the bot's work costs.
Prints ``listening on http://127.0.0.1:PORT/api/messages`` once it accepts connections.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from urllib.parse import quote

import aiohttp
from aiohttp import web

from bench.echo_bot import serve

SESSION: web.AppKey[aiohttp.ClientSession] = web.AppKey("session", aiohttp.ClientSession)


async def _session(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        app[SESSION] = session
        yield


async def messages(request: web.Request) -> web.Response:
    activity = await request.json()
    conversation = activity["conversation"]["id"]
    reply = {"type": "message", "text": f"Echo: {activity.get('text') or ''}", "replyToId": activity["id"],
             "conversation": activity["conversation"], "from": activity["recipient"], "recipient": activity["from"]}
    url = (f"{activity['serviceUrl'].rstrip('/')}/v3/conversations/{quote(conversation, safe='')}/activities/"
           f"{quote(activity['id'], safe='')}")
    async with request.app[SESSION].post(url, data=json.dumps(reply).encode(),
                                         headers={"Content-Type": "application/json"}) as answer:
        await answer.read()
    return web.Response(status=201)


def build_app() -> web.Application:
    app = web.Application()
    app.cleanup_ctx.append(_session)
    app.router.add_post("/api/messages", messages)
    return app


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    asyncio.run(serve(build_app()))
