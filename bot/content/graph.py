"""Checks of a dialogue's shape: targets, reachability, dead ends, duplicate answers, labels.

`transitions` only notices a bad target when a user walks into it; these find every one first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from bot.content.limits import (
    ANSWERS_PER_QUESTION,
    BUTTON_TEXT_CHARS,
    CALLBACK_ANSWER_BYTES,
)
from bot.content.problems import Problems
from states import NOT_SURE, STOP, DialogueFile, normalise, typed_forms


def graph_problems(file: str, content: DialogueFile, problems: Problems) -> None:
    """Targets, reachability, dead ends, duplicate answers: what transitions checks lazily."""
    steps, outcomes = content.steps, content.outcomes
    for both in sorted(steps.keys() & outcomes.keys()):
        problems.add(file, both, "is both a step and an outcome")
    known = steps.keys() | outcomes.keys()
    if content.start not in steps:
        problems.add(file, "(file)", f"start: '{content.start}' is not a step")
    for step, question in steps.items():
        if len(question.answers) > ANSWERS_PER_QUESTION:
            problems.add(
                file,
                step,
                f"has {len(question.answers)} answers; a question can have "
                f"{ANSWERS_PER_QUESTION} at most",
            )
        seen_ids: set[str] = set()
        typed: dict[str, str] = {}
        for index, choice in enumerate(question.answers, 1):
            if choice.id in seen_ids:
                problems.add(file, step, f"answer '{choice.id}' appears twice")
            seen_ids.add(choice.id)
            if choice.next not in known:
                problems.add(
                    file, step, f"answer '{choice.id}' leads to unknown step '{choice.next}'"
                )
            if len(choice.label) > BUTTON_TEXT_CHARS:
                problems.add(
                    file,
                    step,
                    f"answer '{choice.id}': label is {len(choice.label)} characters; a button "
                    f"shows {BUTTON_TEXT_CHARS} at most",
                )
            if len(choice.id.encode()) > CALLBACK_ANSWER_BYTES:
                problems.add(
                    file,
                    step,
                    f"answer id '{choice.id}' is {len(choice.id.encode())} bytes; "
                    f"Telegram button data allows {CALLBACK_ANSWER_BYTES}",
                )
            for word in typed_forms(content, question, choice, index):
                if typed.setdefault(word, choice.id) != choice.id:
                    problems.add(
                        file,
                        step,
                        f"typing '{word}' would match both '{typed[word]}' and '{choice.id}'",
                    )
    for alias_id in content.aliases:
        if alias_id != STOP and not any(
            a.id == alias_id for q in steps.values() for a in q.answers
        ):
            problems.add(file, "(file)", f"aliases: '{alias_id}' is not an answer id of any step")
    _condition_problems(file, content, problems)
    for name, outcome in outcomes.items():
        if outcome.variants is not None:
            _chosen_by(
                file,
                name,
                "variants",
                content,
                outcome.variants.from_,
                outcome.variants.text,
                problems,
            )
    for step, question in steps.items():
        if question.versions is not None:
            _chosen_by(
                file,
                step,
                "versions",
                content,
                question.versions.from_,
                question.versions.text,
                problems,
            )
    edges = {
        step: [a.next for a in question.answers if a.next in known]
        for step, question in steps.items()
    }
    reachable = reach(content.start, edges) if content.start in steps else set()
    for step in [*steps, *outcomes]:
        if step not in reachable and content.start in steps:
            problems.add(file, step, "cannot be reached from the start")
    reverse: dict[str, list[str]] = {}
    for step, targets in edges.items():
        for target in targets:
            reverse.setdefault(target, []).append(step)
    finishing = set().union(*(reach(o, reverse) for o in outcomes))
    for step in steps:
        if step not in finishing:
            problems.add(file, step, "has no way out: no outcome can be reached from it")


def reach(start: str, edges: Mapping[str, list[str]]) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        for target in edges.get(queue.popleft(), ()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _chosen_by(
    file: str,
    name: str,
    key: str,
    content: DialogueFile,
    from_: tuple[str, ...],
    text: Mapping[str, object],
    problems: Problems,
) -> None:
    """`variants` and `versions` name earlier steps, and answers of those steps."""
    steps = content.steps
    for source_step in from_:
        if source_step not in steps:
            problems.add(file, name, f"{key}.from: '{source_step}' is not a step")
    ids = {a.id for s in from_ if s in steps for a in steps[s].answers}
    for answer_id in text:
        if answer_id not in ids:
            problems.add(file, name, f"{key}.text: '{answer_id}' is not an answer of those steps")


def _condition_problems(file: str, content: DialogueFile, problems: Problems) -> None:
    """`when` names real answers; a Not-sure note has a Not sure to follow; stop is unambiguous."""
    steps = content.steps
    stops = {normalise(word) for word in content.aliases.get(STOP, ())}
    for step, question in steps.items():
        for choice in question.answers:
            for source_step, ids in (choice.when or {}).items():
                known = {a.id for a in steps[source_step].answers} if source_step in steps else None
                if known is None:
                    problems.add(
                        file, step, f"answer '{choice.id}': when: '{source_step}' is not a step"
                    )
                for answer_id in ids:
                    if known is not None and answer_id not in known:
                        problems.add(
                            file,
                            step,
                            f"answer '{choice.id}': when: '{answer_id}' is not an answer of "
                            f"'{source_step}'",
                        )
        if question.not_sure is None:
            continue
        if not any(a.id == NOT_SURE for a in question.answers):
            problems.add(file, step, f"not_sure: the note needs an answer with id {NOT_SURE}")
        if not stops:
            problems.add(file, step, f"not_sure: aliases needs '{STOP}:' words to stop at a note")
        for index, choice in enumerate(question.answers, 1):
            clash = stops & typed_forms(content, question, choice, index)
            if clash:
                problems.add(
                    file,
                    step,
                    f"typing '{sorted(clash)[0]}' would both stop and answer '{choice.id}'",
                )
