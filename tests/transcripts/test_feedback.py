"""Feedback for leads in words (bot/transcripts/feedback.py): most answered outcome first, every
answer counted even when nobody chose it, the newest comments only where asked."""

from __future__ import annotations

from bot import render, words
from bot.alerts import FeedbackSums
from bot.content import load_library
from bot.transcripts.feedback import feedback_blocks

LIBRARY = load_library()


def paras(blocks: list[render.Block]) -> list[str]:
    return [b.text for b in blocks if isinstance(b, render.Para)]


def test_most_answered_first_with_every_answer_counted() -> None:
    advice = LIBRARY["advice"]
    sums = [
        FeedbackSums("refer_now", {"yes": 1}),
        FeedbackSums("share_with_consent", {"yes": 2, "no": 1}, ("quick", "clear")),
    ]
    blocks = feedback_blocks(sums, advice, "Heading", comments=1)
    consent = advice.content.outcomes["share_with_consent"].title
    refer = advice.content.outcomes["refer_now"].title
    assert paras(blocks) == [
        f"{consent}: 2 helped, 0 partly, 1 didn't (3 said)",
        words.FEEDBACK_COMMENTS.format(outcome=consent),
        f"{refer}: 1 helped, 0 partly, 0 didn't (1 said)",
    ]
    (listed,) = [b for b in blocks if isinstance(b, render.Bullets)]
    assert listed.items == ("clear",)  # the newest one


def test_none_yet_says_so() -> None:
    blocks = feedback_blocks([], LIBRARY["advice"], "Heading")
    assert blocks[0] == render.Heading("Heading") and paras(blocks) == [words.FEEDBACK_NONE]
