"""Regenerate the derived word lists in data/ (a maintainer's tool; the redactor never runs it).

Why a build step: the name and word lists come from two big sources that the bot should not need at
run time. Names come from Faker's person providers (MIT licence) for the locales of the communities
living in the UK, plus the hand-curated extra_*.txt files; ordinary English words come from SCOWL
(permissive licence, Debian package `scowl`). The build classifies every name once:

- first_names.txt / surnames.txt: names that are not common English words (caught in any case);
- word_names.txt: names that are also common words (Brown, Hall, Hyacinth) and not curated in
  ambiguous_first_names.txt: names only with a cue, such as a title or a first name next to them;
- english_words.txt: lower-case SCOWL words up to size 70: a capitalised one is an ordinary word;
- proper_nouns.txt: capitalised SCOWL words up to size 70 (places, brands, surnames like Lomax):
  names only with a cue; a capitalised word in no list at all is taken for a name.

Run: pip install faker==40.54.0; apt-get install scowl; python bot/anonymise/build_data.py
(a plain script: it must run before the lists exist, so it cannot import the package, which loads
them at import).
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

DATA = Path(__file__).with_name("data")
SCOWL = Path("/usr/share/dict/scowl")
COMMON_SIZE = 50  # SCOWL size up to which a word counts as "common English"
KNOWN_SIZE = 70  # SCOWL size up to which a capitalised word counts as known (not a likely name)

# Faker person locales for the communities the bot's users write about (Latin script, or Cyrillic
# that is transliterated below).
_LOCALE_NAMES = (
    "en en_GB en_IE ga_IE en_US en_NZ en_IN en_PK en_KE en_NG ha_NG ig_NG yo_NG tw_GH sw zu_ZA "
    "pl_PL ro_RO lt_LT lv_LV cs_CZ sk_SK hu_HU hr_HR sl_SI et_EE tr_TR az_AZ uz_UZ pt_PT pt_BR "
    "es_ES it_IT fr_FR fr_DZ de_DE nl_NL zh_CN zh_TW ja_JP vi_VN id_ID en_TH uk_UA ru_RU bg_BG"
)
LOCALES = tuple(_LOCALE_NAMES.split())

_CYRILLIC = dict(
    zip(
        "абвгґдеєёжзиіїйклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "g",
            "d",
            "e",
            "ye",
            "yo",
            "zh",
            "z",
            "i",
            "i",
            "yi",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "a",
            "y",
            "_",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)
_UKRAINIAN = {"г": "h", "и": "y", "щ": "shch"}
_BULGARIAN = {"щ": "sht", "ъ": "a"}
_NAME = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*$")


def transliterate(name: str, locale: str) -> str:
    """Latin spelling of a Cyrillic name, roughly as UK records would hold it."""
    table = {**_CYRILLIC, **(_UKRAINIAN if locale == "uk_UA" else {})}
    table.update(_BULGARIAN if locale == "bg_BG" else {})
    out = []
    for ch in name:
        low = ch.lower()
        latin = table.get(low, ch).replace("_", "")
        out.append(latin.capitalize() if ch != low else latin)
    return "".join(out)


def _values(provider: type, attribute: str) -> list[str]:
    for klass in provider.__mro__:
        value = klass.__dict__.get(attribute)
        if isinstance(value, dict):
            return [str(key) for key in value]
        if isinstance(value, (list, tuple)):
            return [str(item) for item in value]
    return []


def faker_names() -> tuple[set[str], set[str]]:
    """Lower-cased first names and surnames from the chosen Faker locales."""
    first: set[str] = set()
    last: set[str] = set()
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        attributes = {a for klass in provider.__mro__ for a in vars(klass) if "names" in a}
        for attribute in attributes:
            if attribute.startswith("first_name"):
                target = first
            elif attribute.startswith("last_name"):
                target = last
            else:
                continue
            for raw in _values(provider, attribute):
                target.update(_parts(transliterate(raw, locale)))
    return first, last


def _parts(raw: str) -> Iterable[str]:
    """The usable words of a name entry ("Da Silva" gives "silva"; "Ana Clara" gives both)."""
    for part in raw.split():
        if len(part) > 1 and _NAME.match(part) and part[0].isupper():
            yield part.lower().replace("’", "'")


_UNDECOMPOSED = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ı": "i", "ß": "ss", "æ": "ae"})


def with_ascii_spellings(names: set[str]) -> set[str]:
    """Add the accent-free spelling of each name: practitioners type "Joao", "Malgorzata"."""
    folded = set()
    for name in names:
        plain = unicodedata.normalize("NFKD", name.translate(_UNDECOMPOSED))
        folded.add("".join(c for c in plain if not unicodedata.combining(c)))
    return names | folded


def read_words(path: Path) -> set[str]:
    """Entries of a hand-curated list, as bot.anonymise.lexicon reads them."""
    words: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        words.update(word.lower() for word in line.split("#", 1)[0].split())
    return words


def scowl_words(max_size: int, lower_only: bool) -> set[str]:
    """SCOWL English and British words up to a size, lower-cased, possessives folded in."""
    words: set[str] = set()
    for path in SCOWL.iterdir():
        kind, _, size = path.name.rpartition(".")
        if not kind.startswith(("english-", "british-")) or not size.isdigit():
            continue
        if int(size) > max_size or "abbreviations" in kind or "contractions" in kind:
            continue
        for word in path.read_text(encoding="utf-8").split():
            word = word.removesuffix("'s")
            if lower_only and not word.islower():
                continue
            words.add(word.lower())
    return words


def write_list(name: str, header: str, words: Iterable[str]) -> None:
    """One entry per line after a comment header saying where the list came from."""
    body = "\n".join(sorted(set(words)))
    (DATA / name).write_text(f"# {header}\n# Generated by bot/anonymise/build_data.py.\n{body}\n")


def main() -> None:
    """Rebuild the four derived lists from Faker, SCOWL and the hand-curated inputs."""
    common = scowl_words(COMMON_SIZE, lower_only=True)
    known = scowl_words(KNOWN_SIZE, lower_only=False)
    stop = read_words(DATA / "stopwords.txt")
    dominant = read_words(DATA / "name_dominant.txt")
    ambiguous = read_words(DATA / "ambiguous_first_names.txt")
    first, last = faker_names()
    first = with_ascii_spellings(first | read_words(DATA / "extra_first_names.txt"))
    last = with_ascii_spellings(last | read_words(DATA / "extra_surnames.txt"))

    def clear(name: str) -> bool:
        return (name not in common or name in dominant) and name not in stop

    first_out = {n for n in first if clear(n)} - ambiguous
    last_out = {n for n in last if clear(n)}
    word_names = {n for n in (first | last) - first_out - last_out - ambiguous if len(n) > 2}
    source = f"Faker 40.54.0 person providers ({len(LOCALES)} locales) + extra_*.txt"
    write_list("first_names.txt", f"First names that are not common words. {source}", first_out)
    write_list("surnames.txt", f"Surnames that are not common words. {source}", last_out)
    write_list("word_names.txt", f"Names that are also common words. {source}", word_names - stop)
    names = first_out | last_out | ambiguous | word_names
    lower = scowl_words(KNOWN_SIZE, lower_only=True)
    write_list("english_words.txt", f"SCOWL 2020.12.07 words up to size {KNOWN_SIZE}", lower)
    proper = known - lower - names
    write_list("proper_nouns.txt", f"SCOWL 2020.12.07 proper nouns up to size {KNOWN_SIZE}", proper)


if __name__ == "__main__":
    main()
