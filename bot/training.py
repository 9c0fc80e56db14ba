"""Quizzes and case studies as plain data and blocks: no Telegram, no I/O.

A quiz or case in progress lives entirely in its buttons. Each answer button carries where the
run is (the quiz or case, how far it has got, which answers were wrong so far) and a short
keyed signature over that, the chat it was sent to and a fingerprint of the content. A press
is therefore checked without storing anything: a forged, altered or moved payload, or one sent
before the content was edited, fails the signature. Only quiz answers are stored, for leads'
statistics (`bot.transcripts.model.QuizAnswer`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from bot import render, words
from bot.transcripts.model import QuizStats
from bot.transcripts.stats import percent
from states import (
    Answer,
    Case,
    CaseStep,
    Dialogue,
    Library,
    Question,
    Quiz,
    Statement,
    case_states,
    offered,
    wording,
)

STATS_TOP: Final = 5
"""How many of the most often wrong statements /stats lists."""


# ---- quizzes -----------------------------------------------------------------------------------


def quiz_menu(library: Library) -> list[render.Block]:
    lines = tuple(f"{q.title} ({len(q.statements)} statements)" for q in library.quizzes.values())
    return [
        render.Heading(words.QUIZZES_HEADING),
        render.Para(words.QUIZZES_INTRO),
        render.Bullets(lines),
        render.Para(words.QUIZZES_KEPT, italic=True),
    ]


def quiz_intro(quiz: Quiz) -> list[render.Block]:
    return [render.Heading(words.QUIZ_TITLE.format(title=quiz.title)), render.Para(quiz.intro)]


def statement_blocks(quiz: Quiz, index: int) -> list[render.Block]:
    statement = quiz.statements[index]
    return [
        render.Heading(
            words.STATEMENT_HEADING.format(number=index + 1, total=len(quiz.statements))
        ),
        render.Para(statement.text),
    ]


def truth(value: bool) -> str:
    return "true" if value else "false"


def feedback_blocks(library: Library, statement: Statement, said: bool) -> list[render.Block]:
    """Right or not, then why (one line from the guidance), any change in the law, the source."""
    verdict = (words.RIGHT if said == statement.answer else words.NOT_QUITE).format(
        truth=truth(statement.answer)
    )
    blocks: list[render.Block] = [render.Para(f"{verdict} {statement.explain}")]
    if statement.law_note:
        blocks.append(render.Para(statement.law_note, italic=True))
    source = render.cite(library, statement.source)
    blocks.append(render.Para(words.SOURCE.format(source=source), italic=True))
    return blocks


def quiz_end(
    library: Library, quiz: Quiz, wrong: int, topic_commands: Mapping[str, str]
) -> list[render.Block]:
    """The score, and for each mistake the golden rules (and reference page) to revisit.

    `topic_commands` maps a reference topic id to the command that shows it (e.g. myth_buster
    to myths); the front end knows its commands, this module does not.
    """
    total = len(quiz.statements)
    missed = [s for i, s in enumerate(quiz.statements) if wrong >> i & 1]
    blocks: list[render.Block] = [
        render.Heading(words.SCORE_HEADING.format(title=quiz.title)),
        render.Para(words.SCORE.format(right=total - len(missed), total=total)),
    ]
    if not missed:
        blocks.append(render.Para(words.ALL_RIGHT))
        return blocks
    blocks.append(render.Heading(words.TO_REVISIT))
    blocks.append(render.Bullets(tuple(_revisit(library, s, topic_commands) for s in missed)))
    blocks.append(render.Para(words.SEE_ALL_RULES))
    return blocks


def _revisit(library: Library, statement: Statement, topic_commands: Mapping[str, str]) -> str:
    rules = ", ".join(f"{n} ({library.reference.rules[n].title})" for n in statement.rules)
    plural = "s" if len(statement.rules) > 1 else ""
    line = f"“{statement.text}” is {truth(statement.answer)}. Golden rule{plural} {rules}."
    command = topic_commands.get(statement.topic) if statement.topic else None
    if command is not None and statement.topic is not None:
        line += f" See also {library.reference.topics[statement.topic].title}: /{command}"
    return line


# ---- case studies ------------------------------------------------------------------------------


def key_steps(case: Case) -> list[int]:
    """Positions in the walk of the case's key questions."""
    return [i for i, item in enumerate(case.walk) if item.key]


def case_menu(library: Library) -> list[render.Block]:
    return [
        render.Heading(words.CASES_HEADING),
        render.Para(words.CASES_INTRO.format(count=len(library.cases))),
    ]


def case_intro(case: Case) -> list[render.Block]:
    return [
        render.Heading(words.CASE_TITLE.format(title=case.title)),
        render.Para(case.story),
        render.Para(words.CASE_HOW, italic=True),
    ]


def _label(question: Question, answer_id: str) -> str:
    return next(a.label for a in question.answers if a.id == answer_id)


def story_facts(dialogue: Dialogue, case: Case, start: int, stop: int) -> list[render.Block]:
    """The walk's answers from `start` up to `stop` that are facts of the story, not decisions."""
    facts = []
    for item in case.walk[start:stop]:
        question = dialogue.content.steps[item.step]
        facts.append(f"{question.short}: {_label(question, item.answer)}")
    if not facts:
        return []
    return [render.Para(words.FROM_THE_STORY), render.Bullets(tuple(facts))]


def case_choices(dialogue: Dialogue, case: Case, index: int) -> tuple[Answer, ...]:
    """The answers offered at key question `index`, as the case's path reaches it."""
    return offered(dialogue, case_states(dialogue, case)[key_steps(case)[index]])


def case_question(dialogue: Dialogue, case: Case, index: int) -> list[render.Block]:
    """Key question `index`, preceded by the story's facts since the previous one."""
    keys = key_steps(case)
    since = keys[index - 1] + 1 if index else 0
    state = case_states(dialogue, case)[keys[index]]
    question = dialogue.content.steps[state.step]
    asked, _ = wording(dialogue, state)
    return [
        *story_facts(dialogue, case, since, keys[index]),
        render.Heading(
            words.KEY_QUESTION.format(number=index + 1, total=len(keys), short=question.short)
        ),
        render.Para(asked),
    ]


def case_feedback(
    library: Library, dialogue: Dialogue, item: CaseStep, chosen: str | None
) -> tuple[list[render.Block], bool]:
    """What the guidance says at a key question; whether the practitioner's answer matched."""
    question = dialogue.content.steps[item.step]
    right = _label(question, item.answer)
    matched = chosen == item.answer
    verdict = (words.GUIDANCE_AGREES if matched else words.GUIDANCE_POINTS_TO).format(answer=right)
    return [
        render.Para(verdict),
        render.Para(item.says or ""),
        render.Para(words.SOURCE.format(source=render.cite(library, item.source or "")), True),
    ], matched


def case_end(library: Library, dialogue: Dialogue, case: Case, missed: int) -> list[render.Block]:
    """The rest of the story, the outcome with its golden rules, the lesson and the tally."""
    keys = key_steps(case)
    final = case_states(dialogue, case)[-1]
    outcome = dialogue.content.outcomes[final.step]
    matched = len(keys) - bin(missed).count("1")
    return [
        *story_facts(dialogue, case, keys[-1] + 1, len(case.walk)),
        render.Heading(words.CASE_OUTCOME.format(title=outcome.title)),
        render.Para(outcome.decision),
        render.Heading(words.RULES_THAT_APPLY),
        render.Bullets(
            tuple(f"Rule {n}: {library.reference.rules[n].title}" for n in outcome.rules)
        ),
        render.Heading(words.CASE_LESSON),
        render.Para(case.lesson),
        render.Para(words.CASE_SCORE.format(matched=matched, total=len(keys))),
        render.Para(words.SOURCE.format(source=render.cite(library, case.source)), italic=True),
    ]


def next_case(library: Library, case_id: str) -> str:
    """The case after `case_id` in the file's order, wrapping round."""
    ids = list(library.cases)
    return ids[(ids.index(case_id) + 1) % len(ids)]


# ---- statistics for leads ----------------------------------------------------------------------


def quiz_stats_blocks(stats: QuizStats, quizzes: Mapping[str, Quiz]) -> list[render.Block]:
    """For /stats: how many took each quiz and the statements most often answered wrongly.

    Only counts: no pseudonyms, so nothing here points at a practitioner.
    """
    blocks: list[render.Block] = [render.Heading(words.QUIZ_STATS_HEADING)]
    if not stats.answered:
        return [*blocks, render.Para(words.NO_QUIZ_ANSWERS)]
    lines = []
    for quiz_id, quiz in quizzes.items():
        answered = sum(n for (q, _), n in stats.answered.items() if q == quiz_id)
        wrong = sum(n for (q, _), n in stats.wrong.items() if q == quiz_id)
        takers = stats.takers.get(quiz_id, 0)
        if answered:
            lines.append(
                f"{quiz.title}: {takers} {'person' if takers == 1 else 'people'}, "
                f"{answered} answer{'' if answered == 1 else 's'}, "
                f"{percent((answered - wrong) / answered)} right"
            )
        else:
            lines.append(f"{quiz.title}: not taken")
    blocks.append(render.Bullets(tuple(lines)))
    hardest = sorted(
        ((key, stats.wrong.get(key, 0), n) for key, n in stats.answered.items()),
        key=lambda row: (-row[1] / row[2], -row[1], row[0]),
    )
    hardest = [row for row in hardest if row[1]][:STATS_TOP]
    if not hardest:
        return [*blocks, render.Para(words.NONE_WRONG)]
    blocks.append(render.Heading(words.MOST_WRONG))
    blocks.append(
        render.Bullets(
            tuple(
                f"{percent(wrong / answered)} wrong ({wrong} of {answered}): "
                f"{_statement_words(quizzes, quiz_id, statement_id)}"
                for (quiz_id, statement_id), wrong, answered in hardest
            )
        )
    )
    return blocks


def _statement_words(quizzes: Mapping[str, Quiz], quiz_id: str, statement_id: str) -> str:
    quiz = quizzes.get(quiz_id)
    found = next((s for s in quiz.statements if s.id == statement_id), None) if quiz else None
    if quiz is None or found is None:
        return f"{quiz_id} / {statement_id} (no longer in the quizzes)"
    return f"“{found.text}” ({truth(found.answer)}; {quiz.title})"
