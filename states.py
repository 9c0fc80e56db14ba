"""The advice conversation's pure core: content loading, validation, and the state machine.

Dialogue content lives in YAML under `dialogues/` so that a safeguarding lead can edit it. This
module turns those files into immutable data, validates them as a whole (reporting every problem as
`file: step: message`, because `transitions` only notices bad targets when a user walks into them),
and builds ONE `transitions.Machine` per dialogue, shared by every conversation.

A conversation is a small immutable `State` (dialogue id, current step, answers so far). `answer`
and `back` take a state and return the next one as data: no I/O, no clock, no Telegram. The
front ends (console, Telegram) and storage are adapters around these functions.

The training content (true/false quizzes, case studies walked through a dialogue) is validated
in the same pass, so one `check` reports every problem in every file the same way.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
)
from transitions import Machine

from bot.errors import ContentError

DIALOGUES_DIR = Path(__file__).resolve().parent / "dialogues"
TELEGRAM_TEXT_LIMIT = 4096
"""Telegram refuses messages longer than this (characters after entity parsing)."""
CALLBACK_ANSWER_BYTES = 40
"""Bytes an answer id may take: 64 bytes of callback data less the front end's turn prefix."""
ID_PATTERN = re.compile(r"^[a-z0-9_]+$")
TRAINING_ID_BYTES = 24
"""Bytes a quiz or case id may take in a button's data (64 bytes less the front end's fields)."""
TRAINING_MAX_ITEMS = 40
"""Statements per quiz, and key questions per case, that a button's data can keep track of."""
BUTTON_TEXT_CHARS = 60
"""Quiz and case titles are button labels: longer ones are cut off on a phone."""
ONE_LINE_CHARS = 300
"""A quiz explanation is one line of at most this many characters."""
KINDS = ("dialogue", "reference", "quizzes", "cases")
"""What a file's `kind:` may be."""
MAIN_DIALOGUE = "advice"
"""The dialogue the console and the Telegram bot start: content without it cannot load."""
SECTIONS = frozenset({"steps", "outcomes", "rules", "topics", "checklists", "quizzes", "cases"})
"""Top-level keys whose entries are reported as the `step` of `file: step: message`."""
_STEP_LINE = re.compile(r"""^  (["']?)([^\s"'#:][^"':]*)\1:(\s|$)""")
_TOP_LINE = re.compile(r"^([A-Za-z_]\w*):(\s|$)")

# --------------------------------------------------------------------------------------------
# Content: the YAML schema, as strict immutable models (unknown keys and wrong types are errors)


class _Content(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Answer(_Content):
    """One choice at a question; `record` is its sentence in the decision record."""

    id: str
    label: str = Field(min_length=1)
    next: str
    record: str = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _snake_case(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError("answer id must be lower-case letters, digits and _ only")
        return value


class Question(_Content):
    """A step that asks something; its answers lead to another step or an outcome."""

    short: str = Field(min_length=1)
    question: str = Field(min_length=1)
    explain: str = Field(min_length=1)
    source: str = Field(min_length=1)
    answers: tuple[Answer, ...] = Field(min_length=1)
    numbered: bool = True
    """False where a typed number means something else (an age): no choosing by number."""
    unrecognised: str | None = None
    """Said first whenever typed input is not one of the answers (e.g. 'call 999 now')."""


class Variants(_Content):
    """Extra outcome text chosen by the answer to the first of `from_` that was answered."""

    model_config = ConfigDict(populate_by_name=True)

    from_: tuple[str, ...] = Field(alias="from", min_length=1)
    text: dict[str, str] = Field(min_length=1)


class Outcome(_Content):
    """A terminal step: the decision, the golden rules behind it and what to do next."""

    title: str = Field(min_length=1)
    decision: str = Field(min_length=1)
    explain: str = Field(min_length=1)
    rules: tuple[StrictInt, ...] = Field(min_length=1)
    next_steps: tuple[str, ...] = Field(min_length=1)
    record: str = Field(min_length=1)
    record_fields: tuple[str, ...] = Field(min_length=1)
    source: str = Field(min_length=1)
    checklist: str | None = None
    contacts: bool = False
    shares: bool | None = None
    variants: Variants | None = None


class DialogueFile(_Content):
    """The schema of a `kind: dialogue` file."""

    kind: Literal["dialogue"]
    id: str
    title: str
    content_version: str
    intro: str
    start: str
    aliases: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    steps: dict[str, Question] = Field(min_length=1)
    outcomes: dict[str, Outcome] = Field(min_length=1)


class Rule(_Content):
    """A golden rule, word for word, with a note on what has changed since."""

    title: str
    text: str
    source: str
    note: str | None = None


class Section(_Content):
    heading: str
    text: str
    source: str


class Topic(_Content):
    """A reference page reachable at any time (definitions, consent, myth buster...)."""

    title: str
    sections: tuple[Section, ...] = Field(min_length=1)


class Checklist(_Content):
    title: str
    items: tuple[str, ...] = Field(min_length=1)
    source: str


class Reference(_Content):
    """The schema of the `kind: reference` file: rules, topics and checklists."""

    kind: Literal["reference"]
    content_version: str
    disclaimer: str
    law_update: str
    sources: dict[str, str] = Field(min_length=1)
    rules: dict[int, Rule]
    topics: dict[str, Topic]
    checklists: dict[str, Checklist] = Field(default_factory=dict)


class Statement(_Content):
    """One true/false statement of a quiz, with the course's answer and why."""

    id: str
    text: str = Field(min_length=1)
    answer: StrictBool
    explain: str = Field(min_length=1)
    """One line, drawn from the guidance: shown after every answer."""
    quote: str = Field(min_length=1)
    """The guidance's own words that settle the answer (tests find them in `source`)."""
    source: str = Field(min_length=1)
    rules: tuple[StrictInt, ...] = Field(min_length=1)
    """The golden rules to revisit after a wrong answer."""
    topic: str | None = None
    """A reference page to revisit as well (e.g. consent)."""
    law_note: str | None = None
    """What has changed in the law since, where the statement names it."""


class Quiz(_Content):
    title: str = Field(min_length=1)
    intro: str = Field(min_length=1)
    source: str = Field(min_length=1)
    statements: tuple[Statement, ...] = Field(min_length=1)


class QuizFile(_Content):
    """The schema of a `kind: quizzes` file."""

    kind: Literal["quizzes"]
    quizzes: dict[str, Quiz] = Field(min_length=1)


class CaseStep(_Content):
    """One answer of a case's walk through the dialogue; with `says`, a key question."""

    step: str
    answer: str
    says: str | None = None
    """What the guidance says here: the practitioner decides first, then sees this."""
    quote: str | None = None
    """The guidance's own words behind `says` (tests find them in `source`)."""
    source: str | None = None

    @property
    def key(self) -> bool:
        return self.says is not None


class Case(_Content):
    """An anonymised case study: a story, its walk through the advice, and its outcome."""

    title: str = Field(min_length=1)
    story: str = Field(min_length=1)
    walk: tuple[CaseStep, ...] = Field(min_length=1)
    outcome: str
    lesson: str = Field(min_length=1)
    source: str = Field(min_length=1)
    dialogue: str = "advice"


class CaseFile(_Content):
    """The schema of a `kind: cases` file."""

    kind: Literal["cases"]
    cases: dict[str, Case] = Field(min_length=1)


# --------------------------------------------------------------------------------------------
# Conversation state and what a move returns: plain data, cheap to store and compare

Node = Question | Outcome


@dataclass(frozen=True, slots=True)
class State:
    """Where one conversation is: the answers so far are the whole history."""

    dialogue: str
    step: str
    history: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Moved:
    """The answer was accepted; `state` is the new state and `step` its id."""

    state: State


@dataclass(frozen=True, slots=True)
class Unrecognised:
    """The input is not an answer to the current question; the state is unchanged."""

    state: State
    text: str


Result = Moved | Unrecognised


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """What the practitioner pastes into their own case notes: no identities, only categories."""

    outcome: str
    title: str
    decision: str
    record: str
    reasons: tuple[str, ...]
    answers: tuple[tuple[str, str], ...]
    rules: tuple[int, ...]
    fields: tuple[str, ...]
    content_version: str
    on: date


@dataclass(frozen=True, eq=False)
class Dialogue:
    """A validated dialogue and its machine, built once and shared by every conversation."""

    id: str
    file: str
    content: DialogueFile
    machine: Machine
    moves: Mapping[tuple[str, str], tuple[str, tuple[str, str]]]
    typed: Mapping[str, Mapping[str, str]]

    @property
    def start(self) -> State:
        return State(self.id, self.content.start)

    def node(self, step: str) -> Node:
        """The question or outcome called `step` (KeyError if there is none)."""
        found = self.content.steps.get(step) or self.content.outcomes.get(step)
        if found is None:
            raise KeyError(step)
        return found

    def is_outcome(self, step: str) -> bool:
        return step in self.content.outcomes

    def knows(self, state: State) -> bool:
        """Whether a stored state still fits this content (it may have been edited since).

        The history is replayed from the start: every answer must still exist and lead to the
        next answered step, and the last must lead to the current one.
        """
        if state.dialogue != self.id:
            return False
        step = self.content.start
        for pair in state.history:
            if pair[0] != step or pair not in self.moves:
                return False
            step = self.moves[pair][0]
        return step == state.step

    def node_or_none(self, step: str) -> Node | None:
        return self.content.steps.get(step) or self.content.outcomes.get(step)


@dataclass(frozen=True)
class Library:
    """Everything loaded from a dialogues directory."""

    reference: Reference
    dialogues: Mapping[str, Dialogue]
    quizzes: Mapping[str, Quiz] = field(default_factory=dict)
    cases: Mapping[str, Case] = field(default_factory=dict)

    def __getitem__(self, dialogue_id: str) -> Dialogue:
        return self.dialogues[dialogue_id]


# --------------------------------------------------------------------------------------------
# Moving through a dialogue


def normalise(text: str) -> str:
    """Fold typed input so 'Not sure.', ' NOT  SURE ' and 'not_sure' compare equal."""
    return " ".join(text.casefold().replace("_", " ").replace("\u2019", "'").split()).strip(" .!")


def answer(dialogue: Dialogue, state: State, given: str) -> Result:
    """Apply an answer (its id, label, an alias, or its 1-based number) to the current question."""
    choice = dialogue.typed.get(state.step, {}).get(normalise(given))
    if choice is None:
        return Unrecognised(state, given)
    dest, pair = dialogue.moves[(state.step, choice)]
    return Moved(State(state.dialogue, dest, (*state.history, pair)))


def back(state: State) -> State:
    """Undo the last answer: return to the question it answered (a no-op at the start)."""
    if not state.history:
        return state
    step, _ = state.history[-1]
    return State(state.dialogue, step, state.history[:-1])


def variant_text(dialogue: Dialogue, outcome: Outcome, state: State) -> str | None:
    """The outcome text chosen by earlier answers (e.g. whose consent applies for an age band)."""
    if outcome.variants is None:
        return None
    answers = dict(state.history)
    for step in outcome.variants.from_:
        if step in answers:
            return outcome.variants.text.get(answers[step])
    return None


def decision_record(dialogue: Dialogue, state: State, on: date) -> DecisionRecord:
    """The case-notes record for a finished conversation (`state.step` must be an outcome)."""
    outcome = dialogue.content.outcomes[state.step]
    reasons: list[str] = []
    answered: list[tuple[str, str]] = []
    for step_id, answer_id in state.history:
        question = dialogue.content.steps[step_id]
        chosen = next(a for a in question.answers if a.id == answer_id)
        reasons.append(chosen.record)
        answered.append((question.short, chosen.label))
    return DecisionRecord(
        outcome=state.step,
        title=outcome.title,
        decision=outcome.decision,
        record=outcome.record,
        reasons=tuple(reasons),
        answers=tuple(answered),
        rules=outcome.rules,
        fields=outcome.record_fields,
        content_version=dialogue.content.content_version,
        on=on,
    )


def case_states(dialogue: Dialogue, case: Case) -> tuple[State, ...]:
    """Where a (validated) case's walk stands before each of its answers, then at its outcome."""
    states = [dialogue.start]
    for item in case.walk:
        here = states[-1]
        dest, pair = dialogue.moves[(here.step, item.answer)]
        states.append(State(here.dialogue, dest, (*here.history, pair)))
    return tuple(states)


def machine_config(content: DialogueFile) -> dict[str, Any]:
    """The plain-dict configuration the dialogue's `transitions.Machine` is built from."""
    states: list[dict[str, Any]] = [{"name": step} for step in content.steps]
    states += [{"name": outcome, "final": True} for outcome in content.outcomes]
    transitions = [
        {"trigger": choice.id, "source": step, "dest": choice.next}
        for step, question in content.steps.items()
        for choice in question.answers
    ]
    return {
        "states": states,
        "transitions": transitions,
        "initial": content.start,
        "auto_transitions": False,
        "send_event": False,
    }


def mermaid(dialogue: Dialogue) -> str:
    """The dialogue as a Mermaid state diagram, drawn by transitions' GraphMachine."""
    from transitions.extensions import GraphMachine

    class _Diagram:
        """A throwaway model: GraphMachine draws the graph of its first model."""

    model = _Diagram()
    GraphMachine(
        model=model,
        graph_engine="mermaid",
        title=dialogue.content.title,
        show_conditions=False,
        show_state_attributes=False,
        **machine_config(dialogue.content),
    )
    graph = model.get_graph()  # type: ignore[attr-defined]
    return str(graph.draw(None))


# --------------------------------------------------------------------------------------------
# Loading and validation: every problem, as `file: step: message`


class _Problems:
    """Collects problems with the file and step they belong to."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, file: str, where: str, message: str) -> None:
        self.items.append(f"{file}: {where}: {message}")


def _duplicate_keys(text: str) -> Iterator[tuple[str, int]]:
    """Keys repeated in one YAML mapping (safe_load silently keeps the last one)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    pending = [root] if root is not None else []
    while pending:
        node = pending.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                if key.value in seen:
                    yield key.value, key.start_mark.line + 1
                seen.add(key.value)
                pending.append(value)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)


def _where(loc: tuple[int | str, ...]) -> tuple[str, str]:
    """Split a pydantic error location into (step, the rest) for `file: step: message`."""
    parts = [str(p) for p in loc]
    if len(parts) >= 2 and parts[0] in SECTIONS:
        return parts[1], ".".join(parts[2:])
    return "(file)", ".".join(parts)


def _schema_problems(file: str, error: ValidationError, problems: _Problems) -> None:
    for item in error.errors():
        step, key = _where(item["loc"])
        message = item["msg"]
        if isinstance(item.get("input"), bool):
            message += ' (YAML reads yes/no/on/off as true/false: put the word in quotes, "yes")'
        problems.add(file, step, f"{key}: {message}" if key else message)


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every text in a loaded YAML tree with its key path, for the length check."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}")


def _length_problems(file: str, raw: dict[str, Any], problems: _Problems) -> None:
    for path, text in _strings(raw, ""):
        if len(text) > TELEGRAM_TEXT_LIMIT:
            step, key = _where(tuple(path.split(".")))
            problems.add(file, step, f"{key}: text is {len(text)} characters; Telegram allows 4096")


def _graph_problems(file: str, content: DialogueFile, problems: _Problems) -> None:
    """Targets, reachability, dead ends, duplicate answers: what transitions checks lazily."""
    steps, outcomes = content.steps, content.outcomes
    for both in sorted(steps.keys() & outcomes.keys()):
        problems.add(file, both, "is both a step and an outcome")
    known = steps.keys() | outcomes.keys()
    if content.start not in steps:
        problems.add(file, "(file)", f"start: '{content.start}' is not a step")
    for step, question in steps.items():
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
            for word in _typed_forms(content, question, choice, index):
                if typed.setdefault(word, choice.id) != choice.id:
                    problems.add(
                        file,
                        step,
                        f"typing '{word}' would match both '{typed[word]}' and '{choice.id}'",
                    )
    for alias_id in content.aliases:
        if not any(a.id == alias_id for q in steps.values() for a in q.answers):
            problems.add(file, "(file)", f"aliases: '{alias_id}' is not an answer id of any step")
    for name, outcome in outcomes.items():
        if outcome.variants is None:
            continue
        for source_step in outcome.variants.from_:
            if source_step not in steps:
                problems.add(file, name, f"variants.from: '{source_step}' is not a step")
        ids = {a.id for s in outcome.variants.from_ if s in steps for a in steps[s].answers}
        for key in outcome.variants.text:
            if key not in ids:
                problems.add(file, name, f"variants.text: '{key}' is not an answer of those steps")
    edges = {
        step: [a.next for a in question.answers if a.next in known]
        for step, question in steps.items()
    }
    reachable = _reach(content.start, edges) if content.start in steps else set()
    for step in [*steps, *outcomes]:
        if step not in reachable and content.start in steps:
            problems.add(file, step, "cannot be reached from the start")
    reverse: dict[str, list[str]] = {}
    for step, targets in edges.items():
        for target in targets:
            reverse.setdefault(target, []).append(step)
    finishing = set().union(*(_reach(o, reverse) for o in outcomes))
    for step in steps:
        if step not in finishing:
            problems.add(file, step, "has no way out: no outcome can be reached from it")


def _reach(start: str, edges: Mapping[str, list[str]]) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        for target in edges.get(queue.popleft(), ()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _typed_forms(
    content: DialogueFile, question: Question, choice: Answer, number: int
) -> set[str]:
    """What a practitioner may type for an answer: its number, id, label or an alias."""
    words = {normalise(choice.id), normalise(choice.label)}
    if question.numbered:
        words.add(str(number))
    words.update(normalise(alias) for alias in content.aliases.get(choice.id, ()))
    return words


def _reference_problems(
    file: str, content: DialogueFile, reference: Reference, problems: _Problems
) -> None:
    for name, outcome in content.outcomes.items():
        for number in outcome.rules:
            if number not in reference.rules:
                problems.add(file, name, f"rule {number} does not exist (rules are 1 to 7)")
        if outcome.checklist is not None and outcome.checklist not in reference.checklists:
            problems.add(
                file, name, f"checklist '{outcome.checklist}' is not in the reference file"
            )
        if outcome.shares is not None and 7 not in outcome.rules:
            problems.add(file, name, "a decision to share or not to share must cite rule 7")


def _training_id_problems(file: str, kind: str, ident: str, problems: _Problems) -> None:
    if not ID_PATTERN.match(ident):
        problems.add(file, ident, f"{kind} id must be lower-case letters, digits and _ only")
    if len(ident.encode()) > TRAINING_ID_BYTES:
        problems.add(
            file,
            ident,
            f"{kind} id is {len(ident.encode())} bytes; Telegram button data allows "
            f"{TRAINING_ID_BYTES}",
        )


def _title_problems(file: str, where: str, title: str, problems: _Problems) -> None:
    if len(title) > BUTTON_TEXT_CHARS:
        problems.add(
            file,
            where,
            f"title is {len(title)} characters; a button shows {BUTTON_TEXT_CHARS} at most",
        )


def _quiz_problems(
    file: str, content: QuizFile, reference: Reference | None, problems: _Problems
) -> None:
    """Ids, rule numbers, topics, one-line explanations and the button data budget."""
    for quiz_id, quiz in content.quizzes.items():
        _training_id_problems(file, "quiz", quiz_id, problems)
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


def _case_problems(
    file: str,
    content: CaseFile,
    dialogues: Mapping[str, DialogueFile],
    problems: _Problems,
    *,
    quiet: bool = False,
) -> None:
    """Each case's answers must walk its dialogue from the start to the outcome it states.

    `quiet`: a missing dialogue is already reported (a broken or absent file), so every case
    that uses it would only repeat that.
    """
    for case_id, case in content.cases.items():
        _training_id_problems(file, "case", case_id, problems)
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


def _build(file: str, content: DialogueFile) -> Dialogue:
    moves: dict[tuple[str, str], tuple[str, tuple[str, str]]] = {}
    typed: dict[str, dict[str, str]] = {}
    machine = Machine(model=None, **machine_config(content))
    # The machine is the single source of truth for where an answer leads; the table below is
    # read off its events once so that a move is one dictionary lookup with no per-user model.
    for trigger, event in machine.events.items():
        for source, transitions in event.transitions.items():
            moves[(source, trigger)] = (str(transitions[0].dest), (source, trigger))
    for step, question in content.steps.items():
        typed[step] = {
            word: choice.id
            for number, choice in enumerate(question.answers, 1)
            for word in _typed_forms(content, question, choice, number)
        }
    return Dialogue(content.id, file, content, machine, moves, typed)


def _step_at(text: str, line: int) -> str | None:
    """The step (outcome, rule, topic...) whose block holds `line` (0-based), if any.

    Text that is not valid YAML has no tree to ask, but the files' layout (sections at the left
    margin, their entries indented two spaces) still says which step a broken line is in.
    """
    step: str | None = None
    for row in reversed(text.splitlines()[: line + 1]):
        entry = _STEP_LINE.match(row)
        if step is None and entry is not None:
            step = entry.group(2).strip()
        elif (top := _TOP_LINE.match(row)) is not None:
            return step if top.group(1) in SECTIONS else None
    return None


def _parse(name: str, text: str, problems: _Problems) -> dict[str, Any] | None:
    try:
        raw = yaml.safe_load(text)
        duplicates = list(_duplicate_keys(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        start = getattr(exc, "context_mark", None) or mark
        step = _step_at(text, start.line) if start is not None else None
        if step is not None:
            where = f"{step} ({where})"
        problems.add(name, where, f"is not valid YAML: {getattr(exc, 'problem', exc)}")
        return None
    for key, line in duplicates:
        problems.add(name, f"line {line}", f"key '{key}' appears twice in the same place")
    if raw is None:
        problems.add(name, "(file)", "is empty (or all comments): it needs at least kind:")
        return None
    if not isinstance(raw, dict) or raw.get("kind") not in KINDS:
        problems.add(name, "(file)", "kind: must be 'dialogue', 'reference', 'quizzes' or 'cases'")
        return None
    return raw


def check(directory: Path = DIALOGUES_DIR) -> tuple[Library | None, list[str]]:
    """Read and validate every `*.yaml` in `directory`; return the library and every problem."""
    if not directory.is_dir():
        problem = "is not a folder" if directory.exists() else "does not exist"
        return None, [f"{directory}: (folder): {problem}"]
    texts: dict[str, str] = {}
    unreadable: list[str] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            texts[path.name] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            unreadable.append(f"{path.name}: (file): cannot be read as UTF-8 text: {exc}")
    if not texts and not unreadable:
        unreadable.append(f"{directory}: (folder): has no .yaml dialogue files")
    library, problems = validate(texts)
    if unreadable:
        return None, unreadable + problems
    return library, problems


def validate(texts: Mapping[str, str]) -> tuple[Library | None, list[str]]:
    """Validate dialogue files given as {file name: YAML text}; pure, so tests need no disk."""
    problems = _Problems()
    references: list[tuple[str, Reference]] = []
    dialogues: list[tuple[str, DialogueFile]] = []
    quiz_files: list[tuple[str, QuizFile]] = []
    case_files: list[tuple[str, CaseFile]] = []
    reference_files = 0
    broken = False  # a dialogue file, or a file of unknown kind, did not load
    for name, text in texts.items():
        raw = _parse(name, text, problems)
        if raw is None:
            broken = True
            continue
        reference_files += raw["kind"] == "reference"
        _length_problems(name, raw, problems)
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
            _schema_problems(name, exc, problems)
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
        _graph_problems(name, content, problems)
        if reference is not None:
            _reference_problems(name, content, reference, problems)
    quizzes = _merged(problems, "quiz", [(n, f.quizzes) for n, f in quiz_files])
    for name, quiz_file in quiz_files:
        _quiz_problems(name, quiz_file, reference, problems)
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
        _case_problems(name, case_file, by_id, problems, quiet=broken or missing)
    if problems.items or reference is None:
        return None, problems.items
    built = {content.id: _build(name, content) for name, content in dialogues}
    return Library(reference, built, quizzes, cases), []


_Item = TypeVar("_Item", "Quiz", "Case")


def _merged(
    problems: _Problems, kind: str, files: list[tuple[str, dict[str, _Item]]]
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


def load_library(directory: Path = DIALOGUES_DIR) -> Library:
    """Load and validate the dialogues, or raise `ContentError` listing every problem."""
    library, problems = check(directory)
    if library is None:
        raise ContentError(problems)
    return library
