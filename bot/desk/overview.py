"""/: this week at a glance, within what the lead may see: outcomes, urgent ones, where
practitioners were not sure, and the trend of the last weeks as an inline SVG (no script)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.desk.base import DeskHandler
from bot.transcripts.model import Filters, parse_period
from bot.transcripts.stats import DEFAULT_PERIOD
from bot.transcripts.trends import DEFAULT_WEEKS, Trends, compute_trends, span, weeks

HOTSPOTS: Final = 5
CHART_WIDTH, CHART_HEIGHT, CHART_TOP = 600, 160, 20


@dataclass(frozen=True, slots=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    count: int
    label: str


def bars(trends: Trends) -> list[Bar]:
    """One bar per week, heights to scale, for the template's SVG."""
    count = max(1, len(trends.weeks))
    most = max([1, *trends.started])
    width = CHART_WIDTH // count
    found = []
    for n, (week, started) in enumerate(zip(trends.weeks, trends.started, strict=True)):
        height = round((CHART_HEIGHT - CHART_TOP) * started / most)
        found.append(
            Bar(
                n * width + 2,
                CHART_HEIGHT - height,
                max(1, width - 4),
                height,
                started,
                week.label(),
            )
        )
    return found


class Overview(DeskHandler):
    async def get(self) -> None:
        services = self.services
        config, now = services.config, services.clock()
        zone = config.zone
        this_week = weeks(now, zone, 1)[0]
        week = await self.stats(self.lead.within(this_week.filters()))
        since, until = parse_period(DEFAULT_PERIOD, now, zone)
        recent = await self.stats(self.lead.within(Filters(since=since, until=until)))
        found = weeks(now, zone, DEFAULT_WEEKS)
        trends = compute_trends(
            [(w, await self.stats(self.lead.within(w.filters()))) for w in found], zone
        )
        urgent = config.urgent_within(self.lead.scope)
        await self.audit("overview", span(trends))
        self.render(
            "overview.html",
            week=week,
            week_period=f"{this_week.start.isoformat()}..{now.astimezone(zone).date().isoformat()}",
            urgent=[c for c in week.outcomes if c.id in urgent],
            hotspots=[u for u in recent.unsure if u.unsure][:HOTSPOTS],
            period=DEFAULT_PERIOD,
            bars=bars(trends),
            span=span(trends),
            chart=(CHART_WIDTH, CHART_HEIGHT),
        )
