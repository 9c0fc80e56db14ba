"""/exports: the lead's transcripts as CSV, JSON lines or the HTML report, downloaded; the same
filters as the list, within what the lead may see (`bot.transcripts.export.export`)."""

from __future__ import annotations

import io
from typing import Final

import tornado.web

from bot.desk.listing import Listing
from bot.transcripts.export import Format, export
from bot.transcripts.trends import DEFAULT_WEEKS, compute_trends, weeks

FILES: Final[dict[str, tuple[Format, str]]] = {
    "transcripts.csv": ("csv", "text/csv; charset=utf-8"),
    "transcripts.jsonl": ("jsonl", "application/x-ndjson; charset=utf-8"),
    "report.html": ("html", "text/html; charset=utf-8"),
}


class ExportsPage(Listing):
    def get(self) -> None:
        query = self.query()
        self.render("exports.html", files=list(FILES), link=query.link(page=""))


class Download(Listing):
    async def get(self, name: str) -> None:
        if name not in FILES:
            raise tornado.web.HTTPError(404)
        fmt, kind = FILES[name]
        filters = self.filters(self.query())
        services = self.services
        config, store, now = services.config, services.store, services.clock()
        stats = trends = None
        if fmt == "html":
            stats = await self.stats(filters)
            found = weeks(now, config.zone, DEFAULT_WEEKS, since=filters.since, until=filters.until)
            trends = compute_trends(
                [(w, await self.stats(w.filters(filters))) for w in found], config.zone
            )
        out = io.StringIO()
        written = await export(
            store.iter_transcripts(filters),
            fmt,
            out,
            dialogue=services.dialogue,
            library=services.library,
            zone=config.zone,
            stats=stats,
            filters=filters,
            now=now,
            trends=trends,
            sign=services.sign,
        )
        await self.audit(
            f"export {fmt}", f"{written:,} transcript(s); {filters.describe(config.zone)}"
        )
        self.set_header("Content-Type", kind)
        self.set_header("Content-Disposition", f'attachment; filename="{name}"')
        self.finish(out.getvalue())
