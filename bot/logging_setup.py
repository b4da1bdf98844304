"""Structured logs with a request id on every line of a request's turn.

Every record is one physical line: control characters in any field (a tenant, channel,
conversation or user id, a file name, an exception message) are escaped by the formatter, so
no value a caller sends can start a forged line, and no call site has to remember to escape.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import uuid
from typing import TextIO

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s %(message)s"
# What starts each line of a traceback or stack that follows a record: a record's own line starts
# with its time, so a continuation can never be taken for a record of its own.
CONTINUATION = "  | "

# C0 and C1 controls (newline, carriage return, escape, ...), DEL, the Unicode line and paragraph
# separators, and the invisible format characters (bidi overrides, zero-width) that make a line
# read differently from what it holds.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def escape_controls(text: str) -> str:
    r"""``text`` with every control character written as an escape (``\n``, ``\x1b``, ``\u202e``).

    Args:
        text: Anything about to be written to the log.
    """
    return _UNSAFE.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char)
    if named:
        return named
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record so the format string can use it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class OneLineFormatter(logging.Formatter):
    """``logging.Formatter`` that writes each record as one line, control characters escaped.

    The whole line (time, level, logger, request id, message with its arguments) is escaped once,
    after formatting, so a field added to the format later is covered too. A traceback or stack
    (ERROR with ``exc_info``) keeps its lines, each escaped and starting with ``CONTINUATION``.
    """

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        lines = [escape_controls(self.formatMessage(record))]
        # Not cached in record.exc_text: other handlers (pytest's, a developer's) get the plain text.
        trailers = [self.formatException(record.exc_info) if record.exc_info else record.exc_text,
                    self.formatStack(record.stack_info) if record.stack_info else None]
        for trailer in trailers:
            if trailer:
                lines += [CONTINUATION + escape_controls(line) for line in trailer.split("\n")]
        return "\n".join(lines)


def log_handler(stream: TextIO | None = None) -> logging.Handler:
    """The handler ``configure_logging`` installs: one escaped line per record, with its request id.

    Args:
        stream: Where to write (standard error by default).
    """
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(OneLineFormatter(LOG_FORMAT))
    return handler


def configure_logging(level: str) -> None:
    """One line per event: ``time level logger request_id=... message``."""
    root = logging.getLogger()
    root.handlers[:] = [log_handler()]
    root.setLevel(level)
    # The SDK and aiohttp's access log are chatty at INFO and may log payloads.
    logging.getLogger("aiohttp.access").setLevel(max(logging.WARNING, root.level))
    logging.getLogger("msrest").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))


def new_request_id(incoming: str | None = None) -> str:
    """Reuse a caller's short, safe request id, or make a new one."""
    if incoming and len(incoming) <= 64 and incoming.replace("-", "").isalnum():
        return incoming
    return uuid.uuid4().hex[:16]
