"""Named schools, nurseries, colleges, GP surgeries and practices, and children's centres.

A type word ("Primary", "Academy", "Medical Centre") is found first; the institution's name is the
run of words just before it. Generic words stay ("her primary school", "the GP surgery", "good
practice"): there must be a specific word such as "Oakwood" or "St Mary's".
"""

from __future__ import annotations

import re

from bot.anonymise.lexicon import (
    ENGLISH_WORDS,
    FIRST_NAMES,
    PHRASES,
    PROPER_NOUNS,
    STOPWORDS,
    SURNAMES,
    VOCABULARY,
    VOCABULARY_PLACES,
    word_set,
)
from bot.anonymise.spans import Span

_SCHOOL_TYPES = (
    r"primary school|primary academy|primary|infant school|infants|junior school|juniors|junior"
    r"|secondary school|secondary|high school|high|academy|sixth form college|college|school"
    r"|day nursery|nursery school|nursery|pre-school|preschool|grammar school|medical centre"
    r"|medical center|health centre|medical practice|family practice|group practice|surgery"
    r"|practice|children['’]?s centre|university|montessori|kindergarten|madrassa|madrasah"
    r"|madrasa|sixth form centre|sixth form|6th form|pru|family centre|studio school"
    r"|acad|sch|coll|prim|playgroup|play group|creche|crèche|tots|youth club|youth centre"
    r"|learning centre|education centre|pupil referral unit|federation|ccs|cps|rcps|cofe primary"
    r"|childminding|childminders|family hub|medical group|health group|alternative provision"
    r"|after school club|breakfast club|youth project|youth zone|community hub|youth hub"
    r"|toddler group|scouts|cubs"
    r"|brownies|guides|beavers|cadets|abc|boxing club|jfc|fc"
    r"|hospital|infirmary|hospice|church|chapel|mosque|gurdwara|temple|synagogue|sunday school"
    r"|pri|jnr"
    # typed in a hurry: "st marys primry", "oakwod acadamy"
    r"|primry|primay|primery|acadamy|academey|acadmy|nursey|nurserey|skool|scool|schl"
    # capitalised only, as part of a setting's name: "the Phoenix Centre", "The Elms Clinic",
    # "Orchard Resource Base", "Springwell Learning Community", "Castlemilk Youth Complex"
    r"|(?-i:Early[^\S\n]+Years[^\S\n]+Centre|Resource[^\S\n]+Base|Learning[^\S\n]+Community"
    r"|Youth[^\S\n]+Complex|Centre|Clinic|Complex|Unit|Project)"
)
# Type words strong enough that one lower-case word before them names a place ("riverside
# medical centre"); "academy" or "surgery" alone need more ("knee surgery" is not a place).
_STRONG_TYPE_NAMES = (
    "primary school|infant school|junior school|secondary school|high school|day nursery"
    "|nursery school|grammar school|medical centre|medical center|health centre|medical practice"
    "|family practice|group practice|children's centre|childrens centre|children’s centre"
    "|sixth form college|primary academy|sixth form|6th form|pru|family centre|prim|childminding"
    "|childminders|family hub|medical group|alternative provision|scouts|sunday school"
    "|juniors|infants|youth club|youth centre|youth project|youth zone|special school"
    "|after school club|breakfast club|pri|jnr|tots"
)
_STRONG_TYPES = tuple(_STRONG_TYPE_NAMES.split("|"))
_QUALIFIERS = (
    r"c of e|cofe|ce|c\.e\.|rc|r\.c\.|catholic|church of england|methodist|community|girls['’]?"
    r"|boys['’]?|islamic|muslim|jewish|free|infant|junior|voluntary aided|special|new|independent"
    r"|pentecostal|baptist|evangelical|orthodox|anglican|sikh|hindu|punjabi|polish|saturday"
    r"|supplementary|(?:infants?|juniors?|primary|nursery)[^\S\n]+(?:and|&)"
)
_TYPE = re.compile(
    rf"(?<![\[\w])(?:(?:{_QUALIFIERS})[^\S\n]+)*(?:{_SCHOOL_TYPES})\b(?:[^\S\n]+school\b)?",
    re.IGNORECASE,
)
# Welsh and faith schools named type-first: "Ysgol y Graig", "Jamia Al-Hudaa".
_PREFIXED = re.compile(
    r"\b(?:Ysgol|Sgoil|Bunsgoil|Gaelscoil|Gaelcholáiste|Scoil|Bunscoil|Meánscoil|Coláiste|Naíscoil"
    r"|Jamia|Madrasa|Madrassa|Madrasah|Darul|Masjid|Markaz"
    r"|Coleg|Cylch[^\S\n]+Meithrin|Meithrinfa)"
    r"(?:[^\S\n]+(?:y|yr|r|ul|al|el|e|na|nan|an|[A-Z][\w'’-]*)){0,3}[^\S\n]+"
    r"(?:[A-Z]|[bdgmn]h?[A-ZÁÉÍÓÚ])[\w'’-]*"  # Irish eclipsis: "Gaelscoil na bhFál"
    r"|\b(?i:ysgol|sgoil|bunsgoil)(?:[^\S\n]+(?:y|yr|r|na|nan|an))?(?:[^\S\n]+[^\W\d_][\w'’-]*){1,2}"
)
_TYPE_WORDS = word_set(
    "primary infant infants junior juniors secondary high academy college school nursery preschool "
    "pre grammar centre center practice surgery university montessori kindergarten madrassa "
    "madrasah madrasa form pru acad sch coll prim playgroup group creche crèche tots club unit "
    "federation ccs cps rcps childminding childminders hub group provision project scouts cubs "
    "brownies guides beavers cadets abc fc jfc hospital infirmary hospice church chapel mosque "
    "gurdwara temple synagogue zone toddler clinic base community complex pri jnr primry primay "
    "primery acadamy academey acadmy nursey nurserey skool scool schl"
)
_PREFIX_WORDS = word_set(
    "ysgol sgoil bunsgoil gaelscoil scoil jamia madrasa madrassa madrasah darul coleg cylch "
    "meithrinfa bunscoil nscoil iste masjid markaz"
)
_PARTICLES = word_set("of the and de y upon on in")
_GENERIC = word_set(
    "the a an her his their my our your its this that these those local new old same other "
    "another previous current former nearest next last special mainstream independent private "
    "state boarding faith village church catholic community primary secondary high junior infant "
    "grammar free virtual gp gps medical health family doctors doctor's dentist dental sixth form "
    "further education fe authority summer sunday after before whole every each any which what "
    "driving home public prep middle upper lower alternative provision pupil referral unit "
    "good best bad great clinical professional safe reflective social care nursing general poor "
    "excellent outstanding big small nice different one two three school nursery college "
    "academy surgery practice centre trust eyfs reception year ks1 ks2 ks3 ks4 art drama music "
    "dance football sports sport swimming language english maths science business law "
    "keyhole heart brain knee hip eye major minor emergency day night weekend holiday "
    "mosque temple gurdwara synagogue chapel sharing information auditing working everyday "
    "daily multi-agency agency partnership safeguarding day-to-day in at to from for with by of "
    "on"
    # what a centre or clinic is for, not what it is called: "the Sexual Health Clinic", "the
    # Contact Centre", "the Early Help Centre", "the CAMHS clinic"
    " sexual walk-in fracture paediatric paediatrics child children's childrens development "
    "assessment contact job town city shopping leisure resource visitor call youth wellbeing "
    "mental physio antenatal maternity fertility memory pain drug drugs alcohol addiction "
    "recovery treatment rehab crisis camhs nhs a&e urgent respite early help years learning "
    "advice support citizens civic conference training test testing vaccination covid "
    "baby mother mothers intensive short break breaks neonatal burns stroke psychiatric secure "
    "inpatient outpatient adolescent eating disorder disorders troubled families prevent "
    "outreach mentoring housing homeless homelessness pilot research dv abuse "
    "visiting sure start police council court prison detention custody rape referral "
    "community hub"
)
_SAINT = word_set("st st. saint")
_ALL_OF = word_set("saints angels souls hallows")
# Words of a religious dedication that are generic elsewhere ("heart surgery", "our school"):
# capitalised inside a name they belong to it ("Sacred Heart", "Holy Family", "St Thomas More").
_DEDICATION = word_set(
    "heart lady family cross name trinity spirit saints souls angels redeemer sacrament king "
    "martyrs rosary apostles more"
)
# A dedication after a word of attending stands for the school on its own, in any case: "she's at
# St Bede's now", "goes to st josephs", "head at our lady of lourdes", "left Bishop Challoner".
_SAINTS_PLACE = re.compile(
    r"(?:(?:^|(?<=[\s(]))(?=(?i:our[^\S\n]*lady[^\S\n]+of[^\S\n]+(?!the\b)))"
    # a dedication that does something, at a sentence's start: "St Joseph's have flagged ..."
    r"|(?:^|(?<=[.!?;,][^\S\n])|(?<=\n))(?=(?:(?:St\.?|Saint)[^\S\n]+[A-Z][a-z]+(?:['’]s|s['’])"
    r"|Holy[^\S\n]+[A-Z][a-z]+|Sacred[^\S\n]+Heart|Christ[^\S\n]+the[^\S\n]+King"
    r"|Corpus[^\S\n]+Christi|(?:Bishop|Cardinal|Blessed)[^\S\n]+[A-Z][a-z]+"
    r"|Our[^\S\n]+Lady(?:['’]s|[^\S\n]+(?:Queen[^\S\n]+)?of[^\S\n]+[A-Z][a-z]+))"
    r"[^\S\n]+(?:have|has|say|said|says|are|were|rang|phoned|called|reported|flagged|told|think"
    r"|thinks|want|wants|asked|emailed|sent|raised|noticed|excluded)\b)"
    r"|\b(?:at|to|2|from|attends|attending|attended|attend|joined|joining|left|leaving|into|goes|go"
    r"|going|went|outside|near|opposite|its|it['’]s|is|@|reception|y(?:ea)?r[^\S\n]*\d{1,2})"
    r"[^\S\n]+"
    r"(?:the[^\S\n]+(?=(?i:holy|sacred|christ|corpus)))?)"
    r"(?i:((?:st\.?|saint)[^\S\n]+[a-z]+(?:['’]s|s['’]?)"
    r"(?:[^\S\n]+the[^\S\n]+(?:apostle|evangelist|baptist|martyr|divine|great))?"
    r"(?:[^\S\n]+(?:and|&)[^\S\n]+(?:st\.?|saint)[^\S\n]+[a-z]+(?:['’]s|s['’]?))?"
    r"|our[^\S\n]*lady(?:['’]s|[^\S\n]+(?:of|queen[^\S\n]+of|and|&)(?:[^\S\n]+st\.?)?[^\S\n]+[a-z]+)?"
    r"|(?:bishop|cardinal|archbishop|blessed|pope)[^\S\n]+[a-z]+"
    r"|holy[^\S\n]+(?:trinity|family|cross|name|rosary|spirit|ghost|redeemer)"
    r"|sacred[^\S\n]+heart|christ[^\S\n]+the[^\S\n]+king|corpus[^\S\n]+christi))(?!\w)"
    r"(?![^\S\n]+(?i:hospital|church|cathedral|chapel|parish|house|hall|hospice|centre|ward"
    r"|road|street|lane|avenue|park|station|hotel|court|surgery|medical)\b)"
)
# A dedication with its denomination after it is a school in any case, with no word of attending:
# "outside st annes c of e", "holy family rc primary", "Sacred Heart RC".
_DENOMINATED = re.compile(
    r"(?i:(?:st\.?|saint)[^\S\n]+[a-z]+(?:['’]s|s)?|holy[^\S\n]+(?:family|trinity|cross|name|rosary"
    r"|spirit|redeemer)|sacred[^\S\n]+heart|christ[^\S\n]+the[^\S\n]+king|corpus[^\S\n]+christi"
    r"|our[^\S\n]+lady(?:[^\S\n]+of[^\S\n]+[a-z]+)?)(?=[^\S\n]+(?i:r\.?c\.?|c\.?[^\S\n]?of[^\S\n]?e\.?"
    r"|c\.e\.|ce|cofe|catholic)(?![\w]))"
)
_DEDICATION_WORDS = word_set(
    "st saint our ourlady bishop cardinal archbishop blessed pope holy sacred christ corpus"
)
_NOT_A_NAME_WORD = _SAINT | {"the"}
# Verbs that bring a school into a sentence are not part of its name: "he attends greenacres
# nursery", "started oakfield primary".
_SCHOOL_VERBS = word_set(
    "attends attend attended attending joined joins joining started starts starting moved "
    "transferred excluded enrolled registered"
)
_LEADING_DROP = (STOPWORDS | _GENERIC | _SCHOOL_VERBS) - {"the"}
# A school typed bare in hurried text, known by where the child was before: "was at parkside
# before", "been at brookfield till yr 4". Only a word in no list (not "was at home before").
_WAS_AT = re.compile(
    r"\b(?:was|been|were)[^\S\n]+at[^\S\n]+([a-z][a-z'’-]{3,})[^\S\n]+"
    r"(?:before|previously|till|until|til|last[^\S\n]+year|in[^\S\n]+y(?:ea)?r)\b"
)
# A school typed bare after a child's class or a teacher's work: "kid in yr 3 at greenside", "i
# teach at the mount" (a word in no list, built like a place's name, or a setting's "the" name).
_CLASS_AT = re.compile(
    r"\b(?:y(?:ea)?r[^\S\n]*\d{1,2}s?|y\d{1,2}s?|reception|teach|teaches|teaching|taught|tutor"
    r"|senco|headteacher)[^\S\n]+at[^\S\n]+(?:the[^\S\n]+([a-z]{3,})|([a-z][a-z'’-]{3,}))\b"
)
_THE_SETTING_WORDS = word_set("mount grange priory manor hive bridge beacon ridge heights hollies")
# A school typed bare after a word of going or moving: "goes to parkside", "moved from northgate".
# Only a word in no list: not "goes to leeds", "moved to bradford", "went to bed".
_GOES_TO = re.compile(
    r"\b(?:goes|go|going|went|moved|moving|transferred|started|starts|excluded|expelled|attends)"
    r"[^\S\n]+(?:to|from|at)[^\S\n]+([a-z][a-z'’-]{3,})\b(?![^\S\n]+(?:road|rd|st|street|lane|way|estate))"
)
_WORDS = re.compile(r"\S+")
_BARE_WORD = re.compile(r"[a-z][a-z'’-]*", re.IGNORECASE)
# Two capitalised qualifiers name a school without other words: "the Jewish Free School", "Polish
# Saturday School" (not "the Catholic school").
_QUALIFIED_NAME = re.compile(
    rf"(?:(?:{_QUALIFIERS})[^\S\n]+){{2,}}(?:school|academy|college|primary)(?:[^\S\n]+school)?",
    re.IGNORECASE,
)
_ARTICLE_BEFORE = re.compile(r"\b[Tt]he[^\S\n]+$")
_ORDINAL = re.compile(r"\d{1,2}(?:st|nd|rd|th)")
_INITIALS = re.compile(r"(?:[a-z]\.)+")
# A denomination written after the name: "holy family r.c.", "st marys c of e".
_DENOMINATION_AFTER = re.compile(
    r"[^\S\n]+(?i:r\.?c\.?|c\.?[^\S\n]?of[^\S\n]?e\.?|c\.e\.|ce|cofe|catholic)(?![\w])"
)


def find(text: str, words: frozenset[str]) -> list[Span]:
    """Spans of named schools, nurseries, colleges, GP practices and children's centres."""
    spans: list[Span] = []
    if words & _PREFIX_WORDS:
        spans += [_prefixed(m) for m in _PREFIXED.finditer(text)]
    if words & _DEDICATION_WORDS:
        spans += [
            Span(m.start(1), m.end(1), "SCHOOL")
            for m in _SAINTS_PLACE.finditer(text)
            if tuple(m.group(1).lower().split()) not in PHRASES  # "St Helens" is a town
        ]
        spans += [Span(m.start(), m.end(), "SCHOOL") for m in _DENOMINATED.finditer(text)]
    if words & _TYPE_WORDS:
        spans += _typed(text)
        spans += _settings_named(text)
        if words & _DEDICATION_WORDS:
            spans += [
                Span(m.start(), m.end(), "SCHOOL")
                for m in _DEDICATION_TYPED.finditer(text)
                if _saint_ok(m.group())
            ]
    if "at" in words and words & _WAS_WORDS:
        spans += [Span(m.start(1), m.end(1), "SCHOOL") for m in _WAS_AT.finditer(text) if _bare(m)]
    if "at" in words:
        for m in _CLASS_AT.finditer(text):
            if m.group(2) and _bare(m, 2):
                spans.append(Span(m.start(2), m.end(2), "SCHOOL"))
            elif m.group(1) and (
                m.group(1) in _THE_SETTING_WORDS
                or m.group(1) in _PLURAL_PLACE_NAMES
                or (_PLACE_COMPOUND.fullmatch(m.group(1)) and m.group(1) not in _GENERIC)
            ):
                spans.append(Span(m.start(1) - 4, m.end(1), "SCHOOL"))
    if words & _GOING_WORDS:
        spans += [Span(m.start(1), m.end(1), "SCHOOL") for m in _GOES_TO.finditer(text) if _bare(m)]
    if words & _ATTEND_WORDS:
        spans += _attended(text)
    if words & _CHAIN_WORDS:
        spans += [span for m in _CHAIN.finditer(text) if (span := _chained(m)) is not None]
    if "The" in text:
        for m in _THE_SETTING.finditer(text):
            group, not_names = (1, _NOT_THE_NAME) if m.group(1) else (3, _NOT_THE_SETTING)
            if not any(w.lower() in not_names for w in m.group(group + 1).split()):
                spans.append(Span(m.start(group), m.end(group), "SCHOOL"))
    if spans:
        spans += _named_again(text, spans)
        grown = [_grown(text, span) for span in spans]
        return grown + _listed_after(text, grown)
    return spans


_WAS_WORDS = word_set("was been were")
_GOING_WORDS = word_set(
    "goes go going went moved moving transferred started starts excluded expelled attends"
)
# "going to nans": someone's home, typed without the apostrophe.
_HOMES = word_set(
    "nans nanas nannas grans grannys grandmas grandads mums dads aunties uncles mates"
)
_NOT_BARE = ENGLISH_WORDS | STOPWORDS | VOCABULARY | PROPER_NOUNS | FIRST_NAMES | SURNAMES | _HOMES


def _bare(m: re.Match[str], group: int = 1) -> bool:
    """The word after the cue is in no list, so it is a name, and after going it is a school's;
    or it is built like a place's name ("parkside", "moorlands", "castlefield")."""
    return m.group(group) not in _NOT_BARE or (
        _PLACE_COMPOUND.fullmatch(m.group(group)) is not None
        and m.group(group) not in STOPWORDS
        and m.group(group) not in VOCABULARY
        and m.group(group) not in _GENERIC
    )


# Words built like a place's name: a school, surgery or college is named after one ("riverside
# college", "lakeside surgery", "parkside"), where an ordinary word before a type word is what
# kind of place it is ("knee surgery", "police college").
_PLACE_COMPOUND = re.compile(
    r"[a-z]{3,}(?:side|field|fields|wood|woods|brook|bank|dale|gate|ford|ton|ley|view|hill|hills"
    r"|lands|moor|moors|croft|mount|worth|bury|borough|ham|thorpe|well|stead|wick|mead|hurst"
    r"|combe|bridge|water|grove|lea|leigh|mere|stone|cliffe|cliff)"
)
# A setting named after a word of attending, with no type word: "attends Bright Horizons", "attends
# The Beacon Centre", "goes to Jolly Jumpers".
_ATTENDED = re.compile(
    r"\b(?:attends|attending|attended|attend|goes[^\S\n]+to|also[^\S\n]+goes[^\S\n]+to)[^\S\n]+"
    r"((?:The[^\S\n]+)?[A-Z][\w'’&-]*(?:[^\S\n]+(?:[A-Z][\w'’&-]*|at|of|on|@)){0,4})"
)
_ATTEND_WORDS = word_set("attends attending attended attend goes")
_NOT_ATTENDED = (
    STOPWORDS
    | VOCABULARY
    | word_set(
        "church mosque temple school college nursery appointments appointment sessions session "
        "meetings meeting group groups club clubs therapy counselling lessons classes young "
        "carers carer cadets scouts brownies guides cubs beavers mass prayers training hospital "
        "clinic gp a&e court work home contact"
    )
)


def _attended(text: str) -> list[Span]:
    """Settings named after "attends" without a type word, capitalised."""
    spans = []
    for m in _ATTENDED.finditer(text):
        found = list(_WORDS.finditer(text, m.start(1), m.end(1)))
        while found and not found[-1].group()[:1].isupper():
            found.pop()  # "Tiny Tots at the Hub": not a trailing "at"
        if not found:
            continue
        lowered = [w.group().lower().strip("'’") for w in found if w.group() != "The"]
        if not lowered or any(w in _NOT_ATTENDED for w in lowered):
            continue
        if found[0].group().endswith(("'s", "’s")):
            continue  # "goes to Chloe's": a person's home
        if found[0].group() != "The" and len(lowered) == 1 and lowered[0] in ENGLISH_WORDS:
            continue  # "attends Brownies", "attends Mass"
        if lowered[0] in FIRST_NAMES and lowered[0] not in ENGLISH_WORDS and len(lowered) < 3:
            continue  # "goes to Chloe Smith's": a person
        spans.append(Span(m.start(1), found[-1].end(), "SCHOOL"))
    return spans


# Academy trusts whose schools are named chain first, place after: "Ark Globe", "Harris Peckham",
# "Oasis Shirley Park", after a word of attending.
_CHAIN = re.compile(
    r"\b(?:at|to|from|attends|attended|attending|goes|go|going|went|joined|left)[^\S\n]+"
    r"((?i:ark|oasis|harris|outwood|dixons|ormiston|e-act|delta|astrea|reach|bohunt|avanti)"
    r"(?:[^\S\n]+(?:[A-Z][\w'’-]*|[a-z][\w'’-]{2,})){1,2})"
)
# A setting called "The" and a capitalised word, known by a word of attending before it ("a youth
# worker at The Hub", "attends The Willows") or by what it is after it ("The Cedars short breaks
# unit", "The Grange PRU"). "The" is capitalised mid-sentence only inside a name.
_THE_SETTING = re.compile(
    r"(?:\b(?:at|attends|attending|attended|attend|from)[^\S\n]+"
    r"(The[^\S\n]+([A-Z][a-z'’]+(?:[^\S\n]+[A-Z][a-z'’]+)?))(?![^\S\n]+[A-Z])"
    r"|\b(The[^\S\n]+([A-Z][a-z'’]+))(?=[^\S\n]+(?:short[^\S\n]+breaks?[^\S\n]+)?(?:unit|centre"
    r"|clinic|project|nursery|pru|children['’]s[^\S\n]+home|refuge|hostel|respite|youth[^\S\n]+club"
    r")\b))"
)
_NOT_THE_NAME = STOPWORDS | word_set(
    "hospital council police school unit ward home hostel refuge hotel centre center station "
    "court office church mosque prison shelter government department authority local "
    "children's childrens society trust service services team board panel family families "
    "salvation army samaritans courts crown magistrates met"
)
_NOT_THE_SETTING = _NOT_THE_NAME | VOCABULARY
_CHAIN_WORDS = word_set(
    "ark oasis harris outwood dixons ormiston e act delta astrea reach bohunt avanti"
)


def _chained(m: re.Match[str]) -> Span | None:
    """The trust's name and the place after it, not the rest of the sentence ("ark globe and")."""
    words = list(_WORDS.finditer(m.string, m.start(1), m.end(1)))
    while len(words) > 1 and (
        words[-1].group().lower() in STOPWORDS or words[-1].group().lower() in _GENERIC
    ):
        words.pop()
    if len(words) < 2:
        return None
    return Span(m.start(1), words[-1].end(), "SCHOOL")


_NOT_AGAIN = _LEADING_DROP | _SAINT | {"the"}


def _named_again(text: str, spans: list[Span]) -> list[Span]:
    """A school's first word on its own elsewhere in the message is the school again: "goes to
    hillside and her bro to hillside juniors"."""
    names = set()
    for span in spans:
        first = _BARE_WORD.match(text, span.start)
        if first and len(first.group()) > 3 and first.group().lower() not in _NOT_AGAIN:
            names.add(first.group().lower())
    lowered = text.lower()
    names = {name for name in names if lowered.count(name) > 1}
    if not names:
        return []  # the usual case: the school is named once
    found = []
    for word in _BARE_WORD.finditer(text):
        inside = any(s.start <= word.start() < s.end for s in spans)
        if word.group().lower() in names and not inside:
            found.append(Span(word.start(), word.end(), "SCHOOL"))
    return found


def _prefixed(m: re.Match[str]) -> Span:
    """A school named type-first, without the function words a lower-case match ran on into."""
    end = m.end()
    if m.group().endswith(("'s", "’s")):
        end -= 2  # "Coleg y Dyffryn's safeguarding officer": the name, not its possessive
    for word in reversed(m.group().split()[2:]):
        if word.lower() not in STOPWORDS:
            break
        end = m.start() + m.group().rindex(word) - 1
    return Span(m.start(), end, "SCHOOL")


# A town written after a setting's capitalised type word is part of its name: "Steiner Academy
# Exeter", "Youth Zone Wigan" (not "Leeds" in "... Academy in Leeds").
_TOWN_AFTER_TYPE = re.compile(r"[^\S\n]+([A-Z][a-z]+(?:-[a-z]+-[A-Z][a-z]+)?)\b")


def _is_town(word: str) -> bool:
    return word.lower() in VOCABULARY_PLACES


def _typed(text: str) -> list[Span]:
    """Institutions named by the words before their type word ("Oakwood Primary")."""
    spans: list[Span] = []
    for m in _TYPE.finditer(text):
        if _QUALIFIED_NAME.fullmatch(m.group()) and m.group().istitle():
            spans.append(Span(m.start(), m.end(), "SCHOOL"))  # Jewish Free School
            continue
        found = _name_before(text, m.start())
        if found is None:
            town = _TOWN_AFTER_TYPE.match(text, m.end())
            if town is not None and m.group()[:1].isupper() and _is_town(town.group(1)):
                spans.append(Span(m.start(), town.end(), "SCHOOL"))  # "Youth Zone Wigan"
            continue
        start, names = found
        if (
            names
            and names[-1].endswith(("'s", "’s"))
            and not m.group()[:1].isupper()
            and not any(w.lower() in _SAINT for w in names)
        ):
            continue  # "Ivy's new school", "Bridie's hospital letter": a person's, not a name
        if (
            (not names or not _name_ok(names, m.group()))
            and _PLURAL_NAME.search(text, max(0, start - 8), m.start()) is None
            and not _brand_before(names, m.group())
        ):
            continue
        joined = _JOINED_DEDICATION.search(text, max(0, start - 40), start)
        spans.append(Span(joined.start() if joined else start, m.end(), "SCHOOL"))
    return spans


_EARLY_YEARS_TYPES = word_set("nursery preschool pre-school playgroup creche crèche")
_NOT_BRAND = word_set(
    "kids children girls boys parents mums dads babies twins others friends days mornings "
    "afternoons weeks hours sessions years months carers staff workers"
)


def _brand_before(names: list[str], kind: str) -> bool:
    """One plural word before a nursery's type word is its brand, in any case: "tiddlers
    nursery", "acorns pre-school" (not "kids nursery", "twins nursery")."""
    if len(names) != 1 or kind.lower() not in _EARLY_YEARS_TYPES:
        return False
    low = names[0].lower()
    return (
        low.endswith("s")
        and not low.endswith(("'s", "’s", "ss"))
        and low not in _NOT_BRAND
        and low not in STOPWORDS
        and low not in VOCABULARY
        and low not in _GENERIC
    )


# Two dedications joined: "Our Lady and St Patrick's College", "St Peter and St Paul CE Primary".
_JOINED_DEDICATION = re.compile(
    r"(?:Our[^\S\n]+Lady|(?:St\.?|Saint)[^\S\n]+[A-Z][a-z]+(?:['’]s)?)[^\S\n]+(?:and|&)[^\S\n]+$"
)
# A setting named by "the" and one plural word before its type word, in any case: "the willows
# nursery", "the oaks academy", "the heights acad" (not "the kids club", "the girls school").
_PLURAL_NAME = re.compile(
    r"\b(?i:the)[^\S\n]+(?!(?i:kids|children|girls|boys|parents|mums|dads|babies|teens|twins"
    r"|sports|arts|parks|years|others|families|carers|pupils|students|adults|youths|seniors|tots"
    r"|friends|foster|news|drugs|rooms|class|glass)\b)([A-Za-z][a-z]{2,}s)[^\S\n]+$"
)


# A dedication typed in any case, standing for its school: "st marys", "our lady of lourdes",
# "Holy Cross", "Corpus Christi", "Cardinal Newman".
_DEDICATION_NAME = (
    r"(?i:(?:st\.?|saint)[^\S\n]+[a-z]+(?:['’]s|s['’]?)?"
    r"|our[^\S\n]*lady(?:['’]s|[^\S\n]+of[^\S\n]+[a-z]+)?"
    r"|(?:bishop|cardinal|archbishop|blessed|pope)[^\S\n]+[a-z]+"
    r"|holy[^\S\n]+(?:trinity|family|cross|name|rosary|spirit|ghost|redeemer|angels|innocents)"
    r"|sacred[^\S\n]+heart|christ[^\S\n]+the[^\S\n]+king|corpus[^\S\n]+christi)(?![\w'’])"
)
# The next item of a list that starts with a school is a school too: "goes to Holy Cross and St
# Wilfrid's", "at The Oaks, then The Grange", "sacred heart or corpus christi".
_LIST_NEXT = re.compile(
    r"(?:[^\S\n]*,[^\S\n]*(?:(?:and|then|or|&)[^\S\n]+)?|[^\S\n]+(?:and|or|&|then|n)[^\S\n]+"
    r"|[^\S\n]*/[^\S\n]*)"
    rf"({_DEDICATION_NAME}|The[^\S\n]+[A-Z][a-z'’]+(?:[^\S\n]+[A-Z][a-z'’]+)?(?![^\S\n]*[A-Z\w]))"
    r"(?![^\S\n]+(?i:hospital|church|cathedral|chapel|parish|house|hall|hospice|centre|ward|road"
    r"|street|lane|avenue|park|station|hotel|court|surgery|medical|ambulance|wood)\b)"
)
# What a school's name may run on into, typed in any case after a dedication or a name: "the holy
# family catholic school", "st annes rc primary", "sacred heart high".
_TYPE_AFTER = re.compile(
    rf"[^\S\n]+(?:(?:{_QUALIFIERS})[^\S\n]+)*(?:primary|secondary|high|juniors?|infants?|nursery"
    r"|academy|college|grammar|school|sixth[^\S\n]+form|ps|rcps|rc[^\S\n]+primary|primry|primay"
    r"|acadamy|nursey|skool|scool)\b"
    r"(?:[^\S\n]+school\b)?",
    re.IGNORECASE,
)
_LOWER_JOINED_DEDICATION = re.compile(
    r"(?<![\w'’])(?i:our[^\S\n]+lady|(?:st\.?|saint)[^\S\n]+[a-z]+(?:['’]?s)?)[^\S\n]+(?:and|&)"
    r"[^\S\n]+$"
)


# A dedication before a school's type word, in any case: "our lady's nursery", "st marys primary".
_DEDICATION_TYPED = re.compile(
    rf"(?<![\w'’]){_DEDICATION_NAME}(?=[^\S\n]+(?i:primary|infants?|juniors?|nursery|academy"
    r"|college|grammar|high[^\S\n]+school|secondary|school|sixth[^\S\n]+form|rc|r\.c\.|c[^\S\n]?of"
    r"[^\S\n]?e|cofe|ce|catholic)\b)"
)


# A school named after a person, the name found as a name: "on roll at king edward vi grammar",
# "prince henrys grammar", "Thomas Telford Academy".
_TYPE_AFTER_NAME = re.compile(
    r"(?:['’]s|s)?[^\S\n]+(?i:grammar|primary|academy|college|juniors|infants|high[^\S\n]+school"
    r"|secondary[^\S\n]+school|c[^\S\n]?of[^\S\n]?e[^\S\n]+primary|rc[^\S\n]+primary)"
    r"(?:[^\S\n]+(?i:school))?\b"
)


def named_after(text: str, name_spans: list[Span]) -> list[Span]:
    """A name found by the name rules, with a school's type word straight after it, is a school."""
    found = []
    for span in name_spans:
        m = _TYPE_AFTER_NAME.match(text, span.end)
        if m is None:
            continue
        typed = m.group().split()
        one_word = " " not in text[span.start : span.end].strip()
        if one_word and typed[0].islower() and typed[-1].lower() == "school":
            continue  # "told jack primary school is hard": the child, then school in general
        found.append(Span(span.start, m.end(), "SCHOOL"))
    return found


def _saint_ok(found: str) -> bool:
    """ "st" and a saint's name, not a street's "st" and the next word ("the high st during")."""
    words = found.split()
    if words[0].lower().rstrip(".") not in _SAINT or len(words) < 2:
        return True
    saint = words[1].lower().rstrip("'’s") if words[1].lower().endswith(("'s", "’s")) else words[1]
    saint = saint.lower()
    return saint not in STOPWORDS and (
        saint not in ENGLISH_WORDS or saint in FIRST_NAMES or saint.rstrip("s") in FIRST_NAMES
    )


# A setting's name in brackets after what it is, or after "nursery is": "The nursery (Tiny
# Treasures)", "at the grammar (ripon grammar)", "our nursery is busy bees".
_SETTING_NAMED = re.compile(
    r"\b(?i:nursery|pre-?school|playgroup|creche|school|academy|college|grammar|setting|club"
    r"|sixth[^\S\n]+form)"
    r"(?:[^\S\n]*\(((?:[A-Za-z][\w'’&-]*)(?:[^\S\n]+[A-Za-z][\w'’&-]*){0,3})\)"
    r"|[^\S\n]+(?:is|was|called|named)[^\S\n]+([a-z][a-z'’-]+[^\S\n]+[a-z][a-z'’-]+s)\b)"
)
_QUALIFIER_WORDS = word_set(
    "c of e cofe ce rc catholic methodist community girls boys islamic muslim jewish free infant "
    "junior voluntary aided special new independent state private faith welsh medium"
)
_NOT_SETTING_NAME = (
    STOPWORDS
    | VOCABULARY
    | word_set(
        "days weeks mornings afternoons hours sessions times years months term terms staff "
        "kids children parents pupils students full half closed shut open aware worried "
        "concerned"
    )
)


def _settings_named(text: str) -> list[Span]:
    """Settings named in brackets after their type, or after "nursery is"."""
    spans = []
    for m in _SETTING_NAMED.finditer(text):
        group = 1 if m.group(1) else 2
        words = m.group(group).lower().split()
        if any(w in _NOT_SETTING_NAME for w in words[-1:] + words[:1]):
            continue
        if all(w in _GENERIC or w in _TYPE_WORDS or w in _QUALIFIER_WORDS for w in words):
            continue  # "(special school)", "(free school)": what kind, not which
        if group == 1 and len(words) == 1 and words[0] in FIRST_NAMES:
            continue  # "the child at school (Ana)" is a person
        spans.append(Span(m.start(group), m.end(group), "SCHOOL"))
    return spans


def _listed_after(text: str, spans: list[Span]) -> list[Span]:
    """A dedication, or "The" and a name, listed straight after a school found is one too."""
    found = []
    for span in spans:
        m = _LIST_NEXT.match(text, span.end)
        if m is None:
            continue
        name = m.group(1)
        if name.startswith("The ") and any(w.lower() in _NOT_THE_SETTING for w in name.split()[1:]):
            continue
        found.append(_grown(text, Span(m.start(1), m.end(1), "SCHOOL")))
    return found


def _grown(text: str, span: Span) -> Span:
    """The span grown over a denomination written after the name ("st marys c of e"), over more
    type words ("Whitefield Nursery School and Children's Centre", "Grace Church Toddler Group")
    and over "the" before it, which people write as part of the name ("the Jewish Free School")."""
    end = span.end
    while (more := _CHAINED.match(text, end)) is not None and more.end() > end:
        end = more.end()
    after = _DENOMINATION_AFTER.match(text, end)
    if after is not None:
        end = after.end()
    if (typed := _TYPE_AFTER.match(text, end)) is not None:
        end = typed.end()
    town = _TOWN_AFTER_TYPE.match(text, end)
    if town is not None and text[end - 1 : end].isalpha() and _is_town(town.group(1)):
        end = town.end()  # "Steiner Academy Exeter"
    start = span.start
    if text[start : start + 2].lower() == "st" or text[start : start + 4].lower() == "holy":
        joined = _LOWER_JOINED_DEDICATION.search(text, max(0, start - 30), start)
        if joined is not None:
            start = joined.start()  # "st mary and st john c of e"
    before = _ARTICLE_BEFORE.search(text, max(0, start - 4), start)
    return Span(before.start() if before else start, end, span.kind)


# A setting's name runs on over more type words, capitalised: "... Nursery School and Children's
# Centre", "... Church Toddler Group", "... Gurdwara Punjabi School", "... Academy LSST".
_CHAINED = re.compile(
    r"(?:[^\S\n]+(?:and|&))?[^\S\n]+(?:[A-Z][\w'’-]*[^\S\n]+){0,2}?"
    r"(?:Primary|Infants?|Juniors?|Nursery|School|Academy|College|Children['’]?s[^\S\n]+Centre"
    r"|Family[^\S\n]+Centre|Centre|Sixth[^\S\n]+Form|Toddler[^\S\n]+Group|Playgroup|Group"
    r"|Pre-?[Ss]chool|(?i:school))\b"
)


# Typed in lower case, what a person does to or near a school is not part of its name: "missed
# school", "the fight outside school", "mum arrived high".
_NOT_BEFORE_TYPE = word_set(
    "missed missing miss misses skipped skipping skip bunked bunking bunk outside inside near "
    "behind arrived arrives came comes left leaves leaving hates hate loves love likes like "
    "back round around off out into onto got gets getting turned turns fight fights fighting "
    "late early absent excluded suspended man woman lad lads men women older younger kids"
)


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
        if _ORDINAL.fullmatch(w) and capitalised and taken:
            taken.append(word)  # "1st Hebden Bridge Scouts"
            break
        if (w[-1] in ",.;:!?)]" and low not in _SAINT and not _INITIALS.fullmatch(low)) or (
            "[" in w or any(c.isdigit() for c in w) or len(taken) == 6
        ):
            break  # "... told the police. School ..." is two sentences; "[NAME]" is done
        if w[0] == "(" and capitalised and w[1:2].isupper() and taken:
            inner = w[1:].lower()
            if inner not in _LEADING_DROP or inner in _DEDICATION:
                taken.append(word)  # "(Happy Days Day Nursery)": the bracket opens the name
            break
        if not any(c.isalpha() for c in w) or w[0] in "([":
            break
        if capitalised:
            if low in _PARTICLES and taken and not w[:1].isupper():
                taken.append(word)
                continue
            dedication = (
                low in _DEDICATION
                or (low == "our" and _first(taken) == "lady")
                or (low == "all" and _first(taken) in _ALL_OF)  # "St Michael and All Angels"
            )
            inside = _inside_name(before, word)  # "Leeds General Infirmary"
            if not w[:1].isupper() or (low in _LEADING_DROP and not dedication and not inside):
                break
        elif (
            low in _CIVIC
            and not taken
            and (index := before.index(word)) > 0
            and _place_word(before[index - 1].group())
        ):
            pass  # "leeds city college": a town's own college
        elif (
            low in _LEADING_DROP
            or low in _PARTICLES
            or low in _NOT_BEFORE_TYPE
            or len(taken) == 3
            or w[:1].isupper()
        ):
            break
        taken.append(word)
        if low == "the" or (capitalised and low in _SAINT and len(taken) > 1):
            break
    while taken and taken[-1].group() in _PARTICLES:  # a lower-case "of" or "the" on the left
        taken.pop()
    if not taken:
        return None
    taken.reverse()
    start = taken[0].start() + (1 if taken[0].group().startswith("(") else 0)
    return start, [
        w.group().lstrip("(")
        for w in taken
        if w.group().lower().lstrip("(") not in _NOT_A_NAME_WORD
    ]


_CIVIC = word_set("city town county community")


def _place_word(word: str) -> bool:
    """A town's name typed in lower case: a place in the vocabulary, or a word in no list."""
    low = word.lower()
    if not low.isalpha() or low in STOPWORDS or low in _GENERIC:
        return False
    return low in VOCABULARY_PLACES or low in PROPER_NOUNS or low not in ENGLISH_WORDS


def _inside_name(before: list[re.Match[str]], word: re.Match[str]) -> bool:
    """A capitalised generic word with a specific capitalised word just before it is inside the
    name ("Leeds General Infirmary", "Oakfield Community Primary"), not its left edge."""
    index = before.index(word)
    if index == 0 or word.group().lower() in STOPWORDS:
        return False
    # Further left over generic capitalised words too: "The Oaks Sexual Health Clinic"
    for left_word in reversed(before[max(0, index - 3) : index]):
        left = left_word.group()
        low = left.lower()
        if not left[:1].isupper() or not left[-1:].isalpha() or low in _SAINT or low == "the":
            return False
        if low in _PARTICLES:
            return False
        if low not in _LEADING_DROP:
            return True
    return False


def _first(taken: list[re.Match[str]]) -> str:
    """The leftmost word taken so far, lower-cased ("lady" in "Lady of Lourdes")."""
    return taken[-1].group().lower() if taken else ""


# Plural trees and places that name schools and settings: "cedars academy", "the oaks".
_PLURAL_PLACE_NAMES = word_set(
    "cedars oaks willows beeches limes elms pines hollies laurels rowans birches maples acorns "
    "poplars sycamores chestnuts hawthorns meadows heights orchards brambles ferns larches "
    "firs alders aspens junipers hazels"
)


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
    unknown = [
        w
        for w in specific
        if w.lower().strip("'’") not in ENGLISH_WORDS
        or _PLACE_COMPOUND.fullmatch(w.lower())
        or w.lower() in _PLURAL_PLACE_NAMES
    ]
    if kind.lower() == "practice":  # "information sharing practice" is how people work
        return bool(unknown)
    return len(specific) >= 2 or bool(unknown)
