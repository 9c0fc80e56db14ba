"""Dialogue content from disk: reading the YAML files and validating them as a whole.

`load_library` is what the front ends call; `check` is `infoshare-bot check`; `validate` takes
file texts, so tests need no disk. Every problem is reported as `file: step: message`.
"""

from bot.content.loader import (
    DEFAULT_EDITION,
    DEFAULT_JURISDICTION,
    DIALOGUES_DIR,
    check,
    editions,
    load_library,
)
from bot.content.nations import JURISDICTIONS
from bot.content.validate import validate

__all__ = [
    "DEFAULT_EDITION",
    "DEFAULT_JURISDICTION",
    "DIALOGUES_DIR",
    "JURISDICTIONS",
    "check",
    "editions",
    "load_library",
    "validate",
]
