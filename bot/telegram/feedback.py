"""Whether a decision helped: the buttons under every outcome, a comment by reply, and /feedback
for leads (per outcome: how many said each, and the comments, redacted before they are kept;
worded by `bot.transcripts.feedback`)."""

from __future__ import annotations

import logging

from telegram import ForceReply, Message, Update

from bot import render, words
from bot.alerts import COMMENT_LIMIT, HELPED
from bot.anonymise import redact
from bot.telegram.leads import Acting, LeadDesk, lead_only
from bot.telegram.messaging import Context, Handler, answer_query, chat_id_of, send
from bot.telegram.outcome import OutcomeParts
from bot.telegram.services import Services
from bot.transcripts.feedback import feedback_blocks

log = logging.getLogger(__name__)


class Feedback:
    """The practitioner's side: a press under an outcome, and a reply with a comment."""

    def __init__(self, services: Services, parts: OutcomeParts, typed: Handler) -> None:
        self.services = services
        self.parts = parts
        self.typed = typed
        """What a reply that is not a comment is: typed text in the conversation."""

    async def on_press(self, update: Update, context: Context) -> None:
        opened = await self.parts.opened(update)
        if opened is None:
            return
        query, chat_id, press = opened.query, opened.chat_id, opened.press
        if press.part not in HELPED:  # routed here only for these: see PATTERNS
            await answer_query(query, words.NOT_THIS_BUTTON)
            return
        services = self.services
        store, who, now = services.store, services.practitioner(update), services.now()
        # saved before anything is said, so a failure never follows a thank-you
        if not await store.give_feedback(press.conversation, who, press.part, now):
            await answer_query(query, words.PART_CLEARED)
            return
        await answer_query(query, words.FEEDBACK_THANKS)
        prompt = await context.bot.send_message(
            chat_id, words.FEEDBACK_COMMENT, reply_markup=ForceReply(selective=True)
        )
        await store.give_feedback(press.conversation, who, press.part, now, prompt.message_id)

    async def on_reply(self, update: Update, context: Context) -> None:
        """A reply to the bot: a comment if it answers a feedback prompt, else typed text."""
        message = update.effective_message
        asked = message.reply_to_message if message else None
        if message is None or asked is None or not isinstance(asked, Message):
            await self.typed(update, context)
            return
        cleaned = redact(message.text or "")  # whole, then cut: a cut could halve a number
        kept = await self.services.store.feedback_comment(
            self.services.practitioner(update),
            asked.message_id,
            cleaned.text[:COMMENT_LIMIT],
            self.services.now(),
        )
        if not kept:
            await self.typed(update, context)
            return
        notice = render.note_redaction_notice(cleaned.kinds, words.COMMENT_REDACTION_NOTICE)
        notice = f" {notice}" if cleaned.kinds else ""
        await send(context, chat_id_of(update), [render.Para(words.COMMENT_KEPT + notice)])


@lead_only("feedback")
async def on_feedback(desk: LeadDesk, update: Update, context: Context, lead: Acting) -> None:
    """/feedback [PERIOD]: per outcome, whether decisions helped, and the newest comments."""
    filters = desk.period_filters(context, words.FEEDBACK_USAGE, lead)
    services = desk.services
    sums = await services.store.feedback_sums(filters)
    described = filters.describe(services.config.zone)
    await desk.audit(lead.who, "feedback", described)
    heading = words.FEEDBACK_HEADING.format(filters=described)
    await send(context, chat_id_of(update), feedback_blocks(sums, services.dialogue, heading))
