"""The baseline: a minimal echo bot on the stock botbuilder SDK (no fixes), auth off.

The same ``CloudAdapter`` and ``ConfigurationBotFrameworkAuthentication`` as the real bot, the
stock ``adapter.process`` and a plain ``ActivityHandler``: what a botbuilder sample does.
Prints ``listening on http://127.0.0.1:PORT/api/messages`` once it accepts connections.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication


class DefaultConfig:
    """Auth off: no app id, as in the samples run locally."""

    PORT = 0
    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


class EchoBot(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(f"Echo: {turn_context.activity.text}")


def build_app() -> web.Application:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(DefaultConfig()))
    bot = EchoBot()

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, bot)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


async def serve(app: web.Application) -> None:
    """Serve ``app`` on a free loopback port until SIGINT or SIGTERM; say where on stderr."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    logging.getLogger("bench").warning("listening on http://127.0.0.1:%d/api/messages", runner.addresses[0][1])
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    asyncio.run(serve(build_app()))
