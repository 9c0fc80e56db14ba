"""Online contact details: e-mail addresses, URLs and social-media handles."""

from __future__ import annotations

import re

from bot.anonymise.lexicon import word_set
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
    r"(?:com|co\.uk|org\.uk|org|net|uk|io|me|ly|gl|tv|app|info|biz|ie|be|gg|link|page)"
    r"/[^\s<>\"]*",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}'\"’”"
_HANDLE = re.compile(r"(?<![\w@./\]])@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?")
# "her snap is kayla.b_07": a platform word, then a user name with a digit, '_' or '.' in it
# (a plain word after "snap is" is too often just a word: "her snap is private").
_NAMED_HANDLE = re.compile(
    r"\b(?:snap(?:chat)?|insta(?:gram)?|ig|tik ?tok|twitter|discord|telegram|xbox|psn|gamertag"
    r"|username|user name|handle)\s*(?:name|id|account|handle)?\s*(?:is|:|=|-)?\s*"
    r"((?=[A-Za-z0-9_.]*[A-Za-z])[A-Za-z0-9_.]*[0-9_.][A-Za-z0-9_.]*[A-Za-z0-9_])",
    re.IGNORECASE,
)
_PLATFORMS = word_set(
    "snap snapchat insta instagram ig tik tiktok twitter discord telegram xbox psn gamertag "
    "username user handle"
)


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
    if words & _PLATFORMS:
        for m in _NAMED_HANDLE.finditer(text):
            if len(m.group(1)) > 2:
                spans.append(Span(m.start(1), m.end(1), "HANDLE"))
    return spans
