"""The lead desk: safeguarding leads review anonymised transcripts in Telegram.

Every command and every button is checked against `config.leads` on every update; anyone else
gets exactly what an unknown command or a forged button gets, and the attempt is logged (in the
log, by pseudonym, and in the access log). Every view a lead makes is written to the access log.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, replace
from typing import Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot import render
from bot.anonymise import redact
from bot.errors import UsageError
from bot.telegram.handlers import AdviceBot, Context, answer_query, chat_id_of
from bot.training import quiz_stats_blocks
from bot.transcripts.charts import stats_png
from bot.transcripts.model import TAGS, Access, Filters, Note, parse_filters, parse_period
from bot.transcripts.stats import compute_stats, stats_blocks
from bot.transcripts.view import summary_line, transcript_blocks

log = logging.getLogger(__name__)

PAGE: Final = 10
PERIODS: Final = ("all", "7d", "30d", "90d")
"""What the Period button steps through."""
STATS_DEFAULT_PERIOD: Final = "30d"
FLAGS: Final = (("unsure", "Not sure"), ("redacted", "Redacted"), ("unfinished", "Unfinished"))
TAG_IDS: Final = tuple(TAGS)
LEAD_COMMANDS: Final = (
    ("transcripts", "Leads: recent transcripts, with filters"),
    ("transcript", "Leads: one transcript, e.g. /transcript 42"),
    ("stats", "Leads: outcomes, not-sure rates, drop-off, e.g. /stats 30d"),
    ("tag", "Leads: tag a transcript, e.g. /tag 42 follow_up"),
    ("note", "Leads: add a note, e.g. /note 42 discussed in supervision"),
)
_LIST: Final = re.compile(r"^L:(\d{1,7}):(\d{1,2}):([0-7]):([0-9a-z.-]{1,22})$")
_TAG: Final = re.compile(r"^T:(\d{1,12}):(\d)$")
SHORTCUT: Final = re.compile(r"^/t(\d{1,12})(?:@\w+)?$")
"""`/t42`, as printed in lists: a tap opens transcript 42."""
NOT_THIS_BUTTON: Final = "This button doesn't work here."


@dataclass(frozen=True, slots=True)
class ListView:
    """A page of the transcript list as carried in its buttons' payloads."""

    offset: int = 0
    outcome: int = 0
    """0: any; n: the dialogue's n-th outcome."""
    flags: int = 0
    """Bits, in FLAGS order."""
    period: str = "all"

    def encode(self) -> str:
        return f"L:{self.offset}:{self.outcome}:{self.flags}:{self.period}"


class LeadDesk:
    """Lead-only commands and buttons; one instance beside the `AdviceBot` it reads through."""

    def __init__(self, advice: AdviceBot) -> None:
        self.advice = advice
        self.outcomes: tuple[str, ...] = tuple(advice.dialogue.content.outcomes)

    # ---- who may -------------------------------------------------------------------------

    def lead(self, update: Update) -> str | None:
        """ "telegram:<id>" for a configured lead, None for anyone else."""
        user = update.effective_user
        if user is None or not self.advice.config.is_lead(user.id):
            return None
        return f"telegram:{user.id}"

    async def refused(self, update: Update, context: Context, action: str) -> None:
        """A non-lead tried: log it, and answer exactly as for anything unknown."""
        who = f"telegram:{self.advice.practitioner(update)}"
        log.warning("a non-lead (%s) tried the lead action '%s'", who, action)
        await self.advice.store.log_access(
            Access(self.advice.now(), who, "telegram", action, allowed=False)
        )
        if update.callback_query is not None:
            await answer_query(update.callback_query, NOT_THIS_BUTTON)
        else:
            await self.advice.on_unknown_command(update, context)

    async def audit(self, who: str, action: str, detail: str = "") -> None:
        await self.advice.store.log_access(
            Access(self.advice.now(), who, "telegram", action, detail)
        )

    async def say(self, context: Context, update: Update, text: str) -> None:
        await self.advice.send(context, chat_id_of(update), [render.Para(text)])

    # ---- /transcripts ----------------------------------------------------------------------

    async def on_transcripts(self, update: Update, context: Context) -> None:
        who = self.lead(update)
        if who is None:
            await self.refused(update, context, "list")
            return
        try:
            words = parse_filters(
                list(context.args or []), self.advice.now(), self.advice.config.zone, self.outcomes
            )
        except UsageError as exc:
            await self.say(context, update, str(exc))
            return
        filters = words.filters
        view = ListView(
            outcome=self.outcomes.index(filters.outcome) + 1 if filters.outcome else 0,
            flags=sum(1 << i for i, (name, _) in enumerate(FLAGS) if getattr(filters, name)),
            period=words.period.lower() if len(words.period) <= 22 else "all",
        )
        blocks, markup = await self.list_page(view, who)
        await self.advice.send(context, chat_id_of(update), blocks, markup)

    def filters_of(self, view: ListView) -> Filters:
        since, until = parse_period(view.period, self.advice.now(), self.advice.config.zone)
        on = [bool(view.flags & (1 << i)) for i in range(len(FLAGS))]
        known = 0 < view.outcome <= len(self.outcomes)
        outcome = self.outcomes[view.outcome - 1] if known else None
        return Filters(outcome, since, until, unsure=on[0], redacted=on[1], unfinished=on[2])

    async def list_page(
        self, view: ListView, who: str
    ) -> tuple[list[render.Block], InlineKeyboardMarkup]:
        filters = self.filters_of(view)
        page = await self.advice.store.list_transcripts(filters, offset=view.offset, limit=PAGE)
        await self.audit(
            who, "list", f"{filters.describe(self.advice.config.zone)}; from {view.offset + 1}"
        )
        zone, dialogue = self.advice.config.zone, self.advice.dialogue
        blocks: list[render.Block] = [
            render.Heading(f"Transcripts: {filters.describe(zone)}"),
        ]
        if page.items:
            last = view.offset + len(page.items)
            blocks += [
                render.Para(
                    f"{view.offset + 1}–{last} of {page.total:,}, newest first. "
                    "Tap /tN to open one."
                ),
                render.Bullets(tuple(summary_line(s, dialogue, zone) for s in page.items)),
            ]
        else:
            blocks.append(render.Para("No transcripts match these filters."))
        return blocks, self.list_keyboard(view, page.total)

    def list_keyboard(self, view: ListView, total: int) -> InlineKeyboardMarkup:
        def button(label: str, target: ListView) -> InlineKeyboardButton:
            return InlineKeyboardButton(label, callback_data=target.encode())

        first = replace(view, offset=0)
        flags = [
            button(
                ("✓ " if view.flags & (1 << i) else "") + label,
                replace(first, flags=view.flags ^ (1 << i)),
            )
            for i, (_, label) in enumerate(FLAGS)
        ]
        outcome = "any" if view.outcome == 0 else self.outcomes[view.outcome - 1]
        next_period = (
            PERIODS[(PERIODS.index(view.period) + 1) % len(PERIODS)]
            if (view.period in PERIODS)
            else "all"
        )
        choose = [
            button(
                f"Outcome: {outcome}",
                replace(first, outcome=(view.outcome + 1) % (len(self.outcomes) + 1)),
            ),
            button(f"Period: {view.period}", replace(first, period=next_period)),
        ]
        pages: list[InlineKeyboardButton] = []
        if view.offset > 0:
            pages.append(button("« Newer", replace(view, offset=max(0, view.offset - PAGE))))
        if view.offset + PAGE < total:
            pages.append(button("Older »", replace(view, offset=view.offset + PAGE)))
        return InlineKeyboardMarkup([row for row in (flags, choose, pages) if row])

    # ---- /transcript ID --------------------------------------------------------------------

    async def on_transcript(self, update: Update, context: Context) -> None:
        who = self.lead(update)
        if who is None:
            await self.refused(update, context, "show")
            return
        message = update.effective_message
        shortcut = SHORTCUT.match(message.text or "") if message else None
        args = [shortcut[1]] if shortcut else list(context.args or [])
        if len(args) != 1 or not args[0].isdigit():
            await self.say(
                context,
                update,
                "Send /transcript followed by its number, e.g. "
                "/transcript 42 (the numbers are in /transcripts).",
            )
            return
        number = int(args[0])
        found = await self.advice.store.get_transcript(number)
        await self.audit(who, f"show {number}", "" if found else "not found")
        if found is None:
            await self.say(
                context,
                update,
                f"There is no transcript {number}: it may have been "
                "deleted (retention, or the practitioner used /forget).",
            )
            return
        blocks = transcript_blocks(
            found, self.advice.dialogue, self.advice.library, self.advice.config.zone
        )
        await self.advice.send(
            context, chat_id_of(update), blocks, tag_keyboard(number, found.tags)
        )

    # ---- tags and notes --------------------------------------------------------------------

    async def on_tag(self, update: Update, context: Context) -> None:
        """/tag ID TAG [off]"""
        who = self.lead(update)
        if who is None:
            await self.refused(update, context, "tag")
            return
        args = list(context.args or [])
        usage = (
            f"Send /tag followed by a transcript number and one of {', '.join(TAG_IDS)}, "
            "e.g. /tag 42 follow_up (add 'off' to remove it)."
        )
        if (
            len(args) not in (2, 3)
            or not args[0].isdigit()
            or args[1] not in TAGS
            or (len(args) == 3 and args[2] != "off")
        ):
            await self.say(context, update, usage)
            return
        number, tag, on = int(args[0]), args[1], len(args) == 2
        done = await self.advice.store.set_tag(number, tag, on)
        await self.audit(who, f"tag {number} {tag}{'' if on else ' off'}")
        if not done:
            await self.say(context, update, f"There is no transcript {number}.")
            return
        state = "tagged" if on else "no longer tagged"
        await self.say(context, update, f"Transcript {number} is {state} '{TAGS[tag]}'.")

    async def on_note(self, update: Update, context: Context) -> None:
        """/note ID text: the text is redacted before it is stored."""
        who = self.lead(update)
        if who is None:
            await self.refused(update, context, "note")
            return
        args = list(context.args or [])
        if len(args) < 2 or not args[0].isdigit():
            await self.say(
                context,
                update,
                "Send /note followed by a transcript number and "
                "your note, e.g. /note 42 discussed in supervision.",
            )
            return
        number = int(args[0])
        cleaned = redact(" ".join(args[1:])[:1000])
        done = await self.advice.store.add_note(number, Note(self.advice.now(), who, cleaned.text))
        await self.audit(who, f"note {number}")
        if not done:
            await self.say(context, update, f"There is no transcript {number}.")
            return
        notice = f" {render.redaction_notice(cleaned.kinds)}" if cleaned.kinds else ""
        await self.say(context, update, f"Note added to transcript {number}.{notice}")

    # ---- /stats ----------------------------------------------------------------------------

    async def on_stats(self, update: Update, context: Context) -> None:
        who = self.lead(update)
        if who is None:
            await self.refused(update, context, "stats")
            return
        args = list(context.args or [])
        period = args[0] if len(args) == 1 else STATS_DEFAULT_PERIOD
        if len(args) > 1:
            await self.say(
                context,
                update,
                "Send /stats, or /stats followed by one period, "
                "e.g. /stats 7d or /stats 2026-11 or /stats all.",
            )
            return
        try:
            since, until = parse_period(period, self.advice.now(), self.advice.config.zone)
        except UsageError as exc:
            await self.say(context, update, str(exc))
            return
        filters = Filters(since=since, until=until)
        store = self.advice.store
        stats = compute_stats(
            await store.stats_inputs(filters), self.advice.dialogue, self.advice.config.zone
        )
        await self.audit(who, "stats", filters.describe(self.advice.config.zone))
        quizzes = quiz_stats_blocks(
            await store.quiz_stats(since=since), self.advice.library.quizzes
        )
        chat_id = chat_id_of(update)
        heading = f"Statistics: {filters.describe(self.advice.config.zone)}"
        await self.advice.send(context, chat_id, [*stats_blocks(stats, heading), *quizzes])
        if stats.total:
            # Drawing takes most of a second of CPU: off the event loop, other chats go on.
            chart = await asyncio.to_thread(stats_png, stats)
            await context.bot.send_photo(
                chat_id,
                InputFile(chart, filename="stats.png"),
                caption=f"Transcripts: {filters.describe(self.advice.config.zone)}"[:1024],
            )

    # ---- buttons ---------------------------------------------------------------------------

    async def on_press(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        who = self.lead(update)
        if who is None:
            await self.refused(update, context, f"button {(query.data or '')[:20]}")
            return
        data = query.data or ""
        if listing := _LIST.match(data):
            view = ListView(int(listing[1]), int(listing[2]), int(listing[3]), listing[4])
            try:
                blocks, markup = await self.list_page(view, who)
            except UsageError:
                await answer_query(query, NOT_THIS_BUTTON)
                return
            await answer_query(query)
            await _replace(query.message, blocks, markup)
        elif tagging := _TAG.match(data):
            number, index = int(tagging[1]), int(tagging[2])
            if index >= len(TAG_IDS):
                await answer_query(query, NOT_THIS_BUTTON)
                return
            found = await self.advice.store.get_transcript(number)
            if found is None:
                await answer_query(query, f"Transcript {number} no longer exists.")
                return
            tag = TAG_IDS[index]
            on = tag not in found.tags
            await self.advice.store.set_tag(number, tag, on)
            await self.audit(who, f"tag {number} {tag}{'' if on else ' off'}")
            await answer_query(query, f"{'Tagged' if on else 'Untagged'}: {TAGS[tag]}")
            tags = found.tags | {tag} if on else found.tags - {tag}
            if isinstance(query.message, Message):
                await query.message.edit_reply_markup(tag_keyboard(number, tags))
        else:
            await answer_query(query, NOT_THIS_BUTTON)


def tag_keyboard(number: int, tags: frozenset[str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    ("✓ " if tag in tags else "") + label, callback_data=f"T:{number}:{index}"
                )
                for index, (tag, label) in enumerate(TAGS.items())
            ]
        ]
    )


async def _replace(
    message: object, blocks: list[render.Block], markup: InlineKeyboardMarkup
) -> None:
    """Show another page in the same message (a page always fits one message)."""
    if not isinstance(message, Message):
        return
    try:
        await message.edit_text(
            render.telegram_html(blocks)[0], parse_mode=ParseMode.HTML, reply_markup=markup
        )
    except BadRequest as exc:  # the same page again: "message is not modified"
        log.debug("list page not changed: %s", type(exc).__name__)
