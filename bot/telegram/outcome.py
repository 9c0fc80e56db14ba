"""A finished decision's parts on Telegram: the buttons under an outcome and what they show.

Each button carries the decision itself (its answers as places and the day it was made),
signed for this chat and this content, so a part of an old decision is still shown after the
chat has moved on; once its transcript is gone (/forget, or the retention period) it says the
decision was cleared.
"""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton, InputFile, Update

from bot import outcome, words
from bot.telegram.messaging import Context, answer_query, chat_id_of, send
from bot.telegram.payloads import PartPress, Seal
from bot.telegram.services import Services
from states import State, from_positions, positions

PARTS_PER_ROW = 2


class OutcomeParts:
    """The part buttons under every outcome, and the handler that answers them."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.seal = Seal(services.pseudonyms.secret)

    def rows(
        self, chat_id: int, conversation: str, state: State, on: date
    ) -> list[list[InlineKeyboardButton]]:
        """One button per part of the outcome `state` reached on `on`."""
        dialogue = self.services.dialogue
        places = positions(dialogue, state)
        buttons = [
            InlineKeyboardButton(
                words.PART_BUTTONS[name],
                callback_data=self.seal.part_button(
                    chat_id, dialogue, PartPress(name, conversation, places, on)
                ),
            )
            for name in outcome.PARTS
        ]
        return [buttons[i : i + PARTS_PER_ROW] for i in range(0, len(buttons), PARTS_PER_ROW)]

    async def on_press(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        chat_id = chat_id_of(update)
        dialogue = self.services.dialogue
        press = self.seal.open_part(query.data, chat_id, dialogue)
        state = from_positions(dialogue, press.places) if press is not None else None
        if press is None or state is None or not dialogue.is_outcome(state.step):
            await answer_query(query, words.NOT_THIS_BUTTON)
            return
        if not await self.services.store.keeps_conversation(press.conversation):
            await answer_query(query, words.PART_CLEARED)
            return
        await answer_query(query)
        services = self.services
        contacts = services.config.contacts
        blocks = outcome.part(press.part, services.library, dialogue, state, contacts, press.day)
        await send(context, chat_id, blocks)
        if press.part == "record":
            text = outcome.record(services.library, dialogue, state, press.day)
            document = InputFile(text.encode(), filename=f"decision-record-{press.day}.txt")
            await context.bot.send_document(chat_id, document, caption=words.RECORD_FILE)
