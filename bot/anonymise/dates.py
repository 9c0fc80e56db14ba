"""Dates: full dates, which with a name make a date of birth, and the day of an incident,
meeting or visit ("incident on 3rd December", "visited 28/11", "on fri 28th"), which with the
place and the family is enough to find them.

Months, weekdays, years and times alone ("in March", "on Monday", "since 2018", "at 3pm") are
guidance vocabulary and stay; so do scores and fractions ("7/10", "24/7", "1/2 term").
"""

from __future__ import annotations

import re

from bot.anonymise.lexicon import word_set
from bot.anonymise.spans import Span

_MONTH_WORD = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
    # typed in a hurry: "3 decemeber", "21st febuary", "septmber"
    r"|janu?ra?y|febu?a?ry|feburary|apirl|agust|augst|sept?m?e?m?ber|octo?br|ocotber"
    r"|nove?me?m?ber|novmber|dece?me?m?ber|decmber)"
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
# Day and month word joined by a hyphen or slash, without a year: "seen 3-dec", "born 17-Nov".
_JOINED_NO_YEAR = re.compile(
    rf"(?<![\w/.-]){_DAY}[-/]{_MONTH_WORD}(?![\w/-]|\.\d)",
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
    r"|(?:[0-2]\d|3[01])(?:0[1-9]|1[0-2])(?:(?:19|20)\d\d|\d\d)"
    # a year first, run together ("dob 20150202"), or a month and year ("dob 02/15", "dob 2/2015")
    r"|(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01])|(?:0?[1-9]|1[0-2])/(?:(?:19|20)\d\d|\d\d))"
    r"(?![\d/.-])",
    re.IGNORECASE,
)


# A day and month without a year: "3/11", "Tues 25/11" (not "7/10" for a score, "24/7", "1/2
# term", "3/4 times").
_DAY_MONTH = re.compile(
    r"(?<![\w/.,:-])(\d{1,2})/(\d{1,2})(?![\w/%:-]|[.,]\d)"
    r"(?![^\S\n]*(?:term|terms|hr|hrs|hours?|days?|weeks?|wks?|months?|years?|yrs?|times|of|x|"
    r"marks?|points?|pts|tablets|pills|doses)\b)"
)
_SCORE_BEFORE = re.compile(
    r"(?i:scored?|rated?|rating|rates|pain|scale|mood|marks?|got|gave|out\s+of|score\s+of|was|is|"
    r"about|approx|only|just)[^\S\n]*$"
)
# A day and month word: "9 dec", "3rd December", "Saturday 29th November", "Dec 10th". "may" and
# "march" are verbs too, so lower case they need an ordinal ("1 may be", "3 march on").
_DAY_MONTH_WORD = re.compile(
    rf"\b{_WEEKDAY}(?:(?P<day>{_DAY})[^\S\n]*(?:of[^\S\n]+)?(?P<month>{_MONTH_WORD})\b"
    rf"|(?P<month2>{_MONTH_WORD})\.?[^\S\n]+(?:the[^\S\n]+)?(?P<day2>{_DAY})(?![\d:.,]\d|[\w%])"
    r"(?![^\S\n]*(?:am|pm|kids|children|times|weeks|days|people)\b))"
    # A session booked for a day and time is a diary entry, not the day something happened:
    # "training is on Thursday 4th July at 3.30pm".
    r"(?![^\S\n]+(?:at|from)[^\S\n]+\d{1,2}(?:[.:]\d\d)?[^\S\n]*(?:am|pm)\b)",
    re.IGNORECASE,
)
_VERB_MONTHS = frozenset({"may", "mar", "march"})
_ORDINAL_DAY = re.compile(r"\d(?:st|nd|rd|th)$", re.IGNORECASE)
# A weekday with an ordinal ("fri 28th", "wed 3rd"), or an ordinal of a month named by where it is
# ("on the 22nd of last month").
_WEEKDAY_ORDINAL = re.compile(
    r"\b(?:mon|tues?|wed(?:nes|s)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?[^\S\n]+(?:the[^\S\n]+)?"
    rf"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)\b(?![^\S\n]+(?:of[^\S\n]+)?{_MONTH_WORD}\b)"
    r"|\b(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)(?=[^\S\n]+of[^\S\n]+(?:last|this|next)[^\S\n]+month\b)",
    re.IGNORECASE,
)
_WEEKDAY_WORDS = word_set(
    "mon monday tue tues tuesday wed weds wednesday thu thur thurs thursday fri friday "
    "sat saturday sun sunday"
)


# A two-digit year after a day and month word: "17 Nov 11", "3rd March 09" (not "9 dec 10am",
# "3 june 12 kids").
_SHORT_YEAR_AFTER = re.compile(
    r",?[^\S\n]*['’]?\d\d(?![\d:./-]|[^\S\n]*(?:am|pm|kids|children|times|weeks|days|people|years"
    r"|yrs|mins|hours|hrs|%|o['’]?clock)\b)"
)


def _with_short_year(text: str, m: re.Match[str]) -> int:
    """Where a day-and-month date ends, over a two-digit year written after its month."""
    if m.group("month") is None:
        return m.end()
    year = _SHORT_YEAR_AFTER.match(text, m.end())
    return year.end() if year else m.end()


def _day_month_word_ok(m: re.Match[str]) -> bool:
    """A lower-case "may" or "march" after a bare number is a verb ("1 may be", "3 march on")."""
    month = m.group("month") or m.group("month2")
    day = m.group("day") or m.group("day2")
    if month.lower() in _VERB_MONTHS and month.islower() and not _ORDINAL_DAY.search(day):
        return False
    # "may 2 children come": a verb month before a number
    return not (m.group("month2") and month.lower() in _VERB_MONTHS and month.islower())


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
    " janury januray febuary feburary febury apirl agust augst septmber septemeber setpember "
    "octobr ocotber novemeber novmber decemeber decmber decemer"
)
_BIRTH_WORDS = frozenset({"dob", "b", "born", "birthday", "birth", "birthdate"})


def find(text: str, words: frozenset[str]) -> list[Span]:
    """Spans of full dates in numeric, ISO and written forms, and cued birthdays (needs a digit)."""
    numeric = (m for m in _NUMERIC.finditer(text) if _numeric_ok(m))
    spans = [_with_weekday(text, m.start(), m.end()) for m in numeric]
    if "/" in text:
        for m in _DAY_MONTH.finditer(text):
            day, month = int(m.group(1)), int(m.group(2))
            if (
                1 <= day <= 31
                and 1 <= month <= 12
                and (day, month) != (24, 7)
                and _SCORE_BEFORE.search(text, max(0, m.start() - 12), m.start()) is None
            ):
                spans.append(_with_weekday(text, m.start(), m.end()))
    if words & _MONTH_WORDS:
        spans.extend(
            Span(m.start(), _with_short_year(text, m), "DATE")
            for m in _DAY_MONTH_WORD.finditer(text)
            if _day_month_word_ok(m)
        )
    if words & _WEEKDAY_WORDS or "month" in words:
        spans.extend(Span(m.start(), m.end(), "DATE") for m in _WEEKDAY_ORDINAL.finditer(text))
    if words & _MONTH_WORDS:
        spans.extend(Span(m.start(), m.end(), "DATE") for m in _TEXTUAL.finditer(text))
        spans.extend(Span(m.start(), m.end(), "DATE") for m in _JOINED.finditer(text))
        spans.extend(Span(m.start(), m.end(), "DATE") for m in _JOINED_NO_YEAR.finditer(text))
        if words & _BIRTH_WORDS:
            spans.extend(Span(m.start(1), m.end(), "DATE") for m in _BIRTHDAY.finditer(text))
    if words & _BIRTH_WORDS:
        spans.extend(Span(m.start(1), m.end(1), "DATE") for m in _BIRTH_DIGITS.finditer(text))
    return spans
