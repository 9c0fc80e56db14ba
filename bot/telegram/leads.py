"""The lead desk: safeguarding leads review anonymised transcripts in Telegram.

Every command and every button is checked against `config.leads` on every update; anyone else
gets exactly what an unknown command or a forged button gets, and the attempt is logged (in the
log, by pseudonym, and in the access log). Every view a lead makes is written to the access log.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any, Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot import render
from bot.errors import UsageError
from bot.telegram.handlers import (
    NOT_THIS_BUTTON,
    AdviceBot,
    Context,
    answer_query,
    chat_id_of,
    set_keyboard,
)
from bot.training import quiz_stats_blocks
from bot.transcripts.charts import stats_png
from bot.transcripts.model import (
    TAGS,
    Access,
    Filters,
    Note,
    clean_note,
    parse_filters,
    parse_id,
    parse_period,
)
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
_LIST: Final = re.compile(
    r"^L:(\d{1,7}):(\d{1,2}):([0-7]):([0-3]):([0-9a-z.-]{1,22}):((?:p-[0-9a-f]{12})?)$"
)
_TAG: Final = re.compile(r"^T:(\d{1,10}):(\d):([01])$")
SHORTCUT: Final = re.compile(r"^/t([0-9]{1,20})(?:@\w+)?$")
"""`/t42`, as printed in lists: a tap opens transcript 42."""


@dataclass(frozen=True, slots=True)
class ListView:
    """A page of the transcript list as carried in its buttons' payloads."""

    offset: int = 0
    outcome: int = 0
    """0: any; n: the dialogue's n-th outcome."""
    flags: int = 0
    """Bits, in FLAGS order."""
    tag: int = 0
    """0: any; n: the n-th of TAGS."""
    period: str = "all"
    practitioner: str = ""

    def encode(self) -> str:
        return (
            f"L:{self.offset}:{self.outcome}:{self.flags}:{self.tag}:{self.period}:"
            f"{self.practitioner}"
        )


Command = Callable[["LeadDesk", Update, Context, str], Coroutine[Any, Any, None]]
Handler = Callable[["LeadDesk", Update, Context], Coroutine[Any, Any, None]]


def lead_only(action: str) -> Callable[[Command], Handler]:
    """Check the sender against `config.leads` on every update; turn bad arguments into words.

    A non-lead gets exactly what an unknown command or a forged button gets, and is logged.
    """

    def wrap(command: Command) -> Handler:
        async def handler(desk: LeadDesk, update: Update, context: Context) -> None:
            who = desk.lead(update)
            if who is None:
                await desk.refused(update, context, action)
                return
            try:
                await command(desk, update, context, who)
            except UsageError as exc:
                if update.callback_query is not None:
                    await answer_query(update.callback_query, NOT_THIS_BUTTON)
                else:
                    await desk.say(context, update, str(exc))

        handler.__doc__ = command.__doc__
        return handler

    return wrap


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
        """A non-lead tried: log it (by pseudonym, never what they sent) and play dumb."""
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

    @lead_only("list")
    async def on_transcripts(self, update: Update, context: Context, who: str) -> None:
        """/transcripts [FILTER...]: the newest ten, with buttons to page and filter."""
        zone = self.advice.config.zone
        words = parse_filters(list(context.args or []), self.advice.now(), zone, self.outcomes)
        filters = words.filters
        view = ListView(
            outcome=self.outcomes.index(filters.outcome) + 1 if filters.outcome else 0,
            flags=sum(1 << i for i, (name, _) in enumerate(FLAGS) if getattr(filters, name)),
            tag=TAG_IDS.index(filters.tag) + 1 if filters.tag else 0,
            period=words.period.strip().lower() or "all",
            practitioner=filters.practitioner or "",
        )
        blocks, markup = await self.list_page(view, who)
        await self.advice.send(context, chat_id_of(update), blocks, markup)

    def filters_of(self, view: ListView) -> Filters:
        since, until = parse_period(view.period, self.advice.now(), self.advice.config.zone)
        on = [bool(view.flags & (1 << i)) for i in range(len(FLAGS))]
        known = 0 < view.outcome <= len(self.outcomes)
        return Filters(
            outcome=self.outcomes[view.outcome - 1] if known else None,
            since=since,
            until=until,
            unsure=on[0],
            redacted=on[1],
            unfinished=on[2],
            practitioner=view.practitioner or None,
            tag=TAG_IDS[view.tag - 1] if 0 < view.tag <= len(TAG_IDS) else None,
        )

    async def list_page(
        self, view: ListView, who: str
    ) -> tuple[list[render.Block], InlineKeyboardMarkup]:
        filters = self.filters_of(view)
        zone, dialogue = self.advice.config.zone, self.advice.dialogue
        page = await self.advice.store.list_transcripts(filters, offset=view.offset, limit=PAGE)
        await self.audit(who, "list", f"{filters.describe(zone)}; from {view.offset + 1}")
        blocks: list[render.Block] = [render.Heading(f"Transcripts: {filters.describe(zone)}")]
        if page.items:
            last = view.offset + len(page.items)
            blocks += [
                render.Para(
                    f"{view.offset + 1}–{last} of {page.total:,}, newest first. "
                    "Tap /tN to open one."
                ),
                render.Bullets(tuple(summary_line(s, dialogue, zone) for s in page.items)),
            ]
        elif page.total:
            blocks.append(render.Para(f"No more: {page.total:,} in all."))
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
        named = 0 < view.outcome <= len(self.outcomes)
        outcome = self.outcomes[view.outcome - 1] if named else "any"
        known = view.period in PERIODS
        next_period = PERIODS[(PERIODS.index(view.period) + 1) % len(PERIODS)] if known else "all"
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

    @lead_only("show")
    async def on_transcript(self, update: Update, context: Context, who: str) -> None:
        """/transcript ID, or a tap on /tID in a list."""
        message = update.effective_message
        shortcut = SHORTCUT.match(message.text or "") if message else None
        args = [shortcut[1]] if shortcut else list(context.args or [])
        if len(args) != 1:
            raise UsageError(
                "Send /transcript followed by its number, e.g. /transcript 42 (the numbers are "
                "in /transcripts)."
            )
        number = parse_id(args[0])
        found = await self.advice.store.get_transcript(number)
        await self.audit(who, f"show {number}", "" if found else "not found")
        if found is None:
            raise UsageError(
                f"There is no transcript {number}: it may have been deleted (retention, or the "
                "practitioner used /forget)."
            )
        zone = self.advice.config.zone
        blocks = transcript_blocks(found, self.advice.dialogue, self.advice.library, zone)
        keyboard = tag_keyboard(number, found.tags)
        await self.advice.send(context, chat_id_of(update), blocks, keyboard)

    # ---- tags and notes --------------------------------------------------------------------

    @lead_only("tag")
    async def on_tag(self, update: Update, context: Context, who: str) -> None:
        """/tag ID TAG [off]"""
        args = list(context.args or [])
        if len(args) not in (2, 3) or args[1] not in TAGS or args[2:] not in ([], ["off"]):
            raise UsageError(
                f"Send /tag followed by a transcript number and one of {', '.join(TAG_IDS)}, "
                "e.g. /tag 42 follow_up (add 'off' to remove it)."
            )
        number, tag, on = parse_id(args[0]), args[1], len(args) == 2
        await self.set_tag(who, number, tag, on)
        state = "tagged" if on else "no longer tagged"
        await self.say(context, update, f"Transcript {number} is {state} '{TAGS[tag]}'.")

    async def set_tag(self, who: str, number: int, tag: str, on: bool) -> None:
        done = await self.advice.store.set_tag(number, tag, on)
        await self.audit(who, f"tag {number} {tag}{'' if on else ' off'}")
        if not done:
            raise UsageError(f"There is no transcript {number}.")

    @lead_only("note")
    async def on_note(self, update: Update, context: Context, who: str) -> None:
        """/note ID TEXT: identifying details are removed before the note is stored."""
        args = list(context.args or [])
        if len(args) < 2:
            raise UsageError(
                "Send /note followed by a transcript number and your note, e.g. /note 42 "
                "discussed in supervision."
            )
        number, cleaned = parse_id(args[0]), clean_note(" ".join(args[1:]))
        done = await self.advice.store.add_note(number, Note(self.advice.now(), who, cleaned.text))
        await self.audit(who, f"note {number}")
        if not done:
            raise UsageError(f"There is no transcript {number}.")
        notice = f" {render.redaction_notice(cleaned.kinds)}" if cleaned.kinds else ""
        await self.say(context, update, f"Note added to transcript {number}.{notice}")

    # ---- /stats ----------------------------------------------------------------------------

    @lead_only("stats")
    async def on_stats(self, update: Update, context: Context, who: str) -> None:
        """/stats [PERIOD]: the numbers as text, and a chart."""
        args = list(context.args or [])
        if len(args) > 1:
            raise UsageError(
                "Send /stats, or /stats followed by one period, e.g. /stats 7d or /stats 2026-11 "
                "or /stats all."
            )
        zone, store = self.advice.config.zone, self.advice.store
        since, until = parse_period(
            args[0] if args else STATS_DEFAULT_PERIOD, self.advice.now(), zone
        )
        filters = Filters(since=since, until=until)
        stats = compute_stats(await store.stats_inputs(filters), self.advice.dialogue, zone)
        quiz_stats = await store.quiz_stats(since=since, until=until)
        await self.audit(who, "stats", filters.describe(zone))
        chat_id = chat_id_of(update)
        blocks = [
            *stats_blocks(stats, f"Statistics: {filters.describe(zone)}"),
            *quiz_stats_blocks(quiz_stats, self.advice.library.quizzes),
        ]
        await self.advice.send(context, chat_id, blocks)
        if stats.total:
            # Drawing takes most of a second of CPU: off the event loop, other chats go on.
            chart = await asyncio.to_thread(stats_png, stats)
            await context.bot.send_photo(
                chat_id,
                InputFile(chart, filename="stats.png"),
                caption=f"Transcripts: {filters.describe(zone)}"[:1024],
            )

    # ---- buttons ---------------------------------------------------------------------------

    @lead_only("button")
    async def on_press(self, update: Update, context: Context, who: str) -> None:
        """List pages and filters (L:...), tag toggles (T:...)."""
        query = update.callback_query
        assert query is not None
        data = query.data or ""
        if listing := _LIST.match(data):
            offset, outcome, flags, tag = (int(group) for group in listing.group(1, 2, 3, 4))
            view = ListView(offset, outcome, flags, tag, listing[5], listing[6])
            blocks, markup = await self.list_page(view, who)
            await answer_query(query)
            await _replace(query.message, blocks, markup)
        elif (tagging := _TAG.match(data)) and int(tagging[2]) < len(TAG_IDS):
            number, wanted, on = parse_id(tagging[1]), TAG_IDS[int(tagging[2])], tagging[3] == "1"
            await self.set_tag(who, number, wanted, on)
            await answer_query(query, f"{'Tagged' if on else 'Untagged'}: {TAGS[wanted]}")
            found = await self.advice.store.get_transcript(number)
            if found is not None:  # a double tap's second edit is "not modified": fine
                await set_keyboard(query, tag_keyboard(number, found.tags))
        else:
            await answer_query(query, NOT_THIS_BUTTON)


def tag_keyboard(number: int, tags: frozenset[str]) -> InlineKeyboardMarkup:
    """A button per tag: a press sets it to what the button says (so two leads never fight)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    ("✓ " if tag in tags else "") + label,
                    callback_data=f"T:{number}:{index}:{0 if tag in tags else 1}",
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
