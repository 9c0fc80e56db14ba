"""The advice conversation on Telegram: /start, /advice, answers typed or pressed, Back,
/cancel and /record.

One instance serves every chat; a chat's place lives in the store (`conversation`), each update
is applied once (`delivery`), and every reply is built from the committed state.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot import outcome, render, words
from bot.anonymise import redact
from bot.errors import StorageUnavailable
from bot.storage import StoredConversation
from bot.telegram.conversation import Conversations, Loaded
from bot.telegram.delivery import exactly_once
from bot.telegram.messaging import (
    Context,
    Handler,
    answer_query,
    chat_id_of,
    mark,
    mark_message,
    mark_sent,
    say,
    send,
    set_keyboard,
)
from bot.telegram.outcome import OutcomeParts
from bot.telegram.payloads import PART_PREFIX, Action, Press, decode
from bot.telegram.services import Services
from bot.transcripts.model import BACK, FREE_TEXT, STOPPED, Entry
from states import (
    NOT_SURE,
    Moved,
    Question,
    State,
    Unrecognised,
    Unsure,
    answer,
    back,
    offered,
)

log = logging.getLogger(__name__)

ANSWERS_PER_ROW = 3
ASKED_KEPT = 10_000
"""Chats whose last question message is remembered, so a typed answer can mark it."""


@dataclass(frozen=True, slots=True)
class Arrival:
    """A committed move: the stored row and, at an outcome, the outcome's blocks."""

    stored: StoredConversation
    outcome: list[render.Block]


def parts_kept(query: CallbackQuery) -> InlineKeyboardMarkup | None:
    """The pressed message's part buttons, if it is a finished decision: an old decision's
    parts stay one tap away when its other buttons go."""
    message = query.message
    markup = message.reply_markup if isinstance(message, Message) else None
    rows = [
        row
        for row in (markup.inline_keyboard if markup else ())
        if all(str(b.callback_data or "").startswith(PART_PREFIX) for b in row)
    ]
    return InlineKeyboardMarkup(rows) if rows else None


class Advice:
    """The advice conversation's commands, typed answers and buttons."""

    def __init__(self, services: Services, parts: OutcomeParts) -> None:
        self.services = services
        self.parts = parts
        self.conversations = Conversations(services)
        self.asked: OrderedDict[int, tuple[str, int, Message]] = OrderedDict()
        """Each chat's last question message, with the conversation and turn it asked at, as
        this process sent it (after a restart, or on another replica, the stored message id
        is used instead: `StoredConversation.asked_message`)."""

    def once(self, handler: Handler) -> Handler:
        """`handler`, applied exactly once per update (see `bot.telegram.delivery`)."""
        return exactly_once(handler, show=self.show, show_again=self.show_again)

    # ---- what the chat shows -------------------------------------------------------------

    def keyboard(self, stored: StoredConversation, *, unsure: bool = False) -> InlineKeyboardMarkup:
        """Answer buttons, then 'What does this mean?' and Back (or Back and New decision).

        After a Not-sure note (`unsure`), a button to stop there and get the advice comes first.
        """
        conversation, turn = stored.conversation_id, stored.turn

        def button(label: str, action: Action, answer_id: str = "") -> InlineKeyboardButton:
            press = Press(action, conversation, turn, answer_id)
            return InlineKeyboardButton(label, callback_data=press.encode())

        rows: list[list[InlineKeyboardButton]] = []
        dialogue = self.services.dialogue
        node = dialogue.node_or_none(stored.step)
        if isinstance(node, Question):
            if unsure:
                rows.append([button(words.STOP_BUTTON, "stop")])
            here = State(stored.dialogue, stored.step, stored.history)
            answers = [button(a.label, "answer", a.id) for a in offered(dialogue, here)]
            rows += [
                answers[i : i + ANSWERS_PER_ROW] for i in range(0, len(answers), ANSWERS_PER_ROW)
            ]
            rows.append([button(words.EXPLAIN_BUTTON, "explain")])
        finished = node is not None and not isinstance(node, Question)
        if finished:
            here = State(stored.dialogue, stored.step, stored.history)
            on = self.services.day(stored.updated_at)  # the day its record is dated (commit)
            rows += self.parts.rows(stored.chat_id, conversation, here, on)
        tools = [button(words.BACK_BUTTON, "back")] if stored.history else []
        if finished:
            tools.append(button(words.NEW_DECISION_BUTTON, "new"))
        if tools:
            rows.append(tools)
        return InlineKeyboardMarkup(rows)

    async def show(self, context: Context, stored: StoredConversation, note: str = "") -> None:
        """Send where the conversation is: the current question, or the finished outcome."""
        prefix: list[render.Block] = [render.Para(note)] if note else []
        dialogue = self.services.dialogue
        node = dialogue.node_or_none(stored.step)
        if isinstance(node, Question):
            here = State(stored.dialogue, stored.step, stored.history)
            blocks = [*prefix, *render.question(dialogue, here, numbered=False)]
            sent = await send(context, stored.chat_id, blocks, self.keyboard(stored))
            await self.remember(stored, sent)
        elif node is not None:
            finished = [*prefix, render.Para(words.FINISHED)]
            await send(context, stored.chat_id, finished, self.keyboard(stored))
        else:
            await send(context, stored.chat_id, [*prefix, render.Para(words.NO_DECISION)])

    async def show_again(self, context: Context, stored: StoredConversation) -> None:
        """After a redelivery: the reply to the first delivery may never have gone out, so an
        outcome is shown in full again (its advice, not only "this decision is finished")."""
        dialogue = self.services.dialogue
        state = State(stored.dialogue, stored.step, stored.history)
        if not dialogue.is_outcome(stored.step) or not dialogue.knows(state):
            await self.show(context, stored)
            return
        await self.reply(context, Arrival(stored, self.outcome_blocks(state)))

    def outcome_blocks(self, state: State) -> list[render.Block]:
        """The outcome `state` reached, on one screen; its parts are behind its buttons."""
        services = self.services
        return outcome.summary(services.dialogue, state)

    def record(self, state: State, on: date) -> str:
        """The decision record of the outcome `state` reached, as the practitioner pastes it."""
        return outcome.record(self.services.library, self.services.dialogue, state, on)

    async def reply(self, context: Context, arrival: Arrival, unsure: str = "") -> None:
        """Show where a committed move arrived: the next question, the outcome in full, or
        (`unsure`) the Not-sure note with the same question again."""
        if unsure:
            stored = arrival.stored
            here = State(stored.dialogue, stored.step, stored.history)
            blocks = render.unsure(self.services.dialogue, here, unsure, numbered=False)
            markup = self.keyboard(stored, unsure=True)
            await self.remember(stored, await send(context, stored.chat_id, blocks, markup))
        elif arrival.outcome:
            keyboard = self.keyboard(arrival.stored)
            await send(context, arrival.stored.chat_id, arrival.outcome, keyboard)
        else:
            await self.show(context, arrival.stored)

    def parts_only(
        self, stored: StoredConversation, state: State | None
    ) -> InlineKeyboardMarkup | None:
        """A finished decision's part buttons, kept when a new decision starts from it."""
        if state is None or not self.services.dialogue.is_outcome(state.step):
            return None
        on = self.services.day(stored.updated_at)
        return InlineKeyboardMarkup(
            self.parts.rows(stored.chat_id, stored.conversation_id, state, on)
        )

    async def remember(self, stored: StoredConversation, sent: Message | None) -> None:
        """Keep the question message just sent, so a typed answer to it can mark it."""
        if sent is None:
            return
        self.asked[stored.chat_id] = (stored.conversation_id, stored.turn, sent)
        self.asked.move_to_end(stored.chat_id)
        while len(self.asked) > ASKED_KEPT:
            self.asked.popitem(last=False)
        try:
            await self.services.store.note_asked(stored, sent.message_id)
        except StorageUnavailable as exc:  # only the mark of a later typed answer is lost
            log.warning("question message not noted: %s", type(exc).__name__)

    def asked_at(self, stored: StoredConversation | None) -> Message | None:
        """The question message a typed answer to `stored` answers, if this process sent it."""
        asked = self.asked.get(stored.chat_id) if stored is not None else None
        if stored is None or asked is None or asked[:2] != (stored.conversation_id, stored.turn):
            return None
        return asked[2]

    # ---- moving ---------------------------------------------------------------------------

    async def commit(
        self, chat_id: int, chat: Loaded, state: State, who: str, entry: Entry
    ) -> Arrival:
        """Save a move and its transcript entry; an outcome's record is saved too, for /record."""
        blocks: list[render.Block] = []
        record: str | None = None
        now = self.services.now()  # once: the record kept and its button's day agree
        if self.services.dialogue.is_outcome(state.step):
            blocks, record = self.outcome_blocks(state), self.record(state, self.services.day(now))
        saved = await self.conversations.save(
            chat_id, chat, state, who=who, entries=(entry,), last_record=record, at=now
        )
        return Arrival(saved, blocks)

    async def move(
        self, context: Context, chat: Loaded, state: State, chat_id: int, who: str, entry: Entry
    ) -> None:
        await self.reply(context, await self.commit(chat_id, chat, state, who, entry))

    async def start_decision(self, update: Update, context: Context, chat: Loaded) -> None:
        dialogue = self.services.dialogue
        intro: list[render.Block] = [
            render.Heading(dialogue.content.title),
            render.Para(dialogue.content.intro),
        ]
        chat_id = chat_id_of(update)
        who = self.services.practitioner(update)
        stored = await self.conversations.save(chat_id, chat, dialogue.start, who=who, fresh=True)
        await send(context, chat_id, intro)
        await self.show(context, stored)

    # ---- commands -------------------------------------------------------------------------

    async def on_start(self, update: Update, context: Context) -> None:
        chat = await self.conversations.load(chat_id_of(update), update)
        if (
            chat.state is not None
            and chat.stored is not None
            and not self.services.dialogue.is_outcome(chat.state.step)
        ):
            await self.show(context, chat.stored, words.IN_PROGRESS)
            return
        await self.start_decision(update, context, chat)

    async def on_advice(self, update: Update, context: Context) -> None:
        chat = await self.conversations.load(chat_id_of(update), update)
        await self.start_decision(update, context, chat)

    async def on_back(self, update: Update, context: Context) -> None:
        chat_id = chat_id_of(update)
        chat = await self.conversations.load(chat_id, update)
        if chat.state is None:
            await say(context, chat_id, words.NO_DECISION)
            return
        entry = Entry(chat.state.step, BACK, self.services.now(), redacted=False)
        who = self.services.practitioner(update)
        await self.move(context, chat, back(chat.state), chat_id, who, entry)

    async def on_cancel(self, update: Update, context: Context) -> None:
        chat_id = chat_id_of(update)
        chat = await self.conversations.load(chat_id, update)
        if chat.state is not None:
            await self.conversations.save(chat_id, chat, None, who=None)
        await say(context, chat_id, words.CANCELLED)

    async def on_record(self, update: Update, context: Context) -> None:
        chat_id = chat_id_of(update)
        chat = await self.conversations.load(chat_id)
        record = chat.stored.last_record if chat.stored else None
        if record is None:
            await say(context, chat_id, words.NO_RECORD)
            return
        await send(context, chat_id, [render.Heading(words.LAST_RECORD), render.Copyable(record)])

    # ---- answers --------------------------------------------------------------------------

    async def on_text(self, update: Update, context: Context) -> None:
        dialogue = self.services.dialogue
        message = update.effective_message
        chat_id = chat_id_of(update)
        chat = await self.conversations.load(chat_id, update)
        text = message.text if message and message.text else ""
        if chat.state is not None and not dialogue.is_outcome(chat.state.step):
            result = answer(dialogue, chat.state, text)
            if not isinstance(result, Unrecognised):
                chosen = result.state.history[-1][1] if isinstance(result, Moved) else NOT_SURE
                asked = dialogue.content.steps[chat.state.step]
                # at a question with a note, a move on Not sure can only be a stop there
                stopped = isinstance(result, Moved) and chosen == NOT_SURE and asked.not_sure
                done = STOPPED if stopped else chosen
                entry = Entry(chat.state.step, done, self.services.now(), redacted=False)
                who = self.services.practitioner(update)
                answered = self.asked_at(chat.stored)
                arrival = await self.commit(chat_id, chat, result.state, who, entry)
                note = result.note if isinstance(result, Unsure) else ""
                await self.reply(context, arrival, note)
                label = next(a.label for a in offered(dialogue, chat.state) if a.id == chosen)
                said = words.STOPPED if stopped else words.YOUR_ANSWER.format(label=label)
                if answered is not None:
                    await mark_message(answered, said)
                elif chat.stored is not None and chat.stored.asked_message is not None:
                    shown = render.question(dialogue, chat.state, numbered=False)
                    await mark_sent(context, chat_id, chat.stored.asked_message, shown, said)
                return
        # Not an answer: free text. Only the kinds of detail it held outlive this handler.
        found = redact(text).kinds
        if chat.stored is not None and chat.state is not None:
            await self.note_free_text(update, chat.stored, found)
        here = dialogue.node_or_none(chat.state.step) if chat.state else None
        question = here if isinstance(here, Question) else None
        note = render.not_an_answer(question, found, words.NOT_AN_ANSWER)
        if chat.stored is None or chat.state is None:
            notes = [render.Para(note)] if found else []
            await send(context, chat_id, [*notes, render.Para(words.NO_DECISION)])
        elif dialogue.is_outcome(chat.state.step):
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
        services = self.services
        kinds = ", ".join(sorted(set(found))) if found else None
        entry = Entry(stored.step, FREE_TEXT, services.now(), redacted=bool(found), removed=kinds)
        write = self.conversations.transcript(stored, services.practitioner(update), (entry,))
        try:
            await services.store.record(write)
        except StorageUnavailable as exc:
            log.warning("free text not noted in the transcript: %s", type(exc).__name__)

    async def on_press(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        dialogue = self.services.dialogue
        press = decode(query.data)
        chat_id = chat_id_of(update)
        if press is None:
            await answer_query(query, words.NOT_THIS_BUTTON)
            return
        chat = await self.conversations.load(chat_id, update)
        stored, state = chat.stored, chat.state
        if stored is None or (press.conversation, press.turn) != (
            stored.conversation_id,
            stored.turn,
        ):
            await self.refuse_stale(context, query, chat_id, stored)
            return
        if press.action == "new":  # pressed on a finished decision (state may be None)
            await answer_query(query)
            await set_keyboard(query, self.parts_only(stored, state))
            await self.start_decision(update, context, chat)
            return
        if state is None:
            await self.refuse_stale(context, query, chat_id, stored)
            return
        if press.action == "explain":
            await answer_query(query)
            if not dialogue.is_outcome(state.step):
                blocks = render.explain(self.services.library, dialogue, state)
                await send(context, chat_id, blocks, self.keyboard(stored))
            return
        who = self.services.practitioner(update)
        now = self.services.now()
        unsure = ""
        if press.action == "back":
            entry = Entry(state.step, BACK, now, redacted=False)
            arrival = await self.commit(chat_id, chat, back(state), who, entry)
            note = words.WENT_BACK
        else:
            given = NOT_SURE if press.action == "stop" else press.answer
            result = self.pressed(state, given, stop=press.action == "stop")
            if result is None:
                await answer_query(query, words.NOT_THIS_BUTTON)
                return
            done = STOPPED if press.action == "stop" else given
            entry = Entry(state.step, done, now, redacted=False)
            arrival = await self.commit(chat_id, chat, result.state, who, entry)
            unsure = result.note if isinstance(result, Unsure) else ""
            label = next(a.label for a in offered(dialogue, state) if a.id == given)
            note = (
                words.STOPPED if press.action == "stop" else words.YOUR_ANSWER.format(label=label)
            )
        await answer_query(query)
        await self.reply(context, arrival, unsure)  # first: a crash before the mark leaves old
        await mark(query, note)  # buttons, which answer with where the chat is

    def pressed(self, state: State, given: str, *, stop: bool) -> Moved | Unsure | None:
        """What a pressed answer does, or None if we never sent that button at this question.

        A button carries an answer id offered here; an alias ("y", "1") in one is forged.
        """
        dialogue = self.services.dialogue
        if dialogue.is_outcome(state.step) or given not in {a.id for a in offered(dialogue, state)}:
            return None
        result = answer(dialogue, state, given, stop=stop)
        return None if isinstance(result, Unrecognised) else result

    async def refuse_stale(
        self,
        context: Context,
        query: CallbackQuery,
        chat_id: int,
        stored: StoredConversation | None,
    ) -> None:
        """A button from an earlier question or conversation: say so and show where we are."""
        await answer_query(query, words.STALE)
        await set_keyboard(query, parts_kept(query))
        if stored is not None:
            await self.show(context, stored, words.STALE)
        else:
            await say(context, chat_id, words.NO_DECISION)
