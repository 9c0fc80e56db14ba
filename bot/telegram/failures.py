"""When an update fails: log it without message text, then tell the practitioner where they are.

Everything the update committed stays committed: the next update shows where the conversation
is. When Telegram says stop (the user blocked the bot) or wait (flood control, after the rate
limiter's retries), nothing more is sent for this update.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot import render, words
from bot.errors import StaleWrite, StorageUnavailable
from bot.telegram.advice import Advice
from bot.telegram.messaging import Context, answer_query, say, send

log = logging.getLogger(__name__)


class Failures:
    """The Application's error handler."""

    def __init__(self, advice: Advice) -> None:
        self.advice = advice

    async def on_error(self, update: object, context: Context) -> None:
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
                await say(context, chat_id, words.UNAVAILABLE)
                return
            chat = await self.advice.conversations.load(chat_id)
            if chat.stored is not None:
                await self.advice.show(context, chat.stored, words.SORRY)
            else:
                blocks = [render.Para(words.SORRY), render.Para(words.NO_DECISION)]
                await send(context, chat_id, blocks)
        except (TelegramError, StorageUnavailable) as exc:
            log.warning("could not apologise for update %s: %s", update_id, type(exc).__name__)
