"""Sending and editing messages: every feature talks to Telegram through these few calls.

Courtesy calls (stopping a button's spinner, editing an answered question) never stop the
reply: a refusal, a timeout or a network error there is logged at DEBUG and passed over.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.ext import ContextTypes

from bot import render
from bot.content.limits import TELEGRAM_TEXT_LIMIT

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
COSMETIC_FAILURES = (NetworkError, Forbidden)
"""What may stop a courtesy call (a button's spinner, an edit) without stopping the reply:
a refusal (BadRequest: query too old, message not modified or gone), a timeout or a network
error (both NetworkError), Forbidden. Flood control (RetryAfter) is not among them: when
Telegram says wait, the update stops there."""


async def send(
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


async def say(context: Context, chat_id: int, text: str) -> None:
    """One paragraph of the bot's own words."""
    await send(context, chat_id, [render.Para(text)])


def chat_id_of(update: Update) -> int:
    chat = update.effective_chat
    assert chat is not None  # the guard lets only private chats through
    return chat.id


def utf16_len(text: str) -> int:
    """Telegram counts a message's length in UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


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
    await mark_message(query.message, note)


async def mark_sent(
    context: Context, chat_id: int, message_id: int, blocks: Sequence[render.Block], note: str
) -> None:
    """Mark a question known only by its id (another process sent it): its words are drawn
    again from the conversation, with the answer given, and its keyboard removed."""
    text = f"{render.telegram_html(blocks)[0]}\n\n<i>{html.escape(note)}</i>"
    try:
        await context.bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML
        )
    except COSMETIC_FAILURES as exc:
        log.debug("could not mark the answered question: %s", type(exc).__name__)


async def mark_message(message: object, note: str) -> None:
    """Mark a question the bot sent (pressed or answered by typing) with the answer given."""
    if not isinstance(message, Message) or not message.text_html:
        return
    try:
        if utf16_len(message.text or "") + len("\n\n") + utf16_len(note) > TELEGRAM_TEXT_LIMIT:
            await message.edit_reply_markup(None)  # no room for the note; the reply shows it
            return
        text = f"{message.text_html}\n\n<i>{html.escape(note)}</i>"
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=None)
    except COSMETIC_FAILURES as exc:
        log.debug("could not mark the answered question: %s", type(exc).__name__)


async def show_page(
    message: object, blocks: list[render.Block], markup: InlineKeyboardMarkup
) -> None:
    """Show another page in the same message (a page always fits one message); the same page
    again ("message is not modified") is fine. A network failure is not: the error handler
    hears of it."""
    if not isinstance(message, Message):
        return
    try:
        await message.edit_text(
            render.telegram_html(blocks)[0], parse_mode=ParseMode.HTML, reply_markup=markup
        )
    except BadRequest as exc:
        log.debug("page not changed: %s", type(exc).__name__)
