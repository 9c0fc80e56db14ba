"""Where a person lives: postcodes and street addresses.

Generic words stay ("3 kids at the park", "the High Street"): a street counts when it has a house
number, a named house, or a proper name in front of a street word ("on Gipsy Lane").
"""

from __future__ import annotations

import re

from bot.anonymise.lexicon import (
    ENGLISH_WORDS,
    PHRASES,
    PROPER_NOUNS,
    STOPWORDS,
    VOCABULARY,
    VOCABULARY_PLACES,
    word_set,
)
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
    r"|hollow|approach|circus|embankment|passage|path|end|hey|grange|way|cottages|villas|buildings"
    r"|mansions|almshouses|pde|av|tower|towers|paddock|paddocks|orchard|circle|spinney|copse|dene|glade"
    r"|range|lanes"
    # plural tree and building names after "the": "2 the maltings", "7 the willows"
    r"|maltings|willows|laurels|beeches|limes|elms|pines|cedars|hollies|sidings|cloisters|poplars"
    r"|sycamores|chestnuts|rowans|birches|hawthorns|brambles"
)
_WORD = r"(?:St\.|[A-Za-z][A-Za-z'’-]*)"  # "St." inside a name: "11 St. Margaret's Close"
# What comes before the house number: a flat ("Flat 4,", "Apt 3b", "flat B"), an Edinburgh
# stair position ("2F2", "PF1"), or "no." / "number".
_FLAT = (
    r"(?:(?:flat|apartment|apt\.?|unit)[^\S\n]*(?:\d{1,4}[a-z]?(?:/\d{1,2})?|[a-h]\b)"
    r"|[0-9pbg]f\d{1,2})"
    r"[^\S\n]*,?[^\S\n]+"
)
_HOUSE_NUMBER_WORD = r"(?:no\.?|number|num\.?)[^\S\n]*"
_NUMBERED = re.compile(
    r"(?<![\w£$€.,/:+-])"
    rf"({_FLAT}|{_HOUSE_NUMBER_WORD})?"
    r"\d{1,4}[a-z]?(?:-\d{1,4}[a-z]?)?[^\S\n]*,?[^\S\n]+"
    rf"((?:{_WORD}[^\S\n]+){{1,3}}?)"
    rf"(?:{_SUFFIXES})\b",
    re.IGNORECASE,
)
# One-word street names: "62 Queensway", "4 Broadway", "9 Northgate".
_ONE_WORD_STREET = re.compile(
    r"(?<![\w£$€.,/:+–-])\d{1,4}[a-z]?(?:[-–]\d{1,4}[a-z]?)?,?[^\S\n]+"
    r"(?:(?:Lower|Upper|Old|New|East|West|North|South|Great|Little)[^\S\n]+)?"
    r"([A-Za-z][a-z]+(?:way|gate|gait)|Esplanade|Promenade|Broadway|Parade)\b"
)
# One word built like a place's name after a house number, typed in lower case: "17b ashgrove",
# "4 brookside" (not "3 weekends", "2 outside").
_ONE_WORD_COMPOUND = re.compile(
    r"(?<![\w£$€.,/:+–-])\d{1,4}[a-z]?,?[^\S\n]+"
    r"([a-z]{3,}(?:grove|side|field|fields|wood|croft|bank|dale|gate|lea|leigh|mead|view|crest"
    r"|hurst|holme|garth|brook|ridge|haven|bourne|combe|moor|lands|mount|acre|acres))\b"
)
_MORE_SUFFIXES = re.compile(rf"(?:[^\S\n]+(?:{_SUFFIXES})\b)+", re.IGNORECASE)  # Cheetham Hill Road
# Welsh and Gaelic streets put the street word first ("12 Maes y Coed", "Heol Llanishen Fach",
# "17 Sràid na h-Eaglais"). With a house number any name counts; without one, the street word and
# the name must both be capitalised ("Maes and heol are Welsh words" stays).
_STREET_FIRST = (
    r"heol|ffordd|stryd|lôn|lon|rhodfa|cwrt|maes|clos|teras|llwybr|sràid|sraid|rathad|ceum|lòn"
    r"|sráid|taigh|tigh|ceann|bwlch|dol|parc|tir|cilgant"
)
# Welsh house and street names that start with a word such as "Bryn" (hill) or "Tŷ" (house) count
# after a house number: "20 Bryn Mawr", "5 Tŷ Newydd".
_WELSH_HOUSE_FIRST = (
    r"Bryn|Ty|Tŷ|Plas|Llys|Pen|Cwm|Nant|Coed|Bron|Gwel|Hafod|Cae|Glan|Pant|Maen|Erw"
    # and street words that are names elsewhere: "4 Bro Dawel", "7 Rhes y Capel"
    r"|Bro|Rhes|Gerddi|Stad|Min|Allt|Tan|Penrhiw|Rhiw|Gwaun|Llain|Ael"
)
_CELTIC_ARTICLE = r"(?:(?:y|yr|['’]r|r|na|nan|an|am|a['’]?)[^\S\n]+|(?:na|an)[^\S\n]+[ht]-)"
_CELTIC_WORD = r"[^\W\d_][\w'’-]*"
_CELTIC_NAME = r"[A-ZÀ-ÖØ-ÞŴŶ][\w'’-]*"  # capitalised, Welsh and Gaelic letters included
_WELSH = re.compile(
    rf"(?<![\w£$€.,/:+-])(?i:(?:{_FLAT}|{_HOUSE_NUMBER_WORD})?\d{{1,4}}[a-z]?,?[^\S\n]+"
    rf"(?:{_STREET_FIRST})(?:['’]r)?(?:[^\S\n]+|-(?=(?:y|yr|r)-)){_CELTIC_ARTICLE}?){_CELTIC_WORD}"
    rf"(?:[^\S\n]+{_CELTIC_NAME})?"
    rf"|\b(?:{_STREET_FIRST.title()})(?:['’]r)?[^\S\n]+(?i:{_CELTIC_ARTICLE})?"
    rf"{_CELTIC_NAME}(?:[^\S\n]+{_CELTIC_NAME})?"
    rf"|(?<![\w£$€.,/:+-])\d{{1,4}}[a-z]?,?[^\S\n]+(?:{_WELSH_HOUSE_FIRST})(?:[^\S\n]+|-(?=(?:y|yr|r)-))"
    rf"(?i:{_CELTIC_ARTICLE})?{_CELTIC_NAME}(?:[^\S\n]+(?i:{_CELTIC_ARTICLE}){_CELTIC_NAME})?"
    # typed in lower case, with the Welsh article: "3 pen y bryn", "12 ty yr ysgol"
    rf"|(?<![\w£$€.,/:+-])\d{{1,4}}[a-z]?,?[^\S\n]+(?:{_WELSH_HOUSE_FIRST.lower()})[^\S\n]+"
    r"(?:y|yr)[^\S\n]+[^\W\d_][\w'’-]+"
)
# Typed in lower case without a house number, a Welsh or Gaelic street word and its article after a
# word of place: "lives on ffordd y brenin", "at heol yr ysgol", "on sràid na h-eaglais".
_LOWER_CELTIC = re.compile(
    r"\b(?:on|at|in|off|lives|living|staying|near)[^\S\n]+"
    r"((?:heol|ffordd|stryd|lôn|rhodfa|cwrt|maes|clos|teras|llwybr|sràid|sraid|rathad|sráid"
    r"|taigh|tigh|cilgant)(?:['’]r)?[^\S\n]+(?:y|yr|r|na|nan|an|am)[^\S\n]+(?:[ht]-)?[^\W\d_][\w'’-]+)"
    # with the article run on ("rhodfa'r mor") or a Welsh article, no word of place is needed:
    # "bryn awel ffordd y llan", "round by heol yr ysgol"
    r"|(?<![\w'’-])((?:heol|ffordd|stryd|lôn|rhodfa|cwrt|teras|llwybr|cilgant)(?:['’]r[^\S\n]+"
    r"|[^\S\n]+(?:y|yr)[^\S\n]+)[^\W\d_][\w'’-]+)"
    # a Welsh street word and its name after a word of place: "outside the bookies on stryd fawr"
    r"|\b(?:on|off|along|down|up|near|opposite|behind|round|past|of)[^\S\n]+"
    r"((?:heol|ffordd|stryd|rhodfa|teras|cilgant)[^\S\n]+[^\W\d_][\w'’-]+)"
)
# Typed in lower case, a house named by a word or two and a house word after "lives at": "she lives
# at willow barn", "staying at low moor farm" (not "lives at her nans house", "at a mates house").
_LOWER_HOUSE = re.compile(
    r"\b(?:lives?|living|lived|staying|stays|stayed)[^\S\n]+(?:at|@)[^\S\n]+"
    r"((?:[a-z][a-z'’-]+[^\S\n]+){1,2}(?:cottage|farm|barn|lodge|house|bungalow|manor|mill|grange"
    r"|croft|farmhouse|hall|rectory|vicarage|manse)(?:[^\S\n]+(?:[a-z][a-z'’-]+[^\S\n]+)?"
    r"(?:lane|road|rd|street|st|close|way|drive|avenue|ave))?)\b"
)

# A house called after what it was, in any case: "lives at the old school house", "moved into the
# Old Forge" (not "moved into the old school", a building still in use).
_OLD_HOUSE = re.compile(
    r"\b(?:(?:lives?|living|lived|staying|stays|stayed|moved|moving)[^\S\n]+(?:at|@|into|in[^\S\n]+to)"
    r"|address[^\S\n]+(?:is|was)|address[^\S\n]*:|called)"
    r"[^\S\n]+((?i:the[^\S\n]+old[^\S\n]+(?:rectory|vicarage|manse|school[^\S\n]*house|schoolhouse"
    r"|forge|smithy|bakery|dairy|chapel|post[^\S\n]+office|coach[^\S\n]+house|station[^\S\n]+house"
    r"|mill|granary|stables|police[^\S\n]+house|toll[^\S\n]+house)"
    r"(?:,[^\S\n]*[a-z]+[^\S\n]+(?:lane|road|rd|street|st|close|way|drive|avenue|ave|row))?))\b"
    # a Welsh house name and what it is, in lower case: "its called pen y graig farm"
    r"|\b((?i:bryn|ty|tŷ|plas|pen|cwm|nant|coed|bron|hafod|cae|glan|pant|llys|maes)[^\S\n]+"
    r"(?i:y|yr)[^\S\n]+[^\W\d_][\w'’-]+[^\S\n]+(?i:farm|cottage|barn|house|bungalow|lodge))\b"
)
_STREET_WORDS_LOWER = word_set("lane road rd street st close way drive avenue ave")
_NOT_LOWER_HOUSE_NAME = word_set(
    "nans nanas nannas grans grannys grandmas grandads mums dads aunties aunts uncles mates "
    "friends cousins sisters brothers boyfriends girlfriends partners dealers neighbours carers "
    "fosters foster care halfway safe big old new same other family council whose someones "
    "somebodys peoples his hers theirs"
)
# A site or park where families live in caravans or park homes, by its name: "his family are on
# the Cranmore site", "the site manager at Riverbank Park".
_SITE = re.compile(
    r"\b(?:the[^\S\n]+)((?:[A-Z][\w'’-]+[^\S\n]+){1,2}(?:site|caravan[^\S\n]+(?:site|park)"
    r"|travellers['’]?[^\S\n]+site|park[^\S\n]+homes?))\b"
    r"|\b(?:site[^\S\n]+manager|warden|pitch|plot|caravan|lives|living|staying|moved)[^\S\n]+"
    r"(?:at|on|to)[^\S\n]+((?:[A-Z][\w'’-]+[^\S\n]+){1,2}(?:Park|Site))\b"
    # in lower case, by the words for such a site: "long meadow caravan park", "dale view traveller
    # site"
    r"|((?:[a-z][\w'’-]+[^\S\n]+){1,3}(?:caravan[^\S\n]+park|travell?ers?['’]?[^\S\n]+site"
    r"|gypsy[^\S\n]+site))\b"
)
_SITE_WORDS = word_set("site park")
_STRICT_SUFFIXES = (
    "Road|Street|Lane|Avenue|Close|Drive|Crescent|Grove|Terrace|Gardens|Mews|Place|Square|Parade"
    "|Way"
)
# Unnumbered streets: capitalised ("on Gipsy Lane"), or typed lower case after a cue.
# Capitalised name words then a street word, which may be typed in lower case or shortened ("Hartley
# road", "Marlow St"); street words that are also places ("Rise", "View", "Green") need a word of
# place before them ("on Orchard Rise", not "Village Green Preservation").
_LOOSE_SUFFIXES = (
    "Rise|View|Row|Vale|Walk|Mount|Croft|Fold|Chase|Meadows?|Heights|Hill|Green|Wynd|Brow|Hey"
    "|Approach|Grange|Bank|Side|Yard|Wharf"
)
_NAMED_STREET = re.compile(
    rf"\b((?:[A-Z][a-z'’]+[^\S\n]+){{1,3}}(?:{_STRICT_SUFFIXES}"
    r"|road|street|lane|avenue|crescent|grove|terrace|gardens|mews|parade"
    r"|Rd|Ave|Cl|Cres|Ln|Gdns|Ct|Terr|Pl|Sq|St(?![^\S\n]*[A-Z])"
    rf"|(?P<loose>{_LOOSE_SUFFIXES})))\b"
)
_LOCATIVE = word_set(
    "on off along down up in at near of from to into onto round around behind opposite by past "
    "towards toward top end corner"
)
# Typed in lower case, after a word of place and without an article: "on millbrook lane", "round
# orchard rd" (not "down the lane", "on the busy road", "on main road").
_LOWER_STREET = re.compile(
    r"\b(?:on|off|along|down|up|near|opposite|behind|round|around|past|of|at)[^\S\n]+"
    r"((?:[a-z][a-z'’]+[^\S\n]+){1,2}(?:road|rd|street|st|lane|ln|avenue|ave|crescent|cres|grove"
    r"|terrace|gardens|gdns|close|drive|mews|parade|rise|walk|row|place|court|way|tower))\b"
)
_NOT_STREET_NAME = word_set(
    "busy main ring slip side back dual country private quiet dark same other long short wrong "
    "right left next last first bypass link service memory cul crown youth family magistrates "
    "county high supreme juvenile coroners civil criminal the"
)
# Estates: "the Park Hill estate", "on the broadfield estate" (not "the housing estate").
_ESTATE = re.compile(
    r"\b((?:[A-Z][\w'’-]+[^\S\n]+){1,3}[Ee]st(?:ate)?"
    r"|(?<=the[^\S\n])[a-z][\w'’-]+(?:[^\S\n]+[a-z][\w'’-]+)?[^\S\n]+est(?:ate)?)\b"
    r"(?![^\S\n]+agents?\b)"
)
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
# A house known by its name alone, after a cue: "moved into The Laurels", "lives at Bryn Awel",
# "the farm is called Ty Gwyn". ("moved to" and "lives in" name towns, so they are not cues.)
_CUED_HOUSE = re.compile(
    r"\b(?:(?:lives?|living|lived|staying|stays|stayed|moved|moving)[^\S\n]+(?:at|into|in[^\S\n]+to)"
    r"|(?:house|home|farm|cottage|property|bungalow|address)[^\S\n]+(?:is[^\S\n]+|was[^\S\n]+)?"
    r"(?:called|named|known[^\S\n]+as|is|:)|address[^\S\n]*:)"
    r"[^\S\n]+((?:The[^\S\n]+)?[A-ZŴŶ][\w'’-]+(?:[^\S\n]+[A-ZŴŶ][\w'’-]+){0,2})"
)
# A house name and a comma in front of a street found otherwise: "Ty Gwyn, Heol y Bryn".
_HOUSE_BEFORE = re.compile(
    r"((?:The[^\S\n]+)?[A-ZŴŶ][\w'’-]+(?:[^\S\n]+[A-ZŴŶ][\w'’-]+){0,2}),[^\S\n]*$"
)
# "The" and one of these is an institution, not a house: "staying at The Hospital".
_INSTITUTIONS = word_set(
    "hospital council police school unit ward home hostel refuge hotel centre center station court "
    "office church mosque prison shelter hub"
)
_HOUSE_CUE_WORDS = word_set(
    "live lives living lived staying stays stayed moved moving house home farm cottage property "
    "bungalow address"
)
_BLOCK = re.compile(
    rf"(?i:{_FLAT})(?:[A-Z][a-z'’]+[^\S\n]+){{1,3}}(?:House|Court|Tower|Heights|Point|Lodge|Mansions)\b"
)
_SUFFIX_WORDS = frozenset(_SUFFIXES.replace("|", " ").replace("meadows?", "meadow meadows").split())
_STREET_WORDS = frozenset(_STRICT_SUFFIXES.lower().split("|"))
_LOOSE_STREET_WORDS = (
    _STREET_WORDS
    | frozenset(_LOOSE_SUFFIXES.lower().replace("meadows?", "meadow meadows").split("|"))
    | word_set("rd ave cl cres ln gdns ct terr pl sq st")
)
_HOUSE_WORDS = word_set(
    "cottage house farm lodge barn manor hall vicarage rectory bungalow villa mill grange croft"
)
_OLD_HOUSE_WORDS = word_set(
    "manse forge smithy bakery dairy chapel office schoolhouse granary stables"
)
_WELSH_WORDS = frozenset(_STREET_FIRST.split("|")) | frozenset(
    _WELSH_HOUSE_FIRST.lower().split("|")
)
_FLAT_WORDS = word_set("flat apartment apt unit")
# A numbered unit in a named building, site or park: "room 6 the grange hotel", "pitch 7 the oaks
# travellers site", "Caravan 4, Bank Farm", "flat 14 block d broadwater farm", "flat 11 block c".
_UNIT = re.compile(
    r"(?i:\b(?:c/o[^\S\n]+)?(?:flat|room|rm|pitch|plot|caravan|bungalow|unit|chalet|bedsit|apt"
    r"|apartment|maisonette|studio)[^\S\n]*(?:\d{1,4}[a-z]?|\d/[\dlr])\b"
    r"(?:[^\S\n]*,?[^\S\n]*block[^\S\n]+[a-z0-9]\b)?)"
    r"(?:[^\S\n]*,?[^\S\n]*((?i:the[^\S\n]+)?(?:[A-Za-z][\w'’&-]*[^\S\n]+){0,3}"
    r"(?i:house|court|tower|towers|hostel|hotel|site|park|farm|estate|lodge|mill|home|flats"
    r"|heights|point|mansions|b&b|guest[^\S\n]+house|inn|view|gardens|village|grange|hall|centre"
    r"|cottages)"
    # a block named "the" and a plural: "apt 9c the quays", "flat 3 the maltings"
    r"|(?i:the)[^\S\n]+[A-Za-z][a-z]{2,}s))?(?![\w&])"
)
# A numbered flat in a block named by one word built like a place's name: "flat 9 hillcrest",
# "Flat 2, Parkside".
_UNIT_COMPOUND = re.compile(
    r"\b(?i:flat|apt|apartment|maisonette|bedsit|studio)[^\S\n]*\d{1,4}[a-z]?,?[^\S\n]+"
    r"((?i:[a-z]{3,}(?:crest|side|field|fields|wood|brook|dale|gate|view|hill|lands|mead|hurst|croft"
    r"|lea|leigh|bank|mount|stone|ridge|holme|garth|haven|bourne|combe|wells?)))\b"
)
_UNIT_WORDS = word_set(
    "flat room rm pitch plot caravan bungalow unit chalet bedsit apt apartment maisonette studio"
)
_NOT_UNIT_NAME = word_set("the a an my his her their our of in at on to and for with no")
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
# Street words that make an address with "the" alone: "3 The Crescent", "5 the avenue".
_THE_STREETS = word_set(
    "crescent avenue drive grove parade close square mews terrace gardens walk rise meadows "
    "paddock paddocks orchard green circle maltings willows laurels beeches limes elms pines "
    "cedars hollies sidings cloisters poplars sycamores chestnuts rowans birches hawthorns brambles"
)
_GENERIC_STREET_START = word_set("high main safe same other new old great long")
# What an estate is, not what it is called: "a council estate", "the housing estate".
_ESTATE_WORDS = word_set(
    "council housing local big large new old social private industrial trading business "
    "retail real rough same whole entire nearby country travellers traveller gypsy caravan"
)
_NOT_HOUSE_NAME = (
    STOPWORDS
    | _NOT_STREET_WORD
    | word_set("address last new previous current lives living moved staying fleeing")
)

_WORDS = re.compile(r"\S+")
_DIGIT = re.compile(r"\d")
_LAST_WORD = re.compile(r"([A-Za-z]+(?:['’][A-Za-z]+)?)\W*$")


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


def _house_number_ok(text: str, start: int) -> bool:
    """The number is a house number: not "aged 15", "year 9", "rule 4"."""
    before = _LAST_WORD.search(text, max(0, start - 20), start)
    return before is None or before.group(1).lower() not in _NOT_HOUSE_NUMBER


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
        spans += [
            Span(m.start(), m.end(), "ADDRESS")
            for m in _ONE_WORD_STREET.finditer(text)
            if m.group(1)[0].isupper() or m.group(1) not in ENGLISH_WORDS
        ]
        spans += [
            Span(m.start(), m.end(), "ADDRESS")
            for m in _ONE_WORD_COMPOUND.finditer(text)
            if m.group(1) not in ENGLISH_WORDS
            and m.group(1) not in _NOT_STREET_WORD
            and _house_number_ok(text, m.start())
        ]
    if words & _WELSH_WORDS or "ô" in text or "à" in text or "ò" in text or "á" in text:
        spans += [Span(m.start(), m.end(), "ADDRESS") for m in _WELSH.finditer(text)]
        spans += [
            Span(m.start(m.lastindex or 1), m.end(m.lastindex or 1), "ADDRESS")
            for m in _LOWER_CELTIC.finditer(text)
        ]
    if words & (_HOUSE_WORDS | _OLD_HOUSE_WORDS):
        spans += [
            Span(m.start(m.lastindex or 1), m.end(m.lastindex or 1), "ADDRESS")
            for m in _OLD_HOUSE.finditer(text)
        ]
        for m in _LOWER_HOUSE.finditer(text):
            names = [w for w in m.group(1).split()[:-1] if w not in _STREET_WORDS_LOWER]
            if not any(w in _NOT_LOWER_HOUSE_NAME or w in STOPWORDS for w in names):
                spans.append(Span(m.start(1), m.end(1), "ADDRESS"))
    if words & _SITE_WORDS:
        for m in _SITE.finditer(text):
            if m.group(3):
                spans += _lower_site(m)
                continue
            group = 1 if m.group(1) else 2
            names = m.group(group).split()[:-1]
            if not any(w.lower() in _NOT_TOWN or w.lower() in _ESTATE_WORDS for w in names):
                spans.append(Span(m.start(group), m.end(group), "ADDRESS"))
    if words & _HOUSE_WORDS and "," in text:
        spans += _houses(text)
    if words & _FLAT_WORDS:
        spans += [Span(m.start(), m.end(), "ADDRESS") for m in _BLOCK.finditer(text)]
    if words & _UNIT_WORDS and _DIGIT.search(text):
        spans += _units(text)
        spans += [
            Span(m.start(), m.end(1), "ADDRESS")
            for m in _UNIT_COMPOUND.finditer(text)
            if m.group(1)[0].isupper() or m.group(1).lower() not in ENGLISH_WORDS
        ]
    if words & _LOOSE_STREET_WORDS:
        spans += _named_streets(text)
        if words & _LOCATIVE:
            spans += _lower_streets(text)
    if "flats" in words:
        spans += [
            Span(m.start(1), m.end(1), "ADDRESS")
            for m in _BLOCK_OF_FLATS.finditer(text)
            if m.group(2).lower() not in _NOT_BLOCK_NAME
        ]
    if "estate" in words or "est" in words:
        spans += _estates(text)
        if words & _STREET_CUES:
            for m in _CUED_STREET.finditer(text):
                if _street_words_ok(m.group(1).split()[:-1]):
                    spans.append(Span(m.start(1), m.end(1), "ADDRESS"))
    if words & _HOUSE_CUE_WORDS:
        spans += _cued_houses(text)
    if words & _RESIDENCE_WORDS:
        spans += _residences(text)
    if words & _RURAL_HOUSE_WORDS:
        spans += _rural_houses(text)
    return _joined(text, [_grown(text, _with_house_name(text, span)) for span in spans])


_NOT_SITE_NAME = (
    STOPWORDS | _ESTATE_WORDS | word_set("n & on off at in near by from to behind past")
)


def _lower_site(m: re.Match[str]) -> list[Span]:
    """A site's name typed in lower case: the words before "caravan park" that are not ordinary
    ones ("the council traveller site" has none)."""
    words = list(_WORDS.finditer(m.string, m.start(3), m.end(3)))[:-2]
    first = len(words)
    while first > 0 and words[first - 1].group().lower() not in _NOT_SITE_NAME:
        first -= 1
    if first == len(words):
        return []
    return [Span(words[first].start(), m.end(3), "ADDRESS")]


def _house_name_ok(words: list[str]) -> bool:
    """A house's name, not a town, a relation's home or an institution: "The Laurels" (not "The
    Hospital"), "Bryn Awel" or "Greenacres" (a word in no list), "Rose Cottage" (a house word)."""
    lowered = [w.lower().rstrip("'’s") if w.endswith(("'s", "’s")) else w.lower() for w in words]
    if lowered[0] == "the":
        rest = lowered[1:]
        return bool(rest) and not any(
            w in STOPWORDS or w in VOCABULARY or w in _INSTITUTIONS for w in rest
        )
    if any(w in STOPWORDS or w in VOCABULARY for w in lowered):
        return False
    if lowered[-1] in _HOUSE_WORDS:
        return True
    return any(w not in ENGLISH_WORDS and w not in PROPER_NOUNS for w in lowered)


def _cued_houses(text: str) -> list[Span]:
    """Named houses after a cue: "moved into The Laurels", "the farm is called Bryn Awel"."""
    return [
        Span(m.start(1), m.end(1), "ADDRESS")
        for m in _CUED_HOUSE.finditer(text)
        if _house_name_ok(m.group(1).split())
    ]


def _with_house_name(text: str, span: Span) -> Span:
    """The span grown over a house name written before it: "Ty Gwyn, Heol y Bryn"."""
    before = _HOUSE_BEFORE.search(text, max(0, span.start - 60), span.start)
    if before is None:
        return span
    words = before.group(1).split()
    if any(w.lower() in STOPWORDS or w.lower() in VOCABULARY for w in words if w != "The"):
        return span
    return Span(before.start(1), span.end, span.kind)


def _is_flat(prefix: str | None) -> bool:
    """A flat's name before the number ("Flat 4,", "PF1") makes it a house number for sure; after
    "no." or nothing, the word before still decides ("rule no 4", "aged 15")."""
    return prefix is not None and prefix[:1].isalpha() and prefix[:2].lower() not in {"no", "nu"}


def _numbered(text: str) -> list[Span]:
    """22 Mill Road, flat 7b 114 Chapel Street, 161a Cheetham Hill Road."""
    spans = []
    for m in _NUMBERED.finditer(text):
        start = m.start()
        if not _is_flat(m.group(1)):
            before = _LAST_WORD.search(text, max(0, start - 20), start)
            previous = before.group(1).lower() if before else ""
            if previous in _NOT_HOUSE_NUMBER:
                continue
            if before and previous in _FLAT_WORDS:
                start = before.start(1)  # "Unit 4, Canal Street": the unit number is the house's
        names = m.group(2).split()
        # "5 the crescent" is an address, "went 2 the park" hurried typing
        the_street = names == ["the"] and m.group().rsplit(None, 1)[-1].lower() in _THE_STREETS
        if the_street or _street_words_ok(names):
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


_STREET_NAME_STOPWORDS = word_set("back")


def _named_streets(text: str) -> list[Span]:
    """Capitalised streets without a number: "on Gipsy Lane" (not "the High Street")."""
    spans = []
    for m in _NAMED_STREET.finditer(text):
        if m.group("loose"):
            before = _LAST_WORD.search(text, max(0, m.start() - 20), m.start())
            if before is None or before.group(1).lower() not in _LOCATIVE:
                continue
        words = list(_WORDS.finditer(text, m.start(1), m.end(1)))
        first = words[0].group().lower()
        if first in _STREET_NAME_STOPWORDS and words[0].group()[:1].isupper() and len(words) == 2:
            pass  # "Back Lane", "Back Road": a street's own name
        elif first in STOPWORDS or first in _GENERIC_STREET_START or first in VOCABULARY:
            # "At Mill Road" starts with a stop word: keep the rest if it still names a street.
            words = words[1:]
            if len(words) < 2 or words[0].group().lower() in _GENERIC_STREET_START:
                continue
        start = words[0].start()
        if not _protected(text, start, m.end(1)):
            spans.append(Span(start, m.end(1), "ADDRESS"))
    return spans


# Named places people live in: "Brambles Children's Home", "Sunnyside Lodge care home", "Harbour
# House hostel", "Belvedere Lodge B&B".
_RESIDENCE = re.compile(
    r"\b((?:[A-Z][\w'’&-]*[^\S\n]+){1,3})(?:(?:Care|Children['’]?s|Nursing|Residential|Respite)"
    r"[^\S\n]+Home|Hostel|B&B|Guest[^\S\n]+House|Foyer|Refuge"
    r"|(?i:care[^\S\n]+home|children['’]?s[^\S\n]+home|nursing[^\S\n]+home|hostel|b&b"
    r"|refuge|supported[^\S\n]+lodgings))\b"
)
_RESIDENCE_WORDS = word_set("home hostel b foyer refuge lodgings")
# What may follow an address and belongs to it: "Flat 2", "room 212", "(room 5)", "no 9",
# "Ground Floor Flat", "block c", "Tangmere block", "pitch 12", "East", "site", a village before a
# full stop or postcode ("Church Road, Little Hadham SG11 2DY").
_AFTER_ADDRESS = re.compile(
    r"[^\S\n]*,?[^\S\n]*(?:\(?(?i:flat|room|rm|apt|apartment|unit|block|pitch|plot|bay|no\.?"
    r"|number|maisonette|bedsit|studio|floor)[^\S\n]*(?:\d{1,4}[a-z]?|[a-hA-H]\b)\)?"
    r"|(?i:ground|first|second|third|top|basement|1st|2nd|3rd)[^\S\n]+(?i:floor)"
    r"(?:[^\S\n]+(?i:flat|maisonette))?(?:[^\S\n]+(?i:flat|maisonette))?"
    r"|[A-Z][a-z]+[^\S\n]+(?i:block|house|court|tower))"
    r"|[^\S\n]+(?:East|West|North|South|Upper|Lower|(?i:site|estate|hostel|b&b))\b"
    # typed in lower case, a street's own compass word: "221 paisley rd west,"
    r"|[^\S\n]+(?:east|west|north|south)(?=[^\S\n]*(?:[,.;:!?)\n]|$))"
)
_TOWN_AFTER = re.compile(
    r",[^\S\n]*((?:[A-Z][a-z'’-]+[^\S\n]*){1,2})(?=$|[.;,)(\n—–-]|,?[^\S\n]*[A-Z]{1,2}\d"
    r"|(?:on|in|with|to|at|last|near|for|and|which|but|please|pls|since|from|now|where)\b)"
)
# What may come before: "Room 9, ", "Maisonette 6, ", a Glasgow flat position "0/1, ", "the
# Travelodge on ", "The flat above ", "the blue house at the end of ".
_BEFORE_ADDRESS = re.compile(
    r"(?:\b(?i:flat|room|rm|apt|apartment|unit|maisonette|studio|bedsit|yard|pitch|plot|chalet)"
    r"[^\S\n]*(?:\d{1,4}[a-z]?|[a-hA-H]|\d/[\dLRlr])|(?<![\w/])\d{1,2}/\d{1,2}"
    r"|\b(?i:ground|first|second|top|basement|upper|lower|1st|2nd|3rd)[^\S\n]+(?i:floor[^\S\n]+)?"
    r"(?i:flat|maisonette))[^\S\n]*,?[^\S\n]*$"
    r"|\b(?i:the)[^\S\n]+(?:[A-Za-z]+[^\S\n]+){0,2}(?i:house|flats?|bungalow|cottage|shop"
    r"|maisonette|caravan|building)[^\S\n]+(?i:at[^\S\n]+the[^\S\n]+(?:end|top|bottom)[^\S\n]+of"
    r"|on[^\S\n]+the[^\S\n]+corner[^\S\n]+of|above|below|over|opposite|next[^\S\n]+to|behind"
    r"|beside|on)[^\S\n]+$"
    r"|\b(?i:the[^\S\n]+)?([A-Z][\w&'’-]+)[^\S\n]+(?:on|in|off)[^\S\n]+$"
    r"|\bc/o[^\S\n]+$"
)
# A unit word before a house number whose own number was left out: "flat 6 cwrt y castell" read
# as flat 6 of a street without a number.
_UNIT_BEFORE = re.compile(
    r"\b(?i:flat|apt|apartment|unit|room|pitch|plot|caravan|bungalow|maisonette|studio|bedsit"
    r"|yard|chalet)[^\S\n]+$"
)
# Parts of one address: "Meadowbank Care Home, 4 Lister Lane", "room 9 the hostel on city rd".
_JOINER = re.compile(r"[^\S\n]*,?[^\S\n]*|[^\S\n]+(?:on|off)[^\S\n]+")
_BUILDINGS = word_set("ymca ywca travelodge foyer premier inn hotel hostel")


# A house named by its own words, without a number: "Rose Cottage", "Moor End Farm", "The Old
# Rectory". A farm, cottage or bungalow by name is where someone lives; "House", "Hall" or "Lodge"
# names offices, venues and care homes as often, so those need a street or a cue (see _HOUSE).
_RURAL_HOUSE = re.compile(
    r"\b((?:The[^\S\n]+)?(?:[A-Z][\w'’-]+[^\S\n]+){1,3}"
    r"(?:Cottage|Cottages|Farm|Farmhouse|Bungalow|Barn|Rectory|Vicarage|Croft|Steading))\b"
    r"(?![^\S\n]+(?i:shop|park|cafe|café|attraction|centre|school|nursery|surgery|shop)\b)"
)
_RURAL_HOUSE_WORDS = word_set(
    "cottage cottages farm farmhouse bungalow barn rectory vicarage croft"
)
_NOT_RURAL_HOUSE_NAME = (
    STOPWORDS
    | VOCABULARY
    | word_set(
        "city community urban petting school care children's childrens dairy pig fish wind solar "
        "organic family country open"
    )
)


def _rural_houses(text: str) -> list[Span]:
    """Named cottages, farms and bungalows: "Rose Cottage", "Moor End Farm"."""
    spans = []
    for m in _RURAL_HOUSE.finditer(text):
        words = list(_WORDS.finditer(text, m.start(1), m.end(1)))
        names = [w.group().lower() for w in words[:-1] if w.group() != "The"]
        if not names or any(w in _NOT_RURAL_HOUSE_NAME for w in names):
            continue
        spans.append(Span(m.start(1), m.end(1), "ADDRESS"))
    return spans


# A shortened street word's full stop is part of it: "Pembroke Pl.", "22 Mill Rd."
_ABBREVIATED_END = re.compile(r"(?<![^\W\d_])(?i:rd|st|pl|ave|cl|cres|ln|gdns|ct|terr|sq|pde|dr)$")


_FLOOR_BEFORE = re.compile(
    r"\b(?i:basement|ground|first|second|top|upper|lower|1st|2nd|3rd)(?:[^\S\n]+(?i:floor))?"
    r"[^\S\n]+$"
)


def _grown(text: str, span: Span) -> Span:
    """The span grown over the flat, room, block or village written around the address."""
    start, end = span.start, span.end
    if text[end : end + 1] == "." and _ABBREVIATED_END.search(text, max(0, end - 5), end):
        end += 1
    if text[start : start + 4].lower() == "flat":
        floor = _FLOOR_BEFORE.search(text, max(0, start - 20), start)
        if floor is not None:
            start = floor.start()  # "Basement flat, 4 Mill Road"
    while (m := _AFTER_ADDRESS.match(text, end)) is not None:
        end = m.end()
    town = _TOWN_AFTER.match(text, end)
    if town and not any(w.lower() in _NOT_TOWN_AFTER for w in town.group(1).split()):
        end = town.start(1) + len(town.group(1).rstrip())
    before = _BEFORE_ADDRESS.search(text, max(0, start - 60), start)
    if before is None and text[start : start + 1].isdigit():
        before = _UNIT_BEFORE.search(text, max(0, start - 16), start)
    if before is not None:
        name = before.group(1) if before.re is _BEFORE_ADDRESS else None
        if name is None or name.lower() in _BUILDINGS or name.lower() not in _NOT_TOWN:
            start = before.start()
    return Span(start, end, span.kind)


def _joined(text: str, spans: list[Span]) -> list[Span]:
    """Parts of one address found apart and written with only a comma between them ("Meadowbank
    Care Home, 4 Lister Lane") become one span, so the comma goes too."""
    joined: list[Span] = []
    for span in sorted(spans):
        if joined and _JOINER.fullmatch(text, joined[-1].end, max(joined[-1].end, span.start)):
            last = joined[-1]
            joined[-1] = Span(last.start, max(last.end, span.end), last.kind)
        else:
            joined.append(span)
    return joined


def _residences(text: str) -> list[Span]:
    """Care homes, children's homes, hostels and B&Bs by name."""
    spans = []
    for m in _RESIDENCE.finditer(text):
        words = list(_WORDS.finditer(text, m.start(1), m.end(1)))
        while words and words[0].group().lower() in _NOT_TOWN:
            words = words[1:]
        if words:
            spans.append(Span(words[0].start(), m.end(), "ADDRESS"))
    return spans


_NOT_LOWER_STREET_NAME = STOPWORDS | _NOT_STREET_NAME | _GENERIC_STREET_START
_NOT_ESTATE_NAME = STOPWORDS | VOCABULARY | _ESTATE_WORDS
_NOT_TOWN = STOPWORDS | VOCABULARY
# A town after a street may be a place in the vocabulary ("4 Cedar Drive, Hull"), not a guidance
# word or a weekday ("22 Mill Road, Monday").
_NOT_TOWN_AFTER = (
    STOPWORDS | VOCABULARY | word_set("mr mrs ms miss dr mum dad nan mother father please")
) - VOCABULARY_PLACES


def _lower_streets(text: str) -> list[Span]:
    """Unnumbered streets typed in lower case after a word of place: "on millbrook lane"."""
    spans = []
    for m in _LOWER_STREET.finditer(text):
        names = m.group(1).split()[:-1]
        if any(w in _NOT_LOWER_STREET_NAME for w in names):
            continue
        if _street_words_ok(names) and not _protected(text, m.start(1), m.end(1)):
            spans.append(Span(m.start(1), m.end(1), "ADDRESS"))
    return spans


def _units(text: str) -> list[Span]:
    """A numbered flat, room or pitch in a named place, or in a lettered block."""
    spans = []
    for m in _UNIT.finditer(text):
        block = "block" in text[m.start() : m.end(1) if m.group(1) else m.end()].lower()
        if m.group(1) is not None:
            named = m.group(1).lower().split()
            if (
                len(named) == 2
                and named[0] == "the"
                and (
                    named[1] in _NOT_STREET_WORD or named[1] in STOPWORDS or named[1] in VOCABULARY
                )
            ):
                continue  # "flat 2 the kids": not a block's name
            names = [w.lower() for w in m.group(1).split()[:-1] if w.lower() != "the"]
            if (names or m.group(1).lower().startswith("the")) and not any(
                w in _NOT_UNIT_NAME or w in _NOT_STREET_WORD for w in names
            ):
                spans.append(Span(m.start(), m.end(), "ADDRESS"))
                continue
        if block:  # "flat 11 block c": the block is enough
            end = m.start(1) if m.group(1) else m.end()
            spans.append(Span(m.start(), len(text[:end].rstrip(" ,")), "ADDRESS"))
    return spans


# A block of flats named without a number, in any case: "hanging round kestrel court flats",
# "the Jubilee House flats" (the block's name, not "the council flats").
_BLOCK_OF_FLATS = re.compile(
    r"(?<![\w'’-])(([A-Za-z][a-z'’-]+)[^\S\n]+(?i:court|house|tower|towers|heights|mansions|point"
    r"|buildings))[^\S\n]+(?i:flats)\b"
)
_NOT_BLOCK_NAME = (
    STOPWORDS
    | _ESTATE_WORDS
    | word_set("tower high-rise highrise block care halfway safe council police court")
)


def _estates(text: str) -> list[Span]:
    """Named estates: "the Park Hill estate", "the broadfield estate" (not "the council estate")."""
    spans = []
    for m in _ESTATE.finditer(text):
        words = list(_WORDS.finditer(text, m.start(1), m.end(1)))[:-1]
        while words and words[0].group().lower() in _NOT_ESTATE_NAME:
            words = words[1:]
        if not words:
            continue
        low = words[0].group().lower()
        lower = words[0].group().islower()
        if len(words) == 1 and lower and (low in ENGLISH_WORDS or low in _ESTATE_WORDS):
            continue
        if lower and any(w.group().lower() in _NOT_ESTATE_NAME for w in words):
            continue  # "the dodgy council estate"; "the park hill estate" has two name words
        if m.group(1).lower().endswith("est") and low in ENGLISH_WORDS:
            continue  # "est" is an estate only after a name: "the ravenscroft est"
        spans.append(Span(words[0].start(), m.end(1), "ADDRESS"))
    return spans
