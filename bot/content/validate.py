"""Validate a whole set of dialogue files at once, so one run reports every problem.

One edition's files (and the shared `sources.yaml` and `nations.yaml`) are validated for one
nation at a time: `nations.resolve` first turns them into what that nation's practitioners
read, so every check below sees exactly that.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.content.graph import graph_problems
from bot.content.limits import PATH_ANSWERS
from bot.content.nations import JURISDICTIONS, resolve
from bot.content.parse import parse
from bot.content.problems import Problems, length_problems, schema_problems
from bot.content.reference import reference_problems
from bot.content.sources import nations_problems, source_problems
from bot.content.training import case_problems, quiz_problems
from states import (
    ID_PATTERN,
    MAIN_DIALOGUE,
    Case,
    CaseFile,
    DialogueFile,
    Library,
    NationsFile,
    Quiz,
    QuizFile,
    Reference,
    Scope,
    SourcesFile,
    build_dialogue,
    paths,
)

Parsed = Mapping[str, dict[str, Any] | None]
"""Each file's parsed YAML by file name; None where it did not parse (already a problem)."""


def validate(
    texts: Mapping[str, str], *, edition: str = "", jurisdiction: str | None = None
) -> tuple[Library | None, list[str]]:
    """Validate dialogue files given as {file name: YAML text}; pure, so tests need no disk."""
    problems = Problems()
    parsed = {name: parse(name, text, problems) for name, text in texts.items()}
    library, found = validate_parsed(parsed, edition=edition, jurisdiction=jurisdiction)
    return (library if not problems.items else None), problems.items + found


def validate_parsed(
    parsed: Parsed, *, edition: str = "", jurisdiction: str | None = None
) -> tuple[Library | None, list[str]]:
    """The checks after parsing, for one edition as `jurisdiction` reads it.

    Without a nations file (small test sets) there is no nation to resolve for and no source
    catalogue to check citations against; everything else is checked the same.
    """
    problems = Problems()
    shared = _shared(parsed, problems)
    sources, nations = shared
    nation = None
    if nations is not None:
        jurisdiction = jurisdiction or JURISDICTIONS[0]
        nation = nations.nations.get(jurisdiction)
        if nation is None:
            known = ", ".join(nations.nations)
            problems.add("nations.yaml", "(file)", f"has no nation '{jurisdiction}' ({known})")
    references: list[tuple[str, Reference]] = []
    dialogues: list[tuple[str, DialogueFile]] = []
    quiz_files: list[tuple[str, QuizFile]] = []
    case_files: list[tuple[str, CaseFile]] = []
    reference_files = 0
    broken = any(raw is None for raw in parsed.values())
    for name, found in parsed.items():
        if found is None or found["kind"] in ("sources", "nations"):
            continue
        raw = resolve(name, found, jurisdiction if nation else None, nation, problems)
        reference_files += raw["kind"] == "reference"
        length_problems(name, raw, problems)
        if sources is not None:
            source_problems(name, raw, sources, problems)
        try:
            if raw["kind"] == "reference":
                references.append((name, Reference.model_validate(raw)))
            elif raw["kind"] == "quizzes":
                quiz_files.append((name, QuizFile.model_validate(raw)))
            elif raw["kind"] == "cases":
                case_files.append((name, CaseFile.model_validate(raw)))
            else:
                dialogues.append((name, DialogueFile.model_validate(raw)))
        except ValidationError as exc:
            schema_problems(name, exc, problems)
            broken = broken or raw["kind"] == "dialogue"
    if parsed and reference_files != 1:
        problems.add(
            "dialogues",
            "(folder)",
            f"needs one reference file, found {reference_files} (kind: reference, as in the "
            "shipped reference.yaml)",
        )
    reference = references[0][1] if references else None
    if reference is not None:
        name = references[0][0]
        if sorted(reference.rules) != list(range(1, 8)):
            problems.add(name, "rules", "must be the seven golden rules, numbered 1 to 7")
        for topic in reference.topics:
            if not ID_PATTERN.match(topic):
                problems.add(name, topic, "topic id must be lower-case letters, digits and _")
        if nation is not None:
            clash = reference.topics.keys() & nation.topics.keys()
            for topic in sorted(clash):
                problems.add(name, topic, "topic id is also a page of nations.yaml")
            reference = reference.model_copy(
                update={"topics": {**reference.topics, **nation.topics}}
            )
    seen_ids: dict[str, str] = {}
    for name, content in dialogues:
        if content.id in seen_ids:
            problems.add(
                name, "(file)", f"id '{content.id}' is also used by {seen_ids[content.id]}"
            )
        seen_ids[content.id] = name
        graph_problems(name, content, problems)
        if reference is not None:
            reference_problems(name, content, reference, problems)
            if content.content_version != reference.content_version:
                problems.add(
                    name,
                    "(file)",
                    f"content_version {content.content_version} differs from the reference "
                    f"file's {reference.content_version}: records and outcomes would disagree",
                )
    quizzes = _merged(problems, "quiz", [(n, f.quizzes) for n, f in quiz_files])
    for name, quiz_file in quiz_files:
        quiz_problems(name, quiz_file, reference, problems)
    cases = _merged(problems, "case", [(n, f.cases) for n, f in case_files])
    by_id = {content.id: content for _, content in dialogues}
    missing = bool(parsed) and not broken and MAIN_DIALOGUE not in by_id
    if missing:
        problems.add(
            "dialogues",
            "(folder)",
            f"needs the '{MAIN_DIALOGUE}' dialogue (kind: dialogue, id: {MAIN_DIALOGUE}, as in "
            f"the shipped {MAIN_DIALOGUE}.yaml)",
        )
    for name, case_file in case_files:
        case_problems(name, case_file, by_id, problems, quiet=broken or missing)
    if problems.items or reference is None or broken:
        return None, problems.items
    built = {content.id: build_dialogue(name, content) for name, content in dialogues}
    for name, content in dialogues:
        finished = list(paths(built[content.id]))
        for outcome in content.outcomes.keys() - {state.step for state in finished}:
            problems.add(name, outcome, "is on no path once each answer's when: is applied")
        longest = max(finished, key=lambda state: len(state.history), default=None)
        if longest is not None and len(longest.history) > PATH_ANSWERS:
            problems.add(
                name,
                longest.step,
                f"is reached after {len(longest.history)} answers on one path; a decision's "
                f"buttons can carry {PATH_ANSWERS}",
            )
    if problems.items:
        return None, problems.items
    checked = [reference.edition.checked, *([nations.checked] if nations else [])]
    scope = Scope(
        edition=edition,
        title=reference.edition.title,
        jurisdiction=jurisdiction or "",
        nation=nation.name if nation else "",
        checked=min(checked),
    )
    catalogue = sources.sources if sources else {}
    return Library(reference, built, quizzes, cases, scope, catalogue), []


def _shared(parsed: Parsed, problems: Problems) -> tuple[SourcesFile | None, NationsFile | None]:
    """The source catalogue and the nations, if the set has them (one of each at most)."""
    found: dict[str, list[tuple[str, BaseModel]]] = {"sources": [], "nations": []}
    for name, raw in parsed.items():
        if raw is None or raw["kind"] not in found:
            continue
        model = SourcesFile if raw["kind"] == "sources" else NationsFile
        length_problems(name, raw, problems)
        try:
            found[raw["kind"]].append((name, model.model_validate(raw)))
        except ValidationError as exc:
            schema_problems(name, exc, problems)
    for kind, files in found.items():
        if len(files) > 1:
            names = ", ".join(name for name, _ in files)
            problems.add("dialogues", "(folder)", f"needs one {kind} file, found {names}")
    sources = found["sources"][0][1] if found["sources"] else None
    nations = found["nations"][0][1] if found["nations"] else None
    assert sources is None or isinstance(sources, SourcesFile)
    assert nations is None or isinstance(nations, NationsFile)
    if nations is not None:
        name = found["nations"][0][0]
        nations_problems(name, nations, problems)
        raw = parsed[name]
        if sources is not None and raw is not None:
            source_problems(name, raw, sources, problems)
    return sources, nations


_Item = TypeVar("_Item", "Quiz", "Case")


def _merged(
    problems: Problems, kind: str, files: list[tuple[str, dict[str, _Item]]]
) -> dict[str, _Item]:
    """Quizzes (or cases) from every file of that kind; an id used twice is a problem."""
    merged: dict[str, _Item] = {}
    first: dict[str, str] = {}
    for name, items in files:
        for ident, item in items.items():
            if ident in merged:
                problems.add(name, ident, f"{kind} id '{ident}' is also used in {first[ident]}")
                continue
            merged[ident], first[ident] = item, name
    return merged
