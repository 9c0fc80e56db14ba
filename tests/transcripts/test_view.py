"""Transcripts in words: the whole transcript a lead opens, and the one-line summary in lists.

Local times with GMT/BST, answers in today's wording, and ids the content no longer has shown
as stored rather than failing.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import render
from bot.transcripts.model import Entry, Summary, Transcript
from bot.transcripts.view import summary_line, transcript_blocks
from states import Library
from tests.emulator.entities import parse_html
from tests.support.samples import TRANSCRIPT, at

LONDON = ZoneInfo("Europe/London")


EXPECTED = """\
TRANSCRIPT 42

- Practitioner: p-3f9a0c2e71b4
- Started: Sat 21 Nov 2026, 09:30 GMT
- Ended: Sat 21 Nov 2026, 09:33 GMT (took 3 min)
- Content version: 2026-11-01 (shown in today's wording, {today})
- Tags: Follow up, Reviewed

STEPS

1. 09:30:10  Q: Immediate danger — A: No
2. 09:30:40  Q: Who it is about — A: A child or young person
3. 09:31:00  Q: Age group — Back
4. 09:31:20  Q: Who it is about — A: An adult
5. 09:32:00  Q: Legitimate purpose — typed something that was not an answer; removed: name, \
<b>phone</b>
6. 09:32:05  Q: Legitimate purpose — typed something that was not an answer
7. 09:32:10  Q: retired_question — A: maybe
8. 09:32:20  Q: Immediate danger — A: perhaps
9. 09:33:00  Q: Legitimate purpose — A: Not sure
10. 22 Nov 2026 00:05:00  Outcome: Seek advice before you decide — Back

OUTCOME: SEEK ADVICE BEFORE YOU DECIDE

- Rule 3: When in doubt, ask
- Rule 7: Records
- Rule 9

NOTES

- Sun 22 Nov 2026, 10:00 GMT, cli:jane: Discussed in supervision"""


def test_whole_transcript(library: Library) -> None:
    blocks = transcript_blocks(TRANSCRIPT, library["advice"], library, LONDON)
    assert render.plain(blocks) == EXPECTED.format(today=library.reference.content_version)


def test_transcript_in_telegram_keeps_typed_text_as_text(library: Library) -> None:
    blocks = transcript_blocks(TRANSCRIPT, library["advice"], library, LONDON)
    (message,) = render.telegram_html(blocks)
    text, entities = parse_html(message)  # raises if Telegram would refuse it
    assert "removed: name, <b>phone</b>" in text
    assert all(e["type"] in ("bold",) for e in entities)


def test_unfinished_transcript_in_summer_time(library: Library) -> None:
    unfinished = Transcript(
        id=7,
        practitioner="p-000000000001",
        started_at=at(23, 15, day=30, month=6),
        ended_at=None,
        updated_at=at(23, 16, day=30, month=6),
        dialogue="advice",
        content_version=library.reference.content_version,
        outcome=None,
        rules=(),
        steps=(Entry("immediate_danger", "no", at(23, 15, 30, day=30, month=6), False),),
    )
    text = render.plain(transcript_blocks(unfinished, library["advice"], library, LONDON))
    assert text == (
        "TRANSCRIPT 7\n\n"
        "- Practitioner: p-000000000001\n"
        "- Started: Wed 01 Jul 2026, 00:15 BST\n"
        "- Unfinished: last activity Wed 01 Jul 2026, 00:16 BST\n"
        f"- Content version: {library.reference.content_version}\n\n"
        "STEPS\n\n"
        "1. 00:15:30  Q: Immediate danger — A: No\n\n"
        "OUTCOME: UNFINISHED"
    )


def test_transcript_with_no_steps_and_an_outcome_the_content_lost(library: Library) -> None:
    gone = Transcript(
        id=8,
        practitioner="p-000000000002",
        started_at=at(9, 0),
        ended_at=at(9, 0, 45),
        updated_at=at(9, 0, 45),
        dialogue="retired_dialogue",  # falls back to the dialogue given
        content_version="2026-11-21",
        outcome="retired_outcome",
        rules=(),
        steps=(),
    )
    text = render.plain(transcript_blocks(gone, library["advice"], library, LONDON))
    assert "(took 45 s)" in text
    assert text.endswith("STEPS\n\nNo answers were given.\n\nOUTCOME: RETIRED_OUTCOME")


def test_summary_lines(library: Library) -> None:
    advice = library["advice"]
    finished = Summary(
        id=42,
        practitioner="p-3f9a0c2e71b4",
        started_at=at(9, 30),
        ended_at=at(9, 33),
        outcome="seek_advice",
        steps=6,
        unsure=True,
        redacted=True,
        tags=frozenset({"reviewed", "follow_up"}),
    )
    assert summary_line(finished, advice, LONDON) == (
        "/t42 21 Nov 2026 09:30 · Seek advice before you decide · 6 steps · not sure, "
        "redacted · Follow up, Reviewed"
    )
    unfinished = Summary(
        id=7,
        practitioner="p-000000000001",
        started_at=at(23, 15, day=30, month=6),
        ended_at=None,
        outcome=None,
        steps=1,
        unsure=False,
        redacted=False,
    )
    assert summary_line(unfinished, advice, LONDON) == "/t7 01 Jul 2026 00:15 · unfinished · 1 step"
    retired = Summary(8, "p-2", at(9, 0), at(9, 1), "retired_outcome", 0, False, True)
    assert summary_line(retired, advice, LONDON, mark="#") == (
        "#8 21 Nov 2026 09:00 · retired_outcome · 0 steps · redacted"
    )
