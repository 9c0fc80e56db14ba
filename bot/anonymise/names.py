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

import itertools
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
    # the professionals around a child, named the same way: "midwife sue", "pcso amy"
    " midwife teacher sw hv keyworker caseworker pcso counsellor tutor senco childminder"
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
        ("name", "of"),  # "goes by the name of Tank"
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
        # what others call someone: "the lad they call Tiny", "the kids call Smudge"
        ("they", "call"),
        ("people", "call"),
        ("kids", "call"),
        ("lads", "call"),
        ("girls", "call"),
        ("everyone", "calls"),
        ("everybody", "calls"),
    }
)
# The word just before a name that a naming cue puts there (a cheap first test for _named).
_NAMED_LAST = _NAMING_VERBS | frozenset(second for _, second in _NAMING_PAIRS)
# A nickname in quotes after a calling word: "known as 'Ghost'", "she calls 'Uncle Biscuit'",
# "the kids call him "Moneybags"".
_QUOTED_NICKNAME = re.compile(
    r"\b(?:call|calls|called|calling|known as|goes by|go by|nicknamed|named|name is|name was|name"
    r"|aka|alias|as|him|her|himself|herself)[^\S\n]+['\"‘“]"
    r"([A-Za-z][\w'’-]*(?:[^\S\n]+[A-Za-z][\w'’-]*){0,2})['\"’”]"
)
_QUOTES = "'\"‘’“”"
_STRONG_QUOTE_CUE = re.compile(
    r"\b(?:call|calls|called|calling)[^\S\n]+(?:him|her|himself|herself|themselves|me)?[^\S\n]*"
    r"['\"‘“]$|\b(?:known as|goes by|go by|nicknamed|aka|alias|name is|name was)[^\S\n]+['\"‘“]$"
)
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
    # a child's records and plans: "ruths referral", "jaydens cp plan"
    " referral plan appt appointment attendance chronology"
)
_POSSESSED_ADJECTIVES = word_set(
    "older younger little big baby twin new step ex eldest youngest oldest real birth foster"
)
_REPORTING_VERBS = word_set(
    "said says told tells disclosed discloses reported mentioned explained admitted alleged "
    "confided texted messaged rang phoned emailed shouted screamed punched kicked slapped "
    "threatened asked wants"
    # typed in a hurry: "ruby sed", "hope ses", "tyler sez", "kai tld me"
    " sed ses sez sayz tld txted txtd msgd"
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
    "smelly dirty unkempt worried frightened distressed excluded asleep drunk ill poorly sick "
    "unwell hurt injured bruised pregnant"
)
# A state straight after a name at a sentence's start, the verb left out in a hurry: "precious
# tired in class again", "sky not in school", "grace ok now".
_STATE_AFTER_NAME = _STATE_AFTER_BE | word_set("ok okay fine not")
# Words that start a clause, after which a name is the subject as at a sentence's start: "upset
# that faith wont play", "and hope was crying".
_CLAUSE_STARTS = word_set(
    "that because cos coz and but when whenever if so as while since after before until til then "
    "n & + said says reckons thinks thought saying sed ses sez"
)
# Verbs only a person does: a name that is also a month or a place ("Summer", "June", "Devon") at a
# sentence's start is the person before one of them ("Summer attends ...", "June said ...").
_PERSON_VERBS = word_set(
    "attends attended lives lived disclosed discloses said says told tells cried cries refused "
    "refuses absconded slept sleeps screamed punched kicked slapped confided admitted"
)
_POSSESSIVE_PRONOUNS = word_set("his her their")
_SUBJECT_PRONOUNS = word_set("i you he she it we they who mum dad that which")
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
        ("seen", "with"),
        ("out", "with"),
        ("was", "with"),
        ("fighting", "with"),
        ("staying", "with"),
        ("living", "with"),
        ("lives", "with"),
        ("worried", "abt"),
        ("met", "with"),
        ("txt", "from"),
        ("text", "from"),
        ("message", "from"),
        ("msg", "from"),
    }
)
# "with" typed in a hurry: "seen w kyle", "living wiv nan", "met wit hope".
_OBJECT_PAIRS |= frozenset(
    (first, short) for first, second in _OBJECT_PAIRS if second == "with" for short in ("w", "wiv")
)
# "spoke 2 grace": "to" typed as a digit, which is no word of its own.
_TO_AS_TWO = word_set("spoke speak spoken talked talk chatted chat spk went sent")
# Name-words that are more often the thing itself after those verbs: "saw mark on her arm",
# "asked will", "rang may".
_NOT_OBJECT_NAME = word_set(
    "mark marks bill will may rob nick chase hunter guy frank ray gene major king duke prince "
    "junior reign rain storm star kit chip jack junior april june august jan"
)
# Lower-case nicknames after a cue that only introduces a name ("goes by shorty"), but not the
# way someone travels ("goes by bus").
_LOWER_NICKNAME_CUES = frozenset(
    {
        ("goes", "by"),
        ("go", "by"),
        ("going", "by"),
        ("went", "by"),
        # "grandad known as pops", "calls himself uncle bash", "the lad they call tiny"
        ("known", "as"),
        ("calls", "himself"),
        ("calls", "herself"),
        ("call", "himself"),
        ("call", "herself"),
        ("calling", "himself"),
        ("calling", "herself"),
        ("they", "call"),
        ("everyone", "calls"),
    }
)
_REFLEXIVE = word_set("himself herself")
# Who calls someone by a street name: "they call him smokey", "everyone calls her bubbles".
_CALLERS = word_set("they people everyone everybody kids lads girls boys mates friends others")
_NOT_CALLED = word_set(
    "names name back out up over round later tonight tomorrow now again every each a an the "
    "liar lazy weird mad crazy gay slag slut grass snitch nonce fat ugly stupid thick useless "
    "worthless a all sometimes often on in at to about when if too"
)
_NOT_LOWER_NICKNAME = word_set(
    "fat ugly stupid thick useless worthless violent dangerous trouble clever "
    "part such one being having well good bad known much more less only just also either both "
    "someone something anything nothing everyone somebody anybody nobody "
    "bus car train taxi foot bike tram coach plane fast quickly slowly quick slow unnoticed "
    "ok okay fine different two three several various"
)
_VOWEL = re.compile(r"[aeiouy]")
# Someone named by a calling word after a person noun: "a man called spider", "a lad called
# t-bone", "someone called Lil Menace": whatever word follows is what they are called.
_PERSON_NOUNS = word_set(
    "man men lad lads boy boys girl girls woman women guy guys bloke fella someone somebody "
    "person male female dealer teenager older adult friend mate hes shes he's she's"
)
# Modal verbs that are also first names: "her mum will." is not a name.
_MODAL_NAMES = word_set("will may can mark")
# A child's class after a name at a sentence's start: "summer in yr 2 said", "hope in reception".
_IN_YEAR = re.compile(
    r"[^\S\n]+(?:in|from)[^\S\n]+(?:y(?:ea)?r[^\S\n]*\d{1,2}|y\d{1,2}|p\d|reception"
    r"|nursery\b[^\S\n]+(?!school)"
    r"|class[^\S\n]+\d)\b",
    re.IGNORECASE,
)
_MONTHS_AND_DAYS = word_set(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday"
)
_CALENDAR = _MONTHS_AND_DAYS | word_set("summer autumn winter spring")
# A preposition that takes a person, before a name and what is said of them: "about precious not
# being in", "worried abt faith being".
_PERSON_PREPOSITIONS = word_set("about abt re regarding for with w wiv")
_AFTER_PERSON = word_set("not being isnt wasnt hasnt doesnt didnt wont cant")
_GROUP_NOUNS = word_set("family household kids children twins siblings boys girls")
_COORDINATORS = frozenset({"and", "or", "&", "+", "n"})
_SAINTS = frozenset({"st", "saint"})
# Words of places and organisations: "Hope Street" or "Rose Cottage" is not a pair of names.
_STRUCTURE = word_set(
    "road street lane avenue close drive way court crescent place grove gardens terrace walk mews "
    "square park rise hill view row green parade vale mount wharf yard croft fold gate chase "
    "meadow meadows boulevard heights side bank end cottage house farm lodge barn manor hall "
    "vicarage mill grange school academy college primary nursery surgery centre practice infants "
    "juniors high university hospital trust council police church mosque day term unit ward "
    "clinic project team service"
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


_LETTER_NICKNAME = re.compile(r"[bcdfghjklmnpqrstvwz]-[a-z]{2,}")
_NOT_LETTER_NICKNAME = word_set(
    "t-shirt t-shirts t-junction t-cell t-cells x-ray x-rays g-string b-day b-road u-turn "
    "c-section d-day j-cloth s-bend v-neck k-pop p-plate p-plates b-movie c-list t-bar d-lock"
)


def _rate_hyphenated(low: str, cap: bool) -> int:
    """Mary-Jane, Al-Sayed, tia-rose, Summer-Rose are names; step-dad and follow-up are not."""
    parts = low.split("-")
    if (
        len(parts) == 2
        and _LETTER_NICKNAME.fullmatch(low)
        and low not in ENGLISH_WORDS
        and low not in VOCABULARY
        and low not in _NOT_LETTER_NICKNAME
    ):
        return STRONG  # a street name of a letter and a word: "t-boy", "j-money", "k-dog"
    names = all(_is_name_word(p) for p in parts)
    if any(p in FIRST_NAMES or p in SURNAMES for p in parts) and (cap or names):
        return STRONG  # Isla-Rose, Al-Sayed, lily-mae
    if names:
        return CAPITAL  # Summer-Rose, summer-rose: names that are also words, joined
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


def _cue_ok(
    token: _Token, naming: bool = False, nickname: bool = False, unknown: bool = False
) -> bool:
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
    if unknown and token.unk and _name_shaped(token.low):
        return True  # in lower case, a name missing from the lists: "tahlia (14)"
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
            and not (i > 0 and token.upper and tokens[i - 1].low in _TITLES)
            and not (i > 1 and tokens[i - 1].low in ("called", "named") and not token.cap)
            and not (
                i > 2
                and (tokens[i - 1].low in _RELATIONS or tokens[i - 1].low in _NICKNAME_PREFIXES)
                and (tokens[i - 3].low, tokens[i - 2].low) in _LOWER_NICKNAME_CUES
            )
            and not (token.low in AMBIGUOUS_FIRST_NAMES and _IS_AGE_AFTER.match(text, token.end))
            and not _called_by_others(tokens, i)
            and not _with_own_relation(tokens, i)
            and not (i + 1 < count and tokens[i + 1].low == "both")
            and not (i + 2 < count and tokens[i + 2].low in _POSSESSIVE_PRONOUNS)
            and not (i + 3 < count and tokens[i + 3].low == "both")
        ):
            continue  # only "chloes mum", "known as tazzy", "my uncle Smudge" name unlisted words
        prev = tokens[i - 1] if i > 0 else None
        nxt = tokens[i + 1] if i + 1 < count else None
        gap = text[prev.end : token.start].strip().strip(_QUOTES) if prev is not None else "?"
        if prev is not None and gap in {"", ",", ".", ":"}:
            if prev.low in _TITLES and (prev.full == prev.low) and (_cue_ok(token) or token.unk):
                token.name = True  # "Mrs Khan", "Mr LUPU", "mrs okonjo"
            elif (
                prev.low in _RELATIONS
                and prev.full == prev.low
                and token.low not in _STRUCTURE  # "the Mother and Baby Unit"
                and _cue_ok(token, nickname=True)
            ):
                # "her son Jack", "his sister ruby", "my uncle Smudge": capitalised mid-sentence,
                # even an ordinary word is what the relation is called
                token.name = token.cap or token.level in (STRONG, CAPITAL)
            elif (
                prev.low in _RELATIONS
                and prev.full == prev.low
                and token.unk
                and gap == ""
                and _name_shaped(token.low)
            ):
                token.name = True  # "her bf kaiyu is 19": a name missing from the lists
            elif (
                gap in {"", ":"}
                and _named(tokens, i)
                and not (prev.low in _REFLEXIVE and token.low in _SELF_DESCRIPTIONS)
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
            and token.level in (NONE, UNKNOWN, WEAK)
            and token.low.endswith("s")
            and token.low not in STOPWORDS
            and token.low[:-1] not in _RELATIONS  # "her nans house" is a relation's
            and after is not None
            and after.low in _POSSESSED
            and _joined(text, token, nxt)
            and (
                (token.low not in ENGLISH_WORDS and _is_name_word(token.low[:-1]))
                # "deans flat", "ruths referral": a plural word, but a first name's own thing
                or _rate(token.low[:-1], token.low[:-1], False, False) == STRONG
                # "graces mum", "kaiyus dad": before a relation, not after a pronoun ("she
                # hopes mum will come")
                or (
                    after.low in _RELATIONS
                    and (token.unk or token.low[:-1] in AMBIGUOUS_FIRST_NAMES)
                    and (prev is None or prev.low not in _SUBJECT_PRONOUNS)
                )
            )
        ):
            token.name = True  # "chloes mum": the apostrophe left out
        elif _with_own_relation(tokens, i):
            token.name = True  # "will n his brother were left", "Grace and her mum came in"
        elif not token.poss and _AGE_AFTER.match(text, token.end) and _cue_ok(token, unknown=True):
            token.name = True  # "tahlia 14 disclosed", "Summer (aged 9)"
        elif _IS_AGE_AFTER.match(text, token.end) and (
            (token.level > VOCAB and _cue_ok(token))
            or (token.unk and _name_shaped(token.low))
            # a name that is also a word, as the subject: "Summer is 14", "will is 8"
            or (
                (token.level == VOCAB or token.low in AMBIGUOUS_FIRST_NAMES)
                and (
                    token.cap
                    or token.sent
                    or gap == ","
                    or (prev is not None and prev.low in _COORDINATORS)
                )
                and token.low not in _MONTHS_AND_DAYS
                and not token.protected
            )
        ):
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
            token.sent
            and token.cap
            and token.level == CAPITAL
            and nxt.low in ("is", "was")
            and _joined(text, token, nxt)
            and i + 2 < count
            and (
                tokens[i + 2].low in _STATE_AFTER_NAME
                or tokens[i + 2].low in ("in", "at", "seen", "found")
                or tokens[i + 2].low.endswith("ing")
            )
        ):
            token.name = True  # Hope was in tears at drop off
        elif (
            token.sent
            and token.cap
            and (token.level in (CAPITAL, WEAK) or token.low in AMBIGUOUS_FIRST_NAMES)
            and nxt.low in _PERSON_VERBS
            and _joined(text, token, nxt)
        ):
            token.name = True  # Summer attends Grace Church Toddler Group
        elif (
            token.cap
            and token.level == CAPITAL
            and (token.start == 0 or text[token.start - 1] == "\n")
            and text[token.end : token.end + 1] == ","
        ):
            token.name = True  # "Grace, I think we need to raise this", "Rose, our office manager"
        elif _record_style(text, token, nxt):
            token.name = True  # SMITH, Tyler-Jay (Y3)
        elif (
            _joined(text, token, nxt)
            and token.level > NONE
            and (token.cap or token.low not in STOPWORDS)
        ):
            if (
                nxt.low in _REPORTING_VERBS
                and (token.level != VOCAB or token.cap or token.low in AMBIGUOUS_FIRST_NAMES)
                # "we hope said plans work", "i will said": a verb after its subject
                and not (
                    not token.cap and i > 0 and tokens[i - 1].low in ("i", "we", "they", "you")
                )
            ):
                token.name = True
            elif nxt.low == "from" and token.level == CAPITAL and token.cap:
                token.name = True  # Sue from housing
            elif nxt.low in _GROUP_NOUNS and token.cap and token.level != VOCAB:
                token.name = True  # the Walker family
            elif token.cap and nxt.cap and not nxt.protected and _pair(token, nxt):
                token.name = nxt.name = True


_NOT_WITH_RELATION = STOPWORDS | _RELATIONS | _TITLES


def _with_own_relation(tokens: list[_Token], i: int) -> bool:
    """A name-word at a sentence's start joined to its own relation: "jack n his sister were",
    "Hope and her mum came in" (not "Will and his ..." read as a verb: a modal never starts one)."""
    token = tokens[i]
    return (
        token.sent
        and not token.protected
        and (
            token.low in _MODAL_NAMES
            or (
                (token.low in _ANY_NAME or token.level > NONE)
                and token.low not in _MONTHS_AND_DAYS
                and token.low not in _NOT_WITH_RELATION
            )
        )
        and i + 3 < len(tokens)
        and tokens[i + 1].low in _COORDINATORS
        and tokens[i + 2].low in _POSSESSIVE_PRONOUNS
        and tokens[i + 3].low in _RELATIONS
    )


def _record_style(text: str, token: _Token, nxt: _Token) -> bool:
    """A surname written first, as in a record: "SMITH, Tyler-Jay", "Kowalczyk, Anna" at a line's
    start; the first name after the comma must be a name already."""
    if not nxt.cap or text[token.end : nxt.start] not in (",", ", "):
        return False
    if not nxt.name and not (
        token.upper
        and not nxt.upper
        and nxt.level not in (NONE, VOCAB)
        and nxt.low not in STOPWORDS
    ):
        return False  # "HORVÁTH, Dávid": a first name in no list after a surname in capitals
    if token.level == VOCAB or token.low in VOCABULARY or token.low in STOPWORDS:
        return False
    if token.upper:
        return token.level > NONE or token.low not in ENGLISH_WORDS
    return token.cap and token.sent and token.level in (WEAK, UNKNOWN, CAPITAL)


# A name span ending in a surname in capitals: a comma after it joins the first name ("SMITH,
# Tyler-Jay").
_FIELD_BEFORE = re.compile(
    r"(?:^|\n|[;.]\s)(?i:name|child|pupil|mother|father|mum|dad|sibling|subject|re|student"
    r"|young person|yp|carer|parent|guardian|victim|suspect|perpetrator|alleged perpetrator)"
    r"\s*:\s*$"
)
_RECORD_END = re.compile(r"\s*(?:$|[;.()\n]|\s*(?i:dob|d\.o\.b|born|aged?|yr|year)\b)")
_RECORD_HEAD = re.compile(r"(?<![\w'’-])[^\W\d_a-zß-ÿ](?:[^\W\d_a-zß-ÿ]|['’-])+$")


def _name_shaped(low: str) -> bool:
    """Two vowels or more, as a name missing from the lists has ("kaiyu", "haidari"), and not an
    abbreviation typed in a hurry ("appts", "yday", "wkrs")."""
    return sum(c in "aeiou" for c in low) >= 2


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


# What someone calls themselves that says what they are, not a street name: "calls herself fat",
# "calls himself bisexual".
_SELF_DESCRIPTIONS = word_set(
    "trans bi bisexual lesbian queer nonbinary non enby christian muslim jewish sikh hindu "
    "english british scottish welsh irish black white mixed brown disabled autistic dyslexic "
    "depressed suicidal worthless fat ugly stupid thick useless dumb gay straight boy girl man "
    "woman lad adult grown mum dad parent carer nobody names nothing different"
)


def _street_name_word(text: str, token: _Token) -> bool:
    """After "calls himself", a word that describes no one is a street name ("calls himself
    smokey on the estate"); an adjective or identity stays ("calls herself fat")."""
    low = token.low
    return not (
        low in _SELF_DESCRIPTIONS
        or low in _NOT_CALLED
        or low.endswith(("ly", "ed", "ing", "est", "ful", "less", "ive", "ous", "ic", "al", "ish"))
    )


def _called_by_others(tokens: list[_Token], i: int) -> bool:
    """A lower-case word after what others call someone: "they call him smokey", "everyone calls
    her bubbles" (not "they call him names", "they call her lazy", "they call him back")."""
    if i < 3 or tokens[i].cap or tokens[i].upper:
        return False
    low = tokens[i].low
    return (
        tokens[i - 1].low in ("him", "her")
        and tokens[i - 2].low in ("call", "calls")
        and tokens[i - 3].low in _CALLERS
        and low not in _NOT_CALLED
        and low not in STOPWORDS
        and low not in VOCABULARY
        and not low.endswith(("ly", "ed", "ing", "est"))
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
        and (
            (
                (tokens[i - 2].low, prev.low) in _LOWER_NICKNAME_CUES
                # "calls herself fat" is what she says of herself: an ordinary word only after
                # a cue that always names
                and (
                    prev.low not in _REFLEXIVE
                    or token.low not in ENGLISH_WORDS
                    or _street_name_word(text, token)
                )
            )
            # what others call someone, in lower case: "they call him smokey"
            or _called_by_others(tokens, i)
            # a relation's word before the nickname: "calls himself uncle bash", "known as big t"
            or (
                i > 2
                and (prev.low in _RELATIONS or prev.low in _NICKNAME_PREFIXES)
                and (tokens[i - 3].low, tokens[i - 2].low) in _LOWER_NICKNAME_CUES
            )
        )
        and text[prev.end : token.start] == " "
        and token.low not in _NOT_LOWER_NICKNAME
        and token.low not in STOPWORDS
        and token.low not in VOCABULARY
        and token.low not in _RELATIONS
        and not token.low.endswith("ing")
    ):
        return True  # "goes by shorty"
    if (
        i > 1
        and prev is not None
        and prev.low in ("called", "named")
        and (tokens[i - 2].low in _PERSON_NOUNS or tokens[i - 2].full in _PERSON_NOUNS)
        and text[tokens[i - 2].end : token.start].count(" ") == 2
        and token.low not in STOPWORDS
        and token.low not in VOCABULARY
        and token.low not in _RELATIONS
        and token.low not in _TITLES
    ):
        return True  # "a man called spider"
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    if _both(text, tokens, i):
        return True  # "kofi and yaw both in yr 8"
    if unknown and not _unknown_lower(token):
        # "gav n his mrs sharon": a short name missing from the lists, with a relation
        return token.sent and _short_unknown(token.low) and _with_relation(text, tokens, i)
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
    start = token.sent or (
        prev is not None
        and prev.low in _CLAUSE_STARTS
        and prev.full == prev.low
        and text[prev.end : token.start] == " "
    )
    if (
        start
        or (prev is not None and prev.low in _PERSON_PREPOSITIONS and prev.full == prev.low)
        or (prev is not None and _object_cue(text, tokens, i))
    ) and _with_relation(text, tokens, i):
        return True  # "tahlia and her sister", "ozzy n his mate", "concerns for faith and her
    if unknown:
        # "chole said she doesnt want to go home", "that tahlia was upset", "spoke to kaiyu"
        if verb_after and start and (token.sent or nxt is None or nxt.low not in ("is", "was")):
            return True
        return (
            prev is not None
            and _object_cue(text, tokens, i)
            and (nxt is None or nxt.low not in _POSSESSED)
        )
    if (
        level == VOCAB
        and start
        and verb_after
        and token.low not in _NOT_OBJECT_NAME
        and (token.low not in _CALENDAR or (nxt is not None and nxt.low in _PERSON_VERBS))
        and (token.low in FIRST_NAMES or token.low in AMBIGUOUS_FIRST_NAMES)
        and (token.sent or nxt is None or nxt.low not in ("is", "was"))
    ):
        return True  # "rio had a panic attack", "devon was crying"
    if (
        (token.sent or (prev is not None and text[prev.end : token.start] == ", "))
        and (level in (CAPITAL, VOCAB, WEAK) or token.unk)
        and token.low not in _MODAL_NAMES
        and token.low not in _MONTHS_AND_DAYS
        and (level != WEAK or token.low in WORD_NAMES)
        and _IN_YEAR.match(text, token.end)
    ):
        return True  # "destiny in yr 4 told TA", "hope in reception came in"
    if level == CAPITAL and start and token.low not in _NOT_OBJECT_NAME:
        if verb_after and (token.sent or nxt is None or nxt.low not in ("is", "was")):
            return True  # "hope was crying at drop off", "upset that faith wont play"
        if nxt is not None and nxt.low in _STATE_AFTER_NAME and _joined(text, token, nxt):
            return True  # "precious tired in class again"
    if prev is None:
        return False
    gap = text[prev.end : token.start]
    if prev.low in _RELATIONS and prev.full == prev.low:
        if gap.strip() == "(" and text[token.end : token.end + 1] == ")":
            return level > NONE  # "foster carer (pat)"
        if gap.strip() == "" and level in (WEAK, VOCAB, CAPITAL) and verb_after:
            return True  # "her bf brook has a knife", "his bro florin seen"
        if (
            gap == " "
            and level in (WEAK, VOCAB, CAPITAL)
            and (token.low in FIRST_NAMES or token.low in AMBIGUOUS_FIRST_NAMES)
            and token.low not in _MODAL_NAMES
            and _acts(text, token, nxt)
        ):
            return True  # "his dad jan drinks", "baby harlow, mum is ..."
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
    if gap == " 2 " and prev.low in _TO_AS_TWO and token.low not in _NOT_OBJECT_NAME:
        return _object_cue(text, tokens, i) and level in (CAPITAL, VOCAB, WEAK)
    if gap.strip() not in ("", ",") or token.low in _NOT_OBJECT_NAME:
        return False
    if (
        level == CAPITAL
        and prev.low in _PERSON_PREPOSITIONS
        and nxt is not None
        and nxt.low in _AFTER_PERSON
        and _joined(text, token, nxt)
    ):
        return True  # "text mrs obi about precious not being in"
    if (
        level in (CAPITAL, VOCAB)
        and token.low in AMBIGUOUS_FIRST_NAMES
        and _object_cue(text, tokens, i)
    ):
        # "saw summer", not "saw grace's mum" (a possessive is named by its own rule)
        return nxt is None or nxt.low not in _POSSESSED or not _joined(text, token, nxt)
    return False


def _object_cue(text: str, tokens: list[_Token], i: int) -> bool:
    """Token i is whom a practitioner sees, asks or rings: "saw summer", "spoke to kaiyu", "spoke 2
    grace", "seen wiv kyle"."""
    prev = tokens[i - 1]
    gap = text[prev.end : tokens[i].start]
    if gap == " 2 ":
        return prev.low in _TO_AS_TWO and prev.full == prev.low
    if gap != " ":
        return False
    return prev.low in _OBJECT_CUES or (i > 1 and (tokens[i - 2].low, prev.low) in _OBJECT_PAIRS)


def _acts(text: str, token: _Token, nxt: _Token | None) -> bool:
    """After a relation's name, what a person does or the end of the phrase: a verb ("dad jan
    drinks", "sis amber has"), a comma or full stop ("baby harlow, mum is ...")."""
    if nxt is None:
        return text[token.end :].strip() == ""
    between = text[token.end : nxt.start]
    if between.strip() in (",", ".", ")", ";"):
        return True
    if between != " " or nxt.low in STOPWORDS or nxt.low in _POSSESSED:
        return nxt.low in _AFTER_NAME_VERBS and between == " "
    return (
        nxt.low in _AFTER_NAME_VERBS
        or (len(nxt.low) > 3 and nxt.low.endswith("s") and nxt.low[:-1] in ENGLISH_WORDS)
        or nxt.low.endswith("ed")
    )


def _both(text: str, tokens: list[_Token], i: int) -> bool:
    """Two people joined before "both": "kofi and yaw both in yr 8", "cj n dre both seen". One of
    the two must be a name-like word already; the other a word that is no function word."""
    for a, b, c in ((i, i + 2, i + 3), (i - 2, i, i + 1)):
        if a < 0 or c >= len(tokens) or tokens[c].low != "both":
            continue
        left, right = tokens[a], tokens[b]
        conj = tokens[a + 1]
        if (
            conj.low not in _COORDINATORS
            or text[left.end : right.end].count(" ") != 2
            or text[right.end : tokens[c].start] != " "
        ):
            continue
        if any(
            t.low in STOPWORDS or t.low in _RELATIONS or t.low in _TITLES or t.protected
            for t in (left, right)
        ):
            continue
        if any(t.low in VOCABULARY and t.level == NONE for t in (left, right)):
            continue
        named = [t for t in (left, right) if t.level >= CAPITAL or t.unk or t.name]
        other = [t for t in (left, right) if t not in named]
        if named and all(t.level > NONE or t.low not in ENGLISH_WORDS for t in other):
            return True
    return False


# How a partner is named in hurried text: "gav n his mrs", "kelly and her fella".
_PARTNERS = word_set("mrs missus misses fella feller man woman lass bird")


def _short_unknown(low: str) -> bool:
    """A three-letter word in no list, as a short name is ("gav", "taz", "dre")."""
    return (
        len(low) == 3
        and low.isalpha()
        and low not in ENGLISH_WORDS
        and low not in STOPWORDS
        and low not in VOCABULARY
        and low not in _RELATIONS
        and _VOWEL.search(low) is not None
    )


def _with_relation(text: str, tokens: list[_Token], i: int) -> bool:
    """A name-like word joined to "his/her" and a relation: "tahlia and her sister", "ozzy n his
    mate": the person that relation belongs to."""
    token = tokens[i]
    if i + 3 >= len(tokens) or token.level == UNKNOWN:
        return False
    if token.level == VOCAB and (
        token.low in _MONTHS_AND_DAYS
        or (token.low not in AMBIGUOUS_FIRST_NAMES and token.low not in FIRST_NAMES)
    ):
        return False  # "autumn and her sister", not "june and her sister" (a month)
    if token.level == NONE and not token.unk and not _short_unknown(token.low):
        return False
    if token.low in _NOT_OBJECT_NAME:
        return False
    conj, pronoun, relation = tokens[i + 1], tokens[i + 2], tokens[i + 3]
    return (
        conj.low in _COORDINATORS
        and pronoun.low in _POSSESSIVE_PRONOUNS
        and (relation.low in _RELATIONS or relation.low in _PARTNERS)
        and text[token.end : relation.start].count(" ") == 3
        and "\n" not in text[token.end : relation.start]
    )


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
        quoted = m.group(1).lower().split()
        # in lower case only after a calling word, and two words at most: not "called 'no parents
        # allowed'", "counts as 'public interest'", "her 'fake insta'"
        lower_ok = (
            len(quoted) <= 2
            and not any(w in STOPWORDS for w in quoted)
            and _STRONG_QUOTE_CUE.search(text, max(0, m.start(1) - 24), m.start(1)) is not None
        )
        for token in tokens:
            if not m.start(1) <= token.start < m.end(1):
                continue
            if _cue_ok(token, nickname=True) or (
                lower_ok
                and not token.cap
                and not token.upper
                and not token.protected
                and token.low not in STOPWORDS
                and token.low not in VOCABULARY
                and token.low not in _RELATIONS
            ):
                token.name = True  # 'calls him "shorty"', 'a man called "uncle g"'
        inside = [t for t in tokens if m.start(1) <= t.start < m.end(1)]
        if (
            len(inside) == 2
            and len(inside[1].low) == 1
            and inside[1].low not in "aiu"
            and (
                inside[0].low in _RELATIONS
                or inside[0].low in _TITLES
                or inside[0].low in _NICKNAME_PREFIXES
            )
        ):
            inside[0].name = inside[1].name = True  # 'called "Mummy J"': a word and an initial


def _mark_particles(text: str, tokens: list[_Token]) -> None:
    """Particles between two names are part of the name: "Rhys ap Dafydd", "Lopes da Silva",
    "pieter van der berg"; after a title or an initial too ("Mrs Ó Dochartaigh", "Mr van der
    Berg", "Miss N. Ó Súilleabháin"), where the word after them is the surname."""
    i = 1
    while i < len(tokens) - 1:
        if tokens[i].low not in _NAME_PARTICLES:
            i += 1
            continue
        end = i
        while end + 1 < len(tokens) - 1 and tokens[end + 1].low in _NAME_PARTICLES:
            end += 1
        left, right = tokens[i - 1], tokens[end + 1]
        run = tokens[i : end + 1]
        chained = text[left.end : tokens[i].start].strip(" .") == "" and all(
            _joined(text, a, b) for a, b in zip(run, [*run[1:], right], strict=True)
        )
        titled = left.low in _TITLES or (len(left.low) == 1 and left.cap)
        if chained and (left.name or titled) and not right.protected:
            surname = right.name or (
                right.low not in STOPWORDS
                and (right.cap or right.level > NONE or right.unk)
                and (titled or len(run) > 1 or right.cap)
            )
            if surname:
                right.name = True
                for t in run:
                    t.name = True
                if titled and len(left.low) == 1:
                    left.name = True
        i = end + 1


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


_NOT_AFTER_LIL = VOCABULARY | word_set(
    "bit bits bro bros sis sister brother one ones kid kids man boy girl baby babe thing things "
    "more while less cousin cuz fam mate mates guy guys lad lads lass ting dude son sun monster "
    "angel star sweet cute wee tiny small big old young late early bad good hard soft"
)
_DETERMINERS = word_set(
    "a an the his her their my our your this that some so too very really quite such one"
)


def _mark_prefixes(text: str, tokens: list[_Token]) -> None:
    """ "big" or "lil" just before a name is part of a street name ("big mick")."""
    for i in range(1, len(tokens)):
        token, prev = tokens[i], tokens[i - 1]
        if prev.low not in ("big", "lil") or text[prev.end : token.start] != " ":
            continue
        if token.name:
            prev.name = True  # "known as big mick", "lil Tay"
        elif (
            prev.full == prev.low
            and (
                token.low in _ANY_NAME
                # "lil" is a street name's word: "lil tee", "lil dre" (not "lil bit", "lil bro")
                or (prev.low == "lil" and token.low not in _NOT_AFTER_LIL and len(token.low) > 1)
            )
            and (token.low not in ENGLISH_WORDS or len(token.low) <= 3 or prev.low == "lil")
            and (prev.low != "lil" or token.low not in ENGLISH_WORDS or len(token.low) <= 4)
            and token.low not in STOPWORDS
            and token.low not in _PERSON_NOUNS
            and token.low not in _RELATIONS
            and (i < 2 or tokens[i - 2].low not in _DETERMINERS)
        ):
            token.name = prev.name = True  # "sells for big mo", "(big lea)": a street name


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
    if token.protected or token.name:
        return False
    if token.level == NONE:
        # "jayden and kaiyu"; "mustafa haidari": a surname missing from the lists
        return token.unk and not token.sent and (listed or not before) and _name_shaped(token.low)
    if before and (token.sent or not token.cap) and token.level == WEAK:
        return False
    if listed and not token.cap and token.level == VOCAB:
        # "lewis n summer", "kai and india": a first name that is also a season or a place
        return (
            token.low in AMBIGUOUS_FIRST_NAMES or token.low in FIRST_NAMES
        ) and token.low not in _MONTHS_AND_DAYS
    if listed and not token.cap and token.level not in (STRONG, CAPITAL):
        return token.unk and not token.protected  # "jayden and kaiyu": a name missing from lists
    if token.cap:
        return True
    if token.low in _POSSESSED or token.low in _STRUCTURE:
        return False  # "dominiks house", "chloe park" is more likely a place
    return token.level != VOCAB and token.low not in STOPWORDS


def _surname_before_age(text: str, left: _Token, right: _Token) -> bool:
    """A word after a first name and before an age or a date of birth is the surname, even an
    ordinary word ("nathan hall 15", "kelly ward dob ...")."""
    return (
        not right.name
        and not right.protected
        and (left.low in FIRST_NAMES or left.low in AMBIGUOUS_FIRST_NAMES)
        and (right.level in (WEAK, CAPITAL) or right.unk)
        and right.low not in STOPWORDS
        and right.low not in _RELATIONS
        and right.low not in _TITLES
        and right.low not in VOCABULARY
        and len(right.low) > 2
        and _joined(text, left, right)
        and _BARE_AGE.match(text, right.end) is not None
    )


# An age or a date of birth straight after a name: "nathan hall 15 seen", "kelly ward dob".
_BARE_AGE = re.compile(
    r"[^\S\n]+(?:\d{1,2}(?![\d:./%])|dob\b|d\.o\.b|aged?[^\S\n]*\d)", re.IGNORECASE
)


def _given_before(text: str, left: _Token, right: _Token) -> bool:
    """A first name before a surname that is only a surname ("aria khan", "kaiyu tran", "Florin
    Popescu" at a sentence's start): a first name that is also a word, or one missing from the
    lists."""
    if left.name or left.protected or left.upper or not _joined(text, left, right):
        return False
    if left.cap != right.cap:
        return False  # "Florin Popescu" and "aria khan", each in its own case
    if right.level != STRONG or right.low not in SURNAMES or right.low in FIRST_NAMES:
        return False
    if left.low in STOPWORDS or left.low in _MODAL_NAMES or left.low in _RELATIONS:
        return False
    if left.level == NONE:
        return left.unk and _name_shaped(left.low)
    return left.low in FIRST_NAMES or left.low in AMBIGUOUS_FIRST_NAMES or left.low in WORD_NAMES


# Before a lower-case word that is a name elsewhere in the message, words that make it the word
# again: "i hope", "to hope", "a grace period".
_NOT_BEFORE_REPEAT = word_set(
    "i we you they to a an the will would should could may might must can cant dont not no my our "
    "your its this that some any much more less very so"
)


def _repeat_ok(tokens: list[_Token], i: int) -> bool:
    """The same word as a name found elsewhere in the message is the name again: capitalised, or
    in lower case when it is no function word and nothing before it makes it the ordinary word
    ("sienna and grace fell out, grace ok now")."""
    token = tokens[i]
    if token.cap or token.upper:
        return True
    if (
        token.sent
        and token.low in _MODAL_NAMES
        and i + 1 < len(tokens)
        and tokens[i + 1].low in _COORDINATORS
    ):
        return True  # "will n his brother were left ..., will is 8": a subject, not a verb
    if token.low in STOPWORDS or token.low in _RELATIONS or token.low in _NOT_OBJECT_NAME:
        return False
    return i == 0 or tokens[i - 1].low not in _NOT_BEFORE_REPEAT


def _spread(text: str, tokens: list[_Token]) -> None:
    """Grow names to their neighbours (Chloe Brown), across lists (Chloe, Grace and Amber), and
    to the same word elsewhere in the message ("... and Jack were fighting. Jack is ...")."""
    changed = True
    while changed:
        changed = False
        known = {
            t.low
            for t in tokens
            if t.name and (t.level > NONE or t.unk or t.low in AMBIGUOUS_FIRST_NAMES)
        }
        known |= {
            t.low[:-1] for t in tokens if t.name and t.low.endswith("s") and t.low[:-1] in _ANY_NAME
        }  # "ring summers mum ... summer was sick"
        for i, token in enumerate(tokens):
            if not token.name:
                if token.low in known and not token.protected and _repeat_ok(tokens, i):
                    token.name = changed = True
                continue
            if i + 1 < len(tokens) and _surname_before_age(text, token, tokens[i + 1]):
                tokens[i + 1].name = changed = True  # "nathan hall 15", "paddy ward 13"
            if i > 0 and _given_before(text, tokens[i - 1], token):
                tokens[i - 1].name = changed = True  # "aria khan", "kaiyu tran"
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


_SHORT_SURNAMES = word_set("mc mcc mac mck")
_ONE_WORD_NICKNAME_CUES = word_set("nicknamed aka alias")
# A person named between commas after who they are: "The youngest, Summer, has bruises", "The
# child in my care, Rio, has been contacted", "my son, Will, is 6".
_APPOSITION_BEFORE = re.compile(
    r"\b(?i:the|my|our|his|her|their)[^\S\n]+(?:[a-z]+[^\S\n]+)?(?i:youngest|eldest|oldest|middle"
    r"[^\S\n]+one|child|girl|boy|baby|son|daughter|brother|sister|lad|kid|pupil|student|teenager"
    r"|toddler|infant|twin|nephew|niece|grandson|granddaughter|partner|boyfriend|girlfriend"
    r"|young[^\S\n]+person|mum|mother|dad|father)"
    r"(?:[^\S\n]+(?i:in|at|from|of|on)[^\S\n]+(?:[a-z]+[^\S\n]+){0,2}[a-z]+)?,[^\S\n]$"
)
# Initials people go by: "kj", "dj", "tj" (after a relation or next to a name).
_INITIALISMS = word_set("aj bj cj dj ej gj jj kj lj mj pj rj sj tj jt jd jb jp")
_NOT_AFTER_START_NAME = word_set("asked wants")
# Person nouns before a name in brackets: "the girl (sobia)", "yr 8 lad (kyle)".
_BRACKETED_AFTER = _PERSON_NOUNS | _RELATIONS | word_set("kid child young person yp cyp")
_NOT_RELATION_NAME = _STATE_AFTER_BE | word_set(
    "rich frank young sunny happy well fine ok okay grand brave bonny violent drunk high ill "
    "away out in off not ok sober clean"
)
_CLAUSE_LINKS = word_set("that cos coz because bc if when says said sed")
_SUBJECT_AFTER_LINK = word_set("was has is had hasnt wasnt isnt been got said told says tld sed")


def _mark_around(text: str, tokens: list[_Token]) -> None:
    """Names made by a name or a cue next to them, in lower case: a surname in no list after a
    first name ("tyrese mcken", "kane lister"), a first name in no list before a surname
    ("sianed evans"), a word after "nicknamed"/"aka", a name in brackets after a person ("the girl
    (sobia)"), a listed first name after a relation and "is" ("his dad is will"), a title's
    initial ("Mrs L. Fernandes"), a capitalised word after "a man called" ("a man called Tee"),
    and the subject after "that"/"cos" ("that tayo was arrested")."""
    count = len(tokens)
    for i, token in enumerate(tokens):
        if token.name or token.protected:
            continue
        prev = tokens[i - 1] if i > 0 else None
        nxt = tokens[i + 1] if i + 1 < count else None
        low = token.low
        lower = not token.cap and not token.upper
        if (
            i > 1
            and prev is not None
            and prev.low == "is"
            and tokens[i - 2].low in _RELATIONS
            and (low in _ANY_NAME or low in _MODAL_NAMES)
            and low not in _NOT_RELATION_NAME
            and text[prev.end : token.start] == " "
            and (i + 1 >= count or tokens[i + 1].low != "be")
        ):
            token.name = True  # "his dad is will and his step mum is rose"
            continue
        if (
            len(low) == 1
            and token.cap
            and prev is not None
            and prev.low in _TITLES
            and nxt is not None
            and (nxt.name or (nxt.cap and nxt.low not in STOPWORDS and nxt.low not in VOCABULARY))
            and text[token.end : nxt.start].strip(" .") == ""
        ):
            token.name = nxt.name = True  # "Mrs L. Fernandes"
            continue
        if (
            lower
            and low in AMBIGUOUS_FIRST_NAMES
            and nxt is not None
            and nxt.low in _REPORTING_VERBS
            and nxt.low not in _NOT_AFTER_START_NAME
            and text[token.end : nxt.start] == " "
            and (prev is None or _SENTENCE_BREAK.search(text, prev.end, token.start) is not None)
        ):
            token.name = True  # "will said he was scared", "dawn says": a name starting a line
            continue
        if (
            low in _INITIALISMS
            and lower
            and prev is not None
            and (
                prev.low in _RELATIONS
                or (prev.low in _COORDINATORS and i > 1 and tokens[i - 2].name)
                or (
                    nxt is not None
                    and nxt.low in _COORDINATORS
                    and i + 2 < count
                    and tokens[i + 2].name
                )
            )
        ):
            token.name = True  # "his cousin kj", "dj n kyle"
            continue
        if (
            token.cap
            and not token.upper
            and low not in STOPWORDS
            and low not in _RELATIONS
            and low not in _TITLES
            and low not in _MONTHS_AND_DAYS
            and prev is not None
            and text[prev.end : token.start] == ", "
            and text[token.end : token.end + 1] == ","
            and _APPOSITION_BEFORE.search(text, max(0, token.start - 60), token.start) is not None
        ):
            token.name = True  # "The youngest, Summer, has bruises", "The child in my care, Rio,"
            continue
        if (
            i > 2
            and prev is not None
            and prev.low in ("called", "named")
            and tokens[i - 2].low in ("is", "was", "s")
            and (tokens[i - 3].low in _RELATIONS or tokens[i - 3].low in _PERSON_NOUNS)
            and low not in STOPWORDS
            and low not in VOCABULARY
            and text[prev.end : token.start] == " "
        ):
            token.name = True  # "his mate is called Frosty", "her bf's called tank"
            continue
        ordinary = low in STOPWORDS or low in VOCABULARY or low in _RELATIONS or low in _TITLES
        if ordinary:
            continue
        if (
            lower
            and _unknown_word(low)
            and _name_shaped(low)
            and low not in PROPER_NOUNS
            and (
                (
                    nxt is not None
                    and nxt.low in _COORDINATORS
                    and i + 2 < count
                    and (tokens[i + 2].name or tokens[i + 2].low in _NICKNAME_PREFIXES)
                    and text[token.end : nxt.start] == " "
                )
                or (
                    prev is not None
                    and prev.low in _COORDINATORS
                    and i > 1
                    and tokens[i - 2].name
                    and text[prev.end : token.start] == " "
                )
            )
        ):
            token.name = True  # "w deano n big al", "kyle and deano"
            continue
        if (
            prev is not None
            and prev.name
            and lower
            and not prev.cap
            and text[prev.end : token.start] == " "
            and (
                (
                    _unknown_word(low)
                    and low not in PROPER_NOUNS
                    and (_name_shaped(low) or low.startswith(("mc", "mac")))
                )
                or (low in SURNAMES and low not in ENGLISH_WORDS and low not in FIRST_NAMES)
            )
        ):
            token.name = True  # "tyrese mcken", "kane lister"
        elif (
            nxt is not None
            and nxt.name
            and lower
            and not nxt.cap
            and nxt.low in SURNAMES
            and text[token.end : nxt.start] == " "
            and _unknown_word(low)
            and _name_shaped(low)
            and low not in PROPER_NOUNS
            and (
                prev is None
                or prev.low in STOPWORDS
                or _SENTENCE_BREAK.search(text, prev.end, token.start) is not None
            )
        ):
            token.name = True  # "sianed evans mum has cancer"
        elif (
            prev is not None
            and prev.low in _ONE_WORD_NICKNAME_CUES
            and (text[prev.end : token.start] == " ")
        ):
            token.name = True  # "the boy nicknamed biscuit"
        elif (
            prev is not None
            and nxt is not None
            and text[prev.end : token.start].strip() == "("
            and text[token.end : nxt.start if nxt else token.end].startswith(")")
            and not token.upper
            and (prev.name or prev.low in _BRACKETED_AFTER)
            and (low not in ENGLISH_WORDS or _is_name_word(low))
        ):
            token.name = True  # "the girl (sobia)", "Mohammed (mo)"
        elif (
            i > 1
            and token.cap
            and prev is not None
            and prev.low in ("called", "named")
            and tokens[i - 2].low in _PERSON_NOUNS
            and text[prev.end : token.start] == " "
        ):
            token.name = True  # "a man called Tee"
        elif (
            prev is not None
            and lower
            and prev.low in _CLAUSE_LINKS
            and nxt is not None
            and nxt.low in _SUBJECT_AFTER_LINK
            and text[prev.end : token.start] == " "
            and text[token.end : nxt.start] == " "
            and (
                (low in FIRST_NAMES and low not in ENGLISH_WORDS)
                or (_unknown_word(low) and low not in PROPER_NOUNS and _name_shaped(low))
            )
        ):
            token.name = True  # "that tayo was arrested last nite"


def find(text: str) -> list[Span]:
    """Spans of people's names; neighbouring name words become one span."""
    tokens = _tokens(text)
    _mark_intrinsic(text, tokens)
    _mark_cued(text, tokens)
    _mark_quoted(text, tokens)
    _spread(text, tokens)
    _mark_particles(text, tokens)
    _mark_initials(text, tokens)
    _mark_prefixes(text, tokens)
    _mark_around(text, tokens)
    for left, right in itertools.pairwise(tokens):
        if right.low in _SHORT_SURNAMES and left.name and _joined(text, left, right):
            right.name = True  # "liam mcc", "Sean Mc": a surname cut short
    spans: list[Span] = []
    for token in tokens:
        if not token.name:
            continue
        between = text[spans[-1].end : token.start] if spans else ""
        if (
            spans
            and (
                between.strip(" -.") == ""
                or (
                    between in (",", ", ")
                    and (
                        _RECORD_HEAD.search(text, spans[-1].start, spans[-1].end)
                        # a record's field: "Child: Patel, Aarav", "Mother: O'Brien, Siobhan"
                        or (
                            _FIELD_BEFORE.search(
                                text, max(0, spans[-1].start - 30), spans[-1].start
                            )
                            and " " not in text[spans[-1].start : spans[-1].end]
                            and _RECORD_END.match(text, token.end) is not None
                        )
                    )
                )
            )
            and "\n" not in between
        ):
            spans[-1] = Span(spans[-1].start, token.end, "NAME")
        else:
            spans.append(Span(token.start, token.end, "NAME"))
    return spans
