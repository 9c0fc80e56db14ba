"""What the bot does with each kind of update.

Every handler follows one order: load the chat's state, compute the next state with the pure
core, commit it to storage, and only then reply. A crash can therefore never lose an answer the
practitioner saw accepted; at worst they see a question again.
"""

from __future__ import annotations

import asyncio
import html
import logging
import random
import re
import traceback
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot import render
from bot.anonymise import redact
from bot.config import Config
from bot.errors import AlreadyApplied, StaleWrite, StorageUnavailable
from bot.storage import APPLIED_KEPT, ConversationStore, StoredConversation, new_conversation_id
from bot.telegram.callbacks import Press, decode
from bot.transcripts.model import BACK, FREE_TEXT, Step, TranscriptStore, TranscriptWrite
from bot.transcripts.pseudonym import Pseudonyms
from states import (
    TELEGRAM_TEXT_LIMIT,
    Dialogue,
    Library,
    Moved,
    Outcome,
    Question,
    State,
    answer,
    back,
)

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
IDLE = ""
"""The step of a chat with no decision in progress (cancelled, or content changed)."""
ANSWERS_PER_ROW = 3

COMMANDS: tuple[tuple[str, str], ...] = (
    ("advice", "Start a new decision about sharing information"),
    ("rules", "The seven golden rules"),
    ("rule", "One golden rule, e.g. /rule 4"),
    ("consent", "Whose consent, and when not to seek it"),
    ("definitions", "Confidential information, harm, serious crime, public interest"),
    ("contacts", "Local safeguarding contacts"),
    ("myths", "Myth buster: data protection is not a barrier"),
    ("whotoask", "Who to ask for advice"),
    ("quiz", "True or false: the course's quizzes"),
    ("cases", "Case studies: decide, then see what the guidance says"),
    ("flowchart", "The key questions as a picture"),
    ("record", "Show the last decision record again"),
    ("back", "Undo your last answer"),
    ("restart", "Start this decision again"),
    ("cancel", "Stop the current decision"),
    ("privacy", "What is kept, for how long, who can see it"),
    ("forget", "Delete everything kept about your conversations"),
    ("help", "What I can do"),
    ("start", "Introduction"),
)
TOPIC_COMMANDS = {
    "consent": "consent",
    "definitions": "definitions",
    "myths": "myth_buster",
    "protocols": "protocols",
    "whotoask": "seek_advice",
    "checklist": "share_appropriately",
    "about": "about",
    "support": "support",
}
"""Commands that show a reference topic from dialogues/reference.yaml."""
STALE = "That question was already answered. Here is where we are."
NOT_THIS_BUTTON = "This button doesn't work here."
"""For forged and unknown button data, and for lead buttons pressed by anyone else."""
FINISHED = (
    "This decision is finished. /record shows its record again, /advice starts a new one, "
    "and Back changes your last answer."
)
NO_DECISION = "There is no decision in progress. Send /advice to start one."
NOT_AN_ANSWER = "Please choose one of the options below (or type yes, no or not sure)."
NO_FILES = (
    "I can't take files, images, locations, contacts or forwarded messages, and I don't keep "
    "them. Please don't share anything that could identify someone: I only need your answers "
    "to my questions."
)
PRIVATE_ONLY = (
    "I only work in a private chat. Safeguarding details must not be discussed in groups: "
    "please message me directly."
)
UNAVAILABLE = (
    "I can't save your answer right now, so I haven't accepted it. Please try again in a "
    "minute or two."
)
SORRY = "Sorry, something went wrong on my side. Your answers so far are safe."
FORGET_PAYLOAD = re.compile(r"^F:([yn]):(\d{1,12})$")
FORGET_WITHIN_MINUTES = 15
"""How long a /forget confirmation button stays valid."""
IDS_RESTART_AFTER = timedelta(days=6)
"""Telegram may start update ids afresh after a week without updates; a margin below that."""
STALE_ATTEMPTS = 5
"""How often an update is applied afresh when another replica saved its chat first."""
COSMETIC_FAILURES = (NetworkError, Forbidden)
"""What may stop a courtesy call (a button's spinner, an edit) without stopping the reply:
a refusal (BadRequest: query too old, message not modified or gone), a timeout or a network
error (both NetworkError), Forbidden. Flood control (RetryAfter) is not among them: when
Telegram says wait, the update stops there."""


class Store(ConversationStore, TranscriptStore, Protocol):
    """What the bot needs of its database: conversation state and transcripts, together."""


@dataclass(frozen=True, slots=True)
class Arrival:
    """A committed move: the stored row and, at an outcome, the outcome's blocks."""

    stored: StoredConversation
    outcome: list[render.Block]


@dataclass(frozen=True, slots=True)
class Chat:
    """A chat's stored row and the core state it holds (None when no decision is open)."""

    stored: StoredConversation | None
    state: State | None
    update_id: int | None = None
    """The update being handled; saved with the move so a redelivery is not applied again."""


class AdviceBot:
    """The advice conversation on Telegram; one instance serves every chat."""

    def __init__(
        self,
        config: Config,
        library: Library,
        pseudonyms: Pseudonyms,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.library = library
        self.dialogue: Dialogue = library["advice"]
        self.now = now
        self.told_groups: set[int] = set()
        self.pseudonyms = pseudonyms
        self._store: Store | None = None

    def attach(self, store: Store) -> None:
        """Use `store` from now on (opened once the event loop runs)."""
        self._store = store

    async def close(self) -> None:
        if self._store is not None:
            await self._store.close()
            self._store = None

    @property
    def store(self) -> Store:
        if self._store is None:
            raise StorageUnavailable("the store is not open yet")
        return self._store

    def practitioner(self, update: Update) -> str:
        """The sender's pseudonym: stable across conversations, names nobody."""
        user = update.effective_user
        return self.pseudonyms.of(user.id if user is not None else 0)

    # ---- state -----------------------------------------------------------------------------

    async def load(self, chat_id: int, update: Update | None = None) -> Chat:
        """The chat as stored; `AlreadyApplied` if `update` is a redelivered, saved move."""
        stored = await self.store.load(chat_id)
        if stored is not None and update is not None:
            if update.update_id in stored.applied:
                raise AlreadyApplied(update.update_id, stored, redelivered=True)
            if overtaken(update, stored):
                raise AlreadyApplied(update.update_id, stored, redelivered=False)
        update_id = update.update_id if update is not None else None
        if stored is None or stored.step == IDLE:
            return Chat(stored, None, update_id)
        state = State(stored.dialogue, stored.step, stored.history)
        dialogue = self.library.dialogues.get(stored.dialogue)
        if dialogue is None or not dialogue.knows(state):
            return Chat(stored, None, update_id)
        return Chat(stored, state, update_id)

    def once(self, handler: Handler) -> Handler:
        """Run `handler` as one step of its chat's history, whichever replica runs it.

        Handlers save before they send, so a `StaleWrite` (another replica saved this chat
        since we loaded it) means nothing was sent: load again and apply the update to the
        newer state. `AlreadyApplied` (Telegram redelivered an update whose move was saved
        before a crash) shows where the chat is instead of applying it twice.
        """

        async def run(update: Update, context: Context) -> None:
            for attempt in range(1, STALE_ATTEMPTS + 1):
                try:
                    await handler(update, context)
                    return
                except StaleWrite:
                    if attempt == STALE_ATTEMPTS:
                        raise
                    log.info("update %s raced another update of its chat; again", update.update_id)
                    await asyncio.sleep(random.uniform(0, 0.005 * attempt))
                except AlreadyApplied as done:
                    log.info("update %s was applied before; showing the chat", update.update_id)
                    if done.redelivered:
                        await self.show_again(context, done.stored)
                    else:
                        await self.show(context, done.stored)
                    return

        return run

    async def save(
        self,
        chat_id: int,
        chat: Chat,
        state: State | None,
        *,
        who: str | None,
        steps: tuple[Step, ...] = (),
        fresh: bool = False,
        last_record: str | None = None,
    ) -> StoredConversation:
        """Commit the new state and, with it, its transcript (unless `who` is None).

        A new conversation id makes every older button stale and starts a new transcript.
        """
        now = self.now()
        old = chat.stored
        applied = old.applied if old else ()
        if chat.update_id is not None:
            applied = (*applied, chat.update_id)[-APPLIED_KEPT:]
        stored = StoredConversation(
            chat_id=chat_id,
            dialogue=state.dialogue if state else self.dialogue.id,
            step=state.step if state else IDLE,
            history=state.history if state else (),
            conversation_id=new_conversation_id() if fresh or old is None else old.conversation_id,
            turn=old.turn + 1 if old else 1,
            content_version=self.dialogue.content.content_version,
            started_at=now if fresh or old is None else old.started_at,
            updated_at=now,
            version=old.version if old else 0,
            last_record=last_record
            if last_record is not None
            else (old.last_record if old else None),
            applied=applied,
        )
        write = None if who is None or state is None else self.transcript(stored, who, steps)
        return await self.store.save(
            stored, expected_version=old.version if old else None, transcript=write
        )

    def transcript(
        self, stored: StoredConversation, who: str, steps: tuple[Step, ...]
    ) -> TranscriptWrite:
        """The transcript's header as the conversation now stands, plus what just happened."""
        node = self.dialogue.node_or_none(stored.step)
        reached = isinstance(node, Outcome)
        return TranscriptWrite(
            conversation_id=stored.conversation_id,
            practitioner=who,
            dialogue=stored.dialogue,
            content_version=stored.content_version,
            started_at=stored.started_at,
            at=self.now(),
            outcome=stored.step if reached else None,
            rules=node.rules if isinstance(node, Outcome) else (),
            steps=steps,
        )

    # ---- sending ---------------------------------------------------------------------------

    async def send(
        self,
        context: Context,
        chat_id: int,
        blocks: Sequence[render.Block],
        markup: InlineKeyboardMarkup | None = None,
    ) -> Message | None:
        """Send blocks as one or more HTML messages; the keyboard goes on the last one."""
        parts = render.telegram_html(blocks)
        sent: Message | None = None
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            sent = await context.bot.send_message(
                chat_id, part, parse_mode=ParseMode.HTML, reply_markup=markup if last else None
            )
        return sent

    def keyboard(self, stored: StoredConversation) -> InlineKeyboardMarkup:
        """Answer buttons, then 'What does this mean?' and Back (or Back and New decision)."""
        conversation, turn = stored.conversation_id, stored.turn

        def button(label: str, action: str, answer_id: str = "") -> InlineKeyboardButton:
            press = Press(action, conversation, turn, answer_id)  # type: ignore[arg-type]
            return InlineKeyboardButton(label, callback_data=press.encode())

        rows: list[list[InlineKeyboardButton]] = []
        node = self.dialogue.node_or_none(stored.step)
        if isinstance(node, Question):
            answers = [button(a.label, "answer", a.id) for a in node.answers]
            rows += [
                answers[i : i + ANSWERS_PER_ROW] for i in range(0, len(answers), ANSWERS_PER_ROW)
            ]
            rows.append([button("What does this mean?", "explain")])
        tools = [button("« Back", "back")] if stored.history else []
        if node is not None and not isinstance(node, Question):
            tools.append(button("New decision", "new"))
        if tools:
            rows.append(tools)
        return InlineKeyboardMarkup(rows)

    async def show(self, context: Context, stored: StoredConversation, note: str = "") -> None:
        """Send where the conversation is: the current question, or the finished outcome."""
        prefix: list[render.Block] = [render.Para(note)] if note else []
        node = self.dialogue.node_or_none(stored.step)
        if isinstance(node, Question):
            blocks = [*prefix, *render.question(node, numbered=False)]
            await self.send(context, stored.chat_id, blocks, self.keyboard(stored))
        elif node is not None:
            await self.send(
                context, stored.chat_id, [*prefix, render.Para(FINISHED)], self.keyboard(stored)
            )
        else:
            await self.send(context, stored.chat_id, [*prefix, render.Para(NO_DECISION)])

    async def show_again(self, context: Context, stored: StoredConversation) -> None:
        """After a redelivery: the reply to the first delivery may never have gone out, so an
        outcome is shown in full again (its advice, not only "this decision is finished")."""
        state = State(stored.dialogue, stored.step, stored.history)
        if not self.dialogue.is_outcome(stored.step) or not self.dialogue.knows(state):
            await self.show(context, stored)
            return
        await self.reply(context, Arrival(stored, self.outcome_blocks(state)))

    def outcome_blocks(self, state: State) -> list[render.Block]:
        """The outcome `state` reached: advice, rules, next steps, contacts and the record."""
        today = self.now().date()
        return render.outcome(self.library, self.dialogue, state, self.config.contacts, today)

    async def commit(self, chat_id: int, chat: Chat, state: State, who: str, step: Step) -> Arrival:
        """Save a move and its transcript step; an outcome's record is saved too, for /record."""
        blocks: list[render.Block] = []
        record: str | None = None
        if self.dialogue.is_outcome(state.step):
            blocks = self.outcome_blocks(state)
            record = next(b.text for b in blocks if isinstance(b, render.Copyable))
        saved = await self.save(chat_id, chat, state, who=who, steps=(step,), last_record=record)
        return Arrival(saved, blocks)

    async def reply(self, context: Context, arrival: Arrival) -> None:
        """Show where a committed move arrived: the next question, or the outcome in full."""
        if arrival.outcome:
            keyboard = self.keyboard(arrival.stored)
            await self.send(context, arrival.stored.chat_id, arrival.outcome, keyboard)
        else:
            await self.show(context, arrival.stored)

    async def move(
        self, context: Context, chat: Chat, state: State, chat_id: int, who: str, step: Step
    ) -> None:
        await self.reply(context, await self.commit(chat_id, chat, state, who, step))

    async def start_decision(self, update: Update, context: Context, chat: Chat) -> None:
        intro: list[render.Block] = [
            render.Heading(self.dialogue.content.title),
            render.Para(self.dialogue.content.intro),
        ]
        chat_id = chat_id_of(update)
        who = self.practitioner(update)
        stored = await self.save(chat_id, chat, self.dialogue.start, who=who, fresh=True)
        await self.send(context, chat_id, intro)
        await self.show(context, stored)

    # ---- commands --------------------------------------------------------------------------

    async def on_start(self, update: Update, context: Context) -> None:
        chat_id = chat_id_of(update)
        chat = await self.load(chat_id, update)
        if (
            chat.state is not None
            and chat.stored is not None
            and not self.dialogue.is_outcome(chat.state.step)
        ):
            await self.show(
                context,
                chat.stored,
                "You have a decision in progress. Here is where we were (/restart begins again).",
            )
            return
        await self.start_decision(update, context, chat)

    async def on_advice(self, update: Update, context: Context) -> None:
        await self.start_decision(update, context, await self.load(chat_id_of(update), update))

    async def on_back(self, update: Update, context: Context) -> None:
        chat_id = chat_id_of(update)
        chat = await self.load(chat_id, update)
        if chat.state is None:
            await self.send(context, chat_id, [render.Para(NO_DECISION)])
            return
        step = Step(chat.state.step, BACK, self.now(), redacted=False)
        await self.move(context, chat, back(chat.state), chat_id, self.practitioner(update), step)

    async def on_cancel(self, update: Update, context: Context) -> None:
        chat_id = chat_id_of(update)
        chat = await self.load(chat_id, update)
        if chat.state is not None:
            await self.save(chat_id, chat, None, who=None)
        await self.send(
            context,
            chat_id,
            [
                render.Para(
                    "Stopped. Nothing you answered is kept in this chat's progress. "
                    "Send /advice when you want to start a new decision."
                )
            ],
        )

    async def on_rules(self, update: Update, context: Context) -> None:
        await self.send(context, chat_id_of(update), render.rules(self.library))

    async def on_rule(self, update: Update, context: Context) -> None:
        args = context.args or []
        rules = self.library.reference.rules
        if len(args) == 1 and args[0].isascii() and args[0].isdigit() and int(args[0]) in rules:
            await self.send(context, chat_id_of(update), render.rules(self.library, int(args[0])))
            return
        await self.send(
            context,
            chat_id_of(update),
            [
                render.Para(
                    "There are seven golden rules: send /rule followed by a number from 1 "
                    "to 7, for example /rule 4, or /rules for all of them."
                )
            ],
        )

    def topic_handler(self, topic: str) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
        async def handler(update: Update, context: Context) -> None:
            await self.send(
                context, chat_id_of(update), render.topic(self.library.reference.topics[topic])
            )

        return handler

    async def on_contacts(self, update: Update, context: Context) -> None:
        await self.send(context, chat_id_of(update), render.contact_blocks(self.config.contacts))

    async def on_record(self, update: Update, context: Context) -> None:
        chat = await self.load(chat_id_of(update))
        record = chat.stored.last_record if chat.stored else None
        if record is None:
            await self.send(
                context,
                chat_id_of(update),
                [
                    render.Para(
                        "There is no decision record yet: finish a decision (/advice) first."
                    )
                ],
            )
            return
        await self.send(
            context,
            chat_id_of(update),
            [render.Heading("Your last decision record"), render.Copyable(record)],
        )

    async def on_help(self, update: Update, context: Context) -> None:
        lines = tuple(f"/{name}: {text}" for name, text in COMMANDS)
        await self.send(
            context,
            chat_id_of(update),
            [
                render.Para(
                    "I walk you through the government's key questions on sharing "
                    "information and finish with the golden rules that apply, next steps "
                    "and a record for your case notes. I never ask who anyone is."
                ),
                render.Bullets(lines),
                render.Para(
                    "More reference: "
                    + ", ".join(
                        f"/{name}" for name in TOPIC_COMMANDS if f"/{name}:" not in "".join(lines)
                    )
                    + ". Answer with the buttons, or type yes, no or not sure."
                ),
            ],
        )

    async def on_privacy(self, update: Update, context: Context) -> None:
        await self.send(context, chat_id_of(update), render.privacy(self.config.retention_days))

    async def on_myid(self, update: Update, context: Context) -> None:
        """A user's own Telegram id, which an administrator needs to make them a lead."""
        user = update.effective_user
        await self.send(
            context,
            chat_id_of(update),
            [
                render.Para(
                    f"Your Telegram user id is {user.id if user else 'unknown'}. A safeguarding "
                    "lead gives it to the bot's administrator to be added to `leads` in the "
                    "config. Practitioners never need it."
                )
            ],
        )

    async def on_forget(self, update: Update, context: Context) -> None:
        """Ask before deleting: a practitioner's transcripts cannot be brought back."""
        stamp = int(self.now().timestamp()) // 60
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("Yes, delete them", callback_data=f"F:y:{stamp}"),
                    InlineKeyboardButton("No, keep them", callback_data=f"F:n:{stamp}"),
                ]
            ]
        )
        await self.send(context, chat_id_of(update), render.forget_question(), markup)

    async def on_forget_press(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        match = FORGET_PAYLOAD.match(query.data or "")
        if match is None:
            await answer_query(query, NOT_THIS_BUTTON)
            return
        await answer_query(query)
        age_minutes = int(self.now().timestamp()) // 60 - int(match[2])
        if match[1] == "n":
            await mark(query, "Kept. Nothing was deleted.")
            return
        if not 0 <= age_minutes <= FORGET_WITHIN_MINUTES:
            await mark(query, "This confirmation has expired. Send /forget again.")
            return
        chat_id = chat_id_of(update)
        gone = await self.store.forget_practitioner(self.practitioner(update))
        await self.store.delete(chat_id)
        await mark(query, "Deleted.")
        await self.send(context, chat_id, render.forgotten(gone))

    async def on_unknown_command(self, update: Update, context: Context) -> None:
        await self.send(
            context,
            chat_id_of(update),
            [render.Para("I don't know that command. /help lists what I can do.")],
        )

    # ---- answers ---------------------------------------------------------------------------

    async def on_text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        chat_id = chat_id_of(update)
        chat = await self.load(chat_id, update)
        text = message.text if message and message.text else ""
        if chat.state is not None and not self.dialogue.is_outcome(chat.state.step):
            result = answer(self.dialogue, chat.state, text)
            if isinstance(result, Moved):
                _, chosen = result.state.history[-1]
                step = Step(chat.state.step, chosen, self.now(), redacted=False)
                who = self.practitioner(update)
                await self.move(context, chat, result.state, chat_id, who, step)
                return
        # Not an answer: free text. Only the kinds of detail it held outlive this handler.
        found = redact(text).kinds
        if chat.stored is not None and chat.state is not None:
            await self.note_free_text(update, chat.stored, found)
        here = self.dialogue.node_or_none(chat.state.step) if chat.state else None
        question = here if isinstance(here, Question) else None
        note = render.not_an_answer(question, found, NOT_AN_ANSWER)
        if chat.stored is None or chat.state is None:
            notes = [render.Para(note)] if found else []
            await self.send(context, chat_id, [*notes, render.Para(NO_DECISION)])
        elif self.dialogue.is_outcome(chat.state.step):
            await self.show(context, chat.stored, note if found else "")
        else:
            await self.show(context, chat.stored, note)

    async def note_free_text(
        self, update: Update, stored: StoredConversation, found: frozenset[str]
    ) -> None:
        """Note in the transcript that they typed here, and which kinds of detail were removed.

        The text itself is never kept, even redacted: a name the redactor missed must not
        reach a lead. Failing to note it is not worth failing the reply for.
        """
        kinds = ", ".join(sorted(set(found))) if found else None
        step = Step(stored.step, FREE_TEXT, self.now(), redacted=bool(found), removed=kinds)
        try:
            await self.store.record(self.transcript(stored, self.practitioner(update), (step,)))
        except StorageUnavailable as exc:
            log.warning("free text not noted in the transcript: %s", type(exc).__name__)

    async def on_press(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        press = decode(query.data)
        chat_id = chat_id_of(update)
        if press is None:
            await answer_query(query, NOT_THIS_BUTTON)
            return
        chat = await self.load(chat_id, update)
        stored, state = chat.stored, chat.state
        if stored is None or (press.conversation, press.turn) != (
            stored.conversation_id,
            stored.turn,
        ):
            await self.refuse_stale(context, query, chat_id, stored)
            return
        if press.action == "new":  # pressed on a finished decision (state may be None)
            await answer_query(query)
            await set_keyboard(query, None)
            await self.start_decision(update, context, chat)
            return
        if state is None:
            await self.refuse_stale(context, query, chat_id, stored)
            return
        if press.action == "explain":
            node = self.dialogue.node(state.step)
            await answer_query(query)
            if isinstance(node, Question):
                await self.send(context, chat_id, render.explain(node), self.keyboard(stored))
            return
        who = self.practitioner(update)
        if press.action == "back":
            step = Step(state.step, BACK, self.now(), redacted=False)
            arrival, note = await self.commit(chat_id, chat, back(state), who, step), "« Back"
        else:
            result = answer(self.dialogue, state, press.answer)
            question = self.dialogue.node(state.step)
            labels = (
                {a.id: a.label for a in question.answers} if isinstance(question, Question) else {}
            )
            # A button carries an answer id; an alias ("y", "1") in one was never sent by us.
            if not isinstance(result, Moved) or press.answer not in labels:
                await answer_query(query, NOT_THIS_BUTTON)
                return
            step = Step(state.step, press.answer, self.now(), redacted=False)
            arrival = await self.commit(chat_id, chat, result.state, who, step)
            note = f"Your answer: {labels[press.answer]}"
        await answer_query(query)
        await self.reply(context, arrival)  # first: a crash before the mark leaves old buttons,
        await mark(query, note)  # which answer with where the chat is, not a chat without any

    async def refuse_stale(
        self,
        context: Context,
        query: CallbackQuery,
        chat_id: int,
        stored: StoredConversation | None,
    ) -> None:
        """A button from an earlier question or conversation: say so and show where we are."""
        await answer_query(query, STALE)
        await set_keyboard(query, None)
        if stored is not None:
            await self.show(context, stored, STALE)
        else:
            await self.send(context, chat_id, [render.Para(NO_DECISION)])

    async def on_media(self, update: Update, context: Context) -> None:
        chat_id = chat_id_of(update)
        chat = await self.load(chat_id)
        if chat.stored is not None and chat.state is not None:
            await self.show(context, chat.stored, NO_FILES)
        else:
            await self.send(context, chat_id, [render.Para(NO_FILES), render.Para(NO_DECISION)])

    async def on_not_private(self, update: Update, context: Context) -> None:
        """Groups and channels: say once that the bot only works privately, then stay silent."""
        chat = update.effective_chat
        if update.callback_query is not None:
            await answer_query(update.callback_query, PRIVATE_ONLY[:200])
        if chat is None or chat.id in self.told_groups:
            return
        self.told_groups.add(chat.id)
        try:
            await context.bot.send_message(
                chat.id, html.escape(PRIVATE_ONLY), parse_mode=ParseMode.HTML
            )
        except TelegramError as exc:
            log.info(
                "could not tell a group chat that I only work privately: %s", type(exc).__name__
            )

    # ---- housekeeping ----------------------------------------------------------------------

    async def purge_old(self, context: Context) -> None:
        """Daily: delete conversations and transcripts idle for longer than `retention_days`."""
        cut_off = self.now() - timedelta(days=self.config.retention_days)
        try:
            gone = await self.store.purge(cut_off)
            transcripts = await self.store.purge_transcripts(cut_off)
            quiz_answers = await self.store.purge_quiz_answers(cut_off)
        except StorageUnavailable as exc:
            log.warning("retention purge skipped: %s", type(exc).__name__)
            return
        log.info(
            "retention purge: %d conversation(s), %d transcript(s) and %d quiz answer(s) older "
            "than %d days deleted",
            gone,
            transcripts,
            quiz_answers,
            self.config.retention_days,
        )

    # ---- failures --------------------------------------------------------------------------

    async def on_error(self, update: object, context: Context) -> None:
        """Log the failure without message text, then tell the practitioner where they are.

        Everything the update committed stays committed: the next update shows where the
        conversation is. When Telegram says stop (the user blocked the bot) or wait (flood
        control, after the rate limiter's retries), nothing more is sent for this update.
        """
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        if isinstance(error, StaleWrite | StorageUnavailable):
            log.warning("update %s not saved: %s", update_id, type(error).__name__)
        elif isinstance(error, Forbidden):
            log.info("update %s: Forbidden (blocked by the user, or gone); stopped", update_id)
            return
        elif isinstance(error, RetryAfter):
            log.warning("update %s: RetryAfter (Telegram's flood control); stopped", update_id)
            return
        elif isinstance(error, NetworkError) and not isinstance(error, BadRequest):
            log.warning("update %s: no answer from Telegram (%s)", update_id, type(error).__name__)
        else:
            frames = " <- ".join(
                f"{Path(f.filename).name}:{f.lineno} in {f.name}"
                for f in reversed(traceback.extract_tb(error.__traceback__ if error else None))
            )
            log.error("update %s failed with %s at %s", update_id, type(error).__name__, frames)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if update.effective_chat.type != "private":
            return
        chat_id = update.effective_chat.id
        try:
            if update.callback_query is not None:
                await answer_query(update.callback_query)
            if isinstance(error, StaleWrite | StorageUnavailable):
                await self.send(context, chat_id, [render.Para(UNAVAILABLE)])
                return
            chat = await self.load(chat_id)
            if chat.stored is not None:
                await self.show(context, chat.stored, SORRY)
            else:
                await self.send(context, chat_id, [render.Para(SORRY), render.Para(NO_DECISION)])
        except (TelegramError, StorageUnavailable) as exc:
            log.warning("could not apologise for update %s: %s", update_id, type(exc).__name__)


def overtaken(update: Update, stored: StoredConversation) -> bool:
    """A typed message or command that arrives after a newer update of its chat was applied.

    It was written for an earlier question (Telegram delivered it late: a retry after a crash,
    or two replicas racing), so applying it now would answer a question the practitioner has
    not seen. Buttons need no such check: they carry their turn. Telegram starts update ids
    afresh after a quiet week, so an older id means nothing once the chat has been quiet that
    long (days, so that no clock need agree with Telegram's to the second).
    """
    message = update.message
    if message is None or not any(done > update.update_id for done in stored.applied):
        return False
    return message.date - stored.updated_at < IDS_RESTART_AFTER


def utf16_len(text: str) -> int:
    """Telegram counts a message's length in UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def chat_id_of(update: Update) -> int:
    chat = update.effective_chat
    assert chat is not None
    return chat.id


async def answer_query(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner; an old or already answered query is not an error."""
    try:
        await query.answer(text)
    except COSMETIC_FAILURES as exc:
        log.debug("callback answer failed: %s", type(exc).__name__)


async def set_keyboard(query: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    """Replace (None: remove) the pressed message's keyboard, if Telegram lets us."""
    message = query.message
    if not isinstance(message, Message):
        return
    try:
        await message.edit_reply_markup(markup)
    except COSMETIC_FAILURES as exc:
        log.debug("could not change a keyboard: %s", type(exc).__name__)


async def mark(query: CallbackQuery, note: str) -> None:
    """Edit the pressed question to show the choice, keyboard removed: the chat is the record."""
    message = query.message
    if not isinstance(message, Message) or not message.text_html:
        return
    if utf16_len(message.text or "") + len("\n\n") + utf16_len(note) > TELEGRAM_TEXT_LIMIT:
        await set_keyboard(query, None)  # no room for the note; the reply shows the move anyway
        return
    text = f"{message.text_html}\n\n<i>{html.escape(note)}</i>"
    try:
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=None)
    except COSMETIC_FAILURES as exc:
        log.debug("could not mark the answered question: %s", type(exc).__name__)
