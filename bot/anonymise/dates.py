"""Full dates (day, month and year), which with a name make a date of birth.

Months, weekdays, years and times alone ("in March", "on Monday", "since 2018", "at 3pm") are
guidance vocabulary and stay; a day and month without a year count only after a birth cue.
"""

from __future__ import annotations

import re

from bot.anonymise.lexicon import word_set
from bot.anonymise.spans import Span

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:(?:19|20)\d\d|'\d\d)"
_NUMERIC = re.compile(
    r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/-]|\.\d)"
    r"|(?<![\d/.-])((?:19|20)\d\d)-(\d{1,2})-(\d{1,2})(?![\d-])"
)
_WEEKDAY = (
    r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+(?:the\s+)?)?"
)
_TEXTUAL = re.compile(
    rf"\b{_WEEKDAY}(?:{_DAY}\s*(?:of\s+)?{_MONTH},?\s*{_YEAR}|{_MONTH}\s*{_DAY},?\s*{_YEAR})(?!\d)",
    re.IGNORECASE,
)
_BIRTHDAY = re.compile(
    rf"\b(?:dob|d\.o\.b\.?|born|birthday)\s*(?:is|on|:)?\s*((?:the\s+)?{_DAY}\s*(?:of\s+)?{_MONTH}"
    rf"|{_MONTH}\s*{_DAY})\b",
    re.IGNORECASE,
)


def _numeric_ok(match: re.Match[str]) -> bool:
    """Day and month in range (either order, for the odd US-style date)."""
    if match.group(1):
        a, b = int(match.group(1)), int(match.group(3))
        return 1 <= a <= 31 and 1 <= b <= 31 and min(a, b) <= 12
    return 1 <= int(match.group(6)) <= 12 and 1 <= int(match.group(7)) <= 31


_MONTH_WORDS = word_set(
    "jan january feb february mar march apr april may jun june jul july aug august sep sept "
    "september oct october nov november dec december"
)
_BIRTH_WORDS = frozenset({"dob", "b", "born", "birthday"})


def find(text: str, words: frozenset[str]) -> list[Span]:
    """Spans of full dates in numeric, ISO and written forms, and cued birthdays (needs a digit)."""
    spans = [Span(m.start(), m.end(), "DATE") for m in _NUMERIC.finditer(text) if _numeric_ok(m)]
    if words & _MONTH_WORDS:
        spans.extend(Span(m.start(), m.end(), "DATE") for m in _TEXTUAL.finditer(text))
        if words & _BIRTH_WORDS:
            spans.extend(Span(m.start(1), m.end(1), "DATE") for m in _BIRTHDAY.finditer(text))
    return spans
