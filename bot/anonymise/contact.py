"""Online contact details: e-mail addresses, URLs and social-media handles."""

from __future__ import annotations

import re

from bot.anonymise.lexicon import ENGLISH_WORDS, STOPWORDS, VOCABULARY, word_set
from bot.anonymise.spans import Span

_EMAIL = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._%+'-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}"
)
# A scheme or www. makes anything a URL; a bare domain needs a path ("facebook.com/chloe.9"),
# because a bare "gov.uk" or "nhs.uk" names a service, not a person.
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"]+"
    r"|\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
    r"(?:com|co\.uk|org\.uk|org|net|uk|io|me|ly|gl|tv|app|info|biz|ie|be|gg|link|page|ee|co|to"
    r"|us|ca|au|de|fr|es|it|pl|ro|ru|in|pk|ng|xyz|site|online|live|club|shop|store|social|chat|fm"
    r"|ai|dev|bio|lnk|cc|tk|im|am)"
    r"/[^\s<>\"]*",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}'\"’”"
_HANDLE = re.compile(r"(?<![\w@./\]])@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?")
# Shapes that are user names wherever they are: a Discord tag ("Void#4471"), a Reddit user
# ("u/throwaway_mumof3").
_TAGGED = re.compile(r"(?<![\w/])(?:[A-Za-z0-9_.]{2,32}#\d{4}|u/[A-Za-z0-9_-]{3,})\b")
# After a word for a user name, what is quoted or capitalised words ending in digits is the name:
# 'the Snapchat user "deano-2k8"', "gamertag is Frosty Viper 77".
_NAMED_AFTER = re.compile(
    r"\b(?:user(?:name)?|user name|gamertag|handle|account|acc|profile|tag|id)\b"
    r"(?:\s+(?:is|was|as|called|named|=|:))?\s*"
    r"(?:['\"‘“]([^'\"‘’“”\n]{2,30})['\"’”]"
    r"|((?:[A-Z][A-Za-z0-9]*\s){1,3}\d{1,4}\b|[A-Za-z][A-Za-z0-9_.-]{3,}))",
    re.IGNORECASE,
)
# "her snap is kayla.b_07", "on snapchat as bigman_jay": a platform word, then a user name. One
# with a digit, '_' or '.' in it is a handle; a plain word is one only after a linking word and
# if it is no English word ("her snap is kaylaxo", not "her snap is private").
_PLATFORM_NAMES = (
    r"snap(?:chat)?|sc|insta(?:gram)?|ig|tik ?tok|tt|twitter|x|discord|telegram|xbox|psn|gamertag"
    r"|username|user name|handle|facebook|fb|youtube|yt|twitch|roblox|fortnite|steam|kik|reddit"
    r"|yubo|wizz|bereal|onlyfans|threads|whatsapp|messenger|hoop|omegle|monkey|grindr|tinder"
    r"|hinge|bumble|pinterest|tumblr|vsco|likee|lamar|call of duty|cod|minecraft|playstation"
)
# "her snap is kayla.b_07", "on tiktok she's sunnyxgirl", "added him on snap as mikeyb2k": a
# platform word, an optional "name"/"account", a linking word, then a user name. One with a
# digit, '_' or '.' is a handle; a plain word only after a linking word, if it is no English word.
_NAMED_HANDLE = re.compile(
    rf"\b(?:{_PLATFORM_NAMES})"
    r"(?:\s+(?:name|id|account|acc|handle|user(?:name)?|tag|profile|page))?"
    r"(?:\s*(?P<link>is|was|as|:|=|-|called|named|under|(?:she|he|they)['’]?(?:s|re|z)|hes|shes)"
    r"|\s+(?:is|as)\s+@?)?\s*"
    r"((?=[A-Za-z0-9_.]*[A-Za-z])[A-Za-z0-9_.]*[A-Za-z0-9_])",
    re.IGNORECASE,
)
# A plain user name written before its platform: "she's sunnyxgirl on tiktok".
_HANDLE_BEFORE = re.compile(
    rf"\b([A-Za-z][A-Za-z0-9_.]*[A-Za-z0-9_])\s+(?:on|from|via)\s+(?:{_PLATFORM_NAMES})\b",
    re.IGNORECASE,
)
# An underscore joined to letters is a user name wherever it is ("xx_rosie_xx", "jaydon_2011").
_UNDERSCORED = re.compile(
    r"(?<![\w@./\[\]])(?=[\w.]*[A-Za-z])[A-Za-z0-9.]*(?:[A-Za-z0-9]_|_[A-Za-z0-9])[\w.]*(?<![._])_*"
)
# With a platform in the message, a word mixing letters with digits or dots is a user name too
# ("mikeyb2k", "Gh0stRider", "lil.k09", "shanice.xo"), unless it is a time, ordinal, school year,
# size or a word and a count ("year10", "3k", "2pm", "10.30", "y9", "ks2").
_MIXED = re.compile(
    r"(?<![\w@./\]-])(?=[A-Za-z0-9.]*[A-Za-z])(?=[A-Za-z0-9.]*[0-9.])[A-Za-z0-9][A-Za-z0-9.]*"
    r"[A-Za-z0-9](?![\w@/-])"
)
_NOT_MIXED = re.compile(
    r"\d+(?:st|nd|rd|th|am|pm|k|m|s|yo|yrs?|mins?|hrs?|x|p|mg|ml|kg|cm|mm|ft|gb|mb)"
    r"|[a-z]{1,3}\d{1,3}|[a-z]+\.(?:com|co|uk|org|net|gov|nhs|fm|me|io|ly|tv|ee|gg|js|py|pdf|docx?"
    r"|jpe?g|png)"
    r"|(?:[a-z]\.)+[a-z]?|\d+(?:\.\d+)+|v?\d+(?:\.\d+)*[a-z]?",
    re.IGNORECASE,
)
_HANDLE_MARK = re.compile(r"[0-9_.]")
# Words people write after a platform's name that are not user names.
_SOCIAL_WORDS = word_set(
    "dm dms pfp bio acc accs vids vid pics pic msgs msg convo snapmap streak streaks story stories "
    "reel reels live lives post posts chat chats group groups account accounts page pages "
    "messages message videos video photos photo app apps profile profiles name names username "
    "usernames handle handles friends followers"
)
_PLATFORMS = word_set(
    "snap snapchat sc insta instagram ig tik tiktok tt twitter discord telegram xbox psn gamertag "
    "username user handle facebook fb youtube yt twitch roblox fortnite steam kik reddit yubo wizz "
    "bereal onlyfans threads whatsapp messenger hoop omegle monkey grindr tinder hinge bumble "
    "pinterest tumblr vsco likee lamar cod minecraft playstation account acc profile online app "
    "added adds add followers follower dm dms dmd dm'd messaged online gaming"
)


def _handle_ok(name: str, linked: bool) -> bool:
    """A user name: marked by a digit, '_' or '.', or a plain word after "is"/"as"/":" that is not
    an English word, a function word or a term of the guidance."""
    if len(name) < 3:
        return False
    if _HANDLE_MARK.search(name):
        return not name.replace(".", "").isdigit()  # "snap at 10.30" is a time
    return linked and _plain_ok(name)


def _plain_ok(name: str) -> bool:
    """A plain word can be a user name if it is no word of English, of the guidance or of apps."""
    low = name.lower()
    return (
        len(name) > 3
        and low not in ENGLISH_WORDS
        and low not in STOPWORDS
        and low not in VOCABULARY
        and low not in _SOCIAL_WORDS
    )


def _named_ok(name: str) -> bool:
    """After "user"/"gamertag": words ending in digits, or one word a user name could be."""
    if name[-1].isdigit() and " " in name:
        return name.split()[0][0].isupper()  # "Frosty Viper 77"
    return _handle_ok(name, linked=True) and not name.isdigit()


def _mixed_ok(word: str) -> bool:
    """Letters mixed with digits or dots, not a time, size, year group or word-and-count."""
    if len(word) < 5 or not _HANDLE_MARK.search(word) or _NOT_MIXED.fullmatch(word):
        return False
    letters = "".join(c for c in word if c.isalpha()).lower()
    if len(letters) < 2:
        return False
    runs = re.findall(r"[A-Za-z]+|\d+|\.", word)
    simple = len(runs) == 2 and runs[0].isalpha() and runs[1].isdigit()
    return not (simple and (letters in ENGLISH_WORDS or letters in VOCABULARY) and len(runs[1]) < 3)


def find(text: str, words: frozenset[str]) -> list[Span]:
    """Spans of e-mail addresses, URLs and handles; cheap checks skip most messages."""
    spans: list[Span] = []
    if "@" in text:
        spans.extend(Span(m.start(), m.end(), "EMAIL") for m in _EMAIL.finditer(text))
        spans.extend(Span(m.start(), m.end(), "HANDLE") for m in _HANDLE.finditer(text))
    if "/" in text or "www." in text or "WWW." in text:
        for m in _URL.finditer(text):
            end = m.end()
            while end > m.start() and text[end - 1] in _TRAILING:
                end -= 1
            spans.append(Span(m.start(), end, "URL"))
    if "#" in text or "u/" in text:
        spans.extend(Span(m.start(), m.end(), "HANDLE") for m in _TAGGED.finditer(text))
    if "_" in text:
        spans.extend(Span(m.start(), m.end(), "HANDLE") for m in _UNDERSCORED.finditer(text))
    if words & _PLATFORMS:
        for m in _NAMED_HANDLE.finditer(text):
            if _handle_ok(m.group(2), linked=bool(m.group("link"))):
                spans.append(Span(m.start(2), m.end(2), "HANDLE"))
        for m in _HANDLE_BEFORE.finditer(text):
            if _handle_ok(m.group(1), linked=True):
                spans.append(Span(m.start(1), m.end(1), "HANDLE"))
        for m in _NAMED_AFTER.finditer(text):
            group = 1 if m.group(1) else 2
            if m.group(1) or _named_ok(m.group(2)):
                spans.append(Span(m.start(group), m.end(group), "HANDLE"))
        mixed = (m for m in _MIXED.finditer(text) if _mixed_ok(m.group()))
        spans.extend(Span(m.start(), m.end(), "HANDLE") for m in mixed)
    return spans
