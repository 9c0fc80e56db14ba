"""The advice conversation's pure core: content models, conversation state and the machine.

Dialogue content lives in YAML under `dialogues/` so that a safeguarding lead can edit it;
`bot.content` reads and validates those files and hands this module plain data. Here they become
immutable models and ONE `transitions.Machine` per dialogue, shared by every conversation.

A conversation is a small immutable `State` (dialogue id, current step, answers so far). `answer`
and `back` take a state and return the next one as data: no I/O, no clock, no Telegram. This
module imports nothing from `bot`; the front ends (console, Telegram), storage and the clock are
adapters around it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
)
from transitions import Machine

ID_PATTERN = re.compile(r"^[a-z0-9_]+$")
_NUMBER = re.compile(r"[0-9]{1,3}")
"""A typed choice by number: ASCII digits only ('²' is a digit to str.isdigit, not to int)."""
_T = TypeVar("_T")
MAIN_DIALOGUE = "advice"
"""The dialogue the console and the Telegram bot start: content without it cannot load."""

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
    when: dict[str, tuple[str, ...]] | None = None
    """Offered only where one of these steps was answered with one of the listed answers."""

    @field_validator("id")
    @classmethod
    def _snake_case(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError("answer id must be lower-case letters, digits and _ only")
        return value


class Wording(_Content):
    """A question's words for one earlier answer (an adult rather than a child, say)."""

    question: str | None = Field(default=None, min_length=1)
    explain: str | None = Field(default=None, min_length=1)


class Versions(_Content):
    """Question wording chosen by the answer to the first of `from_` that was answered."""

    model_config = ConfigDict(populate_by_name=True)

    from_: tuple[str, ...] = Field(alias="from", min_length=1)
    text: dict[str, Wording] = Field(min_length=1)


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
    not_sure: str | None = Field(default=None, min_length=1)
    """What to check and whom to ask, shown at Not sure before the practitioner stops there."""
    versions: Versions | None = None


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
    """A golden rule, word for word (or a summary that says so), with a note on what changed."""

    title: str
    text: str
    source: str
    note: str | None = None
    wording: Literal["verbatim", "summary"] = "verbatim"


class Section(_Content):
    heading: str
    text: str
    source: str
    checked: date | None = None
    """When a statement of law was last checked against the law (required on nation pages)."""


class Topic(_Content):
    """A reference page reachable at any time (definitions, consent, myth buster...)."""

    title: str
    sections: tuple[Section, ...] = Field(min_length=1)


class Checklist(_Content):
    title: str
    items: tuple[str, ...] = Field(min_length=1)
    source: str


class Edition(_Content):
    """Which publication an edition's content follows, and when it was checked against the law."""

    title: str = Field(min_length=1)
    checked: date


class Reference(_Content):
    """The schema of the `kind: reference` file: rules, topics and checklists."""

    kind: Literal["reference"]
    content_version: str
    edition: Edition
    disclaimer: str
    law_update: str
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


class Source(_Content):
    """A publication or law that content cites, as a practitioner is shown it."""

    publisher: str = Field(min_length=1)
    title: str = Field(min_length=1)
    year: StrictInt | None = None
    """None for an undated page."""
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    file: str | None = None
    """The guidance file a reviewer checks quotes in; never shown to practitioners."""
    note: str | None = None


class SourcesFile(_Content):
    """The schema of the shared `kind: sources` file: every source a `source:` may cite."""

    kind: Literal["sources"]
    sources: dict[str, Source] = Field(min_length=1)


class Nation(_Content):
    """One UK jurisdiction: the words its placeholders stand for and its law pages."""

    name: str = Field(min_length=1)
    words: dict[str, str]
    topics: dict[str, Topic] = Field(default_factory=dict)


class NationsFile(_Content):
    """The schema of the shared `kind: nations` file."""

    kind: Literal["nations"]
    checked: date
    nations: dict[str, Nation] = Field(min_length=1)


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


@dataclass(frozen=True, slots=True)
class Unsure:
    """Not sure at a question with a note: show what to check; the state is unchanged."""

    state: State
    note: str


Result = Moved | Unrecognised | Unsure


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


@dataclass(frozen=True, slots=True)
class Scope:
    """Which edition and jurisdiction a library's content is for, and when it was checked."""

    edition: str = ""
    title: str = ""
    jurisdiction: str = ""
    nation: str = ""
    checked: date | None = None


@dataclass(frozen=True, eq=False)
class Dialogue:
    """A validated dialogue and its machine, built once and shared by every conversation."""

    id: str
    file: str
    content: DialogueFile
    machine: Machine
    moves: Mapping[tuple[str, str], tuple[str, tuple[str, str]]]
    typed: Mapping[str, Mapping[str, str]]
    stops: frozenset[str] = frozenset()
    """What a practitioner may type at a Not-sure note to stop there and seek advice."""

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
        for index, pair in enumerate(state.history):
            if pair[0] != step or pair not in self.moves:
                return False
            if not offers(self.content.steps[step], pair[1], state.history[:index]):
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
    scope: Scope = Scope()
    sources: Mapping[str, Source] = field(default_factory=dict)

    def __getitem__(self, dialogue_id: str) -> Dialogue:
        return self.dialogues[dialogue_id]


# --------------------------------------------------------------------------------------------
# Moving through a dialogue


def normalise(text: str) -> str:
    """Fold typed input so 'Not sure.', ' NOT  SURE ' and 'not_sure' compare equal."""
    return " ".join(text.casefold().replace("_", " ").replace("\u2019", "'").split()).strip(" .!")


NOT_SURE = "not_sure"
"""The answer id that means 'Not sure' at every question (a contract with the content)."""
STOP = "stop"
"""The `aliases` key listing what may be typed to stop at a Not-sure note."""


def offers(question: Question, answer_id: str, history: tuple[tuple[str, str], ...]) -> bool:
    """Whether `answer_id` is offered after `history` (an answer's `when` may rule it out)."""
    chosen = next((a for a in question.answers if a.id == answer_id), None)
    if chosen is None or chosen.when is None:
        return chosen is not None
    given = dict(history)
    return any(given.get(step) in ids for step, ids in chosen.when.items())


def offered(dialogue: Dialogue, state: State) -> tuple[Answer, ...]:
    """The answers shown at the current question, in order, on this conversation's path."""
    question = dialogue.content.steps[state.step]
    return tuple(a for a in question.answers if offers(question, a.id, state.history))


def wording(dialogue: Dialogue, state: State) -> tuple[str, str]:
    """The current question and its explanation, in the words for this path (child or adult)."""
    question = dialogue.content.steps[state.step]
    versions = question.versions
    found = _pick(versions.from_, versions.text, state) if versions is not None else None
    if found is None:
        return question.question, question.explain
    return found.question or question.question, found.explain or question.explain


def _pick(steps: tuple[str, ...], choices: Mapping[str, _T], state: State) -> _T | None:
    """The choice keyed by the answer to the first of `steps` that this path answered."""
    answers = dict(state.history)
    for step in steps:
        if step in answers:
            return choices.get(answers[step])
    return None


def answer(dialogue: Dialogue, state: State, given: str, *, stop: bool = False) -> Result:
    """Apply an answer (its id, label, an alias, or its number) to the current question.

    Not sure at a question with a `not_sure` note returns `Unsure` (what to check) unless the
    practitioner has chosen to stop there (`stop`, or typing a stop word).
    """
    question = dialogue.content.steps.get(state.step)
    if question is None:  # an outcome takes no answers
        return Unrecognised(state, given)
    word = normalise(given)
    choice = dialogue.typed[state.step].get(word)
    if question.not_sure is not None and word in dialogue.stops:
        choice, stop = NOT_SURE, True
    elif question.numbered and _NUMBER.fullmatch(word):
        shown = offered(dialogue, state)
        index = int(word) - 1
        choice = shown[index].id if 0 <= index < len(shown) else None
    if choice is None or not offers(question, choice, state.history):
        return Unrecognised(state, given)
    if choice == NOT_SURE and question.not_sure is not None and not stop:
        return Unsure(state, question.not_sure)
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
    return _pick(outcome.variants.from_, outcome.variants.text, state)


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


def typed_forms(content: DialogueFile, question: Question, choice: Answer, number: int) -> set[str]:
    """What a practitioner may type for an answer: its number, id, label or an alias."""
    words = {normalise(choice.id), normalise(choice.label)}
    if question.numbered:
        words.add(str(number))
    words.update(normalise(alias) for alias in content.aliases.get(choice.id, ()))
    return words


def build_dialogue(file: str, content: DialogueFile) -> Dialogue:
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
            for word in typed_forms(content, question, choice, number)
        }
    stops = frozenset(normalise(word) for word in content.aliases.get(STOP, ()))
    return Dialogue(content.id, file, content, machine, moves, typed, stops)


def paths(dialogue: Dialogue) -> Iterator[State]:
    """Every finished conversation: each path from the start to an outcome, `when` respected."""
    pending = [dialogue.start]
    while pending:
        state = pending.pop()
        if dialogue.is_outcome(state.step):
            yield state
            continue
        visited = {step for step, _ in state.history}
        for choice in reversed(offered(dialogue, state)):
            dest, pair = dialogue.moves[(state.step, choice.id)]
            if dest not in visited and dest != state.step:
                pending.append(State(state.dialogue, dest, (*state.history, pair)))


def positions(dialogue: Dialogue, state: State) -> tuple[int, ...]:
    """Each answer of `state` as its place among its question's answers: a compact path."""
    return tuple(
        next(i for i, a in enumerate(dialogue.content.steps[step].answers) if a.id == answer_id)
        for step, answer_id in state.history
    )


def from_positions(dialogue: Dialogue, places: tuple[int, ...]) -> State | None:
    """The conversation those answer places lead to, or None if this content has no such path."""
    state = dialogue.start
    for place in places:
        question = dialogue.content.steps.get(state.step)
        if question is None or place >= len(question.answers):
            return None
        choice = question.answers[place].id
        if not offers(question, choice, state.history):
            return None
        dest, pair = dialogue.moves[(state.step, choice)]
        state = State(state.dialogue, dest, (*state.history, pair))
    return state


def citations(source: str) -> tuple[tuple[str, str], ...]:
    """A `source:` text as (source key, section) pairs: 'key: section; key: section'."""
    found = []
    for part in source.split(";"):
        key, _, section = part.strip().partition(": ")
        if key:
            found.append((key.strip(), section.strip()))
    return tuple(found)
