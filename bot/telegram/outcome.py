"""A finished decision's parts on Telegram: the buttons under an outcome and what they show
(the buttons to ask a lead to get in touch and to say whether it helped are drawn here too, and
answered by `bot.telegram.contact` and `bot.telegram.feedback`).

Each button carries the decision itself (its answers as places and the day it was made),
signed for this chat and this content, so a part of an old decision is still shown after the
chat has moved on; once its transcript is gone (/forget, or the retention period) it says the
decision was cleared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from telegram import CallbackQuery, InlineKeyboardButton, InputFile, Update

from bot import outcome, words
from bot.alerts import HELPED
from bot.telegram.messaging import Context, answer_query, chat_id_of, send
from bot.telegram.payloads import DecisionAction, PartPress, Seal
from bot.telegram.services import Services
from states import State, from_positions, positions

PARTS_PER_ROW = 2


@dataclass(frozen=True, slots=True)
class Opened:
    """A checked press on a button under a finished decision."""

    query: CallbackQuery
    chat_id: int
    press: PartPress
    state: State


class OutcomeParts:
    """The part buttons under every outcome, and the handler that answers them."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.seal = Seal(services.pseudonyms.secret)

    def rows(
        self, chat_id: int, conversation: str, state: State, on: date
    ) -> list[list[InlineKeyboardButton]]:
        """One button per part of the outcome `state` reached on `on`; then, to ask a lead to
        get in touch (when there are leads) and to say whether it helped."""
        services = self.services

        def button(label: str, action: DecisionAction) -> InlineKeyboardButton:
            return self.button(chat_id, conversation, state, on, action, label)

        buttons = [button(words.PART_BUTTONS[name], name) for name in outcome.PARTS]
        rows = [buttons[i : i + PARTS_PER_ROW] for i in range(0, len(buttons), PARTS_PER_ROW)]
        if services.config.lead_ids:
            rows.append([button(words.ASK_LEAD_BUTTON, "ask")])
        rows.append([button(words.HELPED_BUTTONS[said], said) for said in HELPED])
        return rows

    def button(
        self,
        chat_id: int,
        conversation: str,
        state: State,
        on: date,
        action: DecisionAction,
        label: str,
    ) -> InlineKeyboardButton:
        """A button under the decision `state` reached on `on`, signed for this chat."""
        dialogue = self.services.dialogue
        press = PartPress(action, conversation, positions(dialogue, state), on)
        return InlineKeyboardButton(
            label, callback_data=self.seal.part_button(chat_id, dialogue, press)
        )

    async def opened(self, update: Update) -> Opened | None:
        """The press on a button under a finished decision, and the decision it is under; None
        (and the press answered as not ours) if this bot did not send it to this chat for the
        content as it is now."""
        query = update.callback_query
        assert query is not None
        chat_id = chat_id_of(update)
        dialogue = self.services.dialogue
        press = self.seal.open_part(query.data, chat_id, dialogue)
        state = from_positions(dialogue, press.places) if press is not None else None
        if press is None or state is None or not dialogue.is_outcome(state.step):
            await answer_query(query, words.NOT_THIS_BUTTON)
            return None
        return Opened(query, chat_id, press, state)

    async def on_press(self, update: Update, context: Context) -> None:
        opened = await self.opened(update)
        if opened is None:
            return
        query, chat_id, press, state = opened.query, opened.chat_id, opened.press, opened.state
        if press.part not in outcome.PARTS:  # routed here only for parts: see PATTERNS
            await answer_query(query, words.NOT_THIS_BUTTON)
            return
        part = press.part
        if not await self.services.store.keeps_conversation(press.conversation):
            await answer_query(query, words.PART_CLEARED)
            return
        await answer_query(query)
        services = self.services
        organisation = await services.store.organisation_of(services.practitioner(update))
        contacts = services.config.contacts_for(organisation)
        dialogue = services.dialogue
        blocks = outcome.part(part, services.library, dialogue, state, contacts, press.day)
        await send(context, chat_id, blocks)
        if part == "record":
            text = outcome.record(services.library, dialogue, state, press.day)
            document = InputFile(text.encode(), filename=f"decision-record-{press.day}.txt")
            await context.bot.send_document(chat_id, document, caption=words.RECORD_FILE)
