"""Case and record reference numbers: "case ref 12345/AB", "CP-2023-0042", "MASH ref 884213".

Only the reference itself is replaced, so the message still says what kind of record it was.
"""

from __future__ import annotations

import re

from bot.anonymise.spans import Span

_CUES = (
    r"case|ref|reference|referral|crime|incident|log|mash|cp|lado|marac|mosaic|lcs|eclipse"
    r"|liquidlogic|crn|urn|occurrence|storm|niche|athena|file|claim|record|upn|uln|pnc|id"
)
_CODE = r"(?=[A-Za-z0-9/-]*\d)[A-Za-z0-9](?:[A-Za-z0-9/-]*[A-Za-z0-9])?"
_CUED = re.compile(
    rf"\b(?:{_CUES})\b(?:\.?\s+(?:{_CUES}|no|number|num)\b)*\.?\s*(?:[:#=-]\s*)?({_CODE})",
    re.IGNORECASE,
)
# Shape alone: letters, then two groups of digits ("CP-2023-0042", "SW/2024/118").
_SHAPED = re.compile(r"\b[A-Za-z]{1,5}[-/]\d{2,6}[-/]\d{2,6}\b")
_YEAR = re.compile(r"(?:19|20)\d\d")


def _code_ok(code: str) -> bool:
    """A reference has 3+ digits, or mixes letters and digits over 4+ characters; not a year."""
    digits = sum(c.isdigit() for c in code)
    if _YEAR.fullmatch(code):
        return False
    return digits >= 3 or (digits >= 1 and len(code) >= 4 and not code.isdigit())


_CUE_WORDS = frozenset(_CUES.replace("|", " ").split())


def find(text: str, words: frozenset[str]) -> list[Span]:
    """Spans of reference numbers after a cue word, or with the letters-digits-digits shape."""
    spans = []
    if words & _CUE_WORDS:
        spans = [
            Span(m.start(1), m.end(1), "CASE_REF")
            for m in _CUED.finditer(text)
            if _code_ok(m.group(1))
        ]
    if "-" in text or "/" in text:
        spans.extend(Span(m.start(), m.end(), "CASE_REF") for m in _SHAPED.finditer(text))
    return spans
