"""The peer: an echo agent on the Microsoft 365 Agents SDK, the SDK a developer would pick today.

The successor of botbuilder, as its getting-started shows it: an ``AgentApplication`` with
in-memory storage, the MSAL connection manager, the SDK's ``CloudAdapter`` and its JWT
middleware in front of ``/api/messages``. Without credentials the SDK refuses anonymous
requests unless ``CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED=True``, which
``bench.processes.start_agents`` sets (auth off, as for the other bots of the benchmark).

It runs in its own virtual environment (``.venv-agents``, pinned in
``bench/agents_sdk/requirements.txt``): the SDK's packages must not mix with botbuilder's.
So this file imports nothing from the project. Prints
``listening on http://127.0.0.1:PORT/api/messages`` once it accepts connections.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

from aiohttp import web
from microsoft_agents.activity import load_configuration_from_env
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_middleware, start_agent_process
from microsoft_agents.hosting.core import AgentApplication, MemoryStorage, TurnContext, TurnState


def build_app() -> web.Application:
    """The agent and its aiohttp app, configured from the environment as the SDK's samples do."""
    config = load_configuration_from_env(os.environ)
    connections = MsalConnectionManager(**config)
    adapter = CloudAdapter(connection_manager=connections)
    agent = AgentApplication[TurnState](storage=MemoryStorage(), connection_manager=connections,
                                        **config)

    @agent.activity("message")
    async def echo(context: TurnContext, state: TurnState) -> None:
        await context.send_activity(f"Echo: {context.activity.text}")

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await start_agent_process(request, agent, adapter)
        return response if response is not None else web.Response(status=202)

    app = web.Application(middlewares=[jwt_authorization_middleware])
    # The JWT middleware reads the connection's settings (ANONYMOUS_ALLOWED among them) from here.
    app["agent_configuration"] = connections.get_default_connection_configuration()
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
    # Without an app id (auth off, a benchmark's set-up, never a deployment's) the SDK warns on every
    # turn; writing that line would charge the peer for our set-up.
    logging.getLogger("microsoft_agents.hosting.core.connector.client.user_token_client").setLevel(logging.ERROR)
    asyncio.run(serve(build_app()))
