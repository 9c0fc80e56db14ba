"""`infoshare-bot transcripts ...` and `infoshare-bot audit`: the lead desk on the command line.

The same filters as in Telegram (`outcome=ID period=30d tag=T practitioner=P unsure redacted
unfinished`), the same views, and every view and export written to the access log as
`cli:<login name>`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import pwd
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from tqdm import tqdm

from bot import render, words
from bot.cli.common import Commands, add_command, library_for
from bot.config import Config
from bot.errors import UsageError
from bot.storage import ChatKeys, SqlStore, check_at_rest, open_store
from bot.training import quiz_stats_blocks
from bot.transcripts.export import FORMATS, export
from bot.transcripts.feedback import feedback_blocks
from bot.transcripts.model import (
    EVERY,
    TAGS,
    Access,
    Filters,
    Note,
    clean_note,
    parse_filters,
    parse_id,
    parse_period,
)
from bot.transcripts.people import practitioner_blocks
from bot.transcripts.pseudonym import existing_pseudonyms
from bot.transcripts.stats import DEFAULT_PERIOD, Stats, compute_stats, stats_blocks
from bot.transcripts.trends import (
    DEFAULT_WEEKS,
    MOST_WEEKS,
    Trends,
    compute_trends,
    span,
    trends_blocks,
    weeks,
)
from bot.transcripts.view import summary_line, transcript_blocks
from states import Library

Job = Callable[["Desk"], Awaitable[int]]


class Desk:
    """What one CLI command needs: config, content, an open store, and who is asking."""

    def __init__(
        self,
        config: Config,
        library: Library,
        store: SqlStore,
        args: argparse.Namespace,
        out: TextIO,
    ) -> None:
        self.config, self.library, self.store, self.args, self.out = (
            config,
            library,
            store,
            args,
            out,
        )
        self.dialogue = library["advice"]
        self.who = f"cli:{_login()}"
        self.at = datetime.now(self.config.zone)
        """When the command was given: every period and the access log use this one moment."""

    def filters(self, words: list[str]) -> Filters:
        outcomes = tuple(self.dialogue.content.outcomes)
        ids = [organisation.id for organisation in self.config.organisations]
        return parse_filters(words, self.at, self.config.zone, outcomes, organisations=ids).filters

    async def audit(self, action: str, detail: str = "") -> None:
        await self.store.log_access(Access(self.at, self.who, "cli", action, detail))

    async def quiz(self, filters: Filters) -> list[render.Block]:
        """The quiz results of the same period as `filters`."""
        found = await self.store.quiz_stats(
            since=filters.since, until=filters.until, organisation=filters.organisation
        )
        return quiz_stats_blocks(found, self.library.quizzes)

    async def stats(self, filters: Filters) -> Stats:
        """The statistics of `filters`, abandoned decisions counted as the config says."""
        config = self.config
        inputs = await self.store.stats_inputs(
            filters, abandoned_before=config.abandoned_before(self.at)
        )
        return compute_stats(inputs, self.dialogue, config.zone, config.abandoned_after_hours)

    async def trends(self, count: int, filters: Filters = EVERY) -> Trends:
        """`count` weeks to now, cut to the period of `filters` and narrowed by the rest of them;
        one query a week."""
        zone = self.config.zone
        found = weeks(self.at, zone, count, since=filters.since, until=filters.until)
        return compute_trends([(w, await self.stats(w.filters(filters))) for w in found], zone)

    def print(self, blocks: list[render.Block]) -> None:
        print(render.plain(blocks), file=self.out)


def _login() -> str:
    """The account running the command (not $USER, which anyone can set)."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:  # an id with no account, as in some containers
        return f"uid {os.geteuid()}"


def _number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`, else a clear usage error."""

    def parse(text: str) -> int:
        if not text.strip().isascii() or not text.strip().isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high:,}")
        return int(text)

    return parse


def _transcript_id(text: str) -> int:
    try:
        return parse_id(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_commands(commands: Commands) -> None:
    """Register `transcripts` (with its own subcommands) and `audit`."""
    filters_help = (
        "filters: outcome=ID period=P (7d, 4w, 3m, today, 2026-11, 2026-11-01..2026-11-15, all) "
        "tag=T practitioner=P unsure redacted unfinished"
    )
    top = add_command(
        commands,
        "transcripts",
        None,
        "review anonymised transcripts (for leads); every view is written to the access log",
    )
    jobs = top.add_subparsers(dest="transcripts_command", required=True, metavar="ACTION")

    def add(name: str, job: Job, help_text: str, filters: bool = False) -> argparse.ArgumentParser:
        sub = add_command(jobs, name, None, help_text)
        sub.set_defaults(job=job)
        if filters:
            sub.add_argument("filters", nargs="*", metavar="FILTER", help=filters_help)
        return sub

    listing = add("list", _list, "recent transcripts, newest first", filters=True)
    listing.add_argument(
        "--page", type=_number(1, 10**6), default=1, help="page number (default 1)"
    )
    listing.add_argument(
        "--limit", type=_number(1, 1000), default=20, help="transcripts a page (default 20)"
    )
    add("show", _show, "one transcript, readable").add_argument("id", type=_transcript_id)
    export = add("export", _export, "write transcripts to a file", filters=True)
    export.add_argument("--format", choices=FORMATS, default="jsonl")
    export.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
    export.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    stats = add(
        "stats",
        _stats,
        f"outcomes, not-sure rates, drop-off and quiz results (period={DEFAULT_PERIOD} unless "
        "a period is given, as /stats)",
        filters=True,
    )
    stats.add_argument("--chart", type=Path, help="also save the chart as a PNG file")
    add(
        "trends",
        _trends,
        "“not sure” by question and outcomes, week by week (Monday to Sunday, local time), as "
        "/trends",
    ).add_argument(
        "--weeks",
        type=_number(1, MOST_WEEKS),
        default=DEFAULT_WEEKS,
        help=f"weeks to show, the current one included (default {DEFAULT_WEEKS})",
    )
    add(
        "practitioners",
        _practitioners,
        "practitioners by pseudonym: who may need support (urgent outcomes, not sure), "
        f"period={DEFAULT_PERIOD} unless a period is given",
        filters=True,
    )
    add(
        "feedback",
        _feedback,
        f"whether decisions helped, by outcome, with every comment (as /feedback); "
        f"period={DEFAULT_PERIOD} unless a period is given",
        filters=True,
    )
    tag = add("tag", _tag, f"tag a transcript ({', '.join(TAGS)})")
    tag.add_argument("id", type=_transcript_id)
    tag.add_argument("tag", choices=tuple(TAGS))
    tag.add_argument("--off", action="store_true", help="remove the tag")
    note = add("note", _note, "add a note to a transcript (identifying details are removed)")
    note.add_argument("id", type=_transcript_id)
    note.add_argument("text", nargs="+")
    purge = add(
        "purge",
        _purge,
        "delete transcripts older than retention_days (or --older-than), matching the filters",
        filters=True,
    )
    purge.add_argument(
        "--older-than", type=_number(0, 36500), metavar="DAYS", help="default: retention_days"
    )
    purge.add_argument("--yes", action="store_true", help="really delete (else: only count)")
    top.set_defaults(handler=run_transcripts)

    audit = add_command(
        commands,
        "audit",
        None,
        "the access log: who looked at transcripts and when, every view, export and refused "
        "attempt, newest first",
    )
    audit.add_argument("--period", default="all", help="e.g. 7d, 2026-11 (default: all)")
    audit.add_argument("--limit", type=_number(1, 10**6), default=100, help="lines (default 100)")
    audit.set_defaults(handler=run_transcripts, job=_audit)


def run_transcripts(args: argparse.Namespace, config: Config) -> int:
    """Open the store, run the chosen job, close the store."""
    library = library_for(args, config)

    async def main() -> int:
        check_at_rest(config.storage.url)
        # The bot's secret if it is here; never a new one (rows keyed with it would be lost
        # to the bot). Transcripts need none; only upgrading older conversations does.
        pseudonyms = existing_pseudonyms(config.key_file())
        keys = None if pseudonyms is None else ChatKeys(pseudonyms.secret)
        store = await open_store(config.storage.url, keys)
        try:
            job: Job = args.job
            return await job(Desk(config, library, store, args, sys.stdout))
        finally:
            await store.close()

    return asyncio.run(main())


async def _list(desk: Desk) -> int:
    args = desk.args
    filters = desk.filters(args.filters)
    offset = (args.page - 1) * args.limit
    page = await desk.store.list_transcripts(filters, offset=offset, limit=args.limit)
    await desk.audit("list", f"{filters.describe(desk.config.zone)}; from {offset + 1}")
    heading = f"Transcripts: {filters.describe(desk.config.zone)}"
    if not page.items:
        print(f"{heading}\nNone on this page ({page.total:,} in all).", file=desk.out)
        return 0
    print(
        f"{heading}\n{offset + 1}–{offset + len(page.items)} of {page.total:,}, newest first",
        file=desk.out,
    )
    for summary in page.items:
        print(summary_line(summary, desk.dialogue, desk.config.zone, mark="#"), file=desk.out)
    return 0


async def _show(desk: Desk) -> int:
    number: int = desk.args.id
    found = await desk.store.get_transcript(number)
    await desk.audit(f"show {number}", "" if found else "not found")
    if found is None:
        print(f"There is no transcript {number}.", file=sys.stderr)
        return 1
    config = desk.config
    desk.print(
        transcript_blocks(found, desk.dialogue, desk.library, config.zone, sign=config.signature)
    )
    return 0


async def _export(desk: Desk) -> int:
    args = desk.args
    filters = desk.filters(args.filters)
    total = await desk.store.count_transcripts(filters)
    stats, quiz, trends = None, [], None
    if args.format == "html":
        stats, quiz = await desk.stats(filters), await desk.quiz(filters)
        trends = await desk.trends(DEFAULT_WEEKS, filters)
    show_progress = sys.stderr.isatty() if args.progress is None else args.progress
    with (
        tqdm(total=total, unit=" transcripts", disable=not show_progress, file=sys.stderr) as bar,
        _opened(args.output) as out,
    ):
        written = await export(
            desk.store.iter_transcripts(filters),
            args.format,
            out,
            dialogue=desk.dialogue,
            library=desk.library,
            zone=desk.config.zone,
            stats=stats,
            filters=filters,
            progress=bar.update,
            quiz=quiz,
            trends=trends,
            sign=desk.config.signature,
        )
    detail = f"{written:,} transcript(s); {filters.describe(desk.config.zone)}"
    await desk.audit(f"export {args.format}", detail)
    if args.output is not None:
        print(f"Wrote {written:,} transcript(s) to {args.output}.", file=sys.stderr)
    return 0


@contextlib.contextmanager
def _opened(path: Path | None) -> Iterator[TextIO]:
    """The output file, or stdout (flushed, never closed)."""
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    try:
        out = path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    with out:
        yield out


async def _stats(desk: Desk) -> int:
    args = desk.args
    filters = desk.filters(_with_period(args.filters))
    stats = await desk.stats(filters)
    quiz = await desk.quiz(filters)
    await desk.audit("stats", filters.describe(desk.config.zone))
    print(f"Transcripts: {filters.describe(desk.config.zone)}", file=desk.out)
    desk.print([*stats_blocks(stats), *quiz])
    if args.chart is not None:
        from bot.transcripts.charts import stats_png

        try:
            args.chart.write_bytes(stats_png(stats))
        except OSError as exc:
            raise UsageError(f"cannot write {args.chart}: {exc.strerror or exc}") from exc
        print(f"Chart written to {args.chart}.", file=sys.stderr)
    return 0


async def _trends(desk: Desk) -> int:
    trends = await desk.trends(desk.args.weeks)
    await desk.audit("trends", span(trends))
    desk.print(trends_blocks(trends, most=max(len(trends.unsure), len(trends.outcomes))))
    return 0


async def _practitioners(desk: Desk) -> int:
    filters = desk.filters(_with_period(desk.args.filters))
    config = desk.config
    rows = await desk.store.practitioners(filters, sorted(config.urgent_within()))
    await desk.audit("practitioners", filters.describe(config.zone))
    heading = words.PRACTITIONERS_HEADING.format(filters=filters.describe(config.zone))
    desk.print(practitioner_blocks(rows, config.zone, heading, most=len(rows)))
    return 0


async def _feedback(desk: Desk) -> int:
    filters = desk.filters(_with_period(desk.args.filters))
    sums = await desk.store.feedback_sums(filters)
    described = filters.describe(desk.config.zone)
    await desk.audit("feedback", described)
    heading = words.FEEDBACK_HEADING.format(filters=described)
    comments = max((len(s.comments) for s in sums), default=0)
    desk.print(feedback_blocks(sums, desk.dialogue, heading, comments=comments))
    return 0


def _with_period(given: list[str]) -> list[str]:
    """The filters as typed, over the default period unless they name one (as in Telegram)."""
    if any(word.partition("=")[0].strip().lower() == "period" for word in given):
        return given
    return [*given, f"period={DEFAULT_PERIOD}"]


async def _tag(desk: Desk) -> int:
    args = desk.args
    done = await desk.store.set_tag(args.id, args.tag, not args.off)
    await desk.audit(f"tag {args.id} {args.tag}{' off' if args.off else ''}")
    if not done:
        print(f"There is no transcript {args.id}.", file=sys.stderr)
        return 1
    print(
        f"Transcript {args.id} {'untagged' if args.off else 'tagged'} '{TAGS[args.tag]}'.",
        file=desk.out,
    )
    return 0


async def _note(desk: Desk) -> int:
    args = desk.args
    cleaned = clean_note(" ".join(args.text))
    done = await desk.store.add_note(args.id, Note(desk.at, desk.who, cleaned.text))
    await desk.audit(f"note {args.id}")
    if not done:
        print(f"There is no transcript {args.id}.", file=sys.stderr)
        return 1
    print(f"Note added to transcript {args.id}.", file=desk.out)
    if cleaned.kinds:
        print(render.note_redaction_notice(cleaned.kinds), file=desk.out)
    return 0


async def _purge(desk: Desk) -> int:
    args = desk.args
    days = desk.config.retention_days if args.older_than is None else args.older_than
    filters = desk.filters(args.filters)
    before = desk.at - timedelta(days=days)
    what = f"last changed over {days} day(s) ago; {filters.describe(desk.config.zone)}"
    if not args.yes:
        doomed = await desk.store.count_transcripts(replace(filters, changed_before=before))
        if doomed:
            said = f"{doomed:,} transcript(s) {what} would be deleted. Add --yes to delete them."
        else:
            said = f"Nothing would be deleted: no transcript was {what}."
        print(said, file=desk.out)
        return 0
    gone = await desk.store.purge_transcripts(before, filters)
    await desk.audit("purge", f"{gone} deleted; {what}")
    print(f"Deleted {gone:,} transcript(s) {what}.", file=desk.out)
    return 0


async def _audit(desk: Desk) -> int:
    args = desk.args
    since, until = parse_period(args.period, desk.at, desk.config.zone)
    rows = await desk.store.accesses(since=since, until=until, limit=args.limit)
    await desk.audit("audit", f"period {args.period}")
    if not rows:
        print("The access log is empty for this period.", file=desk.out)
    for row in rows:
        when = row.at.astimezone(desk.config.zone).strftime("%Y-%m-%d %H:%M:%S")
        refused = "" if row.allowed else "  REFUSED"
        detail = f"  ({row.detail})" if row.detail else ""
        print(f"{when}  {row.channel:8}  {row.who}  {row.action}{detail}{refused}", file=desk.out)
    return 0
