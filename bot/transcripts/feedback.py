"""Whether decisions helped, for leads: per outcome, how many said each answer, and the newest
comments (already redacted when they were kept). Words for Telegram and the terminal; pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from bot import render, words
from bot.alerts import HELPED, FeedbackSums
from bot.transcripts.view import step_name
from states import Dialogue

COMMENTS_SHOWN: Final = 5
"""The newest comments shown per outcome in Telegram (the terminal shows them all)."""


def feedback_blocks(
    sums: Sequence[FeedbackSums],
    dialogue: Dialogue,
    heading: str,
    *,
    comments: int = COMMENTS_SHOWN,
) -> list[render.Block]:
    """The most answered outcome first: "Refer now: 2 helped, 0 partly, 1 didn't (3 said)"."""
    blocks: list[render.Block] = [render.Heading(heading)]
    if not sums:
        blocks.append(render.Para(words.FEEDBACK_NONE))
    for each in sorted(sums, key=lambda s: -sum(s.counts.values())):
        name = step_name(dialogue, each.outcome) if each.outcome else "unfinished"
        counts = {said: each.counts.get(said, 0) for said in HELPED}
        line = words.FEEDBACK_LINE.format(outcome=name, total=sum(counts.values()), **counts)
        blocks.append(render.Para(line))
        if each.comments:
            blocks.append(render.Para(words.FEEDBACK_COMMENTS.format(outcome=name)))
            blocks.append(render.Bullets(each.comments[-comments:]))
    return blocks
