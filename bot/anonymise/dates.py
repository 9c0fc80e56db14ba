"""Full dates (day, month and year), which with a name make a date of birth.

Months, weekdays, years and times alone ("in March", "on Monday", "since 2018", "at 3pm") are
guidance vocabulary and stay; a day and month without a year count only after a birth cue.
"""

from __future__ import annotations

import re

from bot.anonymise.lexicon import word_set
from bot.anonymise.spans import Span

_MONTH_WORD = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_MONTH = rf"{_MONTH_WORD}\.?"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:(?:19|20)\d\d|'\d\d)"
_NUMERIC = re.compile(
    r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/-]|\.\d)"
    r"|(?<![\d/.-])((?:19|20)\d\d)([/.-])(\d{1,2})\6(\d{1,2})(?![\d/-]|\.\d)"
)
# Day, month word and year joined by hyphens, slashes or dots: "17-Nov-2011", "3/feb/09".
_JOINED = re.compile(
    rf"(?<![\w/.-]){_DAY}([-/.]){_MONTH_WORD}\1(?:(?:19|20)\d\d|\d\d)(?![\w/-]|\.\d)",
    re.IGNORECASE,
)
_WEEKDAY = (
    r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+(?:the\s+)?)?"
)
_TEXTUAL = re.compile(
    rf"\b{_WEEKDAY}(?:{_DAY}\s*(?:of\s+)?{_MONTH},?\s*{_YEAR}|{_MONTH}\s*{_DAY},?\s*{_YEAR})(?!\d)",
    re.IGNORECASE,
)
_BIRTH_CUE = r"\b(?:dob|d\.?\s?o\.?\s?b\.?|born|birthday|date\s+of\s+birth|birth\s*date)"
# After a birth cue a day and month count, with a two-digit year if there is one ("dob 12 june 08").
_BIRTHDAY = re.compile(
    rf"{_BIRTH_CUE}\s*(?:is|was|on|:|-)?\s*(?:the\s+)?"
    rf"({_DAY}\s*(?:of\s+)?{_MONTH}|{_MONTH}\s*{_DAY})(?:,?\s*(?:{_YEAR}|\d\d)(?!\d))?\b",
    re.IGNORECASE,
)
# After a birth cue, digits typed with spaces or run together also make a date: "dob 03 04 2012",
# "dob 030412".
_BIRTH_DIGITS = re.compile(
    rf"{_BIRTH_CUE}\s*(?:is|was|on|:|-)?\s*"
    r"((?:[12]\d|3[01]|0?[1-9])\s(?:1[0-2]|0?[1-9])\s(?:(?:19|20)\d\d|\d\d)"
    r"|(?:[0-2]\d|3[01])(?:0[1-9]|1[0-2])(?:(?:19|20)\d\d|\d\d))(?![\d/.-])",
    re.IGNORECASE,
)


# A weekday written before a numeric date is part of it: "Friday 21/06/24".
_WEEKDAY_BEFORE = re.compile(
    r"\b(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+(?:the\s+)?$",
    re.IGNORECASE,
)


def _with_weekday(text: str, start: int, end: int) -> Span:
    """The date's span, grown over a weekday written just before it."""
    before = _WEEKDAY_BEFORE.search(text, max(0, start - 16), start)
    return Span(before.start() if before else start, end, "DATE")


def _numeric_ok(match: re.Match[str]) -> bool:
    """Day and month in range (either order, for the odd US-style date)."""
    if match.group(1):
        a, b = int(match.group(1)), int(match.group(3))
        return 1 <= a <= 31 and 1 <= b <= 31 and min(a, b) <= 12
    return 1 <= int(match.group(7)) <= 12 and 1 <= int(match.group(8)) <= 31


_MONTH_WORDS = word_set(
    "jan january feb february mar march apr april may jun june jul july aug august sep sept "
    "september oct october nov november dec december"
)
_BIRTH_WORDS = frozenset({"dob", "b", "born", "birthday", "birth", "birthdate"})


def find(text: str, words: frozenset[str]) -> list[Span]:
    """Spans of full dates in numeric, ISO and written forms, and cued birthdays (needs a digit)."""
    numeric = (m for m in _NUMERIC.finditer(text) if _numeric_ok(m))
    spans = [_with_weekday(text, m.start(), m.end()) for m in numeric]
    if words & _MONTH_WORDS:
        spans.extend(Span(m.start(), m.end(), "DATE") for m in _TEXTUAL.finditer(text))
        spans.extend(Span(m.start(), m.end(), "DATE") for m in _JOINED.finditer(text))
        if words & _BIRTH_WORDS:
            spans.extend(Span(m.start(1), m.end(), "DATE") for m in _BIRTHDAY.finditer(text))
    if words & _BIRTH_WORDS:
        spans.extend(Span(m.start(1), m.end(1), "DATE") for m in _BIRTH_DIGITS.finditer(text))
    return spans
