"""Whether a decision helped: the buttons under every outcome, a comment by reply, and /feedback
for leads (per outcome: how many said each, and the comments, redacted before they are kept)."""

from __future__ import annotations

import logging
from typing import Final

from telegram import ForceReply, Message, Update

from bot import render, words
from bot.alerts import COMMENT_LIMIT
from bot.anonymise import redact
from bot.telegram.leads import LeadDesk, lead_only
from bot.telegram.messaging import Context, Handler, answer_query, chat_id_of, send
from bot.telegram.outcome import OutcomeParts
from bot.telegram.payloads import HELPED_ACTIONS
from bot.telegram.services import Services
from bot.transcripts.view import step_name

log = logging.getLogger(__name__)

COMMENTS_SHOWN: Final = 5
"""The newest comments /feedback shows per outcome (the export has them all)."""


class Feedback:
    """The practitioner's side: a press under an outcome, and a reply with a comment."""

    def __init__(self, services: Services, parts: OutcomeParts, typed: Handler) -> None:
        self.services = services
        self.parts = parts
        self.typed = typed
        """What a reply that is not a comment is: typed text in the conversation."""

    async def on_press(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        chat_id = chat_id_of(update)
        opened = await self.parts.opened(query, chat_id)
        if opened is None:
            return
        press = opened[0]
        if press.part not in HELPED_ACTIONS:  # routed here only for these: see PATTERNS
            await answer_query(query, words.NOT_THIS_BUTTON)
            return
        store, who = self.services.store, self.services.practitioner(update)
        if not await store.keeps_conversation(press.conversation):
            await answer_query(query, words.PART_CLEARED)
            return
        await answer_query(query, words.FEEDBACK_THANKS)
        prompt = await context.bot.send_message(
            chat_id, words.FEEDBACK_COMMENT, reply_markup=ForceReply(selective=True)
        )
        await store.give_feedback(
            press.conversation, who, press.part, self.services.now(), prompt.message_id
        )

    async def on_reply(self, update: Update, context: Context) -> None:
        """A reply to the bot: a comment if it answers a feedback prompt, else typed text."""
        message = update.effective_message
        asked = message.reply_to_message if message else None
        if message is None or asked is None or not isinstance(asked, Message):
            await self.typed(update, context)
            return
        cleaned = redact((message.text or "")[:COMMENT_LIMIT])
        kept = await self.services.store.feedback_comment(
            self.services.practitioner(update), asked.message_id, cleaned.text, self.services.now()
        )
        if not kept:
            await self.typed(update, context)
            return
        notice = render.note_redaction_notice(cleaned.kinds, words.COMMENT_REDACTION_NOTICE)
        notice = f" {notice}" if cleaned.kinds else ""
        await send(context, chat_id_of(update), [render.Para(words.COMMENT_KEPT + notice)])


@lead_only("feedback")
async def on_feedback(desk: LeadDesk, update: Update, context: Context, who: str) -> None:
    """/feedback [PERIOD]: per outcome, whether decisions helped, and the newest comments."""
    filters = desk.period_filters(context, words.FEEDBACK_USAGE)
    services = desk.services
    sums = await services.store.feedback_sums(filters)
    zone = services.config.zone
    await desk.audit(who, "feedback", filters.describe(zone))
    blocks: list[render.Block] = [
        render.Heading(words.FEEDBACK_HEADING.format(filters=filters.describe(zone)))
    ]
    if not sums:
        blocks.append(render.Para(words.FEEDBACK_NONE))
    dialogue = services.dialogue
    for each in sorted(sums, key=lambda s: -sum(s.counts.values())):
        name = step_name(dialogue, each.outcome) if each.outcome else "unfinished"
        counts = {said: each.counts.get(said, 0) for said in HELPED_ACTIONS}
        line = words.FEEDBACK_LINE.format(outcome=name, total=sum(counts.values()), **counts)
        blocks.append(render.Para(line))
        if each.comments:
            blocks.append(render.Para(words.FEEDBACK_COMMENTS.format(outcome=name)))
            blocks.append(render.Bullets(each.comments[-COMMENTS_SHOWN:]))
    await send(context, chat_id_of(update), blocks)
