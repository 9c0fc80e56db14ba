"""The one type every detector returns: a character range of the message and its placeholder."""

from __future__ import annotations

import re
from typing import NamedTuple

_ASCII_WORD = re.compile(r"[a-z]+")


class Span(NamedTuple):
    """Characters text[start:end] are an identifier of `kind` (placeholder name, e.g. "PHONE")."""

    start: int
    end: int
    kind: str


def words_of(text: str) -> frozenset[str]:
    """The message's lower-case ASCII words, found once and shared by the detectors so that each
    can skip its regular expressions when none of its key words is present."""
    return frozenset(_ASCII_WORD.findall(text.lower()))
