"""Named schools, nurseries, colleges, GP surgeries and practices, and children's centres.

A type word ("Primary", "Academy", "Medical Centre") is found first; the institution's name is the
run of words just before it. Generic words stay ("her primary school", "the GP surgery", "good
practice"): there must be a specific word such as "Oakwood" or "St Mary's".
"""

from __future__ import annotations

import re

from bot.anonymise.lexicon import ENGLISH_WORDS, STOPWORDS, word_set
from bot.anonymise.spans import Span

_SCHOOL_TYPES = (
    r"primary school|primary academy|primary|infant school|infants|junior school|juniors|junior"
    r"|secondary school|secondary|high school|high|academy|sixth form college|college|school"
    r"|day nursery|nursery school|nursery|pre-school|preschool|grammar school|medical centre"
    r"|medical center|health centre|medical practice|family practice|group practice|surgery"
    r"|practice|children['’]?s centre|university|montessori|kindergarten|madrassa|madrasah"
)
# Type words strong enough that one lower-case word before them names a place ("riverside
# medical centre"); "academy" or "surgery" alone need more ("knee surgery" is not a place).
_STRONG_TYPE_NAMES = (
    "primary school|infant school|junior school|secondary school|high school|day nursery"
    "|nursery school|grammar school|medical centre|medical center|health centre|medical practice"
    "|family practice|group practice|children's centre|childrens centre|children’s centre"
    "|sixth form college|primary academy"
)
_STRONG_TYPES = tuple(_STRONG_TYPE_NAMES.split("|"))
_QUALIFIERS = (
    r"c of e|cofe|ce|c\.e\.|rc|r\.c\.|catholic|church of england|methodist|community|girls['’]?"
    r"|boys['’]?|islamic|muslim|jewish|free|infant|junior|voluntary aided"
)
_TYPE = re.compile(
    rf"(?<![\[\w])(?:(?:{_QUALIFIERS})[^\S\n]+)*(?:{_SCHOOL_TYPES})\b(?:[^\S\n]+school\b)?",
    re.IGNORECASE,
)
# Welsh and faith schools named type-first: "Ysgol y Graig", "Jamia Al-Hudaa".
_PREFIXED = re.compile(
    r"\b(?:Ysgol|Jamia|Madrasa|Madrassa|Darul)(?:[^\S\n]+(?:y|yr|r|[A-Z][\w'’-]*)){0,3}[^\S\n]+[A-Z][\w'’-]*"
)
_TYPE_WORDS = word_set(
    "primary infant infants junior juniors secondary high academy college school nursery preschool "
    "pre grammar centre center practice surgery university montessori kindergarten madrassa "
    "madrasah"
)
_PREFIX_WORDS = word_set("ysgol jamia madrasa madrassa darul")
_PARTICLES = word_set("of the and de y upon on")
_GENERIC = word_set(
    "the a an her his their my our your its this that these those local new old same other "
    "another previous current former nearest next last special mainstream independent private "
    "state boarding faith village church catholic community primary secondary high junior infant "
    "grammar free virtual gp gps medical health family doctors doctor's dentist dental sixth form "
    "further education fe authority summer sunday after before whole every each any which what "
    "driving forest home public prep middle upper lower alternative provision pupil referral unit "
    "good best bad great clinical professional safe reflective social care nursing general poor "
    "excellent outstanding big small nice different one two three school nursery college "
    "academy surgery practice centre trust eyfs reception year ks1 ks2 ks3 ks4 art drama music "
    "dance football sports sport swimming language english maths science business law "
    "keyhole heart brain knee hip eye major minor emergency day night weekend holiday "
    "mosque temple gurdwara synagogue chapel sharing information auditing working everyday "
    "daily multi-agency agency partnership safeguarding day-to-day in at to from for with by of "
    "on"
)
_SAINT = word_set("st st. saint")
_NOT_A_NAME_WORD = _SAINT | {"the"}
_LEADING_DROP = (STOPWORDS | _GENERIC) - {"the"}
_WORDS = re.compile(r"\S+")


def find(text: str, words: frozenset[str]) -> list[Span]:
    """Spans of named schools, nurseries, colleges, GP practices and children's centres."""
    spans: list[Span] = []
    if words & _PREFIX_WORDS:
        spans += [Span(m.start(), m.end(), "SCHOOL") for m in _PREFIXED.finditer(text)]
    if not words & _TYPE_WORDS:
        return spans
    for m in _TYPE.finditer(text):
        found = _name_before(text, m.start())
        if found is None:
            continue
        start, names = found
        if names and _name_ok(names, m.group()):
            spans.append(Span(start, m.end(), "SCHOOL"))
    return spans


def _name_before(text: str, type_start: int) -> tuple[int, list[str]] | None:
    """Walk back from the type word over the institution's name: capitalised words (and particles
    such as "of"), or, typed in lower case, up to three words that are not generic. Returns where
    the name starts and its specific words."""
    line_start = text.rfind("\n", 0, type_start) + 1
    before = list(_WORDS.finditer(text, max(line_start, type_start - 80), type_start))
    if not before or text[before[-1].end() : type_start].strip():
        return None  # punctuation between the name and the type word
    taken: list[re.Match[str]] = []
    capitalised = before[-1].group()[:1].isupper()
    for word in reversed(before):
        w = word.group()
        low = w.lower()
        if w[-1] in ",.;:!?)]" or "[" in w or not any(c.isalpha() for c in w) or len(taken) == 5:
            break  # "... told the police. School ..." is two sentences; "[NAME]" is done
        if capitalised:
            if low in _PARTICLES and taken and not w[:1].isupper():
                taken.append(word)
                continue
            if not w[:1].isupper() or low in _LEADING_DROP:
                break
        elif low in _LEADING_DROP or low in _PARTICLES or len(taken) == 3 or w[:1].isupper():
            break
        taken.append(word)
        if low == "the" or (capitalised and low in _SAINT and len(taken) > 1):
            break
    while taken and taken[-1].group() in _PARTICLES:  # a lower-case "of" or "the" on the left
        taken.pop()
    if not taken:
        return None
    taken.reverse()
    return taken[0].start(), [w.group() for w in taken if w.group().lower() not in _NOT_A_NAME_WORD]


def _name_ok(words: list[str], kind: str) -> bool:
    """A named institution: at least one specific word before the type, not just "her primary".

    Typed in lower case, a weak type word ("academy", "surgery") needs two specific words or one
    that is not an English word ("oakwood academy", not "knee surgery" or "football academy").
    """
    specific = [w for w in words if w.lower() not in _GENERIC]
    if not specific:
        return False
    if all(w[:1].isupper() for w in words) or kind.lower().endswith(_STRONG_TYPES):
        return True
    unknown = [w for w in specific if w.lower().strip("'’") not in ENGLISH_WORDS]
    if kind.lower() == "practice":  # "information sharing practice" is how people work
        return bool(unknown)
    return len(specific) >= 2 or bool(unknown)
