"""Problems found in dialogue files, each reported as `file: step: message`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from bot.content.limits import TELEGRAM_TEXT_LIMIT

SECTIONS = frozenset(
    {"steps", "outcomes", "rules", "topics", "checklists", "quizzes", "cases", "sources", "nations"}
)
"""Top-level keys whose entries are reported as the `step` of `file: step: message`."""


class Problems:
    """Collects problems with the file and step they belong to."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, file: str, where: str, message: str) -> None:
        self.items.append(f"{file}: {where}: {message}")


def where(loc: tuple[int | str, ...]) -> tuple[str, str]:
    """Split a pydantic error location into (step, the rest) for `file: step: message`."""
    parts = [str(p) for p in loc]
    if len(parts) >= 2 and parts[0] in SECTIONS:
        return parts[1], ".".join(parts[2:])
    return "(file)", ".".join(parts)


def schema_problems(file: str, error: ValidationError, problems: Problems) -> None:
    for item in error.errors():
        step, key = where(item["loc"])
        message = item["msg"]
        if isinstance(item.get("input"), bool):
            message += ' (YAML reads yes/no/on/off as true/false: put the word in quotes, "yes")'
        problems.add(file, step, f"{key}: {message}" if key else message)


def strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every text in a loaded YAML tree with its key path, for the length check."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, f"{path}.{index}")


def length_problems(file: str, raw: dict[str, Any], problems: Problems) -> None:
    for path, text in strings(raw, ""):
        if len(text) > TELEGRAM_TEXT_LIMIT:
            step, key = where(tuple(path.split(".")))
            problems.add(file, step, f"{key}: text is {len(text)} characters; Telegram allows 4096")
