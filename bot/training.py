"""Quizzes and case studies as plain data and blocks: no Telegram, no I/O.

A quiz or case in progress lives entirely in its buttons. Each answer button carries where the
run is (the quiz or case, how far it has got, which answers were wrong so far) and a short
keyed signature over that, the chat it was sent to and a fingerprint of the content. A press
is therefore checked without storing anything: a forged, altered or moved payload, or one sent
before the content was edited, fails the signature. Only quiz answers are stored, for leads'
statistics (`bot.transcripts.model.QuizAnswer`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from pydantic import BaseModel

from bot import render
from bot.transcripts.model import QuizStats
from states import (
    TRAINING_ID_BYTES,
    TRAINING_MAX_ITEMS,
    Case,
    CaseStep,
    Dialogue,
    Library,
    Question,
    Quiz,
    Statement,
    case_states,
)

MAX_BYTES: Final = 64
"""Telegram's limit on a button's callback data."""
SIGNATURE_CHARS: Final = 8
"""48 bits of HMAC-SHA256, base64url: guessing one takes about 10^14 tries."""
MASK_CHARS: Final = (TRAINING_MAX_ITEMS + 3) // 4
QUIZ_MENU: Final = "qm"
CASE_MENU: Final = "cm"
_ID = rf"[a-z0-9_]{{1,{TRAINING_ID_BYTES}}}"
_SIG = rf"[A-Za-z0-9_-]{{{SIGNATURE_CHARS}}}"
_START = re.compile(rf"^([qc])s:({_ID})$")
_QUIZ_ANSWER = re.compile(rf"^qa:({_ID}):(\d{{1,2}}):([tf]):([0-9a-f]{{1,{MASK_CHARS}}}):({_SIG})$")
_CASE_ANSWER = re.compile(rf"^ca:({_ID}):(\d{{1,2}}):(\d):([0-9a-f]{{1,{MASK_CHARS}}}):({_SIG})$")
STATS_TOP: Final = 5
"""How many of the most often wrong statements /stats lists."""


# ---- where a run is, as carried by its buttons -------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuizPress:
    """A True/False press: statement `index` of `quiz`, and the wrong answers before it."""

    quiz: str
    index: int
    said: bool
    wrong: int
    """Bit i set: statement i was answered wrongly."""


@dataclass(frozen=True, slots=True)
class CasePress:
    """An answer to key question `index` of `case` (`choice`: the answer's position)."""

    case: str
    index: int
    choice: int
    missed: int
    """Bit i set: key question i was answered differently from the guidance."""


@dataclass(frozen=True, slots=True)
class Start:
    """Open a quiz ('q') or case ('c'); with no `item`, the list of them."""

    kind: str
    item: str | None = None


Press = QuizPress | CasePress | Start


def fingerprint(*items: BaseModel) -> str:
    """Changes whenever this content is edited, so buttons sent before an edit stop working."""
    digest = hashlib.sha256()
    for item in items:
        digest.update(item.model_dump_json().encode())
    return digest.hexdigest()[:16]


def _case_content(library: Library, case: Case) -> str:
    """A case's buttons depend on the case and on its dialogue's questions and answers."""
    return fingerprint(case, library.dialogues[case.dialogue].content)


class Seal:
    """Signs and checks answer buttons; the key never leaves the process."""

    def __init__(self, secret: bytes) -> None:
        self._key = hmac.new(secret, b"infoshare-bot training buttons", hashlib.sha256).digest()

    def _signature(self, chat_id: int, content: str, body: str) -> str:
        mac = hmac.new(self._key, f"{chat_id}|{content}|{body}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).decode()[:SIGNATURE_CHARS]

    def quiz_button(self, chat_id: int, quiz: Quiz, press: QuizPress) -> str:
        body = f"qa:{press.quiz}:{press.index}:{'t' if press.said else 'f'}:{press.wrong:x}"
        return _fits(f"{body}:{self._signature(chat_id, fingerprint(quiz), body)}")

    def case_button(self, chat_id: int, library: Library, press: CasePress) -> str:
        body = f"ca:{press.case}:{press.index}:{press.choice}:{press.missed:x}"
        content = _case_content(library, library.cases[press.case])
        return _fits(f"{body}:{self._signature(chat_id, content, body)}")

    def open(self, data: str | None, chat_id: int, library: Library) -> Press | None:
        """The press `data` describes, or None for anything this bot did not send to this chat
        for the content as it is now."""
        text = data or ""
        if text in (QUIZ_MENU, CASE_MENU):
            return Start(text[0])
        if start := _START.match(text):
            known = library.quizzes if start[1] == "q" else library.cases
            return Start(start[1], start[2]) if start[2] in known else None
        if found := _QUIZ_ANSWER.match(text):
            quiz = library.quizzes.get(found[1])
            body, index, wrong = text.rsplit(":", 1)[0], int(found[2]), int(found[4], 16)
            if quiz is None or index >= len(quiz.statements) or wrong >> index:
                return None
            if not self._valid(found[5], chat_id, fingerprint(quiz), body):
                return None
            return QuizPress(found[1], index, found[3] == "t", wrong)
        if found := _CASE_ANSWER.match(text):
            case = library.cases.get(found[1])
            body, index, missed = text.rsplit(":", 1)[0], int(found[2]), int(found[4], 16)
            if case is None or index >= len(key_steps(case)) or missed >> index:
                return None
            if not self._valid(found[5], chat_id, _case_content(library, case), body):
                return None
            return CasePress(found[1], index, int(found[3]), missed)
        return None

    def _valid(self, signature: str, chat_id: int, content: str, body: str) -> bool:
        return hmac.compare_digest(signature, self._signature(chat_id, content, body))


def _fits(data: str) -> str:
    if len(data.encode()) > MAX_BYTES:
        raise ValueError("callback data over Telegram's 64 bytes")
    return data


# ---- quizzes -----------------------------------------------------------------------------------


def quiz_menu(library: Library) -> list[render.Block]:
    lines = tuple(f"{q.title} ({len(q.statements)} statements)" for q in library.quizzes.values())
    return [
        render.Heading("Quizzes: true or false?"),
        render.Para(
            "The quizzes from the information sharing e-learning course, one statement at a "
            "time, with the course's answer and where it comes from. Choose one:"
        ),
        render.Bullets(lines),
        render.Para(
            "Your answers are kept without your name, so that safeguarding leads can see which "
            "statements people find hard. /forget deletes them.",
            italic=True,
        ),
    ]


def quiz_intro(quiz: Quiz) -> list[render.Block]:
    return [render.Heading(f"Quiz: {quiz.title}"), render.Para(quiz.intro)]


def statement_blocks(quiz: Quiz, index: int) -> list[render.Block]:
    statement = quiz.statements[index]
    return [
        render.Heading(f"{index + 1} of {len(quiz.statements)}: true or false?"),
        render.Para(statement.text),
    ]


def truth(value: bool) -> str:
    return "true" if value else "false"


def feedback_blocks(statement: Statement, said: bool) -> list[render.Block]:
    """Right or not, then why (one line from the guidance), any change in the law, the source."""
    verdict = (
        f"Right: it is {truth(statement.answer)}."
        if said == statement.answer
        else f"Not quite: it is {truth(statement.answer)}."
    )
    blocks: list[render.Block] = [render.Para(f"{verdict} {statement.explain}")]
    if statement.law_note:
        blocks.append(render.Para(statement.law_note, italic=True))
    blocks.append(render.Para(f"Source: {statement.source}", italic=True))
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
        render.Heading(f"{quiz.title}: your score"),
        render.Para(f"You got {total - len(missed)} of {total} right."),
    ]
    if not missed:
        blocks.append(render.Para("Every answer matched the course. Well done."))
        return blocks
    blocks.append(render.Heading("To revisit"))
    blocks.append(render.Bullets(tuple(_revisit(library, s, topic_commands) for s in missed)))
    blocks.append(render.Para("/rules shows the seven golden rules in full."))
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
        render.Heading("Case studies"),
        render.Para(
            f"{len(library.cases)} short anonymised cases. At each key question, answer as you "
            "would; then see what the guidance says, and at the end the outcome and the golden "
            "rules behind it. Choose one:"
        ),
    ]


def case_intro(case: Case) -> list[render.Block]:
    return [
        render.Heading(f"Case study: {case.title}"),
        render.Para(case.story),
        render.Para(
            "At each key question, choose what you would answer; then see what the guidance says.",
            italic=True,
        ),
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
    return [render.Para("From the story:"), render.Bullets(tuple(facts))]


def case_question(dialogue: Dialogue, case: Case, index: int) -> list[render.Block]:
    """Key question `index`, preceded by the story's facts since the previous one."""
    keys = key_steps(case)
    since = keys[index - 1] + 1 if index else 0
    question = dialogue.content.steps[case.walk[keys[index]].step]
    return [
        *story_facts(dialogue, case, since, keys[index]),
        render.Heading(f"Key question {index + 1} of {len(keys)}: {question.short}"),
        render.Para(question.question),
    ]


def case_feedback(
    dialogue: Dialogue, item: CaseStep, chosen: str | None
) -> tuple[list[render.Block], bool]:
    """What the guidance says at a key question; whether the practitioner's answer matched."""
    question = dialogue.content.steps[item.step]
    right = _label(question, item.answer)
    matched = chosen == item.answer
    verdict = f"The guidance agrees: {right}." if matched else f"The guidance points to: {right}."
    return [
        render.Para(verdict),
        render.Para(item.says or ""),
        render.Para(f"Source: {item.source}", italic=True),
    ], matched


def case_end(library: Library, dialogue: Dialogue, case: Case, missed: int) -> list[render.Block]:
    """The rest of the story, the outcome with its golden rules, the lesson and the tally."""
    keys = key_steps(case)
    final = case_states(dialogue, case)[-1]
    outcome = dialogue.content.outcomes[final.step]
    matched = len(keys) - bin(missed).count("1")
    return [
        *story_facts(dialogue, case, keys[-1] + 1, len(case.walk)),
        render.Heading(f"Outcome: {outcome.title}"),
        render.Para(outcome.decision),
        render.Heading("Golden rules that apply"),
        render.Bullets(
            tuple(f"Rule {n}: {library.reference.rules[n].title}" for n in outcome.rules)
        ),
        render.Heading("What this case shows"),
        render.Para(case.lesson),
        render.Para(f"You matched the guidance at {matched} of {len(keys)} key questions."),
        render.Para(f"Source: {case.source}", italic=True),
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
    blocks: list[render.Block] = [render.Heading("Quizzes")]
    if not stats.answered:
        return [*blocks, render.Para("No quiz answers in this period.")]
    lines = []
    for quiz_id, quiz in quizzes.items():
        answered = sum(n for (q, _), n in stats.answered.items() if q == quiz_id)
        wrong = sum(n for (q, _), n in stats.wrong.items() if q == quiz_id)
        takers = stats.takers.get(quiz_id, 0)
        if answered:
            lines.append(
                f"{quiz.title}: {takers} {'person' if takers == 1 else 'people'}, "
                f"{answered} answer{'' if answered == 1 else 's'}, "
                f"{_percent(answered - wrong, answered)} right"
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
        return [*blocks, render.Para("No statement was answered wrongly.")]
    blocks.append(render.Heading("Most often answered wrongly (a training need)"))
    blocks.append(
        render.Bullets(
            tuple(
                f"{_percent(wrong, answered)} wrong ({wrong} of {answered}): "
                f"{_statement_words(quizzes, quiz_id, statement_id)}"
                for (quiz_id, statement_id), wrong, answered in hardest
            )
        )
    )
    return blocks


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%"


def _statement_words(quizzes: Mapping[str, Quiz], quiz_id: str, statement_id: str) -> str:
    quiz = quizzes.get(quiz_id)
    found = next((s for s in quiz.statements if s.id == statement_id), None) if quiz else None
    if quiz is None or found is None:
        return f"{quiz_id} / {statement_id} (no longer in the quizzes)"
    return f"“{found.text}” ({truth(found.answer)}; {quiz.title})"
