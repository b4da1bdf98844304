"""Drive the real Microsoft 365 Agents Playground (npm ``@microsoft/m365agentsplayground``) from tests.

The Playground is Microsoft's local Teams emulator: it sends Teams-shaped activities to the
bot and acts as its Bot Connector (``serviceUrl`` ``http://localhost:PORT/_connector``).
:class:`Playground` starts one on a free port with a generated ``.m365agentsplayground.yml``,
sends messages, card actions and custom activities as the configured user, and collects
what the bot posts from the Playground's websocket.

Example::

    async with Playground("http://127.0.0.1:3978/api/messages") as pg:
        await pg.install()
        await pg.send_text("hallo")
        reply = await pg.wait_for_message(lambda m: m.text == "hallo")

The bot must be listening before :meth:`Playground.start`: the Playground's config endpoint
waits until the bot's endpoint accepts connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import yaml

REPO = Path(__file__).resolve().parents[1]
PLAYGROUND_BIN = REPO / "node_modules" / ".bin" / "agentsplayground"
CONFIG_FILE = ".m365agentsplayground.yml"
LOG_FILE = Path("devTools") / "m365agentsplayground.log"
START_TIMEOUT = 60.0
# What the Playground itself puts on every activity it generates (not configurable).
PLAYGROUND_LOCALE = "en-US"


class PlaygroundError(RuntimeError):
    """The Playground did not start, exited, or refused a request."""


@dataclass(frozen=True)
class PlaygroundUser:
    """A person in the Playground's tenant (an entry of ``currentUser`` or ``users``).

    ``locale`` is not part of the Playground's config: it always sends ``en-US``. When set
    to something else on the current user, :class:`Playground` sends that user's text
    messages and custom activities with this locale instead (see :meth:`Playground.send_text`).
    """

    id: str
    name: str
    email: str
    aad_object_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    given_name: str | None = None
    surname: str | None = None
    user_principal_name: str | None = None
    locale: str | None = None

    def to_config(self) -> dict[str, str]:
        """The user as the Playground's YAML expects it (note its spelling ``userPrincipleName``)."""
        given, _, rest = self.name.partition(" ")
        return {
            "id": self.id,
            "name": self.name,
            "userPrincipleName": self.user_principal_name or self.email,
            "aadObjectId": self.aad_object_id,
            "givenName": self.given_name or given,
            "surname": self.surname or rest or given,
            "email": self.email,
        }


DEFAULT_TENANT_ID = "6f4c3b0e-2d1a-4c5b-9e8f-7a6b5c4d3e2f"
DEFAULT_CURRENT_USER = PlaygroundUser(
    id="29:playground-anna", name="Anna de Vries", email="anna.devries@bibliotheek-voorbeeld.nl",
    aad_object_id="a1a1a1a1-0000-4000-8000-000000000001", locale="nl-NL")
# The Playground insists on exactly five other users.
DEFAULT_USERS = tuple(
    PlaygroundUser(id=f"29:playground-{first.lower()}", name=f"{first} {last}",
                   email=f"{first.lower()}@bibliotheek-voorbeeld.nl",
                   aad_object_id=f"a1a1a1a1-0000-4000-8000-00000000000{n}")
    for n, (first, last) in enumerate(
        [("Bram", "Jansen"), ("Dia", "Koster"), ("Eline", "Bakker"), ("Maarten", "Visser"), ("Sanne", "Smit")],
        start=2)
)


@dataclass(frozen=True)
class BotMessage:
    """One message the bot created or updated, as streamed by the Playground's websocket."""

    action: str  # "createMessage" or "updateMessage"
    conversation_id: str
    raw: dict[str, Any]

    @property
    def id(self) -> str:
        """The message id (what a card action's ``replyToId`` refers to)."""
        return str(self.raw.get("messageId", ""))

    @property
    def text(self) -> str:
        """The message text ("" for a card-only message)."""
        return str(self.raw.get("text") or "")

    @property
    def from_id(self) -> str:
        """Who posted it (the bot's id for bot messages)."""
        return str((self.raw.get("from") or {}).get("id", ""))

    @property
    def cards(self) -> list[dict[str, Any]]:
        """The Adaptive Cards attached to the message."""
        return [a.get("content") or {} for a in self.raw.get("attachments") or []
                if a.get("contentType") == "application/vnd.microsoft.card.adaptive"]


def free_port() -> int:
    """A TCP port that was free a moment ago (bind to port 0, read it back, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def playground_installed() -> bool:
    """Whether ``node_modules/.bin/agentsplayground`` exists (``npm ci`` was run)."""
    return PLAYGROUND_BIN.exists() and shutil.which("node") is not None


class Playground:
    """One Agents Playground process, talking to one bot endpoint as one user.

    Args:
        bot_endpoint: The bot's messaging endpoint, e.g. ``http://127.0.0.1:3978/api/messages``.
        current_user: The person using the Playground (the one who types).
        users: Exactly five other users in the tenant (team and group chat members).
        tenant_id: The tenant id on every activity (``channelData.tenant.id``).
        bot_id: The bot's id as the Playground addresses it (``recipient.id``).
        bot_name: The bot's display name.
        personal_chat_id: The 1:1 conversation id; a fresh one by default.
        workdir: Folder for the config file and logs; a temporary folder by default.
        port: Port for the Playground; a free one by default.
    """

    def __init__(
        self,
        bot_endpoint: str,
        *,
        current_user: PlaygroundUser = DEFAULT_CURRENT_USER,
        users: tuple[PlaygroundUser, ...] | list[PlaygroundUser] = DEFAULT_USERS,
        tenant_id: str = DEFAULT_TENANT_ID,
        bot_id: str = "28:b0b0b0b0-0000-4000-8000-000000000000",
        bot_name: str = "Sparringbot",
        personal_chat_id: str | None = None,
        workdir: Path | None = None,
        port: int | None = None,
    ) -> None:
        if len(users) != 5:
            raise ValueError("the Playground needs exactly five users besides the current user")
        self.bot_endpoint = bot_endpoint
        self.current_user = current_user
        self.users = tuple(users)
        self.tenant_id = tenant_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.personal_chat_id = personal_chat_id or f"a:playground-{uuid.uuid4().hex}"
        self._workdir_arg = workdir
        self.workdir: Path | None = None
        self.port = port
        self.config: dict[str, Any] = {}
        self.messages: list[BotMessage] = []
        self._returned: set[int] = set()
        self._new_message = asyncio.Event()
        self._process: asyncio.subprocess.Process | None = None
        self._stdout_lines: list[str] = []
        self._stdout_task: asyncio.Task[None] | None = None
        self._ws_task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None

    # ----------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        """The Playground's base URL (also its web UI)."""
        return f"http://127.0.0.1:{self.port}"

    def config_file_content(self) -> dict[str, Any]:
        """The ``.m365agentsplayground.yml`` content (config file version 0.1.1)."""
        return {
            "version": "0.1.1",
            "tenantId": self.tenant_id,
            "bot": {"id": self.bot_id, "name": self.bot_name},
            "currentUser": self.current_user.to_config(),
            "users": [user.to_config() for user in self.users],
            "personalChat": {"id": self.personal_chat_id},
            "groupChat": {"id": "19:playground-groupchat@thread.v2", "name": "dBos po groepschat"},
            "team": {
                "id": "19:playground-team@thread.tacv2",
                "name": "dBos po",
                "aadGroupId": "b2b2b2b2-0000-4000-8000-000000000001",
                "channels": [{"id": "19:playground-kanaal@thread.tacv2", "name": "Sparren"}],
            },
        }

    async def start(self) -> Playground:
        """Start the Playground, wait until it answers, read its config, open the websocket.

        Returns:
            ``self``.

        Raises:
            PlaygroundError: The binary is missing, the process exited early (the message
                holds its log), or it did not come up within ``START_TIMEOUT`` seconds.
        """
        if not PLAYGROUND_BIN.exists():
            raise PlaygroundError(f"{PLAYGROUND_BIN} is missing: run `npm ci` in {REPO}")
        if self._workdir_arg is None:
            self._tempdir = tempfile.TemporaryDirectory(prefix="playground-")
            self.workdir = Path(self._tempdir.name)
        else:
            self.workdir = self._workdir_arg
            self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / CONFIG_FILE).write_text(
            yaml.safe_dump(self.config_file_content(), sort_keys=False, allow_unicode=True), encoding="utf-8")
        requested_port = self.port or free_port()
        env = {**os.environ, "TEAMSAPPTESTER_BROWSER": "none"}  # else it exits when no browser opens
        self._process = await asyncio.create_subprocess_exec(
            str(PLAYGROUND_BIN), "-e", self.bot_endpoint, "-c", "msteams", "--dt", "-p", str(requested_port),
            cwd=self.workdir, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() ends node's children too
        )
        listening: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._stdout_task = asyncio.create_task(self._read_stdout(listening))
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        try:
            await asyncio.wait_for(self._wait_until_up(listening), START_TIMEOUT)
        except TimeoutError:
            await self.stop()
            raise PlaygroundError(f"the Playground did not answer within {START_TIMEOUT:.0f} s\n{self.log()}") from None
        except BaseException:
            await self.stop()
            raise
        return self

    async def _wait_until_up(self, listening: asyncio.Future[int]) -> None:
        assert self._process is not None and self._session is not None
        exited = asyncio.ensure_future(self._process.wait())
        try:
            # It prints "Listening on PORT"; the port can differ from -p when that one was
            # taken meanwhile ("fallback to random if occupied").
            done, _ = await asyncio.wait({listening, exited}, return_when=asyncio.FIRST_COMPLETED)
            if exited in done and not listening.done():
                raise PlaygroundError(f"the Playground exited with code {exited.result()}\n{self.log()}")
        finally:
            if not exited.done():
                exited.cancel()
        self.port = listening.result()
        for _ in range(50):  # bounded: each try is an HTTP call with its own short timeout
            try:
                async with self._session.get(f"{self.url}/_debug/ping",
                                             timeout=aiohttp.ClientTimeout(total=2)) as response:
                    if response.status == 200 and (await response.text()).strip() == "pong":
                        break
            except (aiohttp.ClientError, TimeoutError):
                if self._process.returncode is not None:
                    raise PlaygroundError(
                        f"the Playground exited with code {self._process.returncode}\n{self.log()}") from None
                await asyncio.sleep(0.1)
        else:
            raise PlaygroundError(f"the Playground never answered /_debug/ping\n{self.log()}")
        # The config endpoint waits until the bot's endpoint accepts connections.
        async with self._session.get(f"{self.url}/_internal/v1/config") as response:
            if response.status != 200:
                raise PlaygroundError(f"GET /_internal/v1/config: {response.status} {await response.text()}")
            self.config = (await response.json())["config"]
        self.personal_chat_id = self.config["personalChat"]["id"]
        ws = await self._session.ws_connect(f"{self.url}/_ws_conversation/v1/conversations/stream")
        self._ws_task = asyncio.create_task(self._read_websocket(ws))

    async def _read_stdout(self, listening: asyncio.Future[int]) -> None:
        assert self._process is not None and self._process.stdout is not None
        # Drain stdout for the whole run: a full pipe would block the Playground.
        async for raw in self._process.stdout:
            line = raw.decode("utf-8", "replace").rstrip()
            self._stdout_lines.append(line)
            found = re.search(r"Listening on (\d+)", line)
            if found and not listening.done():
                listening.set_result(int(found.group(1)))

    async def _read_websocket(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async with ws:
            async for frame in ws:
                if frame.type != aiohttp.WSMsgType.TEXT:
                    continue
                event = json.loads(frame.data)
                if event.get("action") in ("createMessage", "updateMessage"):
                    self.messages.append(BotMessage(
                        event["action"], str(event.get("actionConversationId", "")), event.get("message") or {}))
                    self._new_message.set()

    async def stop(self) -> None:
        """Close the websocket and HTTP session and end the Playground process. Idempotent."""
        if self._ws_task is not None:
            self._ws_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._ws_task
            self._ws_task = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
        if self._stdout_task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._stdout_task, 5)
            self._stdout_task = None
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    async def __aenter__(self) -> Playground:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def log(self) -> str:
        """The Playground's stdout and its ``devTools`` log, for error messages."""
        parts = ["--- stdout ---", *self._stdout_lines]
        if self.workdir is not None and (self.workdir / LOG_FILE).is_file():
            parts += [f"--- {LOG_FILE} ---", (self.workdir / LOG_FILE).read_text(encoding="utf-8", errors="replace")]
        return "\n".join(parts)

    # ----------------------------------------------------------------- acting as the user

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise PlaygroundError("the Playground is not running: call start() first")
        return self._session

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        async with self._client().post(f"{self.url}{path}", json=body) as response:
            text = await response.text()
            if response.status >= 300:
                raise PlaygroundError(f"POST {path}: {response.status} {text}")
            return json.loads(text) if text.strip() else None

    def _uses_own_locale(self) -> bool:
        locale = self.current_user.locale
        return locale is not None and locale != PLAYGROUND_LOCALE

    async def send_text(self, text: str, user_id: str | None = None, conversation_id: str | None = None) -> Any:
        """Send a text message as a user, like typing in the Playground.

        When the current user has a ``locale`` other than the Playground's fixed ``en-US``,
        the message goes in as a custom activity carrying that locale: the bot sees the same
        message, but the Playground's web page does not show the user's own text.

        Args:
            text: The message text.
            user_id: Who sends it; the current user by default.
            conversation_id: Where; the personal chat by default.

        Returns:
            The Playground's answer (``{"messageId", "timestamp"}``) or ``None`` for a custom activity.
        """
        conversation_id = conversation_id or self.personal_chat_id
        user_id = user_id or self.current_user.id
        if self._uses_own_locale() and user_id == self.current_user.id:
            activity = await self.activity_template("install", conversation_id)
            activity.pop("action", None)
            now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            activity.update(
                type="message", id=str(uuid.uuid4()), text=text, textFormat="plain",
                timestamp=now, localTimestamp=now,
                channelData={"tenant": {"id": self.tenant_id}},
            )
            activity["from"] = {**activity.get("from", {}), "name": self.current_user.name}
            await self.send_custom_activity(activity)
            return None
        return await self._post(f"/_conversation/v1/conversations/{conversation_id}/messages",
                                {"from": {"id": user_id}, "text": text, "textFormat": "plain"})

    async def activity_template(self, kind: str, conversation_id: str | None = None) -> dict[str, Any]:
        """The activity the Playground would send for an event.

        Args:
            kind: ``install``, ``uninstall``, ``userAdded``, ``userRemoved``, ``botAdded``,
                ``botRemoved``, ``channelCreated``, ``channelRenamed``, ``channelDeleted``,
                ``teamRenamed`` or ``teamDeleted``.
            conversation_id: The conversation; the personal chat by default.

        Returns:
            The activity as a dict, ready for :meth:`send_custom_activity`.
        """
        params = {"conversationId": conversation_id or self.personal_chat_id, "type": kind}
        async with self._client().get(f"{self.url}/_internal/v1/customActivities/template", params=params) as response:
            if response.status != 200:
                raise PlaygroundError(f"activity template {kind!r}: {response.status} {await response.text()}")
            activity: dict[str, Any] = await response.json()
        return activity

    async def send_custom_activity(self, activity: dict[str, Any]) -> None:
        """Deliver any activity to the bot through the Playground.

        The Playground answers at once and delivers in the background, so wait for the
        bot's reply (:meth:`wait_for_message`) rather than on this call.
        """
        if self._uses_own_locale():
            activity = {**activity, "locale": self.current_user.locale,
                        "entities": [{"type": "clientInfo", "locale": self.current_user.locale}]}
        await self._post("/_internal/v1/customActivities", activity)

    async def send_event(self, kind: str, conversation_id: str | None = None) -> dict[str, Any]:
        """Send the bot one of the Playground's events (see :meth:`activity_template`).

        Returns:
            The activity that was sent.
        """
        activity = await self.activity_template(kind, conversation_id)
        await self.send_custom_activity(activity)
        return activity

    async def install(self, conversation_id: str | None = None) -> dict[str, Any]:
        """Install the bot in the personal chat (an ``installationUpdate`` with ``action: add``).

        The Playground's web page sends this when it opens; a test without the page sends it here.

        Returns:
            The activity that was sent.
        """
        return await self.send_event("install", conversation_id)

    async def invoke_execute(self, verb: str, data: dict[str, Any], reply_to_id: str,
                             conversation_id: str | None = None) -> Any:
        """Click an ``Action.Execute`` button (an ``adaptiveCard/action`` invoke).

        Args:
            verb: The action's ``verb``.
            data: The action's ``data`` merged with the card's inputs.
            reply_to_id: The id of the card's message (:attr:`BotMessage.id`).
            conversation_id: The personal chat by default.

        Returns:
            The bot's invoke response body as the Playground hands it back.
        """
        return await self._post("/_conversation/v1/invoke", {
            "name": "adaptiveCard/action",
            "value": {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"},
            "from": {"id": self.current_user.id},
            "conversation": {"id": conversation_id or self.personal_chat_id},
            "replyToId": reply_to_id,
        })

    async def submit(self, value: dict[str, Any], reply_to_id: str, conversation_id: str | None = None) -> Any:
        """Click an ``Action.Submit`` button: the bot gets a message with ``value`` and no text.

        Args:
            value: The action's ``data`` merged with the card's inputs.
            reply_to_id: The id of the card's message.
            conversation_id: The personal chat by default.
        """
        return await self._post("/_conversation/v1/submit", {
            "value": value,
            "from": {"id": self.current_user.id},
            "conversation": {"id": conversation_id or self.personal_chat_id},
            "replyToId": reply_to_id,
        })

    # ----------------------------------------------------------------- what the bot says

    async def wait_for_message(self, predicate: Callable[[BotMessage], bool] = lambda m: True,
                               timeout: float = 30) -> BotMessage:
        """Wait for a bot message (created or updated) that matches and was not returned before.

        Args:
            predicate: Which message; any by default.
            timeout: Seconds to wait.

        Returns:
            The first matching message not returned by an earlier call.

        Raises:
            TimeoutError: None arrived in time (the message lists what did arrive).
        """

        async def first_match() -> BotMessage:
            checked = 0
            while True:
                self._new_message.clear()
                for index in range(checked, len(self.messages)):
                    if index not in self._returned and predicate(self.messages[index]):
                        self._returned.add(index)
                        return self.messages[index]
                checked = len(self.messages)
                await self._new_message.wait()

        try:
            return await asyncio.wait_for(first_match(), timeout)
        except TimeoutError:
            seen = [f"{m.action} {m.id}: {m.text[:80] or m.cards}" for m in self.messages]
            raise TimeoutError(f"no matching bot message within {timeout} s; seen: {seen}") from None


async def screenshot(url: str, out_png: Path, *, width: int = 1280, height: int = 900,
                     budget_ms: int = 8000, timeout: float = 90) -> Path:
    """Photograph a web page with Debian's headless ``chromium``.

    Async so that a bot running in the test's own event loop keeps answering while the
    page loads (the Playground's page installs the bot and shows its replies).

    Args:
        url: The page, e.g. ``playground.url``.
        out_png: Where to write the PNG.
        width: Window width in pixels.
        height: Window height in pixels.
        budget_ms: Virtual time the page gets to render before the shot.
        timeout: Seconds before chromium is given up on.

    Returns:
        ``out_png``.

    Raises:
        FileNotFoundError: ``chromium`` is not installed (``apt-get install chromium``).
        RuntimeError: chromium failed or wrote no file.
    """
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        raise FileNotFoundError("chromium is not installed (on Debian: apt-get install -y chromium)")
    out_png = Path(out_png).resolve()
    with tempfile.TemporaryDirectory(prefix="chromium-", ignore_cleanup_errors=True) as profile:
        process = await asyncio.create_subprocess_exec(
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-breakpad",
            "--disable-crash-reporter", f"--user-data-dir={profile}",
            f"--window-size={width},{height}", f"--virtual-time-budget={budget_ms}", f"--screenshot={out_png}", url,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # its own process group: its helper processes end with it
        )
        try:
            output, _ = await asyncio.wait_for(process.communicate(), timeout)
        except TimeoutError:
            raise RuntimeError(f"chromium took longer than {timeout} s for {url}") from None
        finally:
            # Chromium's helpers outlive the main process for a moment; end the group we started.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
    if process.returncode != 0 or not out_png.is_file():
        tail = output.decode(errors="replace")[-2000:]
        raise RuntimeError(f"chromium failed ({process.returncode}) for {url}: {tail}")
    return out_png
