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
BUTTON_TEXT_CHARS: Final = 60
"""Button labels (answers, quiz and case titles): longer ones are cut off on a phone."""
POPUP_CHARS: Final = 200
"""Characters a button's popup answer (answerCallbackQuery text) may show."""
CAPTION_CHARS: Final = 1024
"""Characters of a photo's caption."""
