"""Reading the dialogues folder from disk: the only I/O between the YAML and the pure core."""

from __future__ import annotations

from pathlib import Path

from bot.content.validate import validate
from bot.errors import ContentError
from states import Library

DIALOGUES_DIR = Path(__file__).resolve().parents[2] / "dialogues"
"""The shipped content, beside `states.py` (in a checkout and in an installed wheel alike)."""


def check(directory: Path = DIALOGUES_DIR) -> tuple[Library | None, list[str]]:
    """Read and validate every `*.yaml` in `directory`; return the library and every problem."""
    if not directory.is_dir():
        problem = "is not a folder" if directory.exists() else "does not exist"
        return None, [f"{directory}: (folder): {problem}"]
    texts: dict[str, str] = {}
    unreadable: list[str] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            texts[path.name] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            unreadable.append(f"{path.name}: (file): cannot be read as UTF-8 text: {exc}")
    if not texts and not unreadable:
        unreadable.append(f"{directory}: (folder): has no .yaml dialogue files")
    library, problems = validate(texts)
    if unreadable:
        return None, unreadable + problems
    return library, problems


def load_library(directory: Path = DIALOGUES_DIR) -> Library:
    """Load and validate the dialogues, or raise `ContentError` listing every problem."""
    library, problems = check(directory)
    if library is None:
        raise ContentError(problems)
    return library
