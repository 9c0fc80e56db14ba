"""Every error infoshare-bot raises on purpose, in one tree.

    InfoshareError              root: catch this at the edges (CLI, Telegram error handler)
    ├── ContentError            dialogue YAML is invalid; carries every problem found
    ├── ConfigError             the config file or environment is invalid; names the key
    ├── TelegramUnavailable     Telegram refused the token or could not be reached at start-up
    ├── UsageError              a lead's command arguments (filters, period, id) are wrong
    ├── AlreadyApplied          an update saved already (redelivered) or overtaken by a newer one;
    │                           control flow of the Telegram front end (bot.telegram.delivery)
    └── StorageError            the database refused or failed
        ├── StorageUnavailable  cannot reach or write the database right now (retry later)
        └── StaleWrite          another update of the same chat won the race (retry the update)

Anything else that escapes is a bug, and the edges report it as one.
"""

from __future__ import annotations

from collections.abc import Iterable


class InfoshareError(Exception):
    """Root of every error infoshare-bot raises on purpose."""


class UsageError(InfoshareError):
    """A command's arguments could not be understood; the message says how to write them."""


class ContentError(InfoshareError):
    """Dialogue content failed validation; `problems` lists each as `file: step: message`."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in the dialogue files:"
        super().__init__("\n".join([heading, *self.problems]))


class ConfigError(InfoshareError):
    """The configuration is invalid; the message names the file, key and what is wrong."""


class TelegramUnavailable(InfoshareError):
    """Start-up failed at Telegram's end; the message never contains the token."""


class StorageError(InfoshareError):
    """The database refused or failed an operation."""


class StorageUnavailable(StorageError):
    """The database cannot be reached or written now; the practitioner should try again shortly."""


class StaleWrite(StorageError):
    """Someone else saved this chat first; reload and apply the update again."""
