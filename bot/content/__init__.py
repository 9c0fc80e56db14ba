"""Dialogue content from disk: reading the YAML files and validating them as a whole.

`load_library` is what the front ends call; `check` is `infoshare-bot check`; `validate` takes
file texts, so tests need no disk. Every problem is reported as `file: step: message`.
"""

from bot.content.loader import DIALOGUES_DIR, check, load_library
from bot.content.validate import validate

__all__ = ["DIALOGUES_DIR", "check", "load_library", "validate"]
