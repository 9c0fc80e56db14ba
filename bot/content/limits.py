"""Telegram's limits, in one place: the validator checks content against them and the front end
builds messages and buttons within them."""

from __future__ import annotations

from typing import Final

TELEGRAM_TEXT_LIMIT: Final = 4096
"""Telegram refuses messages longer than this (characters after entity parsing)."""
CALLBACK_DATA_BYTES: Final = 64
"""Bytes of data a button may carry."""
CALLBACK_ANSWER_BYTES: Final = 40
"""Bytes an answer id may take: a button's data less the front end's turn prefix."""
TRAINING_ID_BYTES: Final = 24
"""Bytes a quiz or case id may take in a button's data (less the front end's fields)."""
TRAINING_MAX_ITEMS: Final = 40
"""Statements per quiz, and key questions per case, that a button's data can keep track of."""
ANSWERS_PER_QUESTION: Final = 10
"""Answers a question may have: a decision's part buttons carry each answer as one digit."""
PATH_ANSWERS: Final = 24
"""Answers on the way to a decision that its part buttons can carry within 64 bytes."""
BUTTON_TEXT_CHARS: Final = 60
"""Button labels (answers, quiz and case titles): longer ones are cut off on a phone."""
POPUP_CHARS: Final = 200
"""Characters a button's popup answer (answerCallbackQuery text) may show."""
CAPTION_CHARS: Final = 1024
"""Characters of a photo's caption."""
ID_RANGE: Final = range(-(2**63), 2**63)
"""Telegram's ids fit in a signed 64-bit integer, as do the database's columns."""


def fits_an_id(value: object) -> bool:
    """Whether `value` is an integer a Telegram id (and our columns) can be. Bounds, not
    `in ID_RANGE`: for a float that membership test walks the whole range."""
    return isinstance(value, int) and ID_RANGE.start <= value < ID_RANGE.stop
