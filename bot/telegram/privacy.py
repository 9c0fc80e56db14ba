"""What is kept and how to remove it: /privacy, /forget (after a confirmation) and /myid."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import render, words
from bot.telegram.messaging import Context, answer_query, chat_id_of, mark, say, send
from bot.telegram.payloads import FORGET_WITHIN_MINUTES, Forget
from bot.telegram.services import Services


class Privacy:
    """A practitioner's own data: what is kept, and deleting it."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def minute(self) -> int:
        return int(self.services.now().timestamp()) // 60

    async def on_privacy(self, update: Update, context: Context) -> None:
        days = self.services.config.retention_days
        await send(context, chat_id_of(update), render.privacy(days))

    async def on_myid(self, update: Update, context: Context) -> None:
        """A user's own Telegram id, which an administrator needs to make them a lead."""
        user = update.effective_user
        text = words.MY_ID.format(user_id=user.id if user else "unknown")
        await say(context, chat_id_of(update), text)

    async def on_forget(self, update: Update, context: Context) -> None:
        """Ask before deleting: a practitioner's transcripts cannot be brought back."""
        minute = self.minute()
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        words.FORGET_YES, callback_data=Forget(True, minute).encode()
                    ),
                    InlineKeyboardButton(
                        words.FORGET_NO, callback_data=Forget(False, minute).encode()
                    ),
                ]
            ]
        )
        await send(context, chat_id_of(update), render.forget_question(), markup)

    async def on_forget_press(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        press = Forget.decode(query.data)
        if press is None:
            await answer_query(query, words.NOT_THIS_BUTTON)
            return
        await answer_query(query)
        if not press.delete:
            await mark(query, words.KEPT)
            return
        if not 0 <= self.minute() - press.minute <= FORGET_WITHIN_MINUTES:
            await mark(query, words.FORGET_EXPIRED)
            return
        chat_id = chat_id_of(update)
        store = self.services.store
        practitioner = self.services.practitioner(update)
        await store.delete(chat_id)  # first: forgetting ends by emptying SQLite's log
        gone = await store.forget_practitioner(practitioner, at=self.services.now())
        await mark(query, words.DELETED)
        await send(context, chat_id, render.forgotten(gone))
