"""Where a person lives: postcodes and street addresses.

Generic words stay ("3 kids at the park", "the High Street"): a street counts when it has a house
number, a named house, or a proper name in front of a street word ("on Gipsy Lane").
"""

from __future__ import annotations

import re

from bot.anonymise.lexicon import PHRASES, STOPWORDS, VOCABULARY, word_set
from bot.anonymise.spans import Span

# Postcode areas in use (Royal Mail), so that "Y9 2pm" or "KS2 ..." never match.
_AREAS = word_set(
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E "
    "EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL "
    "LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM "
    "SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE"
)
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{1,2})(\d[A-Za-z\d]?)[^\S\n]?(\d[ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2})"
    r"(?![A-Za-z0-9])"
)
_NOT_INWARD = re.compile(r"\d(?:st|nd|rd|th|am|pm)")  # "y10 6th form", "m1 2pm" typed in lower case

_SUFFIXES = (
    r"road|rd|street|st|avenue|ave|lane|ln|close|cl|drive|dr|way|court|ct|crescent|cres|place|pl"
    r"|grove|gardens|gdns|terrace|terr|walk|mews|square|sq|park|rise|hill|view|row|green|parade"
    r"|vale|mount|wharf|yard|croft|fold|gate|chase|meadows?|boulevard|heights|side|brow|bank|wynd"
    r"|hollow|approach|circus|embankment|passage|path|end|hey|grange|way"
)
_WORD = r"[A-Za-z][A-Za-z'’-]*"
_FLAT = r"(?:flat|apartment|apt|unit)[^\S\n]*\d{1,4}[a-z]?[^\S\n]*,?[^\S\n]+"
_NUMBERED = re.compile(
    r"(?<![\w£$€.,/:+-])"
    rf"({_FLAT})?"
    r"\d{1,4}[a-z]?[^\S\n]*,?[^\S\n]+"
    rf"((?:{_WORD}[^\S\n]+){{1,3}}?)"
    rf"(?:{_SUFFIXES})\b",
    re.IGNORECASE,
)
# One-word street names: "62 Queensway", "4 Broadway", "9 Northgate".
_ONE_WORD_STREET = re.compile(r"(?<![\w£$€.,/:+-])\d{1,4}[a-z]?,?[^\S\n]+[A-Z][a-z]+(?:way|gate)\b")
_MORE_SUFFIXES = re.compile(rf"(?:[^\S\n]+(?:{_SUFFIXES})\b)+", re.IGNORECASE)  # Cheetham Hill Road
_WELSH = re.compile(
    rf"(?<![\w£$€.,/:+-])(?i:{_FLAT})?\d{{1,4}}[a-z]?,?[^\S\n]+(?i:heol|ffordd|stryd|lôn|lon)[^\S\n]+"
    r"(?:(?:y|yr|r)[^\S\n]+)?[A-Za-z][\w'’-]+(?:[^\S\n]+[A-Z][\w'’-]+)?"
)
_STRICT_SUFFIXES = (
    "Road|Street|Lane|Avenue|Close|Drive|Crescent|Grove|Terrace|Gardens|Mews|Place|Square|Parade"
    "|Way"
)
# Unnumbered streets: capitalised ("on Gipsy Lane"), or typed lower case after a cue.
_NAMED_STREET = re.compile(rf"\b((?:[A-Z][a-z'’]+[^\S\n]+){{1,3}}(?:{_STRICT_SUFFIXES}))\b")
_CUED_STREET = re.compile(
    r"\b(?:lives?|living|moved|staying|stays|address(?:[^\S\n]+is)?|site)[^\S\n]+(?:on|at|in|to|is|:)[^\S\n]+"
    rf"(?:the[^\S\n]+)?((?:{_WORD}[^\S\n]+){{1,3}}?(?:{_STRICT_SUFFIXES.lower()}))\b",
    re.IGNORECASE,
)
# A named house and its street ("Rose Cottage, Mill Lane"), or a flat in a named block.
_HOUSE = re.compile(
    rf"\b((?:{_WORD}[^\S\n]+){{1,3}})(?:cottage|house|farm|lodge|barn|manor|hall|vicarage|rectory"
    r"|bungalow|villa|mill|grange|croft),[^\S\n]*"
    rf"((?:{_WORD}[^\S\n]+){{1,3}})(?:{_SUFFIXES}|house|tower|point|mansions)\b",
    re.IGNORECASE,
)
_BLOCK = re.compile(
    rf"(?i:{_FLAT})(?:[A-Z][a-z'’]+[^\S\n]+){{1,3}}(?:House|Court|Tower|Heights|Point|Lodge|Mansions)\b"
)
_SUFFIX_WORDS = frozenset(_SUFFIXES.replace("|", " ").replace("meadows?", "meadow meadows").split())
_STREET_WORDS = frozenset(_STRICT_SUFFIXES.lower().split("|"))
_HOUSE_WORDS = word_set(
    "cottage house farm lodge barn manor hall vicarage rectory bungalow villa mill grange croft"
)
_WELSH_WORDS = word_set("heol ffordd stryd lon")
_FLAT_WORDS = word_set("flat apartment apt unit")
_STREET_CUES = word_set("live lives living moved staying stays address site")
# What comes before a number that is not a house number ("aged 15", "rule 4", "year 9").
_NOT_HOUSE_NUMBER = word_set(
    "aged age rule rules year years yr yrs y section s para paragraph page pages tier level step "
    "chapter class ks form set article schedule part room version v no number"
)
# Counting nouns: "15 min walk", "3 kids park", "2 weeks end" are not streets.
_NOT_STREET_WORD = word_set(
    "min mins minute minutes hr hrs hour hours day days week weeks month months year years yr yrs "
    "time times kids kid children child people pupils students boys girls lads men women adults "
    "babies siblings sessions visits calls texts messages occasions referrals cases families homes "
    "houses flats rooms miles mile metres meters km steps floors stops points percent pounds quid "
    "car cars bus buses more other"
)
_GENERIC_STREET_START = word_set("high main safe same other new old great long")
_NOT_HOUSE_NAME = (
    STOPWORDS
    | _NOT_STREET_WORD
    | word_set("address last new previous current lives living moved staying fleeing")
)

_WORDS = re.compile(r"\S+")
_DIGIT = re.compile(r"\d")
_LAST_WORD = re.compile(r"([A-Za-z]+)\W*$")


def find_postcodes(text: str) -> list[Span]:
    """UK postcodes in any case, with or without the space, in a real postcode area."""
    spans = []
    for m in _POSTCODE.finditer(text):
        if m.group(1).upper() not in _AREAS:
            continue
        inward = m.group(3)
        if inward.islower() and _NOT_INWARD.fullmatch(inward):
            continue
        spans.append(Span(m.start(), m.end(), "POSTCODE"))
    return spans


def _street_words_ok(words: list[str]) -> bool:
    """Words between a house number and a street word must look like a street's name."""
    lowered = [w.lower() for w in words]
    if lowered == ["the"]:
        return words[0] == "The"  # 3 The Crescent
    if lowered and lowered[0] == "the":
        lowered = lowered[1:]
    return bool(lowered) and not any(w in STOPWORDS or w in _NOT_STREET_WORD for w in lowered)


def _protected(text: str, start: int, end: int) -> bool:
    """The span is (part of) a protected phrase such as "Great Ormond Street"."""
    words = tuple(text[start:end].lower().split())
    return any(
        len(phrase) >= len(words)
        and any(phrase[i : i + len(words)] == words for i in range(len(phrase) - len(words) + 1))
        for phrase in PHRASES
        if words[-1] in phrase
    )


def find_addresses(text: str, words: frozenset[str]) -> list[Span]:
    """House-numbered streets, named houses with their street, Welsh streets, named streets."""
    spans: list[Span] = []
    if _DIGIT.search(text):
        if words & _SUFFIX_WORDS:
            spans += _numbered(text)
        if words & _WELSH_WORDS:
            spans += [Span(m.start(), m.end(), "ADDRESS") for m in _WELSH.finditer(text)]
        spans += [Span(m.start(), m.end(), "ADDRESS") for m in _ONE_WORD_STREET.finditer(text)]
    if words & _HOUSE_WORDS and "," in text:
        spans += _houses(text)
    if words & _FLAT_WORDS:
        spans += [Span(m.start(), m.end(), "ADDRESS") for m in _BLOCK.finditer(text)]
    if words & _STREET_WORDS:
        spans += _named_streets(text)
        if words & _STREET_CUES:
            for m in _CUED_STREET.finditer(text):
                if _street_words_ok(m.group(1).split()[:-1]):
                    spans.append(Span(m.start(1), m.end(1), "ADDRESS"))
    return spans


def _numbered(text: str) -> list[Span]:
    """22 Mill Road, flat 7b 114 Chapel Street, 161a Cheetham Hill Road."""
    spans = []
    for m in _NUMBERED.finditer(text):
        start = m.start()
        if not m.group(1):
            before = _LAST_WORD.search(text, max(0, start - 20), start)
            previous = before.group(1).lower() if before else ""
            if previous in _NOT_HOUSE_NUMBER:
                continue
            if before and previous in _FLAT_WORDS:
                start = before.start(1)  # "Unit 4, Canal Street": the unit number is the house's
        if _street_words_ok(m.group(2).split()):
            more = _MORE_SUFFIXES.match(text, m.end())
            spans.append(Span(start, more.end() if more else m.end(), "ADDRESS"))
    return spans


def _houses(text: str) -> list[Span]:
    """Rose Cottage, Mill Lane: a named house, a comma, its street."""
    spans = []
    for m in _HOUSE.finditer(text):
        words = list(_WORDS.finditer(m.group(1)))
        # The house name is the run of words just before "Cottage": capitalised ones if any are
        # ("... at Mill House", "Last address The Old Vicarage"), else words that are not cues
        # ("2 kids at mill house").
        capitalised = any(w.group()[:1].isupper() for w in words)
        first = len(words)
        while first > 0:
            word = words[first - 1].group()
            if capitalised and not word[:1].isupper():
                break
            if word.lower() in _NOT_HOUSE_NAME and word != "The":
                break
            first -= 1
        words = words[first:]
        if words and _street_words_ok(m.group(2).split()):
            spans.append(Span(m.start(1) + words[0].start(), m.end(), "ADDRESS"))
    return spans


def _named_streets(text: str) -> list[Span]:
    """Capitalised streets without a number: "on Gipsy Lane" (not "the High Street")."""
    spans = []
    for m in _NAMED_STREET.finditer(text):
        words = list(_WORDS.finditer(text, m.start(1), m.end(1)))
        first = words[0].group().lower()
        if first in STOPWORDS or first in _GENERIC_STREET_START or first in VOCABULARY:
            # "At Mill Road" starts with a stop word: keep the rest if it still names a street.
            words = words[1:]
            if len(words) < 2 or words[0].group().lower() in _GENERIC_STREET_START:
                continue
        start = words[0].start()
        if not _protected(text, start, m.end(1)):
            spans.append(Span(start, m.end(1), "ADDRESS"))
    return spans
