"""What the bot does not take: edits, groups and channels, files and forwards, unknown commands,
and updates whose ids do not fit in 64 bits (Telegram's never do: such an update is forged or
broken, and nothing of it is kept or answered).

The guard runs before every other handler, so no feature ever sees a group's or a channel's
update or an edited message.
"""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import render, words
from bot.content.limits import POPUP_CHARS, fits_an_id
from bot.errors import StorageUnavailable
from bot.telegram.advice import Advice
from bot.telegram.messaging import Context, answer_query, chat_id_of, say, send

log = logging.getLogger(__name__)


def out_of_range(update: Update) -> str | None:
    """Which of the update's ids are beyond 64 bits, which no Telegram id is."""
    ids = {
        "update_id": update.update_id,
        "chat.id": update.effective_chat.id if update.effective_chat else 0,
        "from.id": update.effective_user.id if update.effective_user else 0,
    }
    wide = [name for name, value in ids.items() if not fits_an_id(value)]
    return ", ".join(wide) or None


class Guard:
    """Refuses politely, once, and keeps nothing."""

    def __init__(self, advice: Advice) -> None:
        self.advice = advice
        self.told_groups: set[int] = set()

    async def screen(self, update: Update, context: Context) -> None:
        """Edits are not new answers; groups, channels and chatless updates get no advice."""
        wide = out_of_range(update)
        if wide is not None:
            log.warning("update %s: %s beyond 64 bits; not taken", update.update_id, wide)
            raise ApplicationHandlerStop
        if update.edited_message is not None or update.edited_channel_post is not None:
            raise ApplicationHandlerStop
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            await self.on_not_private(update, context)
            raise ApplicationHandlerStop
        try:
            await self.advice.services.enter(update)
        except StorageUnavailable as exc:
            # Without their organisation, the wrong nation's advice could be shown: stop here.
            log.warning(
                "update %s: organisation not found: %s", update.update_id, type(exc).__name__
            )
            if update.callback_query is not None:
                await answer_query(update.callback_query)
            await say(context, chat.id, words.UNAVAILABLE)
            raise ApplicationHandlerStop from None

    async def on_not_private(self, update: Update, context: Context) -> None:
        """Groups and channels: say once that the bot only works privately, then stay silent."""
        chat = update.effective_chat
        if update.callback_query is not None:
            await answer_query(update.callback_query, words.PRIVATE_ONLY[:POPUP_CHARS])
        if chat is None or chat.id in self.told_groups:
            return
        self.told_groups.add(chat.id)
        try:
            await context.bot.send_message(
                chat.id, html.escape(words.PRIVATE_ONLY), parse_mode=ParseMode.HTML
            )
        except TelegramError as exc:
            log.info(
                "could not tell a group chat that I only work privately: %s", type(exc).__name__
            )

    async def on_media(self, update: Update, context: Context) -> None:
        chat_id = chat_id_of(update)
        chat = await self.advice.conversations.load(chat_id)
        if chat.stored is not None and chat.state is not None:
            await self.advice.show(context, chat.stored, words.NO_FILES)
        else:
            blocks = [render.Para(words.NO_FILES), render.Para(words.NO_DECISION)]
            await send(context, chat_id, blocks)

    @staticmethod
    async def on_unknown_command(update: Update, context: Context) -> None:
        await say(context, chat_id_of(update), words.UNKNOWN_COMMAND)
