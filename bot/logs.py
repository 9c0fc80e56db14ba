"""Logging that never carries message text or secrets.

Our own log calls never include message text. Third-party libraries do: httpx logs request
URLs (which contain the bot token) at INFO, and python-telegram-bot logs request payloads at
DEBUG. Those loggers are held at WARNING whatever our level, and a filter scrubs any secret
that still reaches a handler.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

CHATTY = (
    "httpx",
    "httpcore",
    "telegram",
    "hpack",
    "tornado",
    "apscheduler",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "asyncio",
)


class ScrubSecrets(logging.Filter):
    """Replace each secret in a formatted record with [REDACTED]."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.scrub(record.getMessage()), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        return True

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[REDACTED]")
        return text


class NetworkFailures(logging.Filter):
    """python-telegram-bot's tracebacks for the Bot API failing where we already say so.

    At start-up it logs the failure and re-raises it, and `infoshare-bot run` then says what
    went wrong in one sentence (`TelegramUnavailable`): its record is dropped. On stopping, its
    last getUpdates may fail (the Bot API is unreachable): that is one line, not a traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Network Retry Loop") and "Bootstrap" in message:
            return False
        if message.startswith("Error while calling `get_updates` one more time"):
            error = record.exc_info[1] if record.exc_info else None
            record.msg = "the last getUpdates before stopping failed (%s)"
            record.args = (type(error).__name__,)
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


def configure(level: str, secrets: Iterable[str] = ()) -> None:
    """Set up the root logger once for the process."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(NetworkFailures())
    handler.addFilter(ScrubSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in CHATTY:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def scrub_also(secret: str) -> None:
    """Add a secret learnt after `configure` (a generated key) to every handler's filter."""
    for handler in logging.getLogger().handlers:
        for found in handler.filters:
            if isinstance(found, ScrubSecrets) and secret:
                found.secrets.append(secret)
