"""Start and stop the processes under test: the fake connector, ``sparringbot serve``, the echo bots."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
AGENTS_REQUIREMENTS = REPO / "bench" / "agents_sdk" / "requirements.txt"
# The peer's own virtual environment: the Agents SDK's packages never mix with botbuilder's.
AGENTS_VENV = REPO / ".venv-agents"
AGENTS_INSTALL_TIMEOUT = 900.0
LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)/api/messages")
START_TIMEOUT = 60.0
# A process using less than this share of a CPU is idle: the bots' background loops (the
# dispatcher polls twice a second) take a few per cent.
IDLE_SHARE = 0.1
IDLE_WINDOW = 0.2


def user_and_system(stat: Path) -> tuple[float, float]:
    """User and system CPU seconds from a ``/proc`` ``stat`` file (a process's or one of its threads')."""
    fields = stat.read_text().rsplit(")", 1)[1].split()  # the name in brackets may hold spaces
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far."""
    return sum(user_and_system(Path(f"/proc/{pid}/stat")))


async def until_idle(pids: list[int], *, timeout: float = 60.0) -> float:
    """Wait until each of ``pids`` used under :data:`IDLE_SHARE` of a CPU over a window; returns seconds waited.

    A bot that fell behind (the stock echo bot above its capacity) goes on working through
    requests its clients gave up on; without this wait that work would land in the next bot's
    measurement.
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    while True:
        before = [cpu_seconds(pid) for pid in pids]
        await asyncio.sleep(IDLE_WINDOW)
        used = [cpu_seconds(pid) - b for pid, b in zip(pids, before, strict=True)]
        if max(used, default=0.0) < IDLE_SHARE * IDLE_WINDOW or loop.time() - started > timeout:
            return loop.time() - started


@dataclass
class Process:
    """A started child process and where it listens."""

    popen: subprocess.Popen[bytes]
    port: int
    log: Path | None = None
    host_env: str | None = None  # the HOST in its environment, which names valgrind's control pipe

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def pid(self) -> int:
        return self.popen.pid

    def rss_mb(self) -> float:
        """Resident memory now (VmRSS), in MB."""
        return rss_mb(self.popen.pid)

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``; returns the exit code."""
        if self.popen.poll() is None:
            if self.popen.stdin is not None:
                try:
                    self.popen.stdin.close()
                except OSError:
                    pass
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        return self.popen.returncode

    def kill(self) -> None:
        """SIGKILL at once (a crash)."""
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_connector(*, global_rate: float = 30.0, limit: bool = False) -> Process:
    """The fake Bot Connector in its own process."""
    command = [sys.executable, "-m", "bench.connector", "--global-rate", str(global_rate)]
    if limit:
        command.append("--limit")
    popen = subprocess.Popen(command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
    assert popen.stdout is not None
    line = popen.stdout.readline().decode()
    if not line.startswith("PORT "):
        popen.kill()
        raise RuntimeError(f"connector did not start: {line!r}")
    return Process(popen, int(line.split()[1]))


def _start_listening(command: list[str], env: dict[str, str], log: Path, cwd: Path,
                     start_timeout: float = START_TIMEOUT) -> Process:
    log.parent.mkdir(parents=True, exist_ok=True)
    handle = log.open("wb")
    popen = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=handle, stderr=handle)
    handle.close()
    deadline = time.monotonic() + start_timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if match := LISTENING.search(text):
            return Process(popen, int(match.group(1)), log)
        if popen.poll() is not None:
            raise RuntimeError(f"{command} exited early:\n{text[-3000:]}")
        time.sleep(0.05)
    popen.kill()
    raise RuntimeError(f"{command} did not start within {start_timeout} s")


def start_serve(database_url: str, workdir: Path, *, load_sample: bool = True, dispatch_interval: float = 0.5,
                global_send_rate: float = 30.0, log_name: str = "serve.log", wrapper: tuple[str, ...] = (),
                start_timeout: float = START_TIMEOUT) -> Process:
    """``sparringbot serve`` on PORT=0 (auth off), as deployed (``wrapper``: a command to run it under)."""
    env = {**os.environ, "DATABASE_URL": database_url, "PORT": "0", "HOST": "127.0.0.1", "LOG_LEVEL": "INFO",
           "DISPATCH_INTERVAL": str(dispatch_interval), "GLOBAL_SEND_RATE": str(global_send_rate),
           "LANGUAGE": "nl", "FILES_DIR": str(workdir / "files"), "MicrosoftAppId": "",
           "MicrosoftAppPassword": "", "PYTHONPATH": str(REPO)}
    command = [*wrapper, sys.executable, "-m", "bot", "serve"] + (["--load-sample"] if load_sample else [])
    process = _start_listening(command, env, workdir / log_name, workdir, start_timeout)
    process.host_env = env["HOST"]
    return process


def start_echo(workdir: Path, *, wrapper: tuple[str, ...] = (), start_timeout: float = START_TIMEOUT,
               module: str = "bench.echo_bot") -> Process:
    """The stock-SDK echo bot (baseline), or with ``module="bench.bare_bot"`` the bare aiohttp relay (floor)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return _start_listening([*wrapper, sys.executable, "-m", module], env, workdir / f"{module}.log", REPO,
                            start_timeout)


def agents_python(*, build: bool = True, venv: Path | None = None) -> Path | None:
    """The Python of the Agents SDK peer's virtual environment, built from the pinned file if needed.

    The environment is (re)built when it is missing or ``bench/agents_sdk/requirements.txt``
    changed since (a stamp named after the file's hash, as ``.ci/setup.sh`` does for the bot's).

    Args:
        build: Build or update the environment when needed; without it, only an up-to-date one is used.
        venv: Where the environment lives (default ``.venv-agents`` in the repository).

    Returns:
        Its ``python``, or None when it is not there (``build`` false) or could not be built (no
        network, no ``venv`` module): the caller leaves the peer out and says so.
    """
    venv = venv or AGENTS_VENV
    python = venv / "bin" / "python"
    digest = hashlib.sha1(AGENTS_REQUIREMENTS.read_bytes()).hexdigest()[:12]
    stamp = venv / f".installed-{digest}"
    if python.exists() and stamp.exists():
        return python
    if not build:
        return None
    print(f"building the Agents SDK peer's environment in {venv} (once) ...", flush=True)
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True,
                           timeout=AGENTS_INSTALL_TIMEOUT)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r",
                        str(AGENTS_REQUIREMENTS)], check=True, capture_output=True, timeout=AGENTS_INSTALL_TIMEOUT)
    except (OSError, subprocess.SubprocessError) as error:
        detail = getattr(error, "stderr", None) or b""
        print(f"could not build the Agents SDK peer's environment ({type(error).__name__}): "
              f"{detail.decode(errors='replace').strip()[-500:]}", flush=True)
        return None
    for old in venv.glob(".installed-*"):
        old.unlink()
    stamp.touch()
    return python


def start_agents(workdir: Path, python: Path, *, wrapper: tuple[str, ...] = (),
                 start_timeout: float = START_TIMEOUT) -> Process:
    """The Agents SDK echo agent (``bench/agents_echo.py``) on ``python`` (its own venv), auth off.

    Without credentials the SDK refuses every request unless anonymous access is allowed.
    """
    env = {**os.environ, "PYTHONPATH": str(REPO),
           "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED": "True"}
    return _start_listening([*wrapper, str(python), "-m", "bench.agents_echo"], env, workdir / "bench.agents_echo.log",
                            REPO, start_timeout)
