"""Word lists the detectors share, read once at import from data/ (no I/O per message).

The lists are plain text so that reviewers can read and amend them; see data/README.md for where
each came from and how the derived ones are rebuilt.
"""

from __future__ import annotations

from pathlib import Path

_DATA = Path(__file__).with_name("data")


def word_set(words: str) -> frozenset[str]:
    """A set written as one string of space-separated words (long lists stay readable)."""
    return frozenset(words.split())


def read_words(path: Path) -> frozenset[str]:
    """Whitespace-separated entries, lower-cased; '#' starts a comment."""
    words: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        words.update(word.lower() for word in line.split("#", 1)[0].split())
    return frozenset(words)


def _load(name: str) -> frozenset[str]:
    return read_words(_DATA / name)


def _load_phrases(name: str) -> frozenset[tuple[str, ...]]:
    """One phrase per line, as a tuple of lower-cased words."""
    lines = (_DATA / name).read_text(encoding="utf-8").splitlines()
    return frozenset(
        tuple(line.lower().split()) for line in lines if line.strip() and not line.startswith("#")
    )


def _load_section(name: str, heading: str) -> frozenset[str]:
    """The words under one '# heading' comment of a list, up to the next heading."""
    words: set[str] = set()
    inside = False
    for line in (_DATA / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            inside = line.startswith(heading) or (inside and not line.strip("# "))
            continue
        if inside:
            words.update(word.lower() for word in line.split())
    return frozenset(words)


FIRST_NAMES = _load("first_names.txt")
SURNAMES = _load("surnames.txt")
AMBIGUOUS_FIRST_NAMES = _load("ambiguous_first_names.txt")
WORD_NAMES = _load("word_names.txt")
ENGLISH_WORDS = _load("english_words.txt")
PROPER_NOUNS = _load("proper_nouns.txt")
VOCABULARY = _load("vocabulary.txt")
# The towns, regions and countries among them: after a street they are part of the address.
VOCABULARY_PLACES = _load_section("vocabulary.txt", "# places")
STOPWORDS = _load("stopwords.txt")
PHRASES = _load_phrases("phrases.txt")
