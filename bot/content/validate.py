"""Validate a whole set of dialogue files at once, so one run reports every problem."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from pydantic import ValidationError

from bot.content.graph import graph_problems
from bot.content.parse import parse
from bot.content.problems import Problems, length_problems, schema_problems
from bot.content.reference import reference_problems
from bot.content.training import case_problems, quiz_problems
from states import (
    ID_PATTERN,
    MAIN_DIALOGUE,
    Case,
    CaseFile,
    DialogueFile,
    Library,
    Quiz,
    QuizFile,
    Reference,
    build_dialogue,
)


def validate(texts: Mapping[str, str]) -> tuple[Library | None, list[str]]:
    """Validate dialogue files given as {file name: YAML text}; pure, so tests need no disk."""
    problems = Problems()
    references: list[tuple[str, Reference]] = []
    dialogues: list[tuple[str, DialogueFile]] = []
    quiz_files: list[tuple[str, QuizFile]] = []
    case_files: list[tuple[str, CaseFile]] = []
    reference_files = 0
    broken = False  # a dialogue file, or a file of unknown kind, did not load
    for name, text in texts.items():
        raw = parse(name, text, problems)
        if raw is None:
            broken = True
            continue
        reference_files += raw["kind"] == "reference"
        length_problems(name, raw, problems)
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
    if texts and reference_files != 1:
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
    quizzes = _merged(problems, "quiz", [(n, f.quizzes) for n, f in quiz_files])
    for name, quiz_file in quiz_files:
        quiz_problems(name, quiz_file, reference, problems)
    cases = _merged(problems, "case", [(n, f.cases) for n, f in case_files])
    by_id = {content.id: content for _, content in dialogues}
    missing = bool(texts) and not broken and MAIN_DIALOGUE not in by_id
    if missing:
        problems.add(
            "dialogues",
            "(folder)",
            f"needs the '{MAIN_DIALOGUE}' dialogue (kind: dialogue, id: {MAIN_DIALOGUE}, as in "
            f"the shipped {MAIN_DIALOGUE}.yaml)",
        )
    for name, case_file in case_files:
        case_problems(name, case_file, by_id, problems, quiet=broken or missing)
    if problems.items or reference is None:
        return None, problems.items
    built = {content.id: build_dialogue(name, content) for name, content in dialogues}
    return Library(reference, built, quizzes, cases), []


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
