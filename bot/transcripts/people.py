"""Practitioners by pseudonym, for leads: who may need support, with no identity.

The store adds up each pseudonym's transcripts in the database (`PractitionerSums`); this
module ranks them (most urgent outcomes first, then the most decisions with a "not sure", then
the highest rate of them) and words them for Telegram and the terminal. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import Final

from bot import render
from bot.transcripts.model import PractitionerSums
from bot.transcripts.stats import percent

MOST: Final = 20
"""How many practitioners a reply lists: the ones most likely to need support."""


def ranked(rows: Sequence[PractitionerSums]) -> list[PractitionerSums]:
    """Most urgent outcomes first, then the most decisions with a "not sure" (a count: one
    unsure decision of one must not hide thirty of forty), then the highest rate, then the most
    recently seen; ties by pseudonym, so the order never shuffles."""
    return sorted(
        rows,
        key=lambda r: (-r.urgent, -r.unsure, -r.unsure_rate, -r.last_seen.timestamp(), r.who),
    )


def practitioner_blocks(
    rows: Sequence[PractitionerSums], zone: tzinfo, heading: str, most: int = MOST
) -> list[render.Block]:
    """The ranked list, one line a practitioner: decisions, not sure, urgent, last seen."""
    if not rows:
        return [render.Heading(heading), render.Para("No practitioners in this period.")]
    top = ranked(rows)[:most]
    lines = tuple(
        f"{r.who}: {r.decisions:,} decision{'' if r.decisions == 1 else 's'} "
        f"({r.finished:,} reached an outcome), not sure in {r.unsure:,} "
        f"({percent(r.unsure_rate)}), {r.urgent:,} urgent, last seen "
        f"{r.last_seen.astimezone(zone):%Y-%m-%d %H:%M}"
        for r in top
    )
    more = len(rows) - len(top)
    blocks: list[render.Block] = [
        render.Heading(heading),
        render.Para(
            f"{len(rows):,} practitioner{'' if len(rows) == 1 else 's'}, by pseudonym (no "
            "names): those with urgent outcomes first, then those most often unsure."
        ),
        render.Bullets(lines),
    ]
    if more:
        blocks.append(render.Para(f"And {more:,} more, each with as many or fewer."))
    return blocks
