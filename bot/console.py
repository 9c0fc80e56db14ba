"""The advice conversation in a terminal: for trying content, training, and scripts (--jsonl).

Stateless between runs and needs no Telegram token. `Console.handle` maps one input line to the
replies as data; `run` is the thin loop that reads lines and prints them as text or JSON lines.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TextIO

from bot import outcome, render, words
from bot.anonymise import redact
from bot.config import Contact
from states import (
    STOP,
    Dialogue,
    Library,
    State,
    Unrecognised,
    Unsure,
    answer,
    back,
    offered,
)

QUIT = {"quit", "exit", "q"}
TOPIC_WORDS = {
    "myths": "myth_buster",
    "myth buster": "myth_buster",
    "who to ask": "seek_advice",
    "law": "where_you_work",
}


@dataclass(frozen=True)
class Reply:
    """One bot turn: what to show, and where the conversation is."""

    blocks: list[render.Block]
    step: str
    choices: tuple[tuple[str, str], ...] = ()
    outcome: str | None = None
    rules: tuple[int, ...] = ()
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Console:
    """One practitioner's conversation, driven by typed lines."""

    def __init__(
        self,
        library: Library,
        dialogue: Dialogue,
        contacts: Sequence[Contact],
        today: Callable[[], date] = date.today,
    ) -> None:
        self.library = library
        self.dialogue = dialogue
        self.contacts = contacts
        self.today = today
        self.state = dialogue.start
        self.finished: tuple[State, date] | None = None
        """The last decision reached and its day: its parts can be asked for by name."""

    def opening(self) -> list[Reply]:
        intro = render.Para(self.dialogue.content.intro)
        return [
            Reply([render.Heading(self.dialogue.content.title), intro], self.state.step),
            self.current(),
        ]

    def current(self, error: str | None = None) -> Reply:
        """The question we are at (or the finished outcome's reminder of what to do next)."""
        if not self.dialogue.is_outcome(self.state.step):
            choices = tuple((a.id, a.label) for a in offered(self.dialogue, self.state))
            blocks = render.question(self.dialogue, self.state, numbered=True)
            if error:
                blocks = [render.Para(error), *blocks]
            return Reply(blocks, self.state.step, choices, error=error)
        finished = render.Para(error or words.CONSOLE_FINISHED)
        return Reply([finished], self.state.step, error=error)

    def handle(self, line: str) -> list[Reply]:
        """Apply one typed line and return what the bot says back."""
        typed = line.strip()
        command = render_key(typed)
        if not typed:
            return [self.current()]
        if command in {"restart", "start", "new"}:
            self.state = self.dialogue.start
            return self.opening()
        if command == "back":
            self.state = back(self.state)
            return [self.current()]
        if command == "help":
            return [Reply([render.Para(words.CONSOLE_HELP)], self.state.step), self.current()]
        if command in {"explain", "what does this mean", "what"}:
            if not self.dialogue.is_outcome(self.state.step):
                blocks = render.explain(self.library, self.dialogue, self.state)
                return [Reply(blocks, self.state.step), self.current()]
            return [self.current(words.CONSOLE_NO_EXPLAIN)]
        if command == "rules" or command.startswith("rule "):
            return self._rules(command)
        if command in outcome.PARTS:
            return self._part(command)
        if command == "all sources":
            return [Reply(render.sources(self.library), self.state.step), self.current()]
        if command == "topics":
            names = ", ".join(self.library.reference.topics)
            topics = render.Para(words.CONSOLE_TOPICS.format(names=names))
            return [Reply([topics], self.state.step), self.current()]
        topic = TOPIC_WORDS.get(command, command.replace(" ", "_"))
        if topic in self.library.reference.topics:
            blocks = render.topic(self.library, self.library.reference.topics[topic])
            return [Reply(blocks, self.state.step), self.current()]
        return self._answer(typed)

    def _rules(self, command: str) -> list[Reply]:
        number_text = command.removeprefix("rules").removeprefix("rule").strip()
        if not number_text:
            return [Reply(render.rules(self.library), self.state.step), self.current()]
        if not number_text.isdigit() or int(number_text) not in self.library.reference.rules:
            return [self.current(words.CONSOLE_RULE_USAGE)]
        blocks = render.rules(self.library, int(number_text))
        return [Reply(blocks, self.state.step), self.current()]

    def _answer(self, typed: str) -> list[Reply]:
        if self.dialogue.is_outcome(self.state.step):
            return [self.current()]
        result = answer(self.dialogue, self.state, typed)
        if isinstance(result, Unsure):
            blocks = render.unsure(self.dialogue, self.state, result.note, numbered=True)
            choices = tuple((a.id, a.label) for a in offered(self.dialogue, self.state))
            stop = (STOP, words.STOP_BUTTON)  # last: a typed number picks among the answers
            return [Reply(blocks, self.state.step, (*choices, stop), extra={"unsure": True})]
        if isinstance(result, Unrecognised):
            node = self.dialogue.content.steps[self.state.step]
            shown = len(offered(self.dialogue, self.state))
            how = f"type 1 to {shown}, or the answer" if node.numbered else "type it"
            sorry = words.CONSOLE_NOT_RECOGNISED.format(how=how)
            return [self.current(render.not_an_answer(node, redact(typed).kinds, sorry))]
        self.state = result.state
        return [self._arrived()]

    def _part(self, name: str) -> list[Reply]:
        """A part of the last decision; before any, contacts and sources still answer."""
        if self.finished is None:
            if name == "contacts":
                blocks = render.contact_blocks(self.contacts)
                return [Reply(blocks, self.state.step), self.current()]
            if name == "sources":
                return [Reply(render.sources(self.library), self.state.step), self.current()]
            return [self.current(words.CONSOLE_NO_RECORD)]
        state, day = self.finished
        part = next(p for p in outcome.PARTS if p == name)
        blocks = outcome.part(part, self.library, self.dialogue, state, self.contacts, day)
        return [Reply(blocks, self.state.step), self.current()]

    def _arrived(self) -> Reply:
        if not self.dialogue.is_outcome(self.state.step):
            return self.current()
        today = self.today()
        self.finished = (self.state, today)
        blocks = outcome.summary(self.dialogue, self.state)
        parts = {
            name: render.plain(
                outcome.part(name, self.library, self.dialogue, self.state, self.contacts, today)
            )
            for name in outcome.PARTS
        }
        record = outcome.record(self.library, self.dialogue, self.state, today)
        found = self.dialogue.content.outcomes[self.state.step]
        closing = render.Para(words.CONSOLE_AFTER_OUTCOME)
        scope = self.library.scope
        return Reply(
            [*blocks, closing],
            self.state.step,
            outcome=self.state.step,
            rules=found.rules,
            extra={
                "record": record,
                "parts": parts,
                "edition": scope.edition,
                "jurisdiction": scope.jurisdiction,
            },
        )


def render_key(typed: str) -> str:
    """Fold a typed command so 'Rules', ' RULE 4 ' and 'rule 4.' compare equal."""
    return " ".join(typed.casefold().split()).strip(" .!?").removeprefix("/")


def _text(reply: Reply) -> str:
    return render.plain(reply.blocks)


def _json(reply: Reply) -> str:
    payload: dict[str, Any] = {
        "step": reply.step,
        "text": render.plain(reply.blocks),
        "choices": [{"id": i, "label": label} for i, label in reply.choices],
    }
    if reply.outcome is not None:
        payload |= {"outcome": reply.outcome, "rules": list(reply.rules)}
    if reply.error is not None:
        payload["error"] = reply.error
    payload |= reply.extra
    return json.dumps(payload, ensure_ascii=False)


def _jsonl_input(line: str) -> str | None:
    """The answer in a `{"answer": ...}` line, or None when the line is not one."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return None
    if isinstance(data, dict) and isinstance(data.get("answer"), str):
        return str(data["answer"])
    return None


def run(
    console: Console, *, jsonl: bool, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout
) -> int:
    """Read lines until quit or end of input; print each reply. Returns the exit code."""
    show = _json if jsonl else _text
    separator = "\n" if jsonl else "\n\n"
    prompt = "" if jsonl else "> "

    def emit(replies: list[Reply]) -> None:
        stdout.write(separator.join(show(r) for r in replies) + "\n")
        if prompt:
            stdout.write(prompt)
        stdout.flush()

    emit(console.opening())
    for raw in stdin:
        line = raw.rstrip("\n")
        if jsonl:
            given = _jsonl_input(line)
            if given is None:
                emit([console.current('Each line must be a JSON object like {"answer": "yes"}.')])
                continue
            line = given
        if render_key(line) in QUIT:
            stdout.write(("" if jsonl else words.CONSOLE_GOODBYE) + ("\n" if not jsonl else ""))
            return 0
        emit(console.handle(line))
    return 0
