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
from bot.storage import Mark, StoredConversation
from bot.telegram.conversation import IDLE, Conversations, Loaded
from bot.telegram.delivery import exactly_once
from bot.telegram.messaging import (
    Context,
    Handler,
    answer_query,
    chat_id_of,
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

    async def show(
        self,
        context: Context,
        stored: StoredConversation,
        note: str = "",
        answered: Message | None = None,
    ) -> None:
        """Send where the conversation is: the current question (with its Not-sure note if that
        is the reply it owes), or the finished outcome (in full if it is owed: it may never have
        been shown), or that no decision is open. Pays what the turn owes (`answered`: the
        question message it marks, if this process holds it)."""
        prefix: list[render.Block] = [render.Para(note)] if note else []
        dialogue = self.services.dialogue
        here = State(stored.dialogue, stored.step, stored.history)
        known = stored.step != IDLE and dialogue.knows(here)
        sent: Message | None = None
        if known and not dialogue.is_outcome(stored.step):
            unsure = self.owed_unsure(stored, here)
            if unsure:
                blocks = [*prefix, *render.unsure(dialogue, here, unsure, numbered=False)]
            else:
                blocks = [*prefix, *render.question(dialogue, here, numbered=False)]
            markup = self.keyboard(stored, unsure=bool(unsure))
            sent = await send(context, stored.chat_id, blocks, markup)
        elif known and stored.owed_at is not None:
            blocks = [*prefix, *self.outcome_blocks(here)]
            await send(context, stored.chat_id, blocks, self.keyboard(stored))
        elif known:
            finished = [*prefix, render.Para(words.FINISHED)]
            await send(context, stored.chat_id, finished, self.keyboard(stored))
        else:
            await send(context, stored.chat_id, [*prefix, render.Para(words.NO_DECISION)])
        await self.settle(context, stored, sent, answered)

    def owed_unsure(self, stored: StoredConversation, here: State) -> str:
        """The Not-sure note, if the reply this turn owes is one: a move that marked the
        question and stayed at it."""
        mark = stored.owed_mark
        if (
            stored.owed_at is None
            or mark is None
            or (mark.step, mark.history)
            != (
                here.step,
                here.history,
            )
        ):
            return ""
        result = answer(self.services.dialogue, here, NOT_SURE)
        return result.note if isinstance(result, Unsure) else ""

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

    async def reply(
        self,
        context: Context,
        arrival: Arrival,
        unsure: str = "",
        answered: Message | None = None,
    ) -> None:
        """Show where a committed move arrived: the next question, the outcome in full, or
        (`unsure`) the Not-sure note with the same question again; then mark the answered
        question (`answered` if this process holds it, else the move's owed mark) and note the
        reply shown. A crash before that leaves the reply owed, for the outbox to show."""
        stored = arrival.stored
        if unsure:
            here = State(stored.dialogue, stored.step, stored.history)
            blocks = render.unsure(self.services.dialogue, here, unsure, numbered=False)
            markup = self.keyboard(stored, unsure=True)
            sent = await send(context, stored.chat_id, blocks, markup)
            await self.settle(context, stored, sent, answered)
        elif arrival.outcome:
            await send(context, stored.chat_id, arrival.outcome, self.keyboard(stored))
            await self.settle(context, stored, None, answered)
        else:
            await self.show(context, stored, answered=answered)

    async def settle(
        self,
        context: Context,
        stored: StoredConversation,
        sent: Message | None,
        answered: Message | None = None,
    ) -> None:
        """After a reply: mark the answered question, remember the question message just sent
        (`sent`), and note that nothing is owed any more."""
        mark = stored.owed_mark
        if answered is not None and mark is not None:
            await mark_message(answered, mark.note)
        elif mark is not None and self.services.dialogue.knows(
            asked := State(stored.dialogue, mark.step, mark.history)
        ):  # (content changed since: the question cannot be drawn again, so it stays as it is)
            shown = render.question(self.services.dialogue, asked, numbered=False)
            await mark_sent(context, stored.chat_id, mark.message, shown, mark.note)
        if sent is not None:
            self.asked[stored.chat_id] = (stored.conversation_id, stored.turn, sent)
            self.asked.move_to_end(stored.chat_id)
            while len(self.asked) > ASKED_KEPT:
                self.asked.popitem(last=False)
        elif stored.owed_at is None:
            return  # nothing to note
        try:
            if sent is not None:
                await self.services.store.shown(stored, sent.message_id, sent.date)
            else:
                await self.services.store.shown(stored)
        except StorageUnavailable as exc:  # the outbox shows it again: a repeat, not a loss
            log.warning("reply not noted as shown: %s", type(exc).__name__)

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

    def unseen(self, stored: StoredConversation, typed: Message) -> bool:
        """Whether a typed answer may have been written before its question was seen: the
        question is not known to be shown, or was sent after the message (Telegram numbers a
        chat's messages in order) or within seconds before it (Telegram's dates)."""
        asked_id, asked_at = stored.asked_message, stored.asked_at
        held = self.asked_at(stored)
        if held is not None and held.message_id >= (asked_id or 0):  # the newer of the two
            asked_id, asked_at = held.message_id, held.date
        if asked_id is None or typed.message_id < asked_id:
            return True
        within = self.services.config.telegram.confirm_typed_within
        return asked_at is not None and (typed.date - asked_at).total_seconds() < within

    async def confirm(
        self, context: Context, stored: StoredConversation, chosen: str, label: str, stop: bool
    ) -> None:
        """Show the question a typed answer would answer, with a button to confirm it (the
        same press as the answer's own button, so it is applied exactly as one). A typed stop
        word is confirmed as "Stop here", beside the note's buttons it answered."""
        label = words.STOP_BUTTON if stop else label
        conversation, turn = stored.conversation_id, stored.turn
        press = (
            Press("stop", conversation, turn)
            if stop
            else Press("answer", conversation, turn, chosen)
        )
        yes = InlineKeyboardButton(
            words.CONFIRM_BUTTON.format(label=label), callback_data=press.encode()
        )
        here = State(stored.dialogue, stored.step, stored.history)
        blocks = [
            render.Para(words.CONFIRM_TYPED.format(label=label)),
            *render.question(self.services.dialogue, here, numbered=False),
        ]
        rows = [[yes], *self.keyboard(stored, unsure=stop).inline_keyboard]
        sent = await send(context, stored.chat_id, blocks, InlineKeyboardMarkup(rows))
        await self.settle(context, stored, sent)

    def asked_at(self, stored: StoredConversation | None) -> Message | None:
        """The question message a typed answer to `stored` answers, if this process sent it."""
        asked = self.asked.get(stored.chat_id) if stored is not None else None
        if stored is None or asked is None or asked[:2] != (stored.conversation_id, stored.turn):
            return None
        return asked[2]

    # ---- moving ---------------------------------------------------------------------------

    async def commit(
        self,
        chat_id: int,
        chat: Loaded,
        state: State,
        who: str,
        entry: Entry,
        mark: Mark | None = None,
    ) -> Arrival:
        """Save a move, its transcript entry and the reply it owes (with `mark`, the answered
        question to mark); an outcome's record is saved too, for /record."""
        blocks: list[render.Block] = []
        record: str | None = None
        now = self.services.now()  # once: the record kept and its button's day agree
        if self.services.dialogue.is_outcome(state.step):
            blocks, record = self.outcome_blocks(state), self.record(state, self.services.day(now))
        saved = await self.conversations.save(
            chat_id, chat, state, who=who, entries=(entry,), last_record=record, at=now, mark=mark
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
        if chat.state is None:
            await say(context, chat_id, words.CANCELLED)
            return
        stored = await self.conversations.save(chat_id, chat, None, who=None)
        await say(context, chat_id, words.CANCELLED)
        await self.settle(context, stored, None)

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
                assert chat.stored is not None and message is not None  # a state is stored
                await self.typed(update, context, chat, message, result)
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

    async def typed(
        self,
        update: Update,
        context: Context,
        chat: Loaded,
        message: Message,
        result: Moved | Unsure,
    ) -> None:
        """Apply a typed answer, unless it may not have seen its question (then confirm)."""
        dialogue = self.services.dialogue
        stored, state = chat.stored, chat.state
        assert stored is not None and state is not None  # only a question takes answers
        chosen = result.state.history[-1][1] if isinstance(result, Moved) else NOT_SURE
        # at a question with a note, a move on Not sure can only be a stop there
        question = dialogue.content.steps[state.step]
        stopped = isinstance(result, Moved) and chosen == NOT_SURE and bool(question.not_sure)
        label = next(a.label for a in offered(dialogue, state) if a.id == chosen)
        if self.unseen(stored, message):
            await self.confirm(context, stored, chosen, label, stopped)
            return
        said = words.STOPPED if stopped else words.YOUR_ANSWER.format(label=label)
        done = STOPPED if stopped else chosen
        entry = Entry(state.step, done, self.services.now(), redacted=False)
        answered = self.asked_at(stored)
        asked = answered.message_id if answered else stored.asked_message
        mark = None if asked is None else Mark(asked, said, state.step, state.history)
        who = self.services.practitioner(update)
        arrival = await self.commit(stored.chat_id, chat, result.state, who, entry, mark)
        note = result.note if isinstance(result, Unsure) else ""
        await self.reply(context, arrival, note, answered)

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
        try:
            write = await self.conversations.transcript(
                stored, services.practitioner(update), (entry,)
            )
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
        pressed = query.message if isinstance(query.message, Message) else None
        if press.action == "back":
            entry = Entry(state.step, BACK, now, redacted=False)
            mark = self.mark_for(pressed, words.WENT_BACK, state)
            arrival = await self.commit(chat_id, chat, back(state), who, entry, mark)
        else:
            given = NOT_SURE if press.action == "stop" else press.answer
            result = self.pressed(state, given, stop=press.action == "stop")
            if result is None:
                await answer_query(query, words.NOT_THIS_BUTTON)
                return
            done = STOPPED if press.action == "stop" else given
            entry = Entry(state.step, done, now, redacted=False)
            label = next(a.label for a in offered(dialogue, state) if a.id == given)
            note = (
                words.STOPPED if press.action == "stop" else words.YOUR_ANSWER.format(label=label)
            )
            mark = self.mark_for(pressed, note, state)
            arrival = await self.commit(chat_id, chat, result.state, who, entry, mark)
            unsure = result.note if isinstance(result, Unsure) else ""
        await answer_query(query)
        await self.reply(context, arrival, unsure, pressed)

    @staticmethod
    def mark_for(pressed: Message | None, note: str, state: State) -> Mark | None:
        """The mark a move owes the question message it answered (if it is known)."""
        if pressed is None:
            return None
        return Mark(pressed.message_id, note, state.step, state.history)

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
