"""Crash safety, end to end: SIGKILL the bot at random moments during many conversations.

Practitioners (20 at a time, a new one whenever one finishes) follow planned paths through the
advice dialogue against the real `infoshare-bot run` process, while a killer SIGKILLs that
process 30 times at seeded random moments and starts a new one on the same database. Each
practitioner behaves as a person would: presses the button for their planned answer on the
newest message with buttons, or types it (also when trying again: a person who sees nothing
happen types their answer again), waits a while for the bot to acknowledge it, and, when nothing
comes, looks at the chat again and continues from whatever it shows (a question the bot asks
them to confirm is answered like any other). Some are patient: they wait for the bot to move
the chat on rather than try again (for `NUDGE_AFTER` seconds), so that only the bot, through
its outbox, can show them a reply a crash left unshown. The bot runs with its own default for
confirming typed answers.

Afterwards, for every conversation: the stored conversation reached the planned outcome with
exactly the planned answers (none lost, none applied twice, none applied to a question they did
not mean), its transcript holds exactly those steps in order, every answer the practitioner saw
acknowledged is among them, no question was asked again after its answer was acknowledged, the
outcome itself reached the chat without being asked for, and the chat shows the outcome's record.
And while a bot was up, no practitioner was left more than `STRANDED` seconds without the chat
showing where the conversation is (its stored question with buttons, or its outcome; checked
against the database): the outbox shows what a crash left unshown.

A safeguarding lead is configured too: every conversation that reached an urgent outcome must
reach the lead as an alert naming its transcript (none lost), and no other alert may come. An
alert is sent at least once: a kill after Telegram took it and before the bot noted it sent (here
up to `SEND_LATENCY`, as the emulator stores a message even when its sender died waiting) makes a
second. So an alert may come twice only if its first claim was cut short by a kill: it was
claimed again when that claim's lease ran out (its `attempts` in the database is 2 or more).

Two deployments: long polling on SQLite (the default) and a webhook on PostgreSQL (skipped when
INFOSHARE_TEST_POSTGRES_URL is unset). Counts go to the test output. INFOSHARE_CRASH_SEED
changes the random choices (kill moments, paths, typing, pauses); the same seed makes the same
choices, though the bot's timing still varies from run to run.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot import words
from bot.storage import SqlStore
from bot.storage.sql import driver_url
from bot.storage.tables import alerts
from bot.transcripts.model import FREE_TEXT, Filters
from bot.transcripts.pseudonym import load_pseudonyms
from states import Library, Moved, answer
from tests.emulator import Actor, BotMessage, EmulatorClient
from tests.support.conversations import label_for, written_for
from tests.support.e2e import (
    EDITION,
    RECORD_HEADING,
    BotProcess,
    Launcher,
    answers_given,
    question_texts,
    record_lines,
    text_of,
)
from tests.support.storage import postgres_only

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

SEED = int(os.environ.get("INFOSHARE_CRASH_SEED", "20261121"))
SLOTS = 20
"""Practitioners in conversation at once."""
KILLS = 30
"""SIGKILL/restart cycles per run."""
ALIVE = (0.3, 2.0)
"""How long (seconds) the bot runs between its start and the next SIGKILL."""
ACK_WAIT = (1.5, 3.0)
"""How long a practitioner waits for the bot to acknowledge an answer before looking again."""
THINK = (0.05, 0.4)
"""A practitioner's pause before each answer."""
TYPE_RATE = 0.35
"""How often a practitioner types (rather than presses) their answer on a first attempt."""
PATIENT_RATE = 0.4
"""How many practitioners wait for the bot rather than try again when nothing happens."""
TYPE_AGAIN_RATE = 0.5
"""How often one who saw nothing happen types their answer again (rather than pressing)."""
STRANDED = 5.0
"""Seconds a practitioner may be left with nothing to act on while a bot is up."""
NUDGE_AFTER = 8.0
"""Seconds with nothing to act on (while a bot is up) before a practitioner sends something."""
SEND_LATENCY = 0.2
"""Seconds each sendMessage takes to reach the emulated Telegram (dropped if the bot dies)."""
LOOK_EVERY = 0.1
ALERTS_SETTLE = 30.0
"""Seconds after the last conversation for the running bot to send the last alerts (an alert
whose sender was killed waits out its 10 s lease first)."""
URGENT = "refer_now"
"""The urgent outcome (the default `urgent_outcomes`) whose alerts the lead must get."""
CONVERSATION_TIMEOUT = 150.0
RUN_TIMEOUT = 420.0
OWED_SHOWN = re.compile(r"outbox: (\d+) owed repl")
"""The sender's log line: how many replies a crash had left unshown it showed."""
CONFIRMING = words.CONFIRM_BUTTON.split("{", 1)[0]
"""How the button confirming a typed answer begins."""
FINISHED = "finished"
"""What a message with the "New decision" button shows: the decision reached its outcome."""


@dataclass(frozen=True)
class Plan:
    """A path to an outcome: (step, answer id, button label, typed words) per question."""

    name: str
    answers: tuple[tuple[str, str, str, str], ...]
    history: tuple[tuple[str, str], ...]
    """The stored conversation's history once every answer is applied once."""
    outcome: str

    @property
    def steps(self) -> list[str]:
        return [step for step, _, _, _ in self.answers]


def plans(library: Library) -> list[Plan]:
    """Every known transcript without a Back, with what the core makes of each answer."""
    advice = library["advice"]
    found = []
    for transcript in written_for(EDITION):
        if any(said == "back" for _, said in transcript.turns):
            continue
        state = advice.start
        answers = []
        for step, said in transcript.turns:
            assert state.step == step, transcript.name
            moved = answer(advice, state, said)
            assert isinstance(moved, Moved), (transcript.name, step, said)
            state = moved.state
            answer_id = state.history[-1][1]
            answers.append((step, answer_id, label_for(library, step, said), said))
        assert state.step == transcript.outcome
        found.append(Plan(transcript.name, tuple(answers), state.history, transcript.outcome))
    return found


@dataclass
class Counts:
    kills: int = 0
    restarts: int = 0
    updates: int = 0
    presses: int = 0
    typed: int = 0
    retried: int = 0
    acknowledged: int = 0
    nudges: int = 0
    typed_again: int = 0
    confirms: int = 0
    records_asked: int = 0
    outcomes_lost: int = 0
    stranded: int = 0
    completed: int = 0


@dataclass
class Uptime:
    """When the bot now running became ready (`None` while none is): waiting is counted from
    then, since nothing can answer while no bot runs."""

    ready_at: float | None = None

    def since(self, moment: float) -> float:
        """Seconds since `moment` that a bot has been up (since its last start)."""
        if self.ready_at is None:
            return 0.0
        return time.monotonic() - max(moment, self.ready_at)


@dataclass
class Person:
    """One practitioner in their private chat, answering as a person would (see the module)."""

    actor: Actor
    plan: Plan
    rng: random.Random
    counts: Counts
    questions: dict[str, tuple[str, ...]]
    uptime: Uptime
    outcome_title: str
    store: SqlStore
    """Read only: where the conversation really is, to tell a silent chat from a lost answer."""
    patient: bool
    """Waits for the bot instead of trying again (until `NUDGE_AFTER`): only the bot can move a
    patient practitioner's chat on, so the outbox's work shows."""
    attempts: dict[str, int] = field(default_factory=dict)
    acknowledged: list[tuple[str, str]] = field(default_factory=list)
    acked_at: dict[str, int] = field(default_factory=dict)
    """Entry -> the newest message id in the chat when its answer was seen acknowledged."""
    problems: list[str] = field(default_factory=list)
    waiting_on: str = ""
    """The question they answered and are waiting to see acknowledged ("" when not waiting)."""
    stranded_since: float | None = None
    """Since when the chat has seemed to offer nothing to act on (None: it offers something)."""

    async def look(self) -> tuple[list[BotMessage], BotMessage | None]:
        """The chat as it is now, and its newest message with buttons; and whether the chat has
        been left showing nothing to act on (see `check_stranded`)."""
        messages = await self.actor.messages()
        with_buttons = [m for m in messages if m.buttons]
        newest = with_buttons[-1] if with_buttons else None
        live = newest is not None and (
            self.shows(newest) == FINISHED or self.shows(newest) not in self.acked_at
        )
        if (live and not self.waiting_on) or not messages:
            self.stranded_since = None
        elif self.stranded_since is None:
            self.stranded_since = time.monotonic()
        if self.stranded() > STRANDED:
            await self.check_stranded()
        return messages, newest

    def stranded(self) -> float:
        """How long the chat has seemed to offer nothing to act on while a bot was up."""
        return 0.0 if self.stranded_since is None else self.uptime.since(self.stranded_since)

    async def check_stranded(self) -> None:
        """After `STRANDED` seconds of a bot being up with nothing new in the chat: does the chat
        show where the conversation is (its stored question, with buttons, or its outcome)? If
        not, the practitioner was stranded. If it does (their answer never reached the bot),
        they had something to act on all along. Checked twice, a second apart, so that a reply
        on its way is not taken for a missing one."""
        for attempt in (1, 2):
            stored = await self.store.load(self.actor.chat_id)
            messages = await self.actor.messages()
            with_buttons = [m for m in messages if m.buttons]
            newest = with_buttons[-1] if with_buttons else None
            shown = self.shows(newest) if newest is not None else None
            if stored is None or stored.step == "":
                fine = True
            elif stored.step == self.plan.outcome or stored.step not in self.questions:
                fine = shown == FINISHED and self.outcome_title in text_of(messages)
            else:
                fine = shown == stored.step
            if fine:
                self.stranded_since = None
                return
            if attempt == 1:
                await asyncio.sleep(1.0)
        if "stranded" not in self.problems:
            self.problems.append("stranded")
            self.counts.stranded += 1
        self.stranded_since = None

    def shows(self, message: BotMessage) -> str:
        """The question a message with buttons asks, or FINISHED."""
        if any("New decision" in row for row in message.buttons):
            return FINISHED
        text = message.text or ""
        found = [step for step, said in self.questions.items() if any(w in text for w in said)]
        assert len(found) == 1, f"not one question in {text!r}"
        return found[0]

    def after(self, step: str) -> str:
        index = self.plan.steps.index(step) + 1
        return self.plan.steps[index] if index < len(self.plan.steps) else FINISHED

    def acknowledge(self, step: str, answer_id: str, newest_id: int) -> None:
        if step not in self.acked_at:
            self.acked_at[step] = newest_id
            self.acknowledged.append((step, answer_id))
            self.counts.acknowledged += 1

    async def pause(self, bounds: tuple[float, float]) -> None:
        await asyncio.sleep(self.rng.uniform(*bounds))

    async def converse(self) -> None:
        """Start, answer every planned question, and see the outcome's record.

        A conversation that goes wrong (off the path, or stuck) is noted and ends here, so
        that every other conversation is still checked and counted.
        """
        try:
            await self.answer_all()
            await self.see_record()
        except AssertionError as failure:
            self.problems.append(f"{failure} (attempts {self.attempts})")

    async def answer_all(self) -> None:
        deadline = time.monotonic() + CONVERSATION_TIMEOUT
        asked = False  # has the bot asked a question yet?
        nothing_since: float | None = None  # since when nothing in the chat could be acted on
        while True:
            if time.monotonic() > deadline:
                raise AssertionError(f"stuck at {self.plan.steps[len(self.acknowledged) :]}")
            messages, newest = await self.look()
            if newest is None or (asked and self.shows(newest) in self.acked_at):
                # Nothing to act on: before the first question, /start (again); later (the bot
                # died before showing the next question), wait for the bot to show it, and only
                # after a long while send something (a sticker only shows where we are).
                nothing_since = nothing_since or time.monotonic()
                if not asked:
                    await self.actor.send("/start")
                elif self.uptime.since(nothing_since) > NUDGE_AFTER:
                    self.counts.nudges += 1
                    await self.actor.send_sticker()
                else:
                    await asyncio.sleep(LOOK_EVERY)
                    continue
                self.counts.updates += 1
                await self.wait(messages, None, "", "")
                continue
            asked = True
            nothing_since = None
            shown = self.shows(newest)
            if shown == FINISHED:
                break
            if any(row[0].startswith(CONFIRMING) for row in newest.buttons[:1]):
                self.counts.confirms += 1  # answered like any question: what they meant
            if shown in self.acked_at and newest.message_id > self.acked_at[shown]:
                lost = f"{shown} asked again after its answer was acknowledged"
                self.problems += [] if lost in self.problems else [lost]
            if shown not in self.plan.steps:
                raise AssertionError(f"asked {shown}, which is not on the path")
            step, answer_id, label, typed = self.plan.answers[self.plan.steps.index(shown)]
            tried = self.attempts.get(step, 0)
            await self.pause(THINK)
            pressed: BotMessage | None = None
            typing = TYPE_RATE if tried == 0 else TYPE_AGAIN_RATE
            if self.rng.random() < typing:
                await self.actor.send(typed)
                self.counts.typed += 1
                self.counts.typed_again += tried > 0
            else:
                pressed = newest
                try:
                    await self.actor.press(newest, label)
                except AssertionError:  # its keyboard went while we thought: look again
                    continue
                self.counts.presses += 1
                self.counts.retried += tried > 0
            self.attempts[step] = tried + 1
            self.counts.updates += 1
            await self.wait(messages, pressed, step, answer_id)

    async def wait(
        self,
        before: list[BotMessage],
        pressed: BotMessage | None,
        step: str,
        answer_id: str,
    ) -> None:
        """Wait (bounded) until the bot shows something new; note what it acknowledged."""
        top = max((m.message_id for m in before), default=0)
        marked = f"{pressed.text}\n\nYour answer: " if pressed is not None else None
        acted = time.monotonic()
        deadline = acted + self.rng.uniform(*ACK_WAIT)
        self.waiting_on = step if self.patient else ""
        while time.monotonic() < deadline or (
            self.waiting_on and self.uptime.since(acted) < NUDGE_AFTER
        ):
            await asyncio.sleep(LOOK_EVERY)
            if step in self.acked_at:
                self.waiting_on = ""
            messages, newest = await self.look()
            newest_id = max((m.message_id for m in messages), default=0)
            if pressed is not None and marked is not None:
                now = next(m for m in messages if m.message_id == pressed.message_id)
                if now.text is not None and now.text.startswith(marked):
                    label = now.text.removeprefix(marked)
                    expected = self.plan.answers[self.plan.steps.index(step)][2]
                    if label != expected:
                        self.problems.append(f"{step} marked {label!r}, not {expected!r}")
                    self.acknowledge(step, answer_id, newest_id)
            if newest is not None and newest.message_id > top:
                if step and self.shows(newest) == self.after(step):
                    self.acknowledge(step, answer_id, newest_id)
                self.waiting_on = ""
                return
        self.waiting_on = ""

    async def see_record(self) -> None:
        """At the outcome: ask for its record (/record), as one who wants it in the chat does;
        an outcome whose reply never came (lost in a crash) is counted as lost."""
        deadline = time.monotonic() + CONVERSATION_TIMEOUT
        last = self.plan.answers[-1]
        asked = False
        while True:
            messages, _ = await self.look()
            self.acknowledge(last[0], last[1], max(m.message_id for m in messages))
            if RECORD_HEADING in text_of(messages):
                break
            if time.monotonic() > deadline:
                raise AssertionError("no decision record came")
            if not asked and self.outcome_title not in text_of(messages):
                self.counts.outcomes_lost += 1
                self.problems.append("the outcome was saved but never shown")
            asked = True
            await self.actor.send("/record")
            self.counts.updates += 1
            self.counts.records_asked += 1
            wait = time.monotonic() + self.rng.uniform(*ACK_WAIT)
            while time.monotonic() < wait and RECORD_HEADING not in text_of(messages):
                await asyncio.sleep(LOOK_EVERY)
                messages = await self.actor.messages()
        self.counts.completed += 1


@dataclass(frozen=True)
class Variant:
    webhook: bool
    storage_url: str | None


@pytest.fixture(
    params=[
        pytest.param("polling-sqlite"),
        pytest.param("webhook-postgres", marks=[pytest.mark.postgres, postgres_only]),
    ]
)
def variant(request: pytest.FixtureRequest) -> Variant:
    if request.param == "polling-sqlite":
        return Variant(webhook=False, storage_url=None)
    url: str = request.getfixturevalue("postgres_url")
    return Variant(webhook=True, storage_url=url)


async def kill_and_restart(
    launcher: Launcher, variant: Variant, rng: random.Random, counts: Counts, uptime: Uptime
) -> None:
    """SIGKILL the running bot at random moments, restarting it each time; KILLS cycles."""
    bot: BotProcess = launcher.processes[-1]
    for _ in range(KILLS):
        await asyncio.sleep(rng.uniform(*ALIVE))
        assert await bot.stop(signal.SIGKILL) == -signal.SIGKILL
        uptime.ready_at = None
        counts.kills += 1
        bot = await launcher.start(webhook=variant.webhook)
        uptime.ready_at = time.monotonic()
        counts.restarts += 1


ALERTED = re.compile(r"Open the transcript: /t(\d+)")


def attempts_by_transcript(url: str) -> dict[int, int]:
    """How many times each urgent alert was claimed, by its transcript."""
    engine = sa.create_engine(driver_url(url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(alerts.c.transcript_id, alerts.c.attempts)).all()
    finally:
        engine.dispose()
    return {row.transcript_id: row.attempts for row in rows}


async def alerts_settle(lead: Actor, expected: int) -> None:
    """Wait (bounded) until the lead has had `expected` alerts, or `ALERTS_SETTLE` passes."""
    deadline = time.monotonic() + ALERTS_SETTLE
    while time.monotonic() < deadline:
        got = [m for m in await lead.messages() if (m.text or "").startswith("⚠️")]
        if len(got) >= expected:
            return
        await asyncio.sleep(0.25)


async def test_sigkill_at_random_moments_loses_no_acknowledged_answer(
    telegram: EmulatorClient,
    library: Library,
    tmp_path: Path,
    variant: Variant,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed = SEED + (1 if variant.webhook else 0)
    paths = plans(library)
    questions = {s: question_texts(library, s) for s in library["advice"].content.steps}
    titles = {name: o.title for name, o in library["advice"].content.outcomes.items()}
    counts = Counts()
    uptime = Uptime()
    people: list[Person] = []
    # the bot's own default for confirming typed answers, as deployed; no flood control, as the
    # emulator has no flood limits (and its queueing would only slow the run down)
    lead = await telegram.user("Lead")
    launcher = Launcher(
        telegram,
        tmp_path,
        variant.storage_url,
        settings={"rate_limit": False},
        top={"leads": [lead.user_id]},
    )
    killing_done = asyncio.Event()

    async def slot(number: int) -> None:
        rng = random.Random(f"{seed}-{number}")
        await asyncio.sleep(rng.uniform(0, 1.0))
        first = True
        while first or not killing_done.is_set():
            first = False
            actor = await telegram.user(f"Practitioner{number}")
            plan = rng.choice(paths)
            title = titles[plan.outcome]
            person = Person(
                actor,
                plan,
                random.Random(rng.random()),
                counts,
                questions,
                uptime,
                title,
                reader,
                patient=rng.random() < PATIENT_RATE,
            )
            people.append(person)
            await person.converse()

    async def killer() -> None:
        try:
            await kill_and_restart(launcher, variant, random.Random(seed), counts, uptime)
        finally:
            killing_done.set()

    # every reply takes a while to reach Telegram, so that kills fall between saving a move and
    # showing it (a reply lost that way is the outbox's to show)
    await telegram.control("latency", method="sendMessage", seconds=SEND_LATENCY)
    started = time.monotonic()
    try:
        await launcher.start(webhook=variant.webhook)
        uptime.ready_at = time.monotonic()
        await lead.send("/alerts")  # the lead's chat, started before the kills begin
        await lead.wait_for_messages(1, timeout=10.0)
        reader = await launcher.open_store()
        tasks = [
            asyncio.create_task(killer()),
            *(asyncio.create_task(slot(n)) for n in range(SLOTS)),
        ]
        try:
            await asyncio.wait_for(asyncio.gather(*tasks), RUN_TIMEOUT)
            urgent = sum(p.plan.outcome == URGENT for p in people)
            await alerts_settle(lead, urgent)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await reader.close()
    finally:
        await launcher.close()
    elapsed = time.monotonic() - started
    logs = [bot.log_text() for bot in launcher.processes]

    store = await launcher.open_store()
    pseudonyms = load_pseudonyms(tmp_path / "pseudonym.key")
    faults: list[str] = []
    numbers: dict[int, int] = {}
    wrong = lost_acks = 0
    try:
        everything = await store.list_transcripts(Filters(), offset=0, limit=1)
        if everything.total != len(people):
            faults.append(f"{everything.total} transcripts for {len(people)} conversations")
        for person in people:
            where = f"chat {person.actor.chat_id} ({person.plan.name})"
            faults += [f"{where}: {problem}" for problem in person.problems]
            stored = await store.load(person.actor.chat_id)
            if stored is None or (stored.step, stored.history) != (
                person.plan.outcome,
                person.plan.history,
            ):
                got = None if stored is None else (stored.step, stored.history)
                done = () if stored is None else stored.history
                wrong += done != person.plan.history[: len(done)]  # not merely unfinished
                faults.append(f"{where}: stored {got}, planned {person.plan.history}")
            found = await store.list_transcripts(
                Filters(practitioner=pseudonyms.of(person.actor.user_id)), offset=0, limit=5
            )
            if found.total != 1:
                faults.append(f"{where}: {found.total} transcripts, not 1")
            numbers[person.actor.chat_id] = found.items[0].id if found.items else -1
            for summary in found.items:
                transcript = await store.get_transcript(summary.id)
                assert transcript is not None
                # what they typed that answered nothing (a retyped answer after the chat moved
                # on) is noted, not applied: only the answers must be the planned ones
                steps = tuple((s.step, s.answer) for s in transcript.steps if s.answer != FREE_TEXT)
                if (steps, transcript.outcome) != (person.plan.history, person.plan.outcome):
                    faults.append(f"{where}: transcript {steps} -> {transcript.outcome}")
                lost = [a for a in person.acknowledged if a not in steps]
                if lost:
                    faults.append(f"{where}: acknowledged {lost}, not in the transcript")
            history = stored.history if stored is not None else ()
            lost = [a for a in person.acknowledged if a not in history]
            lost_acks += len(lost)
            if lost:
                faults.append(f"{where}: acknowledged {lost}, not in the conversation")
            chat = text_of(await person.actor.messages())
            answered = [(step, label) for step, _, label, _ in person.plan.answers]
            if RECORD_HEADING not in chat:
                faults.append(f"{where}: the chat shows no decision record")
            elif answers_given(chat) != record_lines(library, answered):
                faults.append(f"{where}: the record in the chat says {answers_given(chat)}")
    finally:
        await store.close()

    told = [m.text or "" for m in await lead.messages() if (m.text or "").startswith("⚠️")]
    reclaimed = attempts_by_transcript(launcher.storage_url)
    alerted = [int(n) for text in told for n in ALERTED.findall(text)]
    expected = sorted(numbers[p.actor.chat_id] for p in people if p.plan.outcome == URGENT)
    lost_alerts = [n for n in expected if n not in alerted]
    doubled = len(alerted) - len(set(alerted))
    strays = sorted(set(alerted) - set(expected))
    if lost_alerts:
        faults.append(f"urgent outcomes never alerted: transcripts {lost_alerts}")
    if strays:
        faults.append(f"alerts for transcripts that reached no urgent outcome: {strays}")
    unexplained = sorted(
        n for n in set(alerted) if alerted.count(n) > 1 and reclaimed.get(n, 0) < 2
    )
    if unexplained:
        faults.append(f"alerts sent twice without a kill cutting their claim short: {unexplained}")
    owed_shown = sum(int(n) for log in logs for n in OWED_SHOWN.findall(log))
    redelivered = sum(log.count("was applied before") for log in logs)
    raced = sum(log.count("raced another update") for log in logs)
    errors = sum(" ERROR " in line for log in logs for line in log.splitlines())
    with capsys.disabled():
        print(
            f"\n[crash {'webhook/postgres' if variant.webhook else 'polling/sqlite'}, "
            f"seed {seed}] {elapsed:.1f} s: kills {counts.kills}, restarts {counts.restarts}, "
            f"conversations {len(people)} (completed {counts.completed}), "
            f"updates sent {counts.updates} (presses {counts.presses}, typed {counts.typed}, "
            f"typed again {counts.typed_again}, presses retried {counts.retried}, "
            f"nudges {counts.nudges}, /record {counts.records_asked}), "
            f"typed answers confirmed first {counts.confirms}, "
            f"owed replies shown by the outbox {owed_shown}, "
            f"acknowledgements {counts.acknowledged}, "
            f"lost acknowledged answers {lost_acks}, wrong outcomes {wrong}, "
            f"outcomes saved but never shown {counts.outcomes_lost}, "
            f"patient practitioners {sum(p.patient for p in people)}, "
            f"left over {STRANDED:.0f} s with nothing to act on {counts.stranded}, "
            f"redeliveries recognised {redelivered}, stale-write retries {raced}, "
            f"error log lines {errors}, urgent alerts {len(set(alerted))} of "
            f"{len(expected)} (sent twice {doubled})"
        )
    assert not faults, "\n".join(faults)
    assert counts.kills == KILLS
    assert counts.completed == len(people) >= SLOTS, "every conversation reached its outcome"
