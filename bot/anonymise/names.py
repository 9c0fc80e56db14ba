"""People's names, found with name lists plus the cues practitioners write around them.

One pass splits the message into words and rates each word on its own:

- STRONG: in the first-name or surname lists and not an ordinary word (Chloe, Oluwaseun, Kowalski):
  a name wherever it is, in any case;
- CAPITAL: a name that is also a word (Will, Grace, Summer) or a two-letter name (Li, Mo): a name
  when capitalised in mid-sentence;
- UNKNOWN: capitalised in mid-sentence and in no word list (a name missing from the lists);
- WEAK: a name that is also a word (Brown, Hall, Hyacinth) or a proper noun that is not only a name
  (Lomax, Leeds); VOCAB: a name that is also a guidance term, place, month or faith (Devon, June,
  Christian). Both need a cue.

Then cues promote weaker words: a title (Mrs Hall), a naming verb (called Will), a relation (her son
Jack, Hope's mum), an age (Summer (aged 9)), a reporting verb (Grace said), an initial (J. Brown),
"the Walker family", and, repeated until nothing changes, a neighbouring name (Chloe Brown) or a
name across "and" (Chloe and Grace).

Hurried text has no capitals to go by, so a lower-case name that is also a word needs a person's
grammar around it (see _hurried): the subject of a verb of speech or action ("hope was crying"),
the object of "saw"/"spoke to"/"asked", a relation's name before a verb or in brackets ("bf brook
has", "carer (pat)"), two name-words joined at a sentence's start ("faith + joy"); a word in no
list at all ("chole said") counts only as the subject of a verb of speech.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from bot.anonymise.lexicon import (
    AMBIGUOUS_FIRST_NAMES,
    ENGLISH_WORDS,
    FIRST_NAMES,
    PHRASES,
    PROPER_NOUNS,
    STOPWORDS,
    SURNAMES,
    VOCABULARY,
    WORD_NAMES,
    word_set,
)
from bot.anonymise.spans import Span

NONE, VOCAB, WEAK, CAPITAL, UNKNOWN, STRONG = range(6)

_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*(?:-[^\W\d_]+(?:['’][^\W\d_]+)*)*")
_CLITIC = re.compile(r"'(?:s|d|ll|re|ve|m)$", re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"[.!?:;\n•]")
_TITLES = word_set(
    "mr mrs ms miss mx dr prof professor pc dc ds di dci dsi sgt sergeant insp inspector rev revd "
    "father sister nurse sir dame lord lady cllr councillor imam pastor"
)
_RELATIONS = word_set(
    "mum mam mom mummy mommy mother dad daddy father stepdad step-dad stepmum step-mum stepfather "
    "stepmother nan nana nanna nanny gran granny grandma grandad granddad grandpa grandmother "
    "grandfather aunt auntie aunty uncle cousin sister brother sis bro son daughter stepson "
    "stepdaughter grandson granddaughter niece nephew baby partner husband wife boyfriend "
    "girlfriend bf gf fiance fiancé fiancee ex carer friend mate pal bestie neighbour neighbor "
    "colleague pupil student learner patient client resident tenant child toddler infant twin "
    "sibling lad girl boy kid teen teenager youngster victim suspect perpetrator claimant offender "
    "mentor coach parent parents carers guardian abbu ammi baba mama papa nani dadi amma appa"
)
_NAMING_VERBS = word_set("called named nicknamed aka alias name surname forename nickname")
# Cues that only ever introduce a name, so that an ordinary word after them is one too ("known as
# Ghost", "street name is Snowy"); "called" and "named" also mean phoning and appointing ("called
# Social Services", "the Named Person"), so after them a listed word must be a name already.
_NICKNAME_VERBS = word_set("nicknamed aka alias name surname forename nickname")
_NAMING_PAIRS = frozenset(
    {
        ("known", "as"),
        ("goes", "by"),
        ("go", "by"),
        ("going", "by"),
        ("name", "is"),
        ("name", "was"),
        ("nickname", "is"),
        ("nickname", "was"),
        ("calls", "herself"),
        ("calls", "himself"),
        ("call", "herself"),
        ("call", "himself"),
        ("calling", "herself"),
        ("calling", "himself"),
        ("calls", "him"),
        ("calls", "her"),
        ("call", "him"),
        ("call", "her"),
        ("called", "him"),
        ("called", "her"),
    }
)
# The word just before a name that a naming cue puts there (a cheap first test for _named).
_NAMED_LAST = _NAMING_VERBS | frozenset(second for _, second in _NAMING_PAIRS)
# A nickname in quotes after a calling word: "known as 'Ghost'", "she calls 'Uncle Biscuit'",
# "the kids call him "Moneybags"".
_QUOTED_NICKNAME = re.compile(
    r"\b(?:call|calls|called|calling|known as|goes by|go by|nicknamed|named|name is|name was|name"
    r"|aka|alias|as|him|her|himself|herself)[^\S\n]+['\"‘“]"
    r"([A-Z][\w'’-]*(?:[^\S\n]+[A-Z][\w'’-]*){0,2})['\"’”]"
)
_QUOTES = "'\"‘’“”"
# Particles inside a name ("Rhys ap Dafydd", "Padraig Ó Súilleabháin", "Ferreira da Silva"): part
# of the name when they stand between two names.
_NAME_PARTICLES = word_set(
    "ó o ní nic mac mic ap ab ferch bin bint ibn abu al el da de do dos das di del della van von "
    "der den le la"
)
# What a person does at the start of a sentence: "Grace has not been in", "Ray turned up drunk".
# A first name that is also a word ("Grace", "Ray") starts the sentence, so only a verb that takes
# a person as its subject makes it a name.
_SUBJECT_VERBS = word_set(
    "has had hasn't hadn't hasnt hadnt turned came comes went goes got gets keeps kept left leaves "
    "ran runs refused refuses tried tries started starts stopped stops lives lived arrived arrives "
    "attended attends missed misses didn't didnt doesn't doesnt won't wont can't cant couldn't "
    "wouldn't isn't isnt wasn't wasnt hit hits cried cries walked stayed stays slept sleeps ate "
    "needs seems seemed looked looks appeared appears presented presents disclosed discloses "
    "absconded returned returns ran"
)
# What can follow "X's" to make X a person: "Hope's mum", "Grace's older brother", "Will's phone".
_POSSESSED = _RELATIONS | word_set(
    "house home place room flat phone number mobile address car school class birthday party "
    "account snap insta mates friends family case file records bed"
    # the body, where marks and bruises are reported: "marks on lennons arm", "Ruby's wrist"
    " arm arms leg legs face back neck head hand hands wrist wrists eye eyes body cheek chest "
    "bag bike coat clothes bedroom"
)
_POSSESSED_ADJECTIVES = word_set(
    "older younger little big baby twin new step ex eldest youngest oldest real birth foster"
)
_REPORTING_VERBS = word_set(
    "said says told tells disclosed discloses reported mentioned explained admitted alleged "
    "confided texted messaged rang phoned emailed shouted screamed punched kicked slapped "
    "threatened asked wants"
)
# Hurried text has no capitals to go by, so a lower-case name that is also a word ("grace",
# "hope", "brook") needs the grammar of a person around it. What a person does, right after the
# name: "hope was crying", "bro florin seen on the high st", "bf brook has a knife".
_AFTER_NAME_VERBS = (
    _SUBJECT_VERBS
    | _REPORTING_VERBS
    | word_set("is was has seen been were wont isnt wasnt hasnt says said told kicked hit punched")
)
_STATE_AFTER_BE = word_set(
    "upset scared off absent missing quiet withdrawn sad angry tearful late crying hungry tired "
    "smelly dirty unkempt worried frightened distressed excluded"
)
# Whom a practitioner sees, asks or rings: "saw summer in the corridor", "asked grace if ...",
# "spoke to destiny", "me n autumn did the visit", "cant get hold of amber".
_OBJECT_CUES = word_set("saw asked met rang phoned visited told texted messaged")
_OBJECT_PAIRS = frozenset(
    {
        ("spoke", "to"),
        ("spoke", "with"),
        ("speak", "to"),
        ("speak", "with"),
        ("talked", "to"),
        ("talked", "with"),
        ("chatted", "to"),
        ("chatted", "with"),
        ("in", "with"),
        ("up", "with"),
        ("hold", "of"),
        ("me", "n"),
        ("me", "and"),
        ("me", "&"),
        ("me", "+"),
        ("worried", "about"),
        ("worried", "abt"),
    }
)
# Name-words that are more often the thing itself after those verbs: "saw mark on her arm",
# "asked will", "rang may".
_NOT_OBJECT_NAME = word_set(
    "mark marks bill will may rob nick chase hunter guy frank ray gene major king duke prince "
    "junior reign rain storm star kit chip jack junior april june august jan"
)
# Lower-case nicknames after a cue that only introduces a name ("goes by shorty"), but not the
# way someone travels ("goes by bus").
_LOWER_NICKNAME_CUES = frozenset({("goes", "by"), ("go", "by"), ("going", "by"), ("went", "by")})
_NOT_LOWER_NICKNAME = word_set(
    "bus car train taxi foot bike tram coach plane fast quickly slowly quick slow unnoticed "
    "ok okay fine different two three several various"
)
_VOWEL = re.compile(r"[aeiouy]")
_GROUP_NOUNS = word_set("family household kids children twins siblings boys girls")
_COORDINATORS = frozenset({"and", "or", "&", "+", "n"})
_SAINTS = frozenset({"st", "saint"})
# Words of places and organisations: "Hope Street" or "Rose Cottage" is not a pair of names.
_STRUCTURE = word_set(
    "road street lane avenue close drive way court crescent place grove gardens terrace walk mews "
    "square park rise hill view row green parade vale mount wharf yard croft fold gate chase "
    "meadow meadows boulevard heights side bank end cottage house farm lodge barn manor hall "
    "vicarage mill grange school academy college primary nursery surgery centre practice infants "
    "juniors high university hospital trust council police church mosque day term"
)
_AGE_AFTER = re.compile(
    r"\s*(?:\(\s*|,\s*)?(?:aged?\s*\d|\d{1,2}\s*(?:\)|,|yo\b|y/o|years?\b|yrs?\b|months?\b)"
    r"|dob\b|d\.o\.b|born\b|y(?:ea)?r\s*\d|y\d{1,2}\b)",
    re.IGNORECASE,
)
_IS_AGE_AFTER = re.compile(
    r"\s+(?:is|who is|,? who'?s)\s+\d{1,2}\b"
    r"(?!\s*(?:am|pm|%|:|/|\.\d|weeks?\b|days?\b|hours?\b|mins?\b|minutes?\b|times\b|of\b|or\b))"
)
_RECORD_NUMBER_AFTER = re.compile(r"[^\S\n]+(?i:no\.?|number|num|ref)[^\S\n]*[:#]?[^\S\n]*[\[\d]")
_ANY_NAME = FIRST_NAMES | SURNAMES | AMBIGUOUS_FIRST_NAMES
_PHRASE_HEADS: dict[str, list[tuple[str, ...]]] = defaultdict(list)
for _phrase in PHRASES:
    _PHRASE_HEADS[_phrase[0]].append(_phrase)
_PHRASE_HEADS = dict(_PHRASE_HEADS)  # a plain dict: a lookup of a missing word adds nothing


class _Token:
    """One word of the message with what the lists and its position say about it."""

    __slots__ = (
        "cap",
        "end",
        "full",
        "level",
        "low",
        "name",
        "poss",
        "protected",
        "sent",
        "start",
        "unk",
        "upper",
    )

    def __init__(self, start: int, info: _WordInfo) -> None:
        self.start = start
        self.full, self.poss, length, self.low, self.upper, self.cap, self.level, self.unk = info
        self.end = start + length
        self.sent = False
        self.protected = False
        self.name = False


# What the lists say about one spelling of a word, worked out once per spelling (most words recur
# across messages): lower-cased form, possessive, length without a clitic, the base lower-cased,
# typed in capitals, capitalised, level, and a lower-case word in no list at all.
_WordInfo = tuple[str, bool, int, str, bool, bool, int, bool]
_WORD_INFO: dict[str, _WordInfo] = {}


def _word_info(raw: str) -> _WordInfo:
    """The cached facts about one spelling of a word."""
    info = _WORD_INFO.get(raw)
    if info is not None:
        return info
    word = raw.replace("’", "'") if "’" in raw else raw
    full = word.lower()
    poss = full.endswith("'s") and len(word) > 3
    base = word
    if "'" in word and len(word) > 3:
        clitic = _CLITIC.search(word)  # "Chloe's", "DM'd", "Jack'll": the name, not the verb
        if clitic:
            base = word[: clitic.start()]
    low = base.lower() if base is not word else full
    # An acronym ("MASH", "DSLs"), or a name typed in capitals.
    upper = len(base) > 1 and (base.isupper() or (base[-1] == "s" and base[:-1].isupper()))
    cap = base[0].isupper() and not upper
    level = _rate(low, full, cap, upper)
    unk = not cap and not upper and level == NONE and _unknown_word(low)
    info = (full, poss, len(base), low, upper, cap, level, unk)
    if len(_WORD_INFO) > 1 << 16:
        _WORD_INFO.clear()  # bounded: arbitrary input must not grow it without end
    _WORD_INFO[raw] = info
    return info


@lru_cache(maxsize=1 << 16)
def _rate(low: str, full: str, cap: bool, upper: bool) -> int:
    """A token's level from the word lists alone (cached: most words recur across messages)."""
    if low in _RELATIONS or low in _TITLES or low in _SAINTS or len(low) < 2:
        return NONE
    if upper and len(low) < 4:
        return NONE  # MASH, DSL, ALI: acronyms unless a cue says otherwise
    if low in STOPWORDS and not cap:
        return NONE
    strong = low in FIRST_NAMES or low in SURNAMES
    if full in VOCABULARY or low in VOCABULARY:
        return VOCAB if strong or low in AMBIGUOUS_FIRST_NAMES or low in WORD_NAMES else NONE
    if strong:
        return STRONG if len(low) > 2 else CAPITAL
    if low in AMBIGUOUS_FIRST_NAMES:
        return CAPITAL
    if low in WORD_NAMES:
        return WEAK
    if "-" in low:
        return _rate_hyphenated(low, cap or upper)  # WILLIAMS-BROWN is typed like Williams-Brown
    if low in ENGLISH_WORDS or low in STOPWORDS:
        return NONE
    if low in PROPER_NOUNS:
        return WEAK
    return UNKNOWN if cap else NONE


def _rate_hyphenated(low: str, cap: bool) -> int:
    """Mary-Jane, Al-Sayed, tia-rose, Summer-Rose are names; step-dad and follow-up are not."""
    parts = low.split("-")
    names = all(_is_name_word(p) for p in parts)
    if any(p in FIRST_NAMES or p in SURNAMES for p in parts) and (cap or names):
        return STRONG  # Isla-Rose, Al-Sayed, lily-mae
    if cap and names:
        return CAPITAL  # Summer-Rose: names that are also words, joined
    if all(p in ENGLISH_WORDS or p in STOPWORDS or p in _RELATIONS for p in parts):
        return NONE
    return UNKNOWN if cap else NONE


def _tokens(text: str) -> list[_Token]:
    """Split into rated tokens, marking sentence starts and protected phrases."""
    cached = _WORD_INFO.get
    tokens = [
        _Token(m.start(), cached(m.group()) or _word_info(m.group())) for m in _TOKEN.finditer(text)
    ]
    if "[" in text:  # leave placeholders of an earlier pass alone: "[NAME]" is not a word here
        tokens = [t for t in tokens if not _is_placeholder(text, t)]
    previous_end = 0
    previous: _Token | None = None
    for i, token in enumerate(tokens):
        if previous is None:
            token.sent = True
        elif token.start - previous_end > 1 or text[previous_end] != " ":
            between = text[previous_end : token.start]
            # "Mrs. Khan", "J. Khan": the full stop does not end a sentence.
            after_title = previous.low in _TITLES or (len(previous.low) == 1 and previous.cap)
            token.sent = not after_title and _SENTENCE_BREAK.search(between) is not None
        if previous is not None and previous.low in _SAINTS:
            token.protected = True
        if (
            token.poss
            and i + 1 < len(tokens)
            and text[tokens[i + 1].start : tokens[i + 1].end] == "Law"
        ):
            token.protected = True  # Clare's Law, Sarah's Law
        if token.full in _PHRASE_HEADS:
            for phrase in _PHRASE_HEADS[token.full]:
                words = tuple(t.full for t in tokens[i : i + len(phrase)])
                if words == phrase:
                    for t in tokens[i : i + len(phrase)]:
                        t.protected = True
        previous_end = token.end
        previous = token
    return tokens


def _is_placeholder(text: str, token: _Token) -> bool:
    """The token is the NAME of an earlier pass's "[NAME]"."""
    return (
        token.upper
        and token.start > 0
        and text[token.start - 1] == "["
        and text[token.end : token.end + 1] == "]"
    )


def _cue_ok(token: _Token, naming: bool = False, nickname: bool = False) -> bool:
    """After a cue, a capitalised word that is a name or unknown, or a lower-case name word; after
    a nickname cue ("known as Ghost") any capitalised word that is not guidance vocabulary."""
    if token.protected or token.low in _RELATIONS or token.low in _TITLES:
        return False
    if token.cap or token.upper:
        if nickname and token.low not in STOPWORDS and token.low not in VOCABULARY:
            return True
        return token.level > NONE or token.low not in ENGLISH_WORDS
    if token.low in STOPWORDS:
        return False
    return token.level > NONE or (naming and token.low not in ENGLISH_WORDS)


def _joined(text: str, left: _Token, right: _Token) -> bool:
    """Only spaces (or a hyphen) between two tokens on the same line."""
    between = text[left.end : right.start]
    return between.strip(" -") == "" and left.full == left.low


def _mark_intrinsic(text: str, tokens: list[_Token]) -> None:
    """Names by their own rating: strong ones anywhere, capitalised ones mid-sentence."""
    for token in tokens:
        if token.protected:
            continue
        if token.level == STRONG or (
            token.level in (CAPITAL, UNKNOWN) and token.cap and not token.sent
        ):
            if token.level == UNKNOWN and _RECORD_NUMBER_AFTER.match(text, token.end):
                continue  # "Hosp no [CASE_REF]": an abbreviated record's name, not a person's
            token.name = True


def _mark_cued(text: str, tokens: list[_Token]) -> None:
    """Names made by the words around them."""
    count = len(tokens)
    for i, token in enumerate(tokens):
        if token.name or token.protected:
            continue
        if (
            token.level == NONE
            and not token.unk
            and not (token.low.endswith("s") and token.low[:-1] in _ANY_NAME)
            and not (i > 0 and tokens[i - 1].low in _NAMED_LAST and _named(tokens, i))
            and not (i > 0 and token.cap and not token.sent and tokens[i - 1].low in _RELATIONS)
        ):
            continue  # only "chloes mum", "known as tazzy", "my uncle Smudge" name unlisted words
        prev = tokens[i - 1] if i > 0 else None
        nxt = tokens[i + 1] if i + 1 < count else None
        gap = text[prev.end : token.start].strip().strip(_QUOTES) if prev is not None else "?"
        if prev is not None and gap in {"", ",", ".", ":"}:
            if prev.low in _TITLES and (prev.full == prev.low) and _cue_ok(token):
                token.name = True
            elif prev.low in _RELATIONS and prev.full == prev.low and _cue_ok(token, nickname=True):
                # "her son Jack", "his sister ruby", "my uncle Smudge": capitalised mid-sentence,
                # even an ordinary word is what the relation is called
                token.name = token.cap or token.level in (STRONG, CAPITAL)
            elif (
                gap in {"", ":"}
                and _named(tokens, i)
                and _cue_ok(token, True, _nickname(tokens, i))
            ):
                token.name = True
            elif (
                len(prev.low) == 1
                and prev.cap
                and token.cap
                and token.level > NONE
                and (prev.low not in {"a", "i"} or (i > 1 and tokens[i - 2].low in _TITLES))
            ):
                token.name = prev.name = True  # J. Brown
        if not token.name and not token.cap and not token.upper:
            token.name = _hurried(text, tokens, i)
        if token.name or nxt is None:
            continue
        after = _skip_adjectives(tokens, i + 1)
        if token.poss and after is not None and after.low in _POSSESSED and _cue_ok(token):
            token.name = True
        elif (
            not token.poss
            and token.level in (NONE, UNKNOWN, WEAK)
            and len(token.low) > 3
            and token.low.endswith("s")
            and token.low not in ENGLISH_WORDS
            and token.low not in STOPWORDS
            and token.low not in VOCABULARY  # "Greggs"
            and _rate(token.low[:-1], token.low[:-1], token.cap, False) == STRONG
            and (prev is None or prev.low != "the")  # "the Smiths" are a family
        ):
            token.name = True  # "fatimas chronology", "leahs attendance", "jaydens cp ref"
        elif (
            not token.poss
            and token.level in (NONE, UNKNOWN)
            and token.low.endswith("s")
            and token.low not in ENGLISH_WORDS
            and token.low not in STOPWORDS
            and after is not None
            and after.low in _POSSESSED
            and _is_name_word(token.low[:-1])
        ):
            token.name = True  # "chloes mum": the apostrophe left out
        elif not token.poss and _AGE_AFTER.match(text, token.end) and _cue_ok(token):
            token.name = True
        elif _IS_AGE_AFTER.match(text, token.end) and token.level > VOCAB and _cue_ok(token):
            token.name = True  # Blessing is 12
        elif (
            token.sent
            and (token.cap or (token.level == CAPITAL and _all_lower(text)))
            and token.level in (CAPITAL, UNKNOWN)
            and nxt.low in _SUBJECT_VERBS
            and _joined(text, token, nxt)
        ):
            token.name = True  # Grace has not been in since Monday
        elif (
            _joined(text, token, nxt)
            and token.level > NONE
            and (token.cap or token.low not in STOPWORDS)
        ):
            if nxt.low in _REPORTING_VERBS and (token.level != VOCAB or token.cap):
                token.name = True
            elif nxt.low == "from" and token.level == CAPITAL and token.cap:
                token.name = True  # Sue from housing
            elif nxt.low in _GROUP_NOUNS and token.cap and token.level != VOCAB:
                token.name = True  # the Walker family
            elif token.cap and nxt.cap and not nxt.protected and _pair(token, nxt):
                token.name = nxt.name = True


def _unknown_lower(token: _Token) -> bool:
    """A lower-case word in no list at all, such as a misspelt name ("chole") or a nickname
    ("ozzy"), rather than an abbreviation ("pcso", "wkrs"): a name only in a person's place."""
    return token.unk


def _unknown_word(low: str) -> bool:
    """In no word list, long enough and with a vowel (not "pcso", "wkrs", "tmrw")."""
    return (
        len(low) > 3
        and low.isalpha()
        and low not in ENGLISH_WORDS
        and low not in STOPWORDS
        and low not in VOCABULARY
        and low not in _RELATIONS
        and low not in _TITLES
        and _VOWEL.search(low) is not None
    )


def _hurried(text: str, tokens: list[_Token], i: int) -> bool:
    """A lower-case word in a person's place in hurried text: the subject of a verb of speech or
    action at a sentence's start, the object of "saw"/"spoke to", a relation's name before a verb,
    a relation's name in brackets, or one of two name-words joined at a sentence's start."""
    token = tokens[i]
    level = token.level
    unknown = level == NONE
    if token.protected:
        return False
    prev = tokens[i - 1] if i > 0 else None
    if (
        i > 1
        and prev is not None
        and (tokens[i - 2].low, prev.low) in _LOWER_NICKNAME_CUES
        and text[prev.end : token.start] == " "
        and token.low not in _NOT_LOWER_NICKNAME
        and token.low not in STOPWORDS
        and token.low not in VOCABULARY
        and token.low not in _RELATIONS
    ):
        return True  # "goes by shorty"
    if unknown and not _unknown_lower(token):
        return False
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    verb_after = (
        nxt is not None
        and _joined(text, token, nxt)
        and (
            nxt.low in _AFTER_NAME_VERBS
            and (
                nxt.low not in ("is", "was")
                or (
                    i + 2 < len(tokens)
                    and (tokens[i + 2].low.endswith("ing") or tokens[i + 2].low in _STATE_AFTER_BE)
                )
            )
        )
    )
    if unknown:
        # "chole said she doesnt want to go home"
        return verb_after and nxt is not None and nxt.low in _REPORTING_VERBS and token.sent
    if level == CAPITAL and verb_after and token.sent:
        return True  # "hope was crying at drop off"
    if prev is None:
        return False
    gap = text[prev.end : token.start]
    if prev.low in _RELATIONS and prev.full == prev.low:
        if gap.strip() == "(" and text[token.end : token.end + 1] == ")":
            return level > NONE  # "foster carer (pat)"
        if gap.strip() == "" and level in (WEAK, VOCAB, CAPITAL) and verb_after:
            return True  # "her bf brook has a knife", "his bro florin seen"
    # "faith + joy both had nits", "precious n blessing": two name-words joined at the start
    first = None
    if gap.strip() in _COORDINATORS:
        first = prev
    elif prev.low in _COORDINATORS and i > 1 and text[prev.end : token.start] == " ":
        first = tokens[i - 2]
    if (
        first is not None
        and level == CAPITAL
        and first.level == CAPITAL
        and not first.cap
        and first.sent
        and first.low not in _NOT_OBJECT_NAME
    ):
        first.name = True
        return True
    if gap.strip() not in ("", ",") or token.low in _NOT_OBJECT_NAME:
        return False
    if (
        level in (CAPITAL, VOCAB)
        and token.low in AMBIGUOUS_FIRST_NAMES
        and (prev.low in _OBJECT_CUES or (i > 1 and (tokens[i - 2].low, prev.low) in _OBJECT_PAIRS))
    ):
        # "saw summer", not "saw grace's mum" (a possessive is named by its own rule)
        return nxt is None or nxt.low not in _POSSESSED or not _joined(text, token, nxt)
    return False


def _all_lower(text: str) -> bool:
    """Typed without capitals at all, so a sentence's first word may be a name in lower case
    ("jack keeps going missing")."""
    return not any(c.isupper() for c in text)


def _named(tokens: list[_Token], i: int) -> bool:
    """Token i follows a naming cue: "called X", "surname: X", "known as X"."""
    if tokens[i - 1].low in _NAMING_VERBS:
        return True
    return i > 1 and (tokens[i - 2].low, tokens[i - 1].low) in _NAMING_PAIRS


def _nickname(tokens: list[_Token], i: int) -> bool:
    """Token i follows a cue that only introduces names ("known as", "nicknamed", "name is")."""
    if tokens[i - 1].low in _NICKNAME_VERBS:
        return True
    return i > 1 and (tokens[i - 2].low, tokens[i - 1].low) in _NAMING_PAIRS


def _mark_quoted(text: str, tokens: list[_Token]) -> None:
    """Quoted nicknames after a calling word: "known as 'Ghost'", "calls him "Moneybags"."""
    if not any(q in text for q in _QUOTES):
        return
    for m in _QUOTED_NICKNAME.finditer(text):
        for token in tokens:
            if m.start(1) <= token.start < m.end(1) and _cue_ok(token, nickname=True):
                token.name = True


def _mark_particles(text: str, tokens: list[_Token]) -> None:
    """A particle between two names is part of the name: "Rhys ap Dafydd", "Lopes da Silva"."""
    for i in range(1, len(tokens) - 1):
        token = tokens[i]
        if token.low not in _NAME_PARTICLES:
            continue
        left, right = tokens[i - 1], tokens[i + 1]
        if left.name and right.name and _joined(text, left, token) and _joined(text, token, right):
            token.name = True


# One letter after a first name is a surname's initial ("charlie b", "daisy m", "kyle t back"),
# and after "lil"/"big" a street name ("lil d", "big t"); not the letters that stand for words in
# texting ("u", "r", "n", "c", "x", "k", "y") or "a"/"i".
_INITIAL_LETTERS = frozenset("bdefghjlmpqstz")  # not "v" (very) or "w" (with)
_NICKNAME_PREFIXES = frozenset({"lil", "big", "little"})
_SINGLE_LETTER = re.compile(r"(?<![\w'’-])[bdefghjlmpqstzBDEFGHJLMPQSTZ](?![\w'’-])")
_NOT_AFTER_INITIAL = frozenset({"'", "’", "&", "-", "/"})


def _mark_initials(text: str, tokens: list[_Token]) -> None:
    """A single letter after a name (or after "lil"/"big") is part of the name."""
    if _SINGLE_LETTER.search(text) is None:
        return
    for i in range(1, len(tokens)):
        token = tokens[i]
        if len(token.low) != 1 or token.name or token.low not in _INITIAL_LETTERS:
            continue
        prev = tokens[i - 1]
        if (
            text[prev.end : token.start] != " "
            or text[token.end : token.end + 1] in _NOT_AFTER_INITIAL
        ):
            continue
        if prev.name and prev.low in FIRST_NAMES | AMBIGUOUS_FIRST_NAMES:
            token.name = True
        elif prev.low in _NICKNAME_PREFIXES and prev.full == prev.low:
            token.name = prev.name = True


def _skip_adjectives(tokens: list[_Token], i: int) -> _Token | None:
    """The first token from i on that is not an adjective like "older" or "little"."""
    while i < len(tokens) and tokens[i].low in _POSSESSED_ADJECTIVES:
        i += 1
    return tokens[i] if i < len(tokens) else None


def _is_name_word(low: str) -> bool:
    """In any of the name lists that a cue can promote."""
    return low in _ANY_NAME


def _pair(first: _Token, second: _Token) -> bool:
    """Two capitalised words that read as first name and surname (Grace Hall, Jordan Smith)."""
    if second.low in _STRUCTURE or first.low in _STRUCTURE:
        return False
    given = first.low in FIRST_NAMES or first.low in AMBIGUOUS_FIRST_NAMES
    family = _is_name_word(second.low) or second.low in WORD_NAMES
    return given and family


def _neighbour_ok(token: _Token, listed: bool = False, before: bool = False) -> bool:
    """Next to a name: a capitalised name-like word, or a lower-case name word. Before a name, a
    lower-case word or a sentence's first word must not be a mere word-name ("Dawn Hughes", not
    "ring Chloe" or "Ring Chloe"). In a list ("Chloe, grace and hope") a lower-case word must be
    a first name, not a word that is also a surname."""
    if token.protected or token.name or token.level == NONE:
        return False
    if before and (token.sent or not token.cap) and token.level == WEAK:
        return False
    if listed and not token.cap and token.level not in (STRONG, CAPITAL):
        return False
    if token.cap:
        return True
    if token.low in _POSSESSED or token.low in _STRUCTURE:
        return False  # "dominiks house", "chloe park" is more likely a place
    return token.level != VOCAB and token.low not in STOPWORDS


def _spread(text: str, tokens: list[_Token]) -> None:
    """Grow names to their neighbours (Chloe Brown), across lists (Chloe, Grace and Amber), and
    to the same word elsewhere in the message ("... and Jack were fighting. Jack is ...")."""
    changed = True
    while changed:
        changed = False
        known = {t.low for t in tokens if t.name and t.level > NONE}
        for i, token in enumerate(tokens):
            if not token.name:
                if token.low in known and not token.protected and (token.cap or token.upper):
                    token.name = changed = True
                continue
            for j in (i - 1, i + 1):
                if 0 <= j < len(tokens) and _neighbour_ok(tokens[j], before=j < i):
                    left, right = (tokens[j], token) if j < i else (token, tokens[j])
                    joined = _joined(text, left, right)
                    listed = text[left.end : right.start].strip() in {",", "&", "/"}
                    if joined or (listed and _neighbour_ok(tokens[j], listed=True)):
                        tokens[j].name = changed = True
            for j in (i - 2, i + 2):
                if 0 <= j < len(tokens) and _neighbour_ok(tokens[j], listed=True):
                    left, right = (tokens[j], token) if j < i else (token, tokens[j])
                    between = text[left.end : right.start].strip().lower()
                    if between in _COORDINATORS:
                        tokens[j].name = changed = True


def find(text: str) -> list[Span]:
    """Spans of people's names; neighbouring name words become one span."""
    tokens = _tokens(text)
    _mark_intrinsic(text, tokens)
    _mark_cued(text, tokens)
    _mark_quoted(text, tokens)
    _spread(text, tokens)
    _mark_particles(text, tokens)
    _mark_initials(text, tokens)
    spans: list[Span] = []
    for token in tokens:
        if not token.name:
            continue
        if (
            spans
            and text[spans[-1].end : token.start].strip(" -.") == ""
            and "\n" not in text[spans[-1].end : token.start]
        ):
            spans[-1] = Span(spans[-1].start, token.end, "NAME")
        else:
            spans.append(Span(token.start, token.end, "NAME"))
    return spans
