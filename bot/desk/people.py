"""/practitioners: pseudonyms with their decisions, "not sure" and urgent outcomes, and /access:
the access log. An organisation's lead sees the lines of their own organisations' leads only;
partnership leads (and every lead of a deployment without organisations) see every line."""

from __future__ import annotations

from typing import Final

from bot.desk.base import DeskHandler
from bot.transcripts.model import Filters, parse_period
from bot.transcripts.stats import DEFAULT_PERIOD, percent
from bot.transcripts.view import short_when

ACCESS_LINES: Final = 500


class Practitioners(DeskHandler):
    async def get(self) -> None:
        services = self.services
        config = services.config
        period = self.arg("period") or DEFAULT_PERIOD
        since, until = parse_period(period, services.clock(), config.zone)
        filters = self.lead.within(Filters(since=since, until=until))
        rows = await services.store.practitioners(
            filters, sorted(config.urgent_within(self.lead.scope))
        )
        rows.sort(key=lambda r: (-r.urgent, -r.unsure_rate, r.who))
        await self.audit("practitioners", filters.describe(config.zone))
        self.render(
            "practitioners.html",
            period=period,
            described=filters.describe(config.zone),
            rows=[(r, percent(r.unsure_rate), short_when(r.last_seen, config.zone)) for r in rows],
        )


class AccessLog(DeskHandler):
    async def get(self) -> None:
        services = self.services
        config = services.config
        scope = self.lead.scope
        authors: set[str] | None = None
        if scope is not None:
            # Leads who see nothing beyond this lead's organisations: a lead of another one
            # too (or the partnership's) would show what they did there.
            authors = {
                f"{channel}:{lead.id}"
                for lead in config.every_lead
                if (seen := config.scope(lead.id)) is not None and seen <= scope
                for channel in ("telegram", "desk")
            }
        lines = await services.store.accesses(limit=ACCESS_LINES, who=authors)
        await self.audit("access log", f"newest {ACCESS_LINES}")
        self.render(
            "access.html",
            lines=[(short_when(a.at, config.zone), services.sign(a.who), a) for a in lines],
            most=ACCESS_LINES,
        )
