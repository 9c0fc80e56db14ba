"""What a practitioner reads on Telegram from /start to a decision, before and after issue 14.

Before: the outcome as one long answer (every part, in the order it used to come). After: the
outcome's first message (bot.outcome.summary), the parts one tap away. For each edition, the
shortest and the longest path (by questions asked), as read in England:

    python benchmarks/reading.py

Counts Telegram messages and characters of text (what `render.telegram_html` sends, tags
included, as a phone shows them after HTML is parsed: tags stripped).
"""

from __future__ import annotations

import re
from datetime import date

from bot import outcome, render
from bot.config import Contact
from bot.content import DIALOGUES_DIR, JURISDICTIONS, editions, load_library
from states import Dialogue, Library, State, paths

CONTACTS = (Contact(name="Children's social care front door", phone="0118 908 8002"),)
ON = date(2026, 12, 6)
TAGS = re.compile(r"<[^>]+>")


def shown(blocks: list[render.Block]) -> list[int]:
    """The characters of each message these blocks are sent as."""
    return [len(TAGS.sub("", message)) for message in render.telegram_html(blocks)]


def before(library: Library, dialogue: Dialogue, state: State) -> list[int]:
    """The outcome as it used to be sent: all of it, record and footer included, at once."""
    parts = ("why", "safely", "contacts", "record", "sources")
    blocks = [
        block
        for name in parts
        for block in outcome.part(name, library, dialogue, state, CONTACTS, ON)
    ]
    return shown(blocks)


def questions(dialogue: Dialogue, state: State) -> list[int]:
    intro = [render.Heading(dialogue.content.title), render.Para(dialogue.content.intro)]
    read = shown(intro)
    for index, (step, _) in enumerate(state.history):
        here = State(state.dialogue, step, state.history[:index])
        read += shown(render.question(dialogue, here, numbered=False))
    return read


def main() -> None:
    print(
        "| edition | path | questions | before: outcome messages / characters | "
        "after: first message characters | before: characters to the record | "
        "after: taps to the record |"
    )
    print("|---|---|---|---|---|---|---|")
    longest: dict[str, int] = {}
    for edition in editions(DIALOGUES_DIR):
        library = load_library(edition=edition)
        dialogue = library["advice"]
        finals = sorted(paths(dialogue), key=lambda s: (len(s.history), s.step))
        worst_first = max(
            len(render.plain(outcome.summary(nation["advice"], s)))
            for nation in (load_library(edition=edition, jurisdiction=j) for j in JURISDICTIONS)
            for s in paths(nation["advice"])
        )
        for label, final in (("shortest", finals[0]), ("longest", finals[-1])):
            old = before(library, dialogue, final)
            new = shown(outcome.summary(dialogue, final))
            assert len(new) == 1
            record_at = sum(old) - sum(
                shown(
                    [
                        *outcome.part("record", library, dialogue, final, CONTACTS, ON),
                        *outcome.part("sources", library, dialogue, final, CONTACTS, ON),
                    ]
                )
            )
            print(
                f"| {edition} | {label} ({final.step}) | {len(final.history)} "
                f"({sum(questions(dialogue, final))} characters) | {len(old)} / {sum(old)} | "
                f"{new[0]} | {record_at} | 1 (Decision record) |"
            )
        longest[edition] = worst_first
    for edition, characters in longest.items():
        print(
            f"{edition}: the longest first message of any outcome, on any path, in any of the "
            f"four nations: {characters}"
        )


if __name__ == "__main__":
    main()
