"""Loading the readable scripted conversations in tests/conversations/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot import words
from states import Library, normalise

FOLDER = Path(__file__).resolve().parents[1] / "conversations"


@dataclass(frozen=True)
class Script:
    name: str
    description: str
    turns: tuple[tuple[str, str], ...]
    outcome: str
    edition: str
    jurisdiction: str = "england"
    says: tuple[str, ...] = ()
    """Phrases the outcome must show: what this route is there to prove."""

    @property
    def scope(self) -> dict[str, str]:
        """The edition and nation to load: `load_library(**script.scope)`."""
        return {"edition": self.edition, "jurisdiction": self.jurisdiction}

    @property
    def options(self) -> tuple[str, ...]:
        """The same, as `infoshare-bot console` options."""
        return ("--edition", self.edition, "--jurisdiction", self.jurisdiction)


def load_all() -> list[Script]:
    found = []
    for path in sorted(FOLDER.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        turns = tuple((str(step), str(said)) for step, said in raw["conversation"])
        found.append(
            Script(
                path.stem,
                raw["description"],
                turns,
                raw["outcome"],
                raw["edition"],
                raw.get("jurisdiction", "england"),
                tuple(raw.get("says", ())),
            )
        )
    return found


SCRIPTS = load_all()


def written_for(edition: str) -> list[Script]:
    """The scripts of one edition (a bot process runs one edition: tests.support.e2e.EDITION)."""
    return [script for script in SCRIPTS if script.edition == edition]


def label_for(library: Library, step: str, said: str) -> str:
    """The button a practitioner presses for what a script types at `step`."""
    if said == "back":
        return "« Back"
    if said == "stop":
        return words.STOP_BUTTON
    question = library["advice"].content.steps[step]
    chosen = library["advice"].typed[step][normalise(said)]
    return next(a.label for a in question.answers if a.id == chosen)
