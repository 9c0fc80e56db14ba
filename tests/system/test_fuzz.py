"""Bad input, fuzzed (issue 6): random updates through the real Application, checked after each.

Hypothesis draws scripts for three practitioners, a safeguarding lead, a group, a supergroup and
a channel: commands with junk arguments (the lead's too, from leads and from everyone else),
button presses (the current keyboard, payloads from old conversations and from other chats,
truncated, mutated and made-up ones, lead, training and /forget payloads), texts of 0 to 10,000
characters with emoji, right-to-left and zero-width characters, edits, replies, media of every
kind, forwards, group and channel traffic, inline queries and a user blocking the bot. Every
update goes through `Harness.pump`, as in the other Telegram tests, and after every one:

- no error reached the error handlers, nothing was logged at ERROR and no apology was sent;
- the World refused no Bot API call, and the bot wrote to no chat but the one the update came
  from;
- a private message got at least one message back, a press got its callback answered, an edit
  got nothing; a group or channel got at most the one "private only" notice, ever;
- the chat's stored state is idle or a step the advice dialogue knows, with a history that leads
  there;
- the practitioner has exactly as many transcripts as decisions they started (since their last
  /forget); replaying each transcript's steps from the start walks the dialogue (every step at
  the question the conversation was at, every answer an answer id of it, times never going
  back), ends at its outcome with that outcome's rules, and the newest one ends where the
  stored conversation is; groups and channels have no stored state at all.

The scripts are derandomized (the same every run) and nothing is kept between runs. One
Application and database (SQLite in memory) serve all the examples; each example has its own
users and chats and its clock starts again at NOW, so examples do not depend on each other.
Each bug it found has a regression test at the end of this module.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import time
import traceback
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from telegram.ext import ContextTypes

from bot import words
from bot.config import Config, Lead
from bot.storage import StoredConversation
from bot.transcripts.model import BACK, FREE_TEXT, Filters, Transcript
from states import Dialogue, Library, State, back
from tests.emulator.world import JSON, World
from tests.support.chat import texts as said
from tests.support.clock import NOW
from tests.support.offline import Harness

EXAMPLES = 85
UPDATES = 120
"""Updates per example: a script is played until it has made this many (a run of presses
may overshoot), so the total does not depend on what Hypothesis happens to draw."""
ACTIONS = (110, 130)
"""Actions per script (min, max): more than enough, most are one update."""
MIN_UPDATES = 10_000
BOT = "infoshare_bot"
TOLERATED = ("message is not modified", "query is too old", "Too Many Requests")
"""Refusals the bot tolerates on purpose (the same list as the harness teardown)."""
SENDS = ("sendMessage", "sendPhoto", "sendDocument")
WRITES = ("save", "delete", "record", "forget_practitioner", "purge", "purge_transcripts")
"""The store's methods that change conversations or transcripts."""
NEW_DECISION = re.compile(r"^n:([A-Za-z0-9_-]{8}):(\d{1,9}):$")
"""A "New decision" press as `bot.telegram.payloads.decode` reads it: starts a decision."""
FORGET_YES = re.compile(r"^F:y:(\d{1,12})$")
FORGET_MINUTES = 15

# ---- what the scripts are made of -------------------------------------------------------------

PIECES = (
    "😀",
    "👨‍👩‍👧‍👦",
    "🇬🇧",
    "👍🏽",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u200e",
    "\u200f",
    "\u202e",
    "\u2066",
    "مرحبا",
    "שלום",
    "e\u0301",
    "²",
    "①",
    "٣",
    "𝟙",
    "\n",
    "\t",
    " ",
    "\u00a0",
    "<b>",
    "&amp;",
    "</i>",
    "yes",
    "No",
    "not sure",
    "1",
    "3",
    "back",
    "Jane Smith",
    "07700 900123",
    "RG1 1AA",
    "943 476 5919",
    "12 High Street",
    "@infoshare_bot",
    "/advice",
    "/t1",
    "/start",
)
"""Characters and words that have broken bots: emoji sequences, zero-width and bidi controls,
combining marks, digits that are not 0-9, HTML, answers, identifying details, commands."""
LENGTHS = (None,) * 250 + (0, 1, 2, 63, 64, 65, 1000, 4095, 4096, 4097, 5000, 9999, 10_000)
"""None: the drawn text as it is; a number: the text repeated or cut to that many characters."""
COMMANDS = (
    *("start", "advice", "restart", "back", "cancel", "rules", "rule", "contacts", "record"),
    *("help", "privacy", "myid", "forget", "quiz", "cases", "flowchart", "consent"),
    *("definitions", "myths", "protocols", "whotoask", "checklist", "about", "support"),
    *("transcripts", "transcript", "stats", "tag", "note"),
    *("ADVICE", "Start", "Rule", "QUIZ", "frobnicate", "t", "t1", "start_", "a" * 33),
)
LEAD_COMMANDS = ("transcripts", "transcript", "stats", "tag", "note", "t1", "t2", "t99999")
ADDRESSED = ("", "", "", f"@{BOT}", "@InfoShare_BOT", "@other_bot")
WORDS = (
    *("0", "1", "2", "4", "7", "8", "-1", "99999999999", "2147483648", "1.5", "xyz", "²", "①"),
    *("٣", "𝟙", "unsure", "not_sure", "redacted", "unfinished", "outcome=share_with_consent"),
    *("outcome=", "outcome=nope", "period=7d", "period=0d", "period=9999m", "period=2026-11"),
    *("period=2026-13", "period=2026-10-01..2026-11-15", "period=2026-11-15..2026-10-01"),
    *("period=0001-01-01", "period=9999-12-31", "period=today", "period=yesterday", "period="),
    *("period=٣d", "period=ALL", "tag=reviewed", "tag=x", "practitioner=p-0123456789ab"),
    *("practitioner=x", "reviewed", "follow_up", "training_need", "off", "on", "7d", "all"),
    *("30d", "2026-11", "9999-12-31", "golden_rules", "curious_parent", "why_share", "=", ""),
)
MEDIA = (
    *("photo", "document", "voice", "video", "sticker", "audio", "animation", "video_note"),
    *("location", "contact", "venue", "dice", "poll"),
    *("forward_user", "forward_hidden", "forward_channel", "forward_chat"),
)
ELSEWHERE = ("command", "mention", "plain", "reply", "edit", "media", "press", "member")
NUMBERS = ("0", "1", "4", "8", "-1", "99999999999", "²", "①", "½", "٣", "𝟙", "1.5")
"""Arguments that look like numbers: ASCII, out of range, and digits Python reads otherwise."""
MUTATIONS = ("truncate", "char", "append", "field", "field", "field", "drop", "case")
FIELDS = (
    *("", "1", "0", "2", "3", "y", "yes", "no", "not_sure", "YES", "99", "10", "a" * 41, "n"),
    *("x", "b", "-1", "٣", "p-0123456789ab", "all", "zzz", "qa", "ca", "F", "L", "T"),
)
"""What a mutated payload's field becomes: other actions, answer ids and aliases, numbers."""


@dataclass(frozen=True)
class Say:
    """A practitioner (0-2) or the lead (3) types; `reply` answers the n-th newest message."""

    who: int
    text: str
    reply: int | None = None


@dataclass(frozen=True)
class Command:
    who: int
    name: str
    addressed: str
    args: str

    @property
    def text(self) -> str:
        return f"/{self.name}{self.addressed}" + (f" {self.args}" if self.args else "")


@dataclass(frozen=True)
class Mutation:
    kind: str
    position: int
    text: str

    def apply(self, data: str) -> str:
        """The payload changed as a forging client (or a bit flip) would."""
        at = self.position % (len(data) + 1)
        fields = data.split(":")
        place = self.position % len(fields)
        if self.kind == "truncate":
            return data[:at]
        if self.kind == "char":
            return data[:at] + self.text[:1] + data[at + 1 :]
        if self.kind == "append":
            return data + self.text
        if self.kind == "field":
            return ":".join([*fields[:place], self.text, *fields[place + 1 :]])
        if self.kind == "drop":
            return ":".join([*fields[:place], *fields[place + 1 :]])
        return data.swapcase()


@dataclass(frozen=True)
class Press:
    """A press on a bot message in the chat.

    `source`: "current" (a button of the newest keyboard, as a user would), "own" (any payload
    this chat was ever sent, pressed on any bot message in it), "other" (a payload sent to
    another chat of the example) or "made" (`made`, with "{minute}" the current minute plus
    `shift`: /forget confirmations fresh and expired).
    """

    who: int
    source: str
    pick: int
    target: int = 0
    made: str = ""
    shift: int = 0
    mutation: Mutation | None = None


@dataclass(frozen=True)
class Walk:
    """A run of presses on the newest keyboard: a practitioner answering question after
    question (each pick below 40 chooses among the answers, not Back or "What does this mean?")."""

    who: int
    picks: tuple[int, ...]


@dataclass(frozen=True)
class Edit:
    """The user edits one of their text messages (the n-th newest)."""

    who: int
    pick: int
    text: str


@dataclass(frozen=True)
class Media:
    who: int
    kind: str
    caption: str


@dataclass(frozen=True)
class Elsewhere:
    """Traffic in the group (0), the supergroup (1) or the channel (2)."""

    where: int
    kind: str
    text: str
    who: int
    pick: int = 0


@dataclass(frozen=True)
class Odd:
    """An inline query (no chat), a user blocking and unblocking the bot, or time passing."""

    kind: str
    who: int
    amount: int


Action = Say | Command | Press | Walk | Edit | Media | Elsewhere | Odd


def stretch(unit: str, length: int | None) -> str:
    if length is None:
        return unit
    unit = unit or " "
    return (unit * (length // len(unit) + 1))[:length]


def texts() -> st.SearchStrategy[str]:
    """0 to 10,000 characters: short mixes of awkward pieces, sometimes repeated to a length."""
    piece = st.one_of(
        st.sampled_from(PIECES),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=6),
    )
    unit = st.lists(piece, max_size=6).map("".join)
    return st.builds(stretch, unit, st.sampled_from(LENGTHS))


def payloads(library: Library) -> st.SearchStrategy[str]:
    """Made-up callback data in every format the bot owns, valid, out of range and broken."""
    minute = "{minute}"
    number = st.sampled_from((0, 1, 2, 3, 9, 10, 99, 9999999, 2147483648, 9999999999))
    period = st.sampled_from(("all", "7d", "30d", "zzz", "2026-11", "0d", "9999m", "1.2", "-"))
    quiz = st.sampled_from((*library.quizzes, "nope", ""))
    case = st.sampled_from((*library.cases, "nope", ""))
    return st.one_of(
        st.sampled_from((f"F:y:{minute}", f"F:n:{minute}", "F:y:", "F:x:1", "F:y:1234567890123")),
        st.builds(
            "L:{}:{}:{}:{}:{}:{}".format,
            number,
            st.integers(0, 99),
            st.integers(0, 7),
            st.integers(0, 3),
            period,
            st.sampled_from(("", "p-0123456789ab")),
        ),
        st.builds("T:{}:{}:{}".format, number, st.integers(0, 9), st.integers(0, 1)),
        st.sampled_from(("qm", "cm", "qa", "ca", "qs:", "cs:", "qx", "qm:", "q")),
        st.builds("qs:{}".format, quiz),
        st.builds("cs:{}".format, case),
        st.builds("qa:{}:{}:t:0:AAAAAAAAAAAAAAAA".format, quiz, number),
        st.builds("ca:{}:0:{}:0:AAAAAAAAAAAAAAAA".format, case, number),
        st.builds(
            "{}:{}:{}:{}".format,
            st.sampled_from("axbn"),
            st.text("abcdefgh0123_-", min_size=7, max_size=9),
            number,
            st.sampled_from(FIELDS),
        ),
        st.text(max_size=64),
    )


def scripts(library: Library) -> st.SearchStrategy[list[Action]]:
    who = st.integers(0, 3)
    pick = st.integers(0, 50)
    mutation = st.builds(
        Mutation,
        st.sampled_from(MUTATIONS),
        st.integers(0, 70),
        st.one_of(st.sampled_from(FIELDS), st.text(max_size=8)),
    )
    args = st.one_of(
        st.just(""),
        st.just(""),
        st.sampled_from(NUMBERS),
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join),
        texts(),
    )
    current = st.builds(Press, who, st.just("current"), pick)
    source = st.sampled_from(("own", "other", "current", "current"))
    mutated = st.builds(Press, who, source, pick, pick, mutation=mutation)
    walk = st.builds(Walk, who, st.lists(pick, min_size=1, max_size=12).map(tuple))
    action = st.one_of(
        walk,
        walk,
        walk,
        current,
        current,
        st.builds(Press, who, st.sampled_from(("own", "other")), pick, pick),
        mutated,
        mutated,
        st.builds(
            Press,
            who,
            st.just("made"),
            pick,
            pick,
            made=payloads(library),
            shift=st.integers(-20, 3),
            mutation=st.none() | mutation,
        ),
        st.builds(Say, who, texts()),
        st.builds(Say, who, texts()),
        st.builds(Say, who, texts(), reply=st.none() | pick),
        st.builds(Command, who, st.sampled_from(COMMANDS), st.sampled_from(ADDRESSED), args),
        st.builds(Command, who, st.sampled_from(COMMANDS), st.sampled_from(ADDRESSED), args),
        st.builds(Command, who, st.sampled_from(COMMANDS), st.sampled_from(ADDRESSED), args),
        st.builds(Command, st.just(3), st.sampled_from(LEAD_COMMANDS), st.just(""), args),
        st.builds(Edit, who, pick, texts()),
        st.builds(Media, who, st.sampled_from(MEDIA), texts()),
        st.builds(Elsewhere, st.integers(0, 2), st.sampled_from(ELSEWHERE), texts(), who, pick),
        st.builds(Odd, st.sampled_from(("inline", "block", "wait")), who, st.integers(1, 30)),
    )
    return st.lists(action, min_size=ACTIONS[0], max_size=ACTIONS[1])


# ---- running a script -------------------------------------------------------------------------


@dataclass
class Tally:
    """What the whole run did, for the terminal summary."""

    examples: int = 0
    updates: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    reached: dict[int, str | None] = field(default_factory=dict)
    """Where each transcript ended, by id (None: unfinished)."""
    seconds: float = 0.0

    def lines(self) -> list[str]:
        rate = self.updates / self.seconds if self.seconds else 0.0
        kinds = ", ".join(f"{kind} {count}" for kind, count in self.kinds.most_common())
        ends = Counter(end or "unfinished" for end in self.reached.values())
        outcomes = ", ".join(f"{name} {count}" for name, count in ends.most_common())
        return [
            f"{self.updates:,} updates in {self.examples} examples, {self.seconds:.1f} s "
            f"({rate:.0f} updates/s)",
            f"updates: {kinds}",
            f"transcripts: {outcomes or 'none'}",
        ]


class Fuzzer:
    """Plays scripts on one harness and checks every invariant after every update."""

    def __init__(self, harness: Harness, library: Library, tally: Tally) -> None:
        self.harness = harness
        self.world: World = harness.world
        self.services = harness.services
        self.dialogue: Dialogue = library["advice"]
        self.tally = tally
        self.errors: list[BaseException] = []
        self.logged: list[logging.LogRecord] = []
        self.wrote = False
        harness.app.add_error_handler(self._caught)
        for name in WRITES:
            self._spy(name)

    def _spy(self, name: str) -> None:
        """Note when the bot writes conversations or transcripts (the store is otherwise as is)."""
        store = self.services.store
        method = getattr(store, name)

        async def spied(*args: Any, **kwargs: Any) -> Any:
            self.wrote = True
            return await method(*args, **kwargs)

        setattr(store, name, spied)

    async def _caught(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An error handler beside the bot's: any exception a handler let out is a failure."""
        if context.error is not None:
            self.errors.append(context.error)

    async def play(self, script: Sequence[Action]) -> None:
        self.errors.clear()  # what a failed example left behind
        self.logged.clear()
        example = Example(self)
        for action in script:
            if example.updates >= UPDATES:
                break
            await example.do(action)
        await example.finish()
        self.tally.examples += 1


class Example:
    """One script's users, chats, clock, payloads seen and model of what the store holds."""

    def __init__(self, fuzzer: Fuzzer) -> None:
        self.fuzzer = fuzzer
        self.world = fuzzer.world
        self.services = fuzzer.services
        self.dialogue = fuzzer.dialogue
        harness = fuzzer.harness
        self.users = [harness.user(name).id for name in ("Ann", "Bo", "Cy", "Lee")]
        lead = Lead(id=self.users[3])
        self.services.config = self.services.config.model_copy(update={"leads": (lead,)})
        self.others = [
            self.world.create_chat("group", "Team", None)["id"],
            self.world.create_chat("supergroup", "Staff room", "staffroom")["id"],
            self.world.create_chat("channel", "News", None)["id"],
        ]
        self.updates = 0
        self.clock = harness.clock
        self.clock.at = NOW
        self.pool: dict[int, list[str]] = {}
        # Earlier examples' calls, but for refusals (the harness teardown reports those), would
        # only take memory: 10,000 updates make some 50,000 calls.
        self.world.calls[:] = [call for call in self.world.calls if not call["ok"]]
        self.scanned = len(self.world.calls)
        self.told: set[int] = set()
        self.started = dict.fromkeys(self.users, 0)
        self.checked = dict.fromkeys(self.users, 0)
        self.stored: dict[int, StoredConversation | None] = dict.fromkeys(self.users)

    # ---- making updates ------------------------------------------------------------------------

    async def do(self, action: Action) -> None:
        self.clock.advance(timedelta(seconds=1))
        mark = len(self.world.calls)
        if isinstance(action, Odd):
            await self.odd(action, mark)
        elif isinstance(action, Elsewhere):
            await self.elsewhere(action, mark)
        elif isinstance(action, Press):
            await self.press(action, mark)
        elif isinstance(action, Walk):
            for pick in action.picks:
                await self.press(Press(action.who, "current", pick), len(self.world.calls))
        else:
            await self.message(action, mark)

    async def message(self, action: Say | Command | Edit | Media, mark: int) -> None:
        chat = self.users[action.who]
        if isinstance(action, Edit):
            mine = self.own_texts(chat)
            if mine:
                target = mine[-1 - action.pick % len(mine)]
                _, update_id = self.world.user_edit(chat, target, action.text)
                await self.private(chat, "edit", update_id, mark, reply=False)
                return
            action = Say(action.who, action.text)
        if isinstance(action, Media):
            spec = self.media(action)
        else:
            spec = {"text": action.text}
            messages = sorted(self.world.chats[chat].messages)
            if isinstance(action, Say) and action.reply is not None and messages:
                spec["reply_to_message_id"] = messages[-1 - action.reply % len(messages)]
        payload, update_id = self.world.user_message(chat, chat, spec)
        kind = type(action).__name__.lower() if "text" in payload else "media"
        if "text" in payload and not spec.get("forward_origin"):
            self.model_message(chat, payload)
        await self.private(chat, kind, update_id, mark, reply=bool(payload.get("text", "-")))

    def media(self, action: Media) -> JSON:
        kind, user = action.kind, self.world.users[self.users[(action.who + 1) % 3]]
        origins: dict[str, JSON] = {
            "forward_user": {"type": "user", "sender_user": user},
            "forward_hidden": {"type": "hidden_user", "sender_user_name": action.caption[:64]},
            "forward_channel": {
                "type": "channel",
                "chat": self.world.chats[self.others[2]].payload,
                "message_id": 7,
            },
            "forward_chat": {
                "type": "chat",
                "sender_chat": self.world.chats[self.others[1]].payload,
            },
        }
        if kind in origins:
            return {"text": action.caption or "hello", "forward_origin": origins[kind]}
        spec: JSON = {"kind": kind, "caption": action.caption[:1024], "size": 16}
        spec |= {"latitude": 51.45, "longitude": -0.97, "phone_number": "+447700900123"}
        spec |= {"first_name": action.caption[:64] or "Carol", "file_name": "notes.txt"}
        return spec

    async def press(self, action: Press, mark: int) -> None:
        chat = self.users[action.who]
        bot_messages = [m.payload["message_id"] for m in self.world.bot_messages(chat, 0)]
        if not bot_messages:  # nothing to press yet: say hello instead
            await self.message(Command(action.who, "start", "", ""), mark)
            return
        self.collect()
        target = bot_messages[-1 - action.target % len(bot_messages)]
        data = self.payload(action, chat)
        if action.source == "current":
            keyboards = [
                m.payload
                for m in self.world.bot_messages(chat, 0)
                if m.payload.get("reply_markup") and not m.deleted
            ]
            if keyboards:
                newest = keyboards[-1]
                rows = newest["reply_markup"]["inline_keyboard"]
                if action.pick < 40 and len(rows) > 1:  # mostly the choices, not the tools
                    rows = rows[:-1]
                buttons = [button for row in rows for button in row]
                target = newest["message_id"]
                data = str(buttons[action.pick % len(buttons)]["callback_data"])
        if action.mutation is not None:
            data = action.mutation.apply(data)
        data = data.encode()[:64].decode(errors="ignore") or "?"
        self.model_press(chat, data)
        query_id, update_id = self.world.press(chat, chat, target, None, data)
        await self.private(chat, "press", update_id, mark, reply=False, query_id=query_id)

    def payload(self, action: Press, chat: int) -> str:
        """The callback data a press carries unless it is on the current keyboard (or when
        there is none), before any mutation."""
        if action.source in ("own", "current") and self.pool.get(chat):
            seen = self.pool[chat]
            return seen[action.pick % len(seen)]
        others = [data for other, seen in self.pool.items() if other != chat for data in seen]
        if action.source == "other" and others:
            return others[action.pick % len(others)]
        made = action.made or "?"
        return made.replace("{minute}", str(self.minute() + action.shift))

    async def elsewhere(self, action: Elsewhere, mark: int) -> None:
        chat = self.others[action.where]
        user = self.users[action.who]
        sender = None if action.where == 2 else user
        kind = action.kind
        bot_messages = [m.payload["message_id"] for m in self.world.bot_messages(chat, 0)]
        own = self.own_texts(chat)
        query_id = None
        if kind == "press" and bot_messages:
            self.collect()
            others = [data for seen in self.pool.values() for data in seen] or ["qm"]
            data = others[action.pick % len(others)].encode()[:64].decode(errors="ignore") or "?"
            query_id, update_id = self.world.press(chat, user, bot_messages[-1], None, data)
        elif kind == "edit" and own:
            _, update_id = self.world.user_edit(chat, own[-1 - action.pick % len(own)], action.text)
        elif kind == "member":
            update_id = self.world.inject({"my_chat_member": self.membership(chat, user)})
        else:
            spec: JSON = {"text": action.text or "hello"}
            if kind in ("command", "press"):  # a press with nothing to press on: a command
                name = COMMANDS[action.pick % len(COMMANDS)]
                addressed = f"@{BOT}" if action.pick % 2 else ""
                spec["text"] = f"/{name}{addressed} {action.text}"
            elif kind == "mention":
                spec["text"] = f"@{BOT} {action.text}"
            elif kind == "reply" and bot_messages:
                spec["reply_to_message_id"] = bot_messages[-1]
            elif kind == "media":
                spec = {"kind": "photo", "caption": f"@{BOT} {action.text}"[:1024], "size": 16}
            _, update_id = self.world.user_message(chat, sender, spec)
        await self.settle(kind, update_id, mark)
        self.check_elsewhere(chat, mark, query_id)

    async def odd(self, action: Odd, mark: int) -> None:
        user = self.users[action.who]
        if action.kind == "wait":  # no update: time passes (a /forget confirmation expires)
            self.clock.advance(timedelta(minutes=action.amount))
            return
        if action.kind == "inline":
            query = {"id": str(mark), "from": self.world.users[user], "query": "", "offset": ""}
            update_ids = [self.world.inject({"inline_query": query})]
        else:
            update_ids = [self.world.set_blocked(user, True), self.world.set_blocked(user, False)]
        for update_id in update_ids:
            await self.settle(action.kind, update_id, mark)
            assert self.bot_calls(mark) == [], "a chatless update or a block got a reply"
            assert not self.fuzzer.wrote, "a chatless update or a block wrote to the store"

    def membership(self, chat: int, user: int) -> JSON:
        """The bot added to a group or channel."""
        return {
            "chat": self.world.chats[chat].payload,
            "from": self.world.users[user],
            "date": int(time.time()),
            "old_chat_member": {"status": "left", "user": self.world.bot},
            "new_chat_member": {"status": "member", "user": self.world.bot},
        }

    # ---- the model -----------------------------------------------------------------------------

    def minute(self) -> int:
        return int(self.services.now().timestamp()) // 60

    def in_progress(self, chat: int) -> bool:
        stored = self.stored[chat]
        return (
            stored is not None
            and stored.step != ""
            and not self.dialogue.is_outcome(stored.step)
            and self.dialogue.knows(State(stored.dialogue, stored.step, stored.history))
        )

    def model_message(self, chat: int, payload: JSON) -> None:
        """/advice and /restart start a decision; /start does unless one is in progress."""
        command = command_of(payload)
        if command in ("advice", "restart") or (command == "start" and not self.in_progress(chat)):
            self.started[chat] += 1

    def model_press(self, chat: int, data: str) -> None:
        """New decision (from the chat's current turn) starts one; a fresh "Yes, delete them"
        deletes them all."""
        new, stored = NEW_DECISION.match(data), self.stored[chat]
        if new and stored and (new[1], int(new[2])) == (stored.conversation_id, stored.turn):
            self.started[chat] += 1
        confirmed = FORGET_YES.match(data)
        if confirmed and 0 <= self.minute() - int(confirmed[1]) <= FORGET_MINUTES:
            self.started[chat] = 0

    # ---- after each update ---------------------------------------------------------------------

    async def settle(self, kind: str, update_id: int | None, mark: int) -> None:
        """Let the bot process what was queued, then check what holds for every update."""
        if update_id is not None:
            self.updates += 1
            self.fuzzer.tally.updates += 1
            self.fuzzer.tally.kinds[kind] += 1
        self.fuzzer.wrote = False
        await self.fuzzer.harness.pump()
        self.collect()
        errors, logged = list(self.fuzzer.errors), [r.getMessage() for r in self.fuzzer.logged]
        self.fuzzer.errors.clear()
        self.fuzzer.logged.clear()
        assert errors == [], "".join(
            line for error in errors for line in traceback.format_exception(error)
        )
        assert logged == [], logged
        refused = [
            call
            for call in self.world.calls[mark:]
            if not call["ok"] and not any(r in str(call["description"]) for r in TOLERATED)
        ]
        assert refused == [], refused
        for call in self.bot_calls(mark):
            said = str(call["params"].get("text", "")) + str(call["params"].get("caption", ""))
            assert words.SORRY not in said and words.UNAVAILABLE not in said, said

    async def private(
        self,
        chat: int,
        kind: str,
        update_id: int | None,
        mark: int,
        *,
        reply: bool,
        query_id: str | None = None,
    ) -> None:
        assert update_id is not None, "a private update is always delivered"
        await self.settle(kind, update_id, mark)
        self.check_calls(chat, mark)
        sent = [c for c in self.bot_calls(mark) if c["method"] in SENDS and c["ok"]]
        if kind == "edit":
            assert self.bot_calls(mark) == [], "an edit is not an answer: nothing is sent"
        elif query_id is not None:
            assert self.world.queries[query_id].answer is not None, "the press was not answered"
        elif reply:
            assert sent, f"no reply to a {kind}"
        await self.check_store(chat)

    def check_calls(self, chat: int | None, mark: int) -> None:
        """The bot wrote only to the chat the update came from."""
        for call in self.bot_calls(mark):
            if "chat_id" in call["params"]:
                assert call["params"]["chat_id"] == chat, (chat, call)

    def check_elsewhere(self, chat: int, mark: int, query_id: str | None) -> None:
        """Groups and channels: the one notice, ever, and a press's answer; nothing else."""
        assert not self.fuzzer.wrote, "a group or channel update wrote to the store"
        self.check_calls(chat, mark)
        for call in self.bot_calls(mark):
            if call["method"] == "answerCallbackQuery":
                continue
            assert call["method"] == "sendMessage", call
            assert call["params"]["text"] == html.escape(words.PRIVATE_ONLY), call
            assert chat not in self.told, "told twice"
            self.told.add(chat)
        if query_id is not None:
            assert self.world.queries[query_id].answer is not None, "the press was not answered"

    async def check_store(self, chat: int) -> None:
        """The chat's state is idle or known to the dialogue, and its transcripts agree.

        Skipped when the update wrote nothing and the model expected nothing: all that held
        after the last check still holds.
        """
        if not self.fuzzer.wrote and self.started[chat] == self.checked[chat]:
            return
        self.checked[chat] = self.started[chat]
        stored = self.stored[chat] = await self.services.store.load(chat)
        if stored is not None:
            assert stored.dialogue == self.dialogue.id
            if stored.step:
                state = State(stored.dialogue, stored.step, stored.history)
                assert self.dialogue.knows(state), stored
        await self.check_transcripts(chat)

    async def check_transcripts(self, chat: int) -> None:
        """As many as decisions started; each replays; the newest ends where the chat is."""
        who = Filters(practitioner=self.services.pseudonyms.of(chat))
        found = [t async for t in self.services.store.iter_transcripts(who)]
        assert len(found) == self.started[chat], (len(found), self.started[chat])
        ends = [self.replay(transcript) for transcript in found]
        stored = self.stored[chat]
        if stored is not None and stored.step and found:
            assert ends[-1] == State(stored.dialogue, stored.step, stored.history)
            assert found[-1].started_at == stored.started_at
        elif stored is None:
            assert found == [], "transcripts of a chat with no conversation"

    async def finish(self) -> None:
        """After the script: everyone's transcripts in full; groups and channels hold nothing."""
        for chat in self.users:
            await self.check_transcripts(chat)
        for chat in self.others:
            assert await self.services.store.load(chat) is None

    def replay(self, transcript: Transcript) -> State:
        """Walk the transcript's steps from the start; return where it ends."""
        dialogue = self.dialogue
        assert transcript.dialogue == dialogue.id
        state, last = dialogue.start, transcript.started_at
        for step in transcript.steps:
            assert step.at >= last, transcript
            last = step.at
            assert step.step == state.step, transcript
            if step.answer == BACK:
                state = back(state)
            elif step.answer == FREE_TEXT:
                assert step.redacted == (step.removed is not None), step
            else:
                assert (state.step, step.answer) in dialogue.moves, (step, transcript)
                target, pair = dialogue.moves[(state.step, step.answer)]
                state = State(dialogue.id, target, (*state.history, pair))
        reached = state.step if dialogue.is_outcome(state.step) else None
        assert transcript.outcome == reached, transcript
        rules = dialogue.content.outcomes[reached].rules if reached else ()
        assert transcript.rules == rules, transcript
        assert (transcript.ended_at is None) == (reached is None), transcript
        self.fuzzer.tally.reached[transcript.id] = reached
        return state

    # ---- what the World saw --------------------------------------------------------------------

    def bot_calls(self, mark: int) -> list[JSON]:
        return [c for c in self.world.calls[mark:] if c["method"] != "getUpdates"]

    def collect(self) -> None:
        """Note every callback payload the bot has sent since the last look, by chat."""
        for call in self.world.calls[self.scanned :]:
            markup = call["params"].get("reply_markup")
            if call["ok"] and isinstance(markup, dict):
                chat = call["params"].get("chat_id")
                rows = markup.get("inline_keyboard", [])
                seen = self.pool.setdefault(int(chat), []) if chat is not None else []
                seen += [b["callback_data"] for row in rows for b in row if "callback_data" in b]
        self.scanned = len(self.world.calls)

    def own_texts(self, chat: int) -> list[int]:
        """The ids of the text messages users wrote in a chat, oldest first."""
        messages = self.world.chats[chat].messages
        return [i for i, m in sorted(messages.items()) if not m.from_bot and "text" in m.payload]


def command_of(payload: JSON) -> str | None:
    """The command a message is to this bot, as python-telegram-bot's CommandHandler reads it."""
    entities = payload.get("entities") or []
    text = str(payload.get("text", ""))
    if not entities or entities[0]["type"] != "bot_command" or entities[0]["offset"] != 0:
        return None
    parts = [*text[1 : entities[0]["length"]].split("@"), BOT]
    return parts[0].lower() if parts[1].lower() == BOT else None


# ---- the tests --------------------------------------------------------------------------------


@pytest.fixture
def config(config: Config) -> Config:
    """The shared config without flood control (the rate limiter holds a bot to 30 calls a
    second, so 10,000 updates would take minutes) and with SQLite in memory (commits that wait
    for the disk would double the time). Neither is what bad input tests."""
    telegram = config.telegram.model_copy(update={"rate_limit": False})
    storage = config.storage.model_copy(update={"url": "sqlite:///:memory:"})
    return config.model_copy(update={"telegram": telegram, "storage": storage})


class _Errors(logging.Handler):
    """Collects every record logged at ERROR or above, from any logger."""

    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record)


class _Report:
    def __init__(self, tally: Tally) -> None:
        self.tally = tally

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_sep("=", "fuzzed updates (tests/system/test_fuzz.py)")
        for line in self.tally.lines():
            terminalreporter.write_line(line)


async def test_random_updates_keep_every_invariant(
    harness: Harness,
    library: Library,
    request: pytest.FixtureRequest,
    record_property: Any,
) -> None:
    """At least 10,000 random updates; the count is printed in the terminal summary."""
    tally = Tally()
    fuzzer = Fuzzer(harness, library, tally)
    handler = _Errors(fuzzer.logged)
    logging.getLogger().addHandler(handler)
    loop = asyncio.get_running_loop()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(scripts(library))
    def run(script: list[Action]) -> None:
        # Hypothesis runs in a worker thread; each script plays on the test's event loop, where
        # the Application and the database live.
        asyncio.run_coroutine_threadsafe(fuzzer.play(script), loop).result()

    started = time.perf_counter()
    try:
        await asyncio.to_thread(run)
    finally:
        tally.seconds = time.perf_counter() - started
        logging.getLogger().removeHandler(handler)
        manager = request.config.pluginmanager
        if not manager.has_plugin("fuzz-report"):
            manager.register(_Report(tally), "fuzz-report")
        record_property("fuzzed_updates", tally.updates)
    assert tally.updates >= MIN_UPDATES, tally.lines()


# ---- the bugs the fuzzer found, smallest cases ------------------------------------------------


async def test_a_list_button_naming_an_unknown_outcome_is_refused(harness: Harness) -> None:
    lead = harness.user("Lee")
    advice = harness.services
    advice.config = advice.config.model_copy(update={"leads": (Lead(id=lead.id),)})
    await harness.user().send("/start")  # one transcript, which a bogus filter must not hide
    await lead.send("/transcripts")
    listing = lead.keyboard_message().payload["message_id"]
    before = len(harness.world.calls)
    page_before = lead.message(listing)
    replies = await lead.forge("L:0:99:0:0:all:", listing)
    assert words.SORRY not in said(replies)
    # Refused as a forged button: a popup, and nothing else (the list is not redrawn).
    calls = harness.bot_calls(before)
    assert [c["method"] for c in calls] == ["answerCallbackQuery"]
    assert calls[0]["params"].get("text") == words.NOT_THIS_BUTTON
    assert lead.message(listing) == page_before
    assert replies == [], "no new message"
    # Nothing was changed in the store: the one transcript is there, untouched, and no list
    # view was logged for the refused press.
    (transcript,) = [t async for t in advice.store.iter_transcripts(Filters())]
    assert transcript.tags == frozenset() and transcript.notes == ()
    assert [a.action for a in await advice.store.accesses()] == ["list"]


async def test_an_answer_button_carrying_an_alias_is_taken_by_its_id(
    harness: Harness, library: Library
) -> None:
    user = harness.user()
    await user.send("/advice")
    question = user.keyboard_message().payload
    yes = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    replies = await user.forge(yes.rsplit(":", 1)[0] + ":1", question["message_id"])
    assert words.SORRY not in said(replies)
    advice = harness.services
    who = Filters(practitioner=advice.pseudonyms.of(user.id))
    (transcript,) = [t async for t in advice.store.iter_transcripts(who)]
    dialogue = library["advice"]
    assert all((s.step, s.answer) in dialogue.moves for s in transcript.steps), transcript.steps


async def test_rule_with_a_superscript_digit_explains_the_rules(harness: Harness) -> None:
    replies = await harness.user().send("/rule ²")
    assert "There are seven golden rules" in said(replies)


@pytest.mark.parametrize("command", ["/quiz ²", "/cases ①"])
async def test_quiz_and_cases_with_a_digit_that_is_not_decimal_list_them(
    harness: Harness, command: str
) -> None:
    user = harness.user()
    replies = await user.send(command)
    assert words.SORRY not in said(replies)
    # Not a number: the digit picks nothing, so the whole list is shown, nothing is started.
    heading = "Quizzes: true or false?" if command.startswith("/quiz") else "Case studies"
    assert len(replies) == 1 and replies[0]["text"].startswith(heading)
    assert words.UNKNOWN_COMMAND not in said(replies)
    advice = harness.services
    assert await advice.store.load(user.id) is None, "no conversation was saved"
    assert await advice.store.count_transcripts(Filters()) == 0
    assert (await advice.store.quiz_stats()).answered == {}


async def test_back_from_the_longest_outcome_marks_it(harness: Harness) -> None:
    user = harness.user()
    await user.send("/advice")
    for label in ("No", "A child or young person", "16 or 17", "Not sure"):
        await user.press(label)
    outcome = user.keyboard_message().payload["message_id"]
    before = len(harness.world.calls)
    await user.press("« Back", outcome)
    calls = harness.world.calls[before:]
    refused = [c["description"] for c in calls if not c["ok"]]
    harness.world.calls[before:] = [c for c in calls if c["ok"]]  # reported here, not again
    assert refused == []
    assert "reply_markup" not in user.message(outcome)
