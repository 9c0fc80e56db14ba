"""Helpers for the end-to-end suite: the real `infoshare-bot run` process against the emulator
(and `infoshare-bot desk`, the leads' web desk, beside it on the same config and database).

The bot runs as its own OS process (`python -m bot.cli --config FILE run`), talks HTTP to the
Bot API emulator (`tests.emulator.spawn`, another process) and keeps state in an SQLite file, so
these tests see exactly what an administrator would deploy: the CLI, config validation, logging
set-up, signal handling and storage. Every wait is bounded; every process is stopped on exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from bot import words
from bot.storage import ChatKeys, SqlStore, open_store
from bot.transcripts.pseudonym import load_pseudonyms
from states import Library
from tests.emulator import Actor, BotMessage, Call, EmulatorClient

T = TypeVar("T")
JSON = dict[str, Any]

# A token of the shape BotFather gives (the bot refuses anything else); distinctive enough that
# finding it, or its key half, in a log is never a coincidence.
TOKEN = "246813579:" + "E2eTokenKey_Zq9xW3vR7tY1uI5oP8aS2dF6gH4"  # fake, split on purpose
EDITION = "hmg-2015"
"""The edition the bot processes run: the one the `library` fixture and these suites follow."""
WEBHOOK_SECRET = "e2e_Webhook-Secret_Kite4417"
TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
SECRET_ENV = "INFOSHARE_WEBHOOK_SECRET"
BOT_USERNAME = "infoshare_test_bot"  # the emulator's default
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
REPLY_TIMEOUT = 5.0
EXIT_TIMEOUT = 30.0
POLL_EVERY = 0.05
RECORD_HEADING = "INFORMATION SHARING DECISION RECORD"


def free_port() -> int:
    """A TCP port nobody listens on right now (bind to port 0 and let the kernel choose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def until(probe: Callable[[], Awaitable[T | None]], timeout: float, what: str) -> T:
    """Poll `probe` until it returns something, or fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await probe()
        if result is not None:
            return result
        if loop.time() >= deadline:
            raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(POLL_EVERY)


def failed(calls: Sequence[Call]) -> list[Call]:
    """Bot API calls the emulator refused (a long poll still waiting is not a failure)."""
    return [c for c in calls if not c.ok and c.description is not None]


def bot_env(**values: str | None) -> dict[str, str]:
    """This process's environment without any real bot secrets, plus `values` (None: unset)."""
    env = {k: v for k, v in os.environ.items() if k not in (TOKEN_ENV, SECRET_ENV)}
    env.update({k: v for k, v in values.items() if v is not None})
    return env


@dataclass
class BotProcess:
    """One running `infoshare-bot run` (or `desk`); everything it writes (the log) goes to
    `log`."""

    process: asyncio.subprocess.Process
    log: Path

    @property
    def running(self) -> bool:
        return self.process.returncode is None

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    async def stop(self, how: signal.Signals = signal.SIGTERM) -> int:
        """Signal the process and wait for it to exit; its exit code (negative: killed)."""
        if self.running:
            self.process.send_signal(how)
        try:
            return await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise AssertionError(f"the bot did not stop within {STOP_TIMEOUT:.0f} s") from None


class Launcher:
    """Starts bot processes for one test: one config, one database, one log file per process.

    Several processes in a row share the database, as a restarted deployment does. `close`
    stops whatever is still running and checks every log for the secrets.
    """

    def __init__(
        self,
        telegram: EmulatorClient,
        directory: Path,
        storage_url: str | None = None,
        *,
        settings: dict[str, Any] | None = None,
        top: dict[str, Any] | None = None,
    ) -> None:
        self.telegram = telegram
        self.top = top or {}
        """More top-level config keys (leads, alerts...)."""
        self.settings = {"confirm_typed_within": 0} if settings is None else settings
        """More `telegram` settings. By default tests type the instant a question arrives, as
        nobody can, so typed answers are confirmed only when numbered before their question."""
        self.directory = directory
        self.database = directory / "bot.db"
        self.storage_url = storage_url or f"sqlite:///{self.database}"
        self.base_url = telegram.url
        self.port = free_port()
        self.url_path = "e2e-hook"
        self.public_url = f"http://127.0.0.1:{self.port}/{self.url_path}"
        self.desk_port = free_port()
        self.desk_url = f"http://127.0.0.1:{self.desk_port}"
        """Where the web desk listens (`start_desk`, or `run` with desk.enabled in `top`)."""
        self.processes: list[BotProcess] = []

    async def open_store(self) -> SqlStore:
        """The bot's database, opened with the bot's keys (from the key file it writes)."""
        keys = ChatKeys(load_pseudonyms(self.directory / "pseudonym.key").secret)
        return await open_store(self.storage_url, keys)

    def config(self, port: int | None = None) -> Path:
        """The config file: the emulator as Telegram, SQLite in the test's folder, DEBUG logs.

        `port`: a replica's own port (its webhook URL stays `public_url`, the load balancer).
        """
        path = self.directory / ("config.yaml" if port is None else f"config-{port}.yaml")
        settings: dict[str, Any] = {
            "edition": EDITION,
            "storage": {"url": self.storage_url},
            "telegram": {
                "base_url": self.base_url,
                "webhook": {
                    "listen": "127.0.0.1",
                    "port": port or self.port,
                    "url_path": self.url_path,
                    "public_url": self.public_url,
                },
            },
            "logging": {"level": "DEBUG"},
        }
        settings["telegram"] |= self.settings
        settings |= self.top
        settings["desk"] = {"listen": "127.0.0.1", "port": self.desk_port} | self.top.get(
            "desk", {}
        )
        path.write_text(yaml.safe_dump(settings), encoding="utf-8")
        return path

    def command(self, *args: str, port: int | None = None) -> list[str]:
        """`infoshare-bot --config FILE ARGS...`, run by this test's Python."""
        return [sys.executable, "-m", "bot.cli", "--config", str(self.config(port)), *args]

    async def start(self, *, webhook: bool = False, port: int | None = None) -> BotProcess:
        """Start the bot and wait until it polls (or, with a webhook, accepts connections).

        `port`: start a webhook replica listening there instead of on `self.port`.
        """
        before = len(await self.telegram.calls())
        secrets = {TOKEN_ENV: TOKEN, SECRET_ENV: WEBHOOK_SECRET if webhook else None}
        command = ["run", "--webhook"] if webhook else ["run"]
        bot = await self._spawn(command, bot_env(**secrets), port)
        ready = "setWebhook" if webhook else "getUpdates"

        async def started() -> bool | None:
            if not bot.running:
                raise AssertionError(
                    f"the bot exited with {bot.process.returncode}:\n" + bot.log_text()
                )
            calls = (await self.telegram.calls())[before:]
            return True if any(c.method == ready for c in calls) else None

        await until(started, START_TIMEOUT, f"the bot's first {ready}")
        if webhook:
            listening = functools.partial(self._listening, port or self.port)
            await until(listening, START_TIMEOUT, "the bot's webhook server")
        return bot

    async def start_desk(self) -> BotProcess:
        """Start `infoshare-bot desk` on this config and database (without the bot's secrets:
        it needs none) and wait until it accepts connections on `desk_port`."""
        desk = await self._spawn(["desk"], bot_env())

        async def listening() -> bool | None:
            if not desk.running:
                raise AssertionError(
                    f"the desk exited with {desk.process.returncode}:\n" + desk.log_text()
                )
            return await self._listening(self.desk_port)

        await until(listening, START_TIMEOUT, "the desk's server")
        return desk

    async def _spawn(
        self, args: Sequence[str], env: dict[str, str], port: int | None = None
    ) -> BotProcess:
        """Start the CLI with `args`, its output to a log file of its own."""
        log = self.directory / f"{args[0]}-{len(self.processes) + 1}.log"
        with log.open("wb") as sink:
            process = await asyncio.create_subprocess_exec(
                *self.command(*args, port=port),
                cwd=self.directory,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=sink,
                stderr=asyncio.subprocess.STDOUT,
            )
        started = BotProcess(process, log)
        self.processes.append(started)
        return started

    async def _listening(self, port: int) -> bool | None:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return None
        writer.close()
        await writer.wait_closed()
        return True

    async def run_to_exit(self, *args: str, env: dict[str, str]) -> tuple[int, str, str]:
        """Run the CLI to completion (bounded): exit code, stdout, stderr."""
        process = await asyncio.create_subprocess_exec(
            *self.command(*args),
            cwd=self.directory,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(process.communicate(), EXIT_TIMEOUT)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert process.returncode is not None
        return process.returncode, out.decode(), err.decode()

    async def close(self) -> None:
        """Stop every process still running (even after a failure), then check the logs."""
        for bot in self.processes:
            if bot.running:
                with contextlib.suppress(AssertionError):
                    await bot.stop()
        for bot in self.processes:
            assert_log_free_of(bot.log_text(), [TOKEN, TOKEN.split(":", 1)[1], WEBHOOK_SECRET])


def assert_log_free_of(log: str, needles: Sequence[str]) -> None:
    """No line of the log contains any of `needles` (compared case-insensitively)."""
    for number, line in enumerate(log.splitlines(), 1):
        for needle in needles:
            assert needle.casefold() not in line.casefold(), (
                f"log line {number} contains {needle!r}"
            )


async def fetched(telegram: EmulatorClient, update_id: int | None) -> None:
    """Wait until the bot has fetched `update_id` (a later getUpdates confirms it).

    A graceful stop handles every fetched update before the process exits, so fetched + SIGTERM
    makes "and then nothing else happened" checkable without sleeping.
    """
    assert update_id is not None, "Telegram did not deliver that message to the bot"

    async def confirmed() -> bool | None:
        polls = await telegram.calls("getUpdates")
        return True if any(c.params.get("offset", 0) > update_id for c in polls) else None

    await until(confirmed, REPLY_TIMEOUT, f"the bot to fetch update {update_id}")


def text_of(messages: Sequence[BotMessage]) -> str:
    return "\n".join(m.text or "" for m in messages)


@dataclass(frozen=True)
class Pressed:
    """What a button press led to: the popup answer, the pressed message edited, the replies."""

    before: BotMessage
    update_id: int | None
    answer: JSON
    edited: BotMessage | None
    replies: list[BotMessage]

    @property
    def text(self) -> str:
        return text_of(self.replies)


class Practitioner:
    """A user in their private chat who answers the bot's current question, as a person would.

    `current` is the newest bot message with buttons: where a person's thumb goes next.
    """

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.current: BotMessage | None = None

    @property
    def chat_id(self) -> int:
        return self.actor.chat_id

    async def replies(self) -> list[BotMessage]:
        """The bot's next messages, up to and including the next one with buttons."""
        found: list[BotMessage] = []
        while True:
            try:
                [message] = await self.actor.wait_for_messages(1, timeout=REPLY_TIMEOUT)
            except TimeoutError:
                got = [m.text for m in found]
                raise AssertionError(f"no message with buttons came; the bot sent {got}") from None
            found.append(message)
            if message.buttons:
                self.current = message
                return found

    async def send(self, text: str) -> list[BotMessage]:
        await self.actor.send(text)
        return await self.replies()

    async def start(self) -> list[BotMessage]:
        return await self.send("/start")

    async def press(
        self,
        button: str,
        *,
        on: BotMessage | None = None,
        forged: bool = False,
        edits: bool = True,
        replies: bool = True,
    ) -> Pressed:
        """Press `button` (forged: send it as raw callback data) on `on` (default: current).

        `edits=False` when the bot cannot change the pressed message (its keyboard is gone),
        `replies=False` when it only answers the press (data that is not one of its buttons).
        """
        message = on or self.current
        assert message is not None, "no message with buttons yet"
        if forged:
            press = await self.actor.press_data(message, button)
        else:
            press = await self.actor.press(message, button)
        answer = await self.actor.client.wait_for_answer(press, timeout=REPLY_TIMEOUT)
        edited = await self.actor.wait_for_edit(message, REPLY_TIMEOUT) if edits else None
        found = await self.replies() if replies else []
        return Pressed(message, press.update_id, answer, edited, found)

    async def read_part(self, label: str, on: BotMessage) -> list[BotMessage]:
        """Press an outcome's part button; the part's messages (a record comes with its file)."""
        await self.press(label, on=on, edits=False, replies=False)
        count = 2 if label == words.PART_BUTTONS["record"] else 1
        return await self.actor.wait_for_messages(count, timeout=REPLY_TIMEOUT)

    async def messages(self) -> list[BotMessage]:
        return await self.actor.messages()


def question_text(library: Library, step: str) -> str:
    """The words of a question as the practitioner sees them (on a child's path, where they
    differ: see `question_texts`)."""
    return library["advice"].content.steps[step].question


def question_texts(library: Library, step: str) -> tuple[str, ...]:
    """Every wording of a question: its own, and any it has for some paths (`versions`)."""
    question = library["advice"].content.steps[step]
    versions = question.versions.text.values() if question.versions else ()
    return (question.question, *(v.question for v in versions if v.question))


def asks(library: Library, step: str, text: str | None) -> bool:
    return any(words in (text or "") for words in question_texts(library, step))


def answers_given(text: str) -> list[str]:
    """The 'Answers given' lines of the (last) decision record in `text`."""
    lines = text.splitlines()
    start = max(i for i, line in enumerate(lines) if line == "Answers given:") + 1
    found = []
    for line in lines[start:]:
        if not line.startswith("- "):
            break
        found.append(line.removeprefix("- "))
    return found


def record_lines(library: Library, answered: Sequence[tuple[str, str]]) -> list[str]:
    """What 'Answers given' must say for these (step, button label) answers, in order."""
    steps = library["advice"].content.steps
    return [f"{steps[step].short}: {label}" for step, label in answered]


def assert_marked(pressed: Pressed, note: str) -> None:
    """The pressed message now ends with `note` (e.g. 'Your answer: No') and has no keyboard."""
    assert pressed.edited is not None
    assert pressed.edited.text == f"{pressed.before.text}\n\n{note}"
    assert pressed.edited.reply_markup is None
    assert pressed.answer == {}, "a normal press gets no popup text"


async def answer_all(
    user: Practitioner, library: Library, answers: Sequence[tuple[str, str]]
) -> list[BotMessage]:
    """Press each (step, label) in turn from where the user is; the bot's last replies (and,
    at an outcome, the decision record its button shows).

    Checks on the way that each question is the expected one and that every answered question
    is marked with the answer and loses its keyboard.
    """
    replies: list[BotMessage] = []
    for step, label in answers:
        assert user.current is not None
        assert asks(library, step, user.current.text)
        pressed = await user.press(label)
        assert_marked(pressed, f"Your answer: {label}")
        replies = pressed.replies
    return await with_record(user, replies)


async def with_record(user: Practitioner, replies: list[BotMessage]) -> list[BotMessage]:
    """At an outcome, its replies and the record its "Decision record" button shows."""
    record = words.PART_BUTTONS["record"]
    if not replies or not any(record in row for row in replies[-1].buttons):
        return replies
    return [*replies, *(await user.read_part(record, replies[-1]))]


async def converse(
    user: Practitioner, library: Library, answers: Sequence[tuple[str, str]]
) -> list[BotMessage]:
    """/start, then `answer_all`."""
    await user.start()
    return await answer_all(user, library, answers)
