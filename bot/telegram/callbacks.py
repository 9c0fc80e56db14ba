"""Button payloads: small, checked, and tied to one turn of one conversation.

A payload names the conversation and the turn it was sent at, so a press on an old button
(answered already, an earlier conversation, before a restart or a dialogue edit) is recognised
as stale and can never move the conversation wrongly. Anything that does not parse is forged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Action = Literal["answer", "explain", "back", "new"]
_CODES: dict[Action, str] = {"answer": "a", "explain": "x", "back": "b", "new": "n"}
_ACTIONS = {code: action for action, code in _CODES.items()}
_PAYLOAD = re.compile(r"^([axbn]):([A-Za-z0-9_-]{8}):(\d{1,9}):([a-z0-9_]{0,40})$")
MAX_BYTES = 64


@dataclass(frozen=True, slots=True)
class Press:
    action: Action
    conversation: str
    turn: int
    answer: str = ""

    def encode(self) -> str:
        data = f"{_CODES[self.action]}:{self.conversation}:{self.turn}:{self.answer}"
        if len(data.encode()) > MAX_BYTES:
            raise ValueError("callback data over Telegram's 64 bytes")
        return data


def decode(data: str | None) -> Press | None:
    """The press a payload describes, or None for anything we did not send."""
    match = _PAYLOAD.match(data or "")
    if match is None:
        return None
    code, conversation, turn, answer = match.groups()
    action = _ACTIONS[code]
    if (action == "answer") != bool(answer):
        return None
    return Press(action, conversation, int(turn), answer)
