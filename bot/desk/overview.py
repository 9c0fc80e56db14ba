"""/: this week at a glance, within what the lead may see: outcomes, urgent ones, where
practitioners were not sure, and decisions started week by week as an inline SVG (no script).

Kept to what answers fast at 100,000 transcripts: the statistics of this week only (each
period's statistics cost a few hundred milliseconds there; every week's would take seconds),
and a count a week for the chart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from bot.alerts import ContactRequest
from bot.desk.base import DeskHandler
from bot.storage.alerts import OPEN_REQUESTS
from bot.transcripts.trends import DEFAULT_WEEKS, Week, weeks
from bot.transcripts.view import outcome_title, when

HOTSPOTS: Final = 5
CHART_WIDTH, CHART_HEIGHT, CHART_TOP = 600, 160, 20


@dataclass(frozen=True, slots=True)
class Asked:
    """An open request to get in touch as the overview lists it: no identity, ever."""

    id: int
    transcript_id: int
    practitioner: str
    outcome: str
    asked: str
    opened: str
    """Who opened it in Telegram, in words; "" if nobody yet."""


@dataclass(frozen=True, slots=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    count: int
    label: str


def bars(found: Sequence[Week], started: Sequence[int]) -> list[Bar]:
    """One bar per week, heights to scale, for the template's SVG."""
    most = max([1, *started])
    width = CHART_WIDTH // max(1, len(found))
    drawn = []
    for n, (week, count) in enumerate(zip(found, started, strict=True)):
        height = round((CHART_HEIGHT - CHART_TOP) * count / most)
        drawn.append(
            Bar(
                n * width + 2, CHART_HEIGHT - height, max(1, width - 4), height, count, week.label()
            )
        )
    return drawn


class Overview(DeskHandler):
    async def get(self) -> None:
        services = self.services
        config, now, store = services.config, services.clock(), services.store
        zone = config.zone
        found = weeks(now, zone, DEFAULT_WEEKS)
        this_week = found[-1]
        # one statistics query, a count a week (finished weeks' reused for a few minutes) and
        # the open requests, side by side on the store's connections
        week, started, requests = await asyncio.gather(
            self.stats(self.lead.within(this_week.filters())),
            asyncio.gather(*(services.week_count(w, self.lead.scope) for w in found)),
            store.open_requests(self.lead.scope),
        )
        urgent = config.urgent_within(self.lead.scope)
        today = now.astimezone(zone).date()
        await self.audit("overview", f"{found[0].start.isoformat()} to {today.isoformat()}")
        self.render(
            "overview.html",
            week=week,
            week_period=f"{this_week.start.isoformat()}..{today.isoformat()}",
            urgent=[c for c in week.outcomes if c.id in urgent],
            hotspots=[u for u in week.unsure if u.unsure][:HOTSPOTS],
            bars=bars(found, started),
            span=f"{found[0].label()} to {found[-1].label()}",
            chart=(CHART_WIDTH, CHART_HEIGHT),
            requests=[self.asked(r) for r in requests],
            requests_most=OPEN_REQUESTS,
        )

    def asked(self, request: ContactRequest) -> Asked:
        services = self.services
        opened = services.sign(request.opened_by) if request.opened_by else ""
        return Asked(
            request.id,
            request.transcript_id,
            request.practitioner,
            outcome_title(services.dialogue, request.outcome),
            when(request.at, services.config.zone),
            opened,
        )
