"""Checks of the training content: quiz statements and case walks through their dialogue."""

from __future__ import annotations

from collections.abc import Mapping

from bot.content.limits import BUTTON_TEXT_CHARS, TRAINING_ID_BYTES, TRAINING_MAX_ITEMS
from bot.content.problems import Problems
from states import ID_PATTERN, CaseFile, DialogueFile, QuizFile, Reference

ONE_LINE_CHARS = 300
"""A quiz explanation is one line of at most this many characters."""


def _id_problems(file: str, kind: str, ident: str, problems: Problems) -> None:
    if not ID_PATTERN.match(ident):
        problems.add(file, ident, f"{kind} id must be lower-case letters, digits and _ only")
    if len(ident.encode()) > TRAINING_ID_BYTES:
        problems.add(
            file,
            ident,
            f"{kind} id is {len(ident.encode())} bytes; Telegram button data allows "
            f"{TRAINING_ID_BYTES}",
        )


def _title_problems(file: str, where: str, title: str, problems: Problems) -> None:
    if len(title) > BUTTON_TEXT_CHARS:
        problems.add(
            file,
            where,
            f"title is {len(title)} characters; a button shows {BUTTON_TEXT_CHARS} at most",
        )


def quiz_problems(
    file: str, content: QuizFile, reference: Reference | None, problems: Problems
) -> None:
    """Ids, rule numbers, topics, one-line explanations and the button data budget."""
    for quiz_id, quiz in content.quizzes.items():
        _id_problems(file, "quiz", quiz_id, problems)
        _title_problems(file, quiz_id, quiz.title, problems)
        if len(quiz.statements) > TRAINING_MAX_ITEMS:
            problems.add(
                file,
                quiz_id,
                f"has {len(quiz.statements)} statements; a quiz can have {TRAINING_MAX_ITEMS}",
            )
        seen: set[str] = set()
        for statement in quiz.statements:
            where = f"{quiz_id}.{statement.id}"
            if not ID_PATTERN.match(statement.id):
                problems.add(file, where, "statement id must be lower-case letters, digits and _")
            if statement.id in seen:
                problems.add(file, where, f"statement id '{statement.id}' appears twice")
            seen.add(statement.id)
            if "\n" in statement.explain.strip():
                problems.add(file, where, "explain: must be one line (no line breaks)")
            if len(statement.explain) > ONE_LINE_CHARS:
                problems.add(
                    file,
                    where,
                    f"explain: is {len(statement.explain)} characters; keep it to one line of "
                    f"at most {ONE_LINE_CHARS}",
                )
            if reference is None:
                continue
            for number in statement.rules:
                if number not in reference.rules:
                    problems.add(file, where, f"rule {number} does not exist (rules are 1 to 7)")
            if statement.topic is not None and statement.topic not in reference.topics:
                problems.add(file, where, f"topic '{statement.topic}' is not in the reference file")


def case_problems(
    file: str,
    content: CaseFile,
    dialogues: Mapping[str, DialogueFile],
    problems: Problems,
    *,
    quiet: bool = False,
) -> None:
    """Each case's answers must walk its dialogue from the start to the outcome it states.

    `quiet`: a missing dialogue is already reported (a broken or absent file), so every case
    that uses it would only repeat that.
    """
    for case_id, case in content.cases.items():
        _id_problems(file, "case", case_id, problems)
        _title_problems(file, case_id, case.title, problems)
        dialogue = dialogues.get(case.dialogue)
        if dialogue is None:
            if not quiet:
                problems.add(file, case_id, f"dialogue '{case.dialogue}' does not exist")
            continue
        if case.outcome not in dialogue.outcomes:
            problems.add(
                file, case_id, f"outcome '{case.outcome}' is not an outcome of the dialogue"
            )
        keys = [item for item in case.walk if item.key]
        if not keys:
            problems.add(file, case_id, "needs at least one key question (an answer with 'says')")
        if len(keys) > TRAINING_MAX_ITEMS:
            problems.add(
                file,
                case_id,
                f"has {len(keys)} key questions; a case can have {TRAINING_MAX_ITEMS}",
            )
        here = dialogue.start
        for number, item in enumerate(case.walk, 1):
            where = f"{case_id}.walk {number} ({item.step})"
            if item.key and (item.quote is None or item.source is None):
                problems.add(file, where, "a key question ('says') needs 'quote' and 'source' too")
            if not item.key and (item.quote is not None or item.source is not None):
                problems.add(file, where, "'quote' and 'source' belong with 'says'")
            question = dialogue.steps.get(here)
            if question is None:
                problems.add(file, where, f"the walk has already reached the outcome '{here}' here")
                break
            if item.step != here:
                problems.add(file, where, f"the dialogue is at '{here}' here, not '{item.step}'")
                break
            chosen = next((a for a in question.answers if a.id == item.answer), None)
            if chosen is None:
                known = ", ".join(a.id for a in question.answers)
                problems.add(
                    file, where, f"'{item.answer}' is not an answer of '{here}' (answers: {known})"
                )
                break
            here = chosen.next
        else:
            if here != case.outcome:
                problems.add(
                    file, case_id, f"the walk ends at '{here}', not at its outcome '{case.outcome}'"
                )
