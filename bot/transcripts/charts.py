"""Charts of the statistics: one tall PNG for a phone (Telegram), and SVGs for the HTML report.

The same three charts in both: outcomes over time, "not sure" by question, and where
unfinished conversations stopped. matplotlib is imported inside the functions (it takes a
second to load) and used without pyplot, so there is no global figure state between requests.
"""

from __future__ import annotations

import io
import re
import textwrap
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from bot.transcripts.model import next_month
from bot.transcripts.stats import Day, Stats, percent

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

MOST_BARS = 42
"""More days than this are shown by week, more weeks by month."""
OUTCOME_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#637939",
    "#8c6d31",
)
"""By the outcome's place in the dialogue, so an outcome keeps its colour from chart to chart."""
UNFINISHED_COLOUR = "#a0a0a0"
UNSURE_COLOUR = "#e69f00"
DROPOFF_COLOUR = "#0072b2"
INK = "#222222"
_DRAWING = threading.Lock()
"""matplotlib's style settings are global: one chart at a time, so callers may use threads."""
BAR = 0.42
"""A bar's thickness, as a share of its row (the rest holds its label)."""


@dataclass(frozen=True, slots=True)
class _Look:
    """Sizes for one medium: a phone screen or a page in a browser."""

    width: float
    """Inches; at `dpi`."""
    dpi: int
    font: float
    """Points, for labels; titles are a little larger."""
    row: float
    """Inches a bar (or legend line) takes."""
    wrap: int
    """Characters a legend line may take before wrapping."""
    line: int
    """Characters a label line above a bar may take; longer labels are shortened."""
    ticks: int
    """At most this many date labels under the time chart."""


PHONE = _Look(width=10, dpi=100, font=21, row=0.82, wrap=50, line=54, ticks=5)
PAGE = _Look(width=9, dpi=72, font=12, row=0.5, wrap=80, line=84, ticks=10)


# ---- time buckets --------------------------------------------------------------------------


def timeline(days: tuple[Day, ...], most: int = MOST_BARS) -> tuple[str, list[tuple[date, Day]]]:
    """Days grouped into at most about `most` bars: by day, week (from Monday) or month.

    Returns the unit ("day", "week" or "month") and every bucket from the first to the last,
    empty ones included, each as (its first day, the counts in it).
    """
    if not days:
        return "day", []
    first, last = days[0].day, days[-1].day
    starts: dict[str, Callable[[date], date]] = {
        "day": lambda d: d,
        "week": lambda d: d - timedelta(days=d.weekday()),
        "month": lambda d: d.replace(day=1),
    }
    unit = "month"
    if (last - first).days < most:
        unit = "day"
    elif ((last - first).days // 7) + 1 < most:
        unit = "week"
    start = starts[unit]
    sums: dict[date, Counter[str | None]] = {}
    for day in days:
        sums.setdefault(start(day.day), Counter()).update(day.outcomes)
    buckets: list[tuple[date, Day]] = []
    at = start(first)
    while at <= last:
        buckets.append((at, Day(at, dict(sums.get(at, {})))))
        at = _next(at, unit)
    return unit, buckets


def _next(at: date, unit: str) -> date:
    if unit == "day":
        return at + timedelta(days=1)
    if unit == "week":
        return at + timedelta(days=7)
    return next_month(at)


def _bucket_label(at: date, unit: str) -> str:
    return f"{at:%b %Y}" if unit == "month" else f"{at.day} {at:%b}"


# ---- the three charts ----------------------------------------------------------------------


def _outcomes_over_time(ax: Axes, stats: Stats, look: _Look) -> None:
    from matplotlib.ticker import MaxNLocator

    unit, buckets = timeline(stats.days)
    counted = f" ({stats.total:,} conversation{'' if stats.total == 1 else 's'})"
    title = f"Outcomes per {unit}{counted if stats.total else ''}"
    ax.set_title(title, loc="left", fontsize=look.font * 1.2, weight="bold")
    if not buckets:
        _nothing(ax, "No conversations in this period")
        return
    colours: dict[str | None, str] = {
        c.id: OUTCOME_COLOURS[i % len(OUTCOME_COLOURS)] for i, c in enumerate(stats.outcomes)
    }
    colours[None] = UNFINISHED_COLOUR
    titles: dict[str | None, str] = {c.id: c.label for c in stats.outcomes}
    titles[None] = "Unfinished"
    places = list(range(len(buckets)))
    below = [0] * len(buckets)
    for outcome in [*(c.id for c in stats.outcomes if c.count), None]:
        heights = [day.outcomes.get(outcome, 0) for _, day in buckets]
        if not any(heights):
            continue
        label = textwrap.fill(titles[outcome], look.wrap)
        ax.bar(places, heights, 0.8, bottom=below, color=colours[outcome], label=label)
        below = [b + h for b, h in zip(below, heights, strict=True)]
    step = -(-len(buckets) // look.ticks)
    ax.set_xticks(places[::step], [_bucket_label(at, unit) for at, _ in buckets[::step]])
    ax.set_xlim(-0.6, len(buckets) - 0.4)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("conversations")
    ax.grid(axis="y", color="#dddddd")
    ax.set_axisbelow(True)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(
        handles[::-1],
        labels[::-1],
        loc="upper left",
        bbox_to_anchor=(0, -0.12),
        frameon=False,
        fontsize=look.font * 0.85,
        handlelength=1,
        borderaxespad=0,
    )


def _bars(
    ax: Axes,
    title: str,
    rows: list[tuple[str, float, str]],
    colour: str,
    look: _Look,
    empty: str,
) -> None:
    """Horizontal bars top to bottom, each under a line with its (label, value, number)."""
    ax.set_title(title, loc="left", fontsize=look.font * 1.2, weight="bold")
    if not rows:
        _nothing(ax, empty)
        return
    places = list(range(len(rows)))
    values = [value for _, value, _ in rows]
    ax.barh(places, values, BAR, color=colour)
    for place, (label, _, number) in zip(places, rows, strict=True):
        room = look.line - len(number) - 2
        short = label if len(label) <= room else label[: room - 1].rstrip() + "…"
        ax.text(0, place - BAR / 2 - 0.06, f"{short}: {number}", va="bottom", ha="left")
    ax.set_ylim(len(rows) - 1 + BAR, -1 + BAR / 2)
    ax.set_xlim(0, max(values) or 1)
    ax.set_axis_off()


def _unsure(ax: Axes, stats: Stats, look: _Look) -> None:
    """Bars as long as the count of "not sure" answers, the rate beside them: a rate alone would
    draw 1 of 4 longer than 4 of 32, though the second is where more practitioners were unsure."""
    rows = [
        (u.label, float(u.unsure), f"{u.unsure:,} of {u.answered:,} ({percent(u.rate)})")
        for u in stats.unsure
        if u.answered
    ]
    _bars(ax, "“Not sure” by question", rows, UNSURE_COLOUR, look, "No questions answered")


def _dropoff(ax: Axes, stats: Stats, look: _Look) -> None:
    rows = [(c.label, float(c.count), f"{c.count:,} ({percent(c.share)})") for c in stats.dropoff]
    empty = "Every conversation reached an outcome" if stats.total else "No conversations"
    _bars(ax, "Where unfinished conversations stopped", rows, DROPOFF_COLOUR, look, empty)


def _nothing(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", color="#666666", transform=ax.transAxes)
    ax.set_axis_off()


Chart = Callable[["Axes", Stats, _Look], None]
CHARTS: dict[str, Chart] = {
    "outcomes": _outcomes_over_time,
    "unsure": _unsure,
    "dropoff": _dropoff,
}
"""The charts by name, in the order they are shown."""


def _height(name: str, stats: Stats, look: _Look) -> float:
    """Inches a chart needs: room for its bars and labels, or a line saying there is nothing."""
    if name == "outcomes":
        if not stats.days:
            return 2 * look.row
        shown = sum(1 for c in stats.outcomes if c.count) + (1 if stats.unfinished else 0)
        return (7 + shown * 0.6) * look.row
    rows = len([u for u in stats.unsure if u.answered]) if name == "unsure" else len(stats.dropoff)
    return (rows + 1) * look.row if rows else 2 * look.row


def _figure(look: _Look, height: float) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    pads = ConstrainedLayoutEngine(w_pad=look.row * 0.3, h_pad=look.row * 0.2)
    return Figure(figsize=(look.width, height), dpi=look.dpi, layout=pads)


def _style(look: _Look) -> dict[RcKeyType, Any]:
    return {
        "font.family": "DejaVu Sans",
        "font.size": look.font,
        "text.color": INK,
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "axes.edgecolor": "#999999",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.fonttype": "path",
        "text.parse_math": False,  # a "$" in a label is a dollar sign, not mathematics
    }


def stats_png(stats: Stats) -> bytes:
    """The three charts stacked in one PNG, sized to read on a phone without zooming."""
    import matplotlib

    with _DRAWING, matplotlib.rc_context(_style(PHONE)):
        heights = [_height(name, stats, PHONE) for name in CHARTS]
        figure = _figure(PHONE, sum(heights))
        # A subfigure each, so the time chart's axis labels do not push the bars to the right.
        parts = figure.subfigures(len(CHARTS), 1, squeeze=False, height_ratios=heights)
        for part, draw in zip(parts.flat, CHARTS.values(), strict=True):
            draw(part.subplots(), stats, PHONE)
        out = io.BytesIO()
        figure.savefig(out, format="png", facecolor="white")
    return out.getvalue()


def stats_svgs(stats: Stats) -> dict[str, str]:
    """Each chart as an `<svg>` element to put inline in HTML (ids made unique per chart)."""
    import matplotlib

    svgs: dict[str, str] = {}
    for name, draw in CHARTS.items():
        style = _style(PAGE)
        style["svg.hashsalt"] = name  # ids that do not change from one report to the next
        with _DRAWING, matplotlib.rc_context(style):
            figure = _figure(PAGE, _height(name, stats, PAGE))
            draw(figure.subplots(), stats, PAGE)
            out = io.StringIO()
            figure.savefig(out, format="svg", facecolor="white", metadata={"Date": None})
        text = out.getvalue()
        svg = text[text.index("<svg") :]
        svgs[name] = re.sub(r'(\bid="|href="#|url\(#)', rf"\g<1>{name}-", svg)
    return svgs
