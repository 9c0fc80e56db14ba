"""Reading the dialogues folder from disk: the only I/O between the YAML and the pure core.

The folder holds one sub-folder per edition (`england-2024/`, `hmg-2015/`: advice, reference,
quizzes, cases) and two files every edition shares: `sources.yaml` (what a `source:` may cite)
and `nations.yaml` (the four UK jurisdictions). A library is one edition for one nation.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.content.nations import JURISDICTIONS
from bot.content.parse import parse
from bot.content.problems import Problems
from bot.content.validate import validate_parsed
from bot.errors import ContentError
from states import Library

DIALOGUES_DIR = Path(__file__).resolve().parents[2] / "dialogues"
"""The shipped content, beside `states.py` (in a checkout and in an installed wheel alike)."""
DEFAULT_EDITION = "england-2024"
DEFAULT_JURISDICTION = JURISDICTIONS[0]
SHARED_FILES = ("sources.yaml", "nations.yaml")
"""The files at the top of the folder; everything else lives in an edition's folder."""
Editions = Mapping[tuple[str, str], Library]
"""Every library by (edition, jurisdiction)."""


def editions(directory: Path) -> list[str]:
    """The edition folders: sub-folders that hold YAML files."""
    if not directory.is_dir():
        return []
    return sorted(p.name for p in directory.iterdir() if p.is_dir() and any(p.glob("*.yaml")))


def check(directory: Path = DIALOGUES_DIR) -> tuple[Editions | None, list[str]]:
    """Validate every edition for every nation; return the libraries and every problem once."""
    problems = Problems()
    shared = _shared(directory, problems)
    found = editions(directory)
    if directory.is_dir() and not found:
        problems.add(str(directory), "(folder)", "has no edition folders (such as england-2024/)")
    libraries: dict[tuple[str, str], Library] = {}
    reported: dict[str, None] = dict.fromkeys(problems.items)
    for edition in found:
        parsed = {**shared, **_read(directory, edition, Problems(), reported)}
        by_nation = {
            nation: validate_parsed(parsed, edition=edition, jurisdiction=nation)
            for nation in JURISDICTIONS
        }
        for nation, (library, _) in by_nation.items():
            if library is not None:
                libraries[(edition, nation)] = library
        everywhere = set.intersection(*(set(listed) for _, listed in by_nation.values()))
        for nation, (_, nation_problems) in by_nation.items():
            for problem in nation_problems:
                reported[problem if problem in everywhere else f"{problem} (for {nation})"] = None
    if reported:
        return None, list(reported)
    return libraries, []


def load_library(
    directory: Path = DIALOGUES_DIR,
    edition: str = DEFAULT_EDITION,
    jurisdiction: str = DEFAULT_JURISDICTION,
) -> Library:
    """One edition for one nation, validated, or `ContentError` listing every problem."""
    problems = Problems()
    shared = _shared(directory, problems)
    known = editions(directory)
    if directory.is_dir() and edition not in known:
        listed = ", ".join(known) or "none"
        problems.add(str(directory), "(folder)", f"has no edition '{edition}' (editions: {listed})")
    if problems.items:
        raise ContentError(problems.items)
    reported: dict[str, None] = {}
    parsed = {**shared, **_read(directory, edition, problems, reported)}
    library, found = validate_parsed(parsed, edition=edition, jurisdiction=jurisdiction)
    if library is None or reported:
        raise ContentError([*reported, *found])
    return library


def _shared(directory: Path, problems: Problems) -> dict[str, dict[str, Any] | None]:
    """sources.yaml and nations.yaml, parsed; a missing one or a stray file is a problem."""
    if not directory.is_dir():
        problem = "is not a folder" if directory.exists() else "does not exist"
        problems.add(str(directory), "(folder)", problem)
        return {}
    parsed: dict[str, dict[str, Any] | None] = {}
    for name in SHARED_FILES:
        if not (directory / name).is_file():
            problems.add(name, "(file)", f"is missing: every edition needs {directory / name}")
            continue
        parsed |= _parsed(directory / name, name, problems)
    for stray in sorted(directory.glob("*.yaml")):
        if stray.name not in SHARED_FILES:
            problems.add(
                stray.name,
                "(file)",
                "belongs in an edition folder (such as england-2024/); only "
                f"{' and '.join(SHARED_FILES)} sit at the top",
            )
    return parsed


def _read(
    directory: Path, edition: str, problems: Problems, reported: dict[str, None]
) -> dict[str, dict[str, Any] | None]:
    """One edition's files, parsed, named `edition/file.yaml` in problems."""
    parsed: dict[str, dict[str, Any] | None] = {}
    for path in sorted((directory / edition).glob("*.yaml")):
        parsed |= _parsed(path, f"{edition}/{path.name}", problems)
    reported.update(dict.fromkeys(problems.items))
    return parsed


def _parsed(path: Path, name: str, problems: Problems) -> dict[str, dict[str, Any] | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(name, "(file)", f"cannot be read as UTF-8 text: {exc}")
        return {name: None}
    return {name: parse(name, text, problems)}
