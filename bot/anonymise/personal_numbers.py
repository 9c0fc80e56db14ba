"""Numbers that identify a person: phone, NHS and National Insurance numbers."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

from bot.anonymise.spans import Span

# Public helplines are advice, not identifiers (national significant numbers).
HELPLINES = frozenset(
    {
        "8001111",  # Childline 0800 1111
        "8088005000",  # NSPCC helpline 0808 800 5000
        "116123",  # Samaritans 116 123
        "8082000247",  # National Domestic Abuse Helpline 0808 2000 247
        "8088010327",  # Men's Advice Line 0808 801 0327
        "8000121700",  # Modern Slavery Helpline 08000 121 700
        "800555111",  # Crimestoppers 0800 555 111
    }
)
# Only run the (slow) phonenumbers matcher when there is a run of 9+ digits, allowing separators.
_PHONE_GATE = re.compile(r"\d(?:[\s().+-]{0,3}\d){8}")
# UK-shaped numbers, found on their own too: the matcher reads "07700 900123 07700 900124" or
# "@x_1 07700 900123" as one odd number and gives up on both.
_UK_SHAPED = re.compile(r"(?<![\d+])(?:\+44\s?(?:\(0\)\s?)?|0044\s?|0)\d(?:[\s-]?\d){8,9}(?!\d)")
_NHS = re.compile(r"(?<![\w])\d(?:[ .-]{0,2}\d){9}(?![\w])")
_DATE_LIKE = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{4}-\d\d-\d\d")
_NHS_CUE = re.compile(r"nhs|chi\b|h\s?&\s?c\b", re.IGNORECASE)
# Grouped 3-3-4 as the NHS prints it, a number word for an NHS, CHI or H&C number may stand further
# back, with a clause between: "His NHS number, which I found on the letter, is 912 345 6780".
_NHS_GROUPED = re.compile(r"\d{3}[ -]\d{3}[ -]\d{4}")
_NHS_FAR_CUE = re.compile(
    r"(?:nhs|chi|h\s?&\s?c)[^\S\n]+(?:number|no\.?|num)\b[^.!?\n]{0,60}$", re.IGNORECASE
)
_NI = re.compile(
    r"(?<![A-Za-z0-9])([A-Z][A-Z])\s?(\d{2})\s?(\d{2})\s?(\d{2})"
    r"(?:\s?([A-D]))?(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_NI_BAD_PREFIXES = frozenset({"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})
# Letters never used in a prefix (D, F, I, Q, U, V; O second): only after an NI cue, where a
# made-up or mistyped number ("ni no QQ123456C") is still someone's.
_NI_VALID_PREFIX = re.compile(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]", re.IGNORECASE)
_NI_CUE = re.compile(r"\bni\b|n\.i\.|insurance", re.IGNORECASE)


def nhs_check_digit_ok(digits: str) -> bool:
    """True if a 10-digit string passes the NHS modulus-11 check (weights 10..2)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _cued(cue: re.Pattern[str], text: str, start: int) -> bool:
    """A cue word within the 25 characters before `start` ("NHS no: ...", "NI ...")."""
    return cue.search(text, max(0, start - 25), start) is not None


def find_nhs(text: str) -> list[Span]:
    """10-digit NHS numbers in any grouping: valid check digit, or an 'NHS' cue just before."""
    spans = []
    for m in _NHS.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if (
            nhs_check_digit_ok(digits)
            or _cued(_NHS_CUE, text, m.start())
            or (
                _NHS_GROUPED.fullmatch(m.group())
                and _NHS_FAR_CUE.search(text, max(0, m.start() - 90), m.start())
            )
        ):
            spans.append(Span(m.start(), m.end(), "NHS_NUMBER"))
    return spans


def find_ni(text: str) -> list[Span]:
    """National Insurance numbers (AB123456C, spaced or not, any case) with a valid prefix."""
    spans = []
    for m in _NI.finditer(text):
        cued = _cued(_NI_CUE, text, m.start())
        valid = _NI_VALID_PREFIX.fullmatch(m.group(1)) is not None
        if not valid and (not cued or not m.group()[2:3].isdigit()):
            continue  # "ni no 12 34 56": a prefix written apart must be a real one
        if m.group(1).upper() in _NI_BAD_PREFIXES and not cued:
            continue  # never issued, so only a number someone calls an NI number (a typo of one)
        if m.group(5) or cued:
            spans.append(Span(m.start(), m.end(), "NI_NUMBER"))
    return spans


def find_phones(text: str, found_dates: list[Span]) -> list[Span]:
    """UK (and international) phone numbers, parsed by phonenumbers with region GB.

    Leniency POSSIBLE, because Ofcom's drama ranges and freshly issued numbers fail VALID; the
    length floor of 9 national digits keeps out case numbers, and public helplines are kept.
    Dates already found are blanked first, so that the matcher does not read a phone number and
    the date next to it as one number.
    """
    if _PHONE_GATE.search(text) is None:
        return []
    for span in found_dates:
        text = text[: span.start] + " " * (span.end - span.start) + text[span.end :]
    spans = []
    for match in PhoneNumberMatcher(text, "GB", leniency=Leniency.POSSIBLE):
        if _DATE_LIKE.search(match.raw_string):
            continue  # "13-02-2016 14:20" is a date and a time
        if not match.raw_string.lstrip("(").startswith(("0", "+")):
            continue  # people write UK numbers with 0 or +44; a bare digit run is something else
        national = str(match.number.national_number)
        if len(national) >= 9 and national not in HELPLINES:
            start = match.start
            if match.raw_string.startswith("(") and ")" not in match.raw_string:
                start += 1  # "(07700 900123)": the bracket belongs to the sentence
            spans.append(Span(start, match.end, "PHONE"))
    for m in _UK_SHAPED.finditer(text):
        if any(span.start <= m.start() < span.end for span in spans):
            continue  # the matcher found it already
        number = phonenumbers.parse(m.group(), "GB")
        if phonenumbers.is_possible_number(number) and str(number.national_number) not in HELPLINES:
            spans.append(Span(m.start(), m.end(), "PHONE"))
    return spans
