"""The lead desk: safeguarding leads review anonymised transcripts in Telegram.

Every command and every button is checked against the configured leads on every update; anyone
else gets exactly what an unknown command or a forged button gets, and the attempt is logged (in
the log, by pseudonym, and in the access log). A lead of an organisation sees only its
transcripts (`Acting`). Every view a lead makes is written to the access log.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any, Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from bot import render, words
from bot.content.limits import CAPTION_CHARS
from bot.errors import UsageError
from bot.telegram.guard import Guard
from bot.telegram.messaging import (
    Context,
    answer_query,
    chat_id_of,
    say,
    send,
    set_keyboard,
    show_page,
)
from bot.telegram.payloads import ListView, TagPress
from bot.telegram.services import Services
from bot.training import quiz_stats_blocks
from bot.transcripts.charts import stats_png
from bot.transcripts.model import (
    TAGS,
    Access,
    Filters,
    Note,
    Transcript,
    clean_note,
    parse_filters,
    parse_id,
    parse_period,
)
from bot.transcripts.people import practitioner_blocks
from bot.transcripts.stats import DEFAULT_PERIOD, Stats, compute_stats, stats_blocks
from bot.transcripts.trends import (
    DEFAULT_WEEKS,
    MOST_WEEKS,
    compute_trends,
    span,
    trends_blocks,
    weeks,
)
from bot.transcripts.view import step_name, summary_line, transcript_blocks

log = logging.getLogger(__name__)

PAGE: Final = 10
PERIODS: Final = ("all", "7d", "30d", "90d")
"""What the Period button steps through."""
FLAGS: Final = tuple(
    (flag, words.FLAG_LABELS[flag]) for flag in ("unsure", "redacted", "unfinished")
)
"""The list filters in the order of their bits in a button's payload: never reorder."""
TAG_IDS: Final = tuple(TAGS)
SHORTCUT: Final = re.compile(r"^/t([0-9]{1,20})(?:@\w+)?$")
"""`/t42`, as printed in lists: a tap opens transcript 42."""
WEEKS: Final = re.compile(r"[0-9]{1,2}")
"""How many weeks /trends may be asked for, before its range is checked."""


@dataclass(frozen=True, slots=True)
class Acting:
    """The lead behind an update: how the access log names them, and what they may see."""

    who: str
    """ "telegram:<id>", as the access log and notes record a lead."""
    scope: frozenset[str] | None
    """The organisations they lead (None: every one, as `Config.scope` says)."""

    def sees(self, organisation: str | None) -> bool:
        return self.scope is None or organisation in self.scope

    def within(self, filters: Filters) -> Filters:
        return filters.within(self.scope)


LeadCommand = Callable[["LeadDesk", Update, Context, Acting], Coroutine[Any, Any, None]]
"""A desk method that is told who the lead is."""
DeskMethod = Callable[["LeadDesk", Update, Context], Coroutine[Any, Any, None]]
"""The same, as a handler method (not `messaging.Handler`: it takes the desk first)."""


def lead_only(action: str) -> Callable[[LeadCommand], DeskMethod]:
    """Check the sender against the configured leads on every update; bad arguments become words.

    A non-lead gets exactly what an unknown command or a forged button gets, and is logged.
    """

    def wrap(command: LeadCommand) -> DeskMethod:
        async def handler(desk: LeadDesk, update: Update, context: Context) -> None:
            lead = desk.lead(update)
            if lead is None:
                await desk.refused(update, context, action)
                return
            try:
                await command(desk, update, context, lead)
            except UsageError as exc:
                if update.callback_query is not None:
                    await answer_query(update.callback_query, words.NOT_THIS_BUTTON)
                else:
                    await say(context, chat_id_of(update), str(exc))

        handler.__doc__ = command.__doc__
        return handler

    return wrap


class LeadDesk:
    """Lead-only commands and buttons."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.outcomes: tuple[str, ...] = tuple(services.dialogue.content.outcomes)

    # ---- who may -------------------------------------------------------------------------

    def lead(self, update: Update) -> Acting | None:
        """The lead sending `update`, None for anyone else."""
        user = update.effective_user
        config = self.services.config
        if user is None or not config.is_lead(user.id):
            return None
        return Acting(f"telegram:{user.id}", config.scope(user.id))

    async def refused(self, update: Update, context: Context, action: str) -> None:
        """A non-lead tried: log it (by pseudonym, never what they sent) and play dumb."""
        who = f"telegram:{self.services.practitioner(update)}"
        log.warning("a non-lead (%s) tried the lead action '%s'", who, action)
        await self.services.store.log_access(
            Access(self.services.now(), who, "telegram", action, allowed=False)
        )
        if update.callback_query is not None:
            await answer_query(update.callback_query, words.NOT_THIS_BUTTON)
        else:
            await Guard.on_unknown_command(update, context)

    async def audit(self, who: str, action: str, detail: str = "") -> None:
        await self.services.store.log_access(
            Access(self.services.now(), who, "telegram", action, detail)
        )

    # ---- /transcripts ----------------------------------------------------------------------

    @lead_only("list")
    async def on_transcripts(self, update: Update, context: Context, lead: Acting) -> None:
        """/transcripts [FILTER...]: the newest ten, with buttons to page and filter."""
        config = self.services.config
        ids = [o.id for o in config.organisations]
        parsed = parse_filters(
            list(context.args or []),
            self.services.now(),
            config.zone,
            self.outcomes,
            organisations=[i for i in ids if lead.sees(i)],  # never name another's
        )
        filters = parsed.filters
        view = ListView(
            outcome=self.outcomes.index(filters.outcome) + 1 if filters.outcome else 0,
            flags=sum(1 << i for i, (name, _) in enumerate(FLAGS) if getattr(filters, name)),
            tag=TAG_IDS.index(filters.tag) + 1 if filters.tag else 0,
            period=parsed.period.strip().lower() or "all",
            practitioner=filters.practitioner or "",
            organisation=ids.index(filters.organisation) + 1 if filters.organisation else 0,
        )
        blocks, markup = await self.list_page(view, lead)
        await send(context, chat_id_of(update), blocks, markup)

    def filters_of(self, view: ListView) -> Filters:
        since, until = parse_period(view.period, self.services.now(), self.services.config.zone)
        on = [bool(view.flags & (1 << i)) for i in range(len(FLAGS))]
        known = 0 < view.outcome <= len(self.outcomes)
        organisations = self.services.config.organisations
        chosen = 0 < view.organisation <= len(organisations)
        return Filters(
            outcome=self.outcomes[view.outcome - 1] if known else None,
            since=since,
            until=until,
            unsure=on[0],
            redacted=on[1],
            unfinished=on[2],
            practitioner=view.practitioner or None,
            tag=TAG_IDS[view.tag - 1] if 0 < view.tag <= len(TAG_IDS) else None,
            organisation=organisations[view.organisation - 1].id if chosen else None,
        )

    async def list_page(
        self, view: ListView, lead: Acting
    ) -> tuple[list[render.Block], InlineKeyboardMarkup]:
        filters = lead.within(self.filters_of(view))
        zone, dialogue = self.services.config.zone, self.services.dialogue
        page = await self.services.store.list_transcripts(filters, offset=view.offset, limit=PAGE)
        await self.audit(lead.who, "list", f"{filters.describe(zone)}; from {view.offset + 1}")
        blocks: list[render.Block] = [
            render.Heading(words.LIST_HEADING.format(filters=filters.describe(zone)))
        ]
        if page.items:
            last = view.offset + len(page.items)
            blocks += [
                render.Para(
                    words.LIST_RANGE.format(first=view.offset + 1, last=last, total=page.total)
                ),
                render.Bullets(tuple(summary_line(s, dialogue, zone) for s in page.items)),
            ]
        elif page.total:
            blocks.append(render.Para(words.LIST_NO_MORE.format(total=page.total)))
        else:
            blocks.append(render.Para(words.LIST_NONE))
        return blocks, self.list_keyboard(view, page.total)

    def list_keyboard(self, view: ListView, total: int) -> InlineKeyboardMarkup:
        def button(label: str, target: ListView) -> InlineKeyboardButton:
            return InlineKeyboardButton(label, callback_data=target.encode())

        first = replace(view, offset=0)
        flags = [
            button(
                words.CHOSEN.format(label=label) if view.flags & (1 << i) else label,
                replace(first, flags=view.flags ^ (1 << i)),
            )
            for i, (_, label) in enumerate(FLAGS)
        ]
        named = 0 < view.outcome <= len(self.outcomes)
        outcome = self.outcomes[view.outcome - 1] if named else "any"
        tag = TAG_IDS[view.tag - 1] if 0 < view.tag <= len(TAG_IDS) else "any"
        known = view.period in PERIODS
        next_period = PERIODS[(PERIODS.index(view.period) + 1) % len(PERIODS)] if known else "all"
        choose = [
            button(words.OUTCOME_BUTTON.format(outcome=outcome), replace(view, menu="o")),
            button(words.TAG_BUTTON.format(tag=tag), replace(view, menu="t")),
            button(
                words.PERIOD_BUTTON.format(period=view.period), replace(first, period=next_period)
            ),
        ]
        pages: list[InlineKeyboardButton] = []
        if view.offset > 0:
            pages.append(button(words.NEWER, replace(view, offset=max(0, view.offset - PAGE))))
        if view.offset + PAGE < total:
            pages.append(button(words.OLDER, replace(view, offset=view.offset + PAGE)))
        return InlineKeyboardMarkup([row for row in (flags, choose, pages) if row])

    def menu_keyboard(self, view: ListView) -> InlineKeyboardMarkup:
        """Every outcome (or tag) on a button of its own, the chosen one marked, and a way back:
        one tap picks any of them, instead of a tap per value to step through them all."""
        first = replace(view, offset=0, menu="")
        dialogue = self.services.dialogue
        if view.menu == "o":
            chosen = view.outcome
            choices = [(words.ANY_OUTCOME, replace(first, outcome=0))] + [
                (step_name(dialogue, o), replace(first, outcome=n))
                for n, o in enumerate(self.outcomes, start=1)
            ]
        else:
            chosen = view.tag
            choices = [(words.ANY_TAG, replace(first, tag=0))] + [
                (TAGS[t], replace(first, tag=n)) for n, t in enumerate(TAG_IDS, start=1)
            ]
        rows = [
            [
                InlineKeyboardButton(
                    words.CHOSEN.format(label=label) if n == chosen else label,
                    callback_data=target.encode(),
                )
            ]
            for n, (label, target) in enumerate(choices)
        ]
        back = InlineKeyboardButton(words.MENU_BACK, callback_data=replace(view, menu="").encode())
        return InlineKeyboardMarkup([*rows, [back]])

    # ---- /transcript ID --------------------------------------------------------------------

    @lead_only("show")
    async def on_transcript(self, update: Update, context: Context, lead: Acting) -> None:
        """/transcript ID, or a tap on /tID in a list."""
        message = update.effective_message
        shortcut = SHORTCUT.match(message.text or "") if message else None
        args = [shortcut[1]] if shortcut else list(context.args or [])
        if len(args) != 1:
            raise UsageError(words.TRANSCRIPT_USAGE)
        number = parse_id(args[0])
        found = await self.visible(lead, number, f"show {number}")
        if found is None:
            raise UsageError(words.TRANSCRIPT_GONE.format(number=number))
        zone = self.services.config.zone
        services = self.services
        blocks = transcript_blocks(
            found, services.dialogue, services.library, zone, sign=services.config.signature
        )
        keyboard = tag_keyboard(number, found.tags)
        await send(context, chat_id_of(update), blocks, keyboard)

    # ---- tags and notes --------------------------------------------------------------------

    @lead_only("tag")
    async def on_tag(self, update: Update, context: Context, lead: Acting) -> None:
        """/tag ID TAG [off]"""
        args = list(context.args or [])
        if len(args) not in (2, 3) or args[1] not in TAGS or args[2:] not in ([], ["off"]):
            raise UsageError(words.TAG_USAGE.format(tags=", ".join(TAG_IDS)))
        number, tag, on = parse_id(args[0]), args[1], len(args) == 2
        await self.set_tag(lead, number, tag, on)
        said = words.TAGGED if on else words.UNTAGGED
        await say(context, chat_id_of(update), said.format(number=number, label=TAGS[tag]))

    async def set_tag(self, lead: Acting, number: int, tag: str, on: bool) -> None:
        action = f"tag {number} {tag}{'' if on else ' off'}"
        if await self.visible(lead, number, action, audit=False) is None:
            raise UsageError(words.NO_SUCH_TRANSCRIPT.format(number=number))
        done = await self.services.store.set_tag(number, tag, on)
        await self.audit(lead.who, action)
        if not done:
            raise UsageError(words.NO_SUCH_TRANSCRIPT.format(number=number))

    async def visible(
        self, lead: Acting, number: int, action: str, *, audit: bool = True
    ) -> Transcript | None:
        """Transcript `number` if it is there and `lead` may see it. One of another
        organisation is answered as one that is not there, and logged as refused."""
        found = await self.services.store.get_transcript(number)
        if found is not None and not lead.sees(found.organisation):
            log.warning("a lead asked for a transcript of another organisation (access log)")
            await self.services.store.log_access(
                Access(
                    self.services.now(),
                    lead.who,
                    "telegram",
                    action,
                    "another organisation",
                    allowed=False,
                )
            )
            return None
        if audit:
            await self.audit(lead.who, action, "" if found else "not found")
        return found

    @lead_only("note")
    async def on_note(self, update: Update, context: Context, lead: Acting) -> None:
        """/note ID TEXT: identifying details are removed before the note is stored."""
        args = list(context.args or [])
        if len(args) < 2:
            raise UsageError(words.NOTE_USAGE)
        number, cleaned = parse_id(args[0]), clean_note(" ".join(args[1:]))
        if await self.visible(lead, number, f"note {number}", audit=False) is None:
            raise UsageError(words.NO_SUCH_TRANSCRIPT.format(number=number))
        done = await self.services.store.add_note(
            number, Note(self.services.now(), lead.who, cleaned.text)
        )
        await self.audit(lead.who, f"note {number}")
        if not done:
            raise UsageError(words.NO_SUCH_TRANSCRIPT.format(number=number))
        notice = f" {render.note_redaction_notice(cleaned.kinds)}" if cleaned.kinds else ""
        added = words.NOTE_ADDED.format(number=number)
        await say(context, chat_id_of(update), f"{added}{notice}")

    def period_filters(self, context: Context, usage: str, lead: Acting) -> Filters:
        """The one optional PERIOD a lead gave (default `DEFAULT_PERIOD`), or `usage` said;
        within what the lead may see."""
        args = list(context.args or [])
        if len(args) > 1:
            raise UsageError(usage)
        period = args[0] if args else DEFAULT_PERIOD
        since, until = parse_period(period, self.services.now(), self.services.config.zone)
        return lead.within(Filters(since=since, until=until))

    # ---- /stats ----------------------------------------------------------------------------

    @lead_only("stats")
    async def on_stats(self, update: Update, context: Context, lead: Acting) -> None:
        """/stats [PERIOD]: the numbers as text, and a chart."""
        filters = self.period_filters(context, words.STATS_USAGE, lead)
        zone = self.services.config.zone
        stats = await self.stats(filters)
        quiz_stats = await self.services.store.quiz_stats(
            since=filters.since, until=filters.until, scope=lead.scope
        )
        await self.audit(lead.who, "stats", filters.describe(zone))
        chat_id = chat_id_of(update)
        blocks = [
            *stats_blocks(stats, words.STATS_HEADING.format(filters=filters.describe(zone))),
            *quiz_stats_blocks(quiz_stats, self.services.library.quizzes),
        ]
        await send(context, chat_id, blocks)
        if stats.total:
            # Drawing takes most of a second of CPU: off the event loop, other chats go on.
            chart = await asyncio.to_thread(stats_png, stats)
            await context.bot.send_photo(
                chat_id,
                InputFile(chart, filename="stats.png"),
                caption=words.LIST_HEADING.format(filters=filters.describe(zone))[:CAPTION_CHARS],
            )

    async def stats(self, filters: Filters) -> Stats:
        """The statistics of `filters`, abandoned decisions counted as the config says."""
        config = self.services.config
        inputs = await self.services.store.stats_inputs(
            filters, abandoned_before=config.abandoned_before(self.services.now())
        )
        return compute_stats(
            inputs, self.services.dialogue, config.zone, config.abandoned_after_hours
        )

    # ---- /trends ---------------------------------------------------------------------------

    @lead_only("trends")
    async def on_trends(self, update: Update, context: Context, lead: Acting) -> None:
        """/trends [WEEKS]: "not sure" by question and outcomes, week by week (one query a
        week: a lead's occasional look, not a hot path)."""
        args = list(context.args or [])
        count = args[0] if args else str(DEFAULT_WEEKS)
        if len(args) > 1 or not WEEKS.fullmatch(count) or not 1 <= int(count) <= MOST_WEEKS:
            raise UsageError(words.TRENDS_USAGE.format(most=MOST_WEEKS))
        zone = self.services.config.zone
        found = weeks(self.services.now(), zone, int(count))
        trends = compute_trends(
            [(week, await self.stats(lead.within(week.filters()))) for week in found], zone
        )
        await self.audit(lead.who, "trends", span(trends))
        await send(context, chat_id_of(update), trends_blocks(trends))

    # ---- /practitioners --------------------------------------------------------------------

    @lead_only("practitioners")
    async def on_practitioners(self, update: Update, context: Context, lead: Acting) -> None:
        """/practitioners [PERIOD]: pseudonyms ranked by urgent outcomes and "not sure"."""
        filters = self.period_filters(context, words.PRACTITIONERS_USAGE, lead)
        config = self.services.config
        rows = await self.services.store.practitioners(
            filters, sorted(config.urgent_within(lead.scope))
        )
        await self.audit(lead.who, "practitioners", filters.describe(config.zone))
        heading = words.PRACTITIONERS_HEADING.format(filters=filters.describe(config.zone))
        await send(context, chat_id_of(update), practitioner_blocks(rows, config.zone, heading))

    # ---- buttons ---------------------------------------------------------------------------

    @lead_only("button")
    async def on_press(self, update: Update, context: Context, lead: Acting) -> None:
        """List pages and filters (L:...), tag toggles (T:...)."""
        query = update.callback_query
        assert query is not None
        view = ListView.decode(query.data)
        if view is not None and view.outcome <= len(self.outcomes) and view.menu:
            await answer_query(query)  # a menu over the same page: nothing new is looked at
            await set_keyboard(query, self.menu_keyboard(view))
        elif view is not None and view.outcome <= len(self.outcomes):
            blocks, markup = await self.list_page(view, lead)
            await answer_query(query)
            await show_page(query.message, blocks, markup)
        elif (tagging := TagPress.decode(query.data)) and tagging.tag < len(TAG_IDS):
            number, wanted, on = parse_id(tagging.transcript), TAG_IDS[tagging.tag], tagging.on
            await self.set_tag(lead, number, wanted, on)
            popup = words.TAG_POPUP if on else words.UNTAG_POPUP
            await answer_query(query, popup.format(label=TAGS[wanted]))
            found = await self.services.store.get_transcript(number)
            if found is not None:  # a double tap's second edit is "not modified": fine
                await set_keyboard(query, tag_keyboard(number, found.tags))
        else:
            await answer_query(query, words.NOT_THIS_BUTTON)


def tag_keyboard(number: int, tags: frozenset[str]) -> InlineKeyboardMarkup:
    """A button per tag: a press sets it to what the button says (so two leads never fight)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    words.CHOSEN.format(label=label) if tag in tags else label,
                    callback_data=TagPress(str(number), index, tag not in tags).encode(),
                )
                for index, (tag, label) in enumerate(TAGS.items())
            ]
        ]
    )
