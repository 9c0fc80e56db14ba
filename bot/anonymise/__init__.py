"""Remove identifying details from a practitioner's message before it is stored or logged.

Golden rule 3 says to seek advice without disclosing the person's identity where possible, and
safeguarding leads read what the bot keeps, so every message goes through `redact` first. It is
pure: no I/O, no network, no model; the word lists are read once at import.

Each detector family returns spans of the original text; overlapping spans are merged (no
character of any of them survives) and the merged span takes the kind of its longest member.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.anonymise import contact, dates, names, personal_numbers, places, references, schools
from bot.anonymise.spans import Span, words_of

# Tie-break when two detectors claim the same characters: the more specific kind wins (a number
# after "case ref" is a reference even if its digits happen to pass the NHS check).
KINDS = (
    "EMAIL",
    "URL",
    "HANDLE",
    "DATE",
    "CASE_REF",
    "NHS_NUMBER",
    "NI_NUMBER",
    "PHONE",
    "POSTCODE",
    "ADDRESS",
    "SCHOOL",
    "NAME",
)
_PRIORITY = {kind: rank for rank, kind in enumerate(KINDS)}
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Redaction:
    """The message with identifiers replaced by placeholders such as [NAME], and which were used."""

    text: str
    kinds: frozenset[str]

    @property
    def changed(self) -> bool:
        """True if anything was replaced."""
        return bool(self.kinds)


def find_spans(text: str) -> list[Span]:
    """Identifier spans in `text`, merged, sorted and non-overlapping."""
    words = words_of(text)
    found = contact.find(text, words)
    if _DIGIT.search(text):
        found_dates = dates.find(text, words)
        found += found_dates
        found += personal_numbers.find_nhs(text)
        found += personal_numbers.find_phones(text, found_dates)
        found += personal_numbers.find_ni(text)
        found += places.find_postcodes(text)
        found += references.find(text, words)
    found += places.find_addresses(text, words)
    found += schools.find(text, words)
    found_names = names.find(text)
    found += found_names
    if found_names:
        found += schools.named_after(text, found_names)
    return _merge(found)


def _merge(spans: list[Span]) -> list[Span]:
    """Union of overlapping spans, labelled by the kind of its longest (then most specific) span."""
    merged: list[Span] = []
    best: Span | None = None
    for span in sorted(spans):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            best = _better(best, span)
            merged[-1] = Span(last.start, max(last.end, span.end), best.kind)
        else:
            best = span
            merged.append(span)
    return merged


def _better(a: Span | None, b: Span) -> Span:
    if a is None:
        return b
    if (b.end - b.start, -_PRIORITY[b.kind]) > (a.end - a.start, -_PRIORITY[a.kind]):
        return b
    return a


def redact(text: str) -> Redaction:
    """Replace every identifier in `text` with its placeholder, e.g. "[NAME]'s mum on [PHONE]"."""
    spans = find_spans(text)
    if not spans:
        return Redaction(text, frozenset())
    pieces = []
    position = 0
    for span in spans:
        pieces.append(text[position : span.start])
        pieces.append(f"[{span.kind}]")
        position = span.end
    pieces.append(text[position:])
    return Redaction("".join(pieces), frozenset(span.kind for span in spans))


__all__ = ["KINDS", "Redaction", "Span", "find_spans", "redact"]
