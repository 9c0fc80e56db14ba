"""Case and record reference numbers: "case ref 12345/AB", "CP-2023-0042", "MASH ref 884213".

Only the reference itself is replaced, so the message still says what kind of record it was.
"""

from __future__ import annotations

import re

from bot.anonymise.spans import Span

_CUES = (
    r"case|ref|refs|reference|referral|crime|incident|log|mash|cp|lado|marac|mosaic|lcs|eclipse"
    r"|liquidlogic|logic|crn|urn|occurrence|storm|niche|athena|file|claim|record|upn|uln|pnc|id"
    r"|cad|emis|systmone|systm|rio|carefirst|protocol|azeus|controcc|mrn|pnd|docket|job|ticket"
)
# Words that cue a reference only with a number word after them: "hospital number RX448812",
# "police ref 6029/11" (not "police 101" or "hospital 3 times").
_WEAK_CUES = r"hospital|hosp|patient|police|pupil|student|client|unit|child|person|ofsted|court"
_CODE = r"(?=[A-Za-z0-9/-]*\d)[A-Za-z0-9](?:[A-Za-z0-9/-]*[A-Za-z0-9])?"
# A reference may be written in two parts: a short prefix ("rf 0092331", "m24 55102") or a
# second group of digits.
_PREFIX = (
    r"(?:(?!(?:is|was|as|no|of|on|at|to|by|for|the|a|an|in|dob|born|tel|mob|ph|nhs|ni|age|aged|yr"
    r"|year|room|flat|ward|bed|on|from|til|till|at|had|has|have|got|with|and|or|over|only|just"
    r"|like|all|took|made|says|said|lists|shows|than|about)\s)[A-Za-z][A-Za-z0-9]{0,3}\s(?=\d))"
)
_VALUE = rf"{_PREFIX}?{_CODE}(?:\s\d{{3,}}(?![\d/:]|\.\d))?"
# Words between the cue and "is"/"was"/"as": "the crime number given by the officer was ...",
# "the ref they gave me over the phone was ...". Short digit runs after them still need a number
# cue (see _linked_ok), so that "the case load is 120" or "the record says he was 14" stay.
_LINK = (
    r"(?:[:,]?\s+(?:[a-z'’]+\s+){0,6}?(?:is|was|are|were|given|reads|be|of|as|its|it['’]s"
    r"|[a-z]+(?=:))(?:\s+(?:now|still|actually|definitely|apparently|probably))?)?"
)
_CUED = re.compile(
    rf"\b((?:{_CUES}|(?:{_WEAK_CUES})\s+(?:no|number|num|ref|reference|id)(?![a-z]))\b"
    rf"(?:\.?\s+(?:{_CUES}|no|number|num)\b)*)\.?(?:\s*\([^()\n]{{1,12}}\))?"
    rf"({_LINK})\s*(?:[:#=-]\s*)?({_VALUE})",
    re.IGNORECASE,
)
# An acronym between a number word and the value belongs to the reference: "Occurrence number PND
# 01/77412/23", "Police log: CAD 1892", "Unit number is MRN 00583321".
_ACRONYM_BEFORE = re.compile(
    r"(?i:number|no\.?|ref|reference|log|is|was|as)\s*:?\s+([A-Z]{2,4})\s+$"
)
# After "is"/"was", a short run of digits is a reference only if the cue said it was a number:
# "the log number given was 0412", not "the log was 1500 lines long".
_NUMBER_CUES = frozenset(
    {"ref", "reference", "no", "number", "num", "id", "crn", "urn", "upn", "uln"}
)
# Shape alone: letters, then two groups of digits ("CP-2023-0042", "SW/2024/118"); capital letters
# and one long group of digits ("CP-88213", "MR/77301", "EH-20931-B"); a long group of digits
# between two short ones ("13/88342/24", which no date or fraction has); or capitals run into five
# or more digits ("RX448812").
_SHAPED = re.compile(
    r"\b[A-Za-z]{1,5}[-/]\d{2,8}[-/]\d{2,8}\b"
    r"|\b[A-Z]{1,5}[-/]\d{4,8}(?:[-/][A-Z0-9]{1,4})?\b"
    # typed in lower case, a prefix and a hyphen: "cp-1187", "lcs-88231", "ha-0091123"
    r"|(?<![\w-])[a-z]{2,4}-\d{4,8}\b(?!-)"
    r"|(?<![\w/])\d{1,4}/\d{4,8}/\d{1,4}\b"
    r"|\b(?![A-Z]{2}\d{6}[A-D]\b)[A-Z]{1,4}\d{5,12}[A-Z]?\b|\b\d{5,10}[A-Z]\b"
    # three groups of digits joined by hyphens, not starting 0 as a phone number does, with no
    # two-digit group as a date has, and not an NHS number's 3-3-4: "2025-0419-1187"
    r"|(?<![\w-])(?!\d{3}-\d{3}-\d{4}(?![\w-]))[1-9]\d{1,5}-\d{3,6}-\d{3,6}(?![\w-])"
    r"|(?<![\w/])\d{1,4}/\d{5,8}\b(?!/)|\b[a-z]{1,5}/\d{5,8}\b"
    # digits and capitals in three hyphenated groups: "12-C-00465", "0019-223-AB"
    r"|(?<![\w-])\d{1,6}-[A-Z]{1,3}-\d{3,8}(?![\w-])|(?<![\w-])\d{2,6}-\d{2,6}-[A-Z]{1,4}(?![\w-])"
    # letters and digits in three slashed groups: "01/DV/6621", "25/WM/00931", "S20/2025/114"
    r"|(?<![\w/])(?=[\w/]*[A-Za-z])(?=[\w/]*\d{3})[A-Za-z0-9]{1,6}/[A-Za-z0-9]{1,8}/[A-Za-z0-9]{1,8}"
    r"(?![\w/])"
)
# Every shape above has four digits in a row or two pairs of digits around a separator; most
# messages have neither, so one cheap search spares the long alternation.
_SHAPE_HINT = re.compile(r"\d{3}")
_YEAR = re.compile(r"(?:19|20)\d\d")


def _code_ok(code: str) -> bool:
    """A reference has 3+ digits, or mixes letters and digits over 4+ characters; not a year."""
    if " " in code and sum(c.isdigit() for c in code.rsplit(None, 1)[-1]) < 3:
        return False  # "case open 12 weeks": a word and a count, not a two-part reference
    digits = sum(c.isdigit() for c in code)
    if _YEAR.fullmatch(code):
        return False
    return digits >= 3 or (digits >= 1 and len(code) >= 4 and not code.isdigit())


def _linked_ok(cue: str, link: str, code: str) -> bool:
    """With a verb between cue and code, short digit runs need a number cue (see _NUMBER_CUES)."""
    if not link or not code.isdigit() or len(code) >= 5:
        return True
    return bool(_NUMBER_CUES & set(cue.lower().replace(".", " ").split()) or "number" in link)


# A police log is numbered within its day: "log 1234 of 05/12/2025", "the log was 0412 of 14/03",
# "CAD 4471 of 3rd" (one span, so neither the number nor its day is left).
_LOG_OF_DAY = re.compile(
    r"\b(?i:log|cad|storm|incident|call|occurrence)\b[^\n.;]{0,40}?(?<![\w/.-])(\d{3,5}[^\S\n]+of"
    r"[^\S\n]+(?:\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d{1,2}(?:st|nd|rd|th)?(?:[^\S\n]+(?i:of[^\S\n]+)?"
    r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*)?))(?![\w/])"
)
_CUE_WORDS = frozenset(f"{_CUES}|{_WEAK_CUES}".replace("|", " ").split())


def find(text: str, words: frozenset[str]) -> list[Span]:
    """Spans of reference numbers after a cue word, or with the letters-digits-digits shape."""
    spans: list[Span] = []
    if words & _CUE_WORDS:
        for m in _CUED.finditer(text):
            if _code_ok(m.group(3)) and _linked_ok(m.group(1), m.group(2), m.group(3)):
                acronym = _ACRONYM_BEFORE.search(text, max(0, m.start(3) - 30), m.start(3))
                start = acronym.start(1) if acronym else m.start(3)
                spans.append(Span(start, m.end(3), "CASE_REF"))
        if " of " in text:
            spans += [Span(m.start(1), m.end(1), "CASE_REF") for m in _LOG_OF_DAY.finditer(text)]
    if _SHAPE_HINT.search(text):
        spans.extend(Span(m.start(), m.end(), "CASE_REF") for m in _SHAPED.finditer(text))
    if spans:
        spans += _alike(text, spans)
    return spans


_NUMBER_RUN = re.compile(r"(?<![\w/-])[A-Za-z]{0,3}\d{5,}[A-Za-z]?(?![\w/-])")


def _shape(code: str) -> str:
    return re.sub(r"[A-Za-z]", "A", re.sub(r"\d", "9", code))


def _alike(text: str, spans: list[Span]) -> list[Span]:
    """A second reference written like one found ("The Mosaic ID for the child is 2210487, and
    mum's is 2210488"): the same run of five or more digits, with the same letters around them."""
    shapes = {_shape(text[s.start : s.end]) for s in spans}
    found = []
    for m in _NUMBER_RUN.finditer(text):
        if _shape(m.group()) in shapes and not any(s.start <= m.start() < s.end for s in spans):
            found.append(Span(m.start(), m.end(), "CASE_REF"))
    return found
