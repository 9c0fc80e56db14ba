"""Loading the readable scripted conversations in tests/conversations/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from states import Library, normalise

FOLDER = Path(__file__).resolve().parents[1] / "conversations"


@dataclass(frozen=True)
class Script:
    name: str
    description: str
    turns: tuple[tuple[str, str], ...]
    outcome: str


def load_all() -> list[Script]:
    found = []
    for path in sorted(FOLDER.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        turns = tuple((str(step), str(said)) for step, said in raw["conversation"])
        found.append(Script(path.stem, raw["description"], turns, raw["outcome"]))
    return found


SCRIPTS = load_all()


def label_for(library: Library, step: str, said: str) -> str:
    """The button a practitioner presses for what a script types at `step`."""
    if said == "back":
        return "« Back"
    question = library["advice"].content.steps[step]
    chosen = library["advice"].typed[step][normalise(said)]
    return next(a.label for a in question.answers if a.id == chosen)
