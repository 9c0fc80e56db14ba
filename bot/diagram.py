"""A dialogue as a picture for a phone: numbered questions down the middle, outcomes beside them.

Drawn with matplotlib (a dependency already; its Agg renderer needs no system program) on a layout
read off the dialogue's own order, not a general graph layout: the questions come in order, so a
fixed spine with side lanes reads better on a phone and needs no new package.

Questions go top to bottom in the YAML order, numbered and short; each outcome sits beside the
first question that leads to it, titled and coloured by what it decides; answers are written on
their arrows. An answer that leads elsewhere than the next question or its own outcome runs in a
lane at the side (questions on the left, outcomes on the right), so no line crosses a box or a
label. An answer that leads to the same outcome from many questions ("Not sure" to "Seek advice")
is drawn once, as a note. The Mermaid text is transitions' GraphMachine's own.
"""

from __future__ import annotations

import io
import textwrap
import threading
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from states import Dialogue, DialogueFile, machine_config

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from matplotlib.transforms import Affine2D, Transform

Format = Literal["png", "svg", "mermaid"]
FORMATS: Final[tuple[Format, ...]] = ("png", "svg", "mermaid")
PHONE_PIXELS: Final = 1280
"""Telegram shows photos at up to 1280 pixels on the long side: draw no bigger, so nothing is
shrunk further and the text stays as large as it was drawn."""
SHARED_FROM: Final = 3
"""An answer leading to the same outcome from at least this many questions is drawn once."""
NOTE: Final = "any-question"
"""The drawing's own box for such an answer; '-' cannot occur in a step id, so no clash."""
FILLS: Final = {True: "#d9f2d9", False: "#f8d7d7", None: "#fff0c2"}
"""Outcome colours by `shares`: green share, red do not share, amber neither yet."""
LEGEND: Final = ((True, "Share"), (None, "Not yet"), (False, "Do not share"))
NOTE_FILL: Final = "#eeeeee"
INK: Final = "#222222"
FONT: Final = "DejaVu Sans"
"""Ships with matplotlib, so every machine draws (and measures) the same picture."""

# Sizes in points, as drawn before any shrinking to PHONE_PIXELS (at 72 dpi a point is a pixel).
BOX_TEXT: Final = 20.0
LABEL_TEXT: Final = 17.0
TITLE_TEXT: Final = 26.0
MARGIN: Final = 14.0
PAD: Final = 8.0
"""Between a box's text and its edge."""
GAP: Final = 8.0
"""Between boxes or arrows stacked beside one question."""
ROW_GAP: Final = 24.0
"""The least room between two questions, for the arrow from one to the next."""
LANE: Final = 14.0
"""Between side lanes."""
ROOM: Final = 22.0
"""Bare line either side of a label written on an arrow, so the arrow still shows."""
ENTRY: Final = 14.0
"""Height kept on a question's left side for the arrow coming in from a lane."""
WRAP: Final = {"question": 18, "outcome": 22, "note": 20, "side": 14, "down": 30, "title": 36}
"""Characters per line for each kind of text."""

_DRAWING = threading.Lock()
"""matplotlib is not thread-safe: one picture at a time (the bot draws it once, in a thread)."""


@dataclass(frozen=True, slots=True)
class _Edge:
    """One arrow: every answer of `source` that leads to `dest`, by their button labels."""

    source: str
    dest: str
    label: str

    @property
    def gid(self) -> str:
        return f"{self.source}-{self.dest}"


def _numbers(numbers: list[int]) -> str:
    """'1 or 4 to 10' for [1, 4, 5, 6, 7, 8, 9, 10]."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    words = [str(r[0]) if len(r) == 1 else f"{r[0]} to {r[-1]}" for r in runs]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _shared(content: DialogueFile) -> tuple[str, str] | None:
    """The (answer id, outcome) pair that most questions share, if enough do."""
    pairs = Counter(
        (a.id, a.next)
        for q in content.steps.values()
        for a in q.answers
        if a.next in content.outcomes
    )
    if not pairs:
        return None
    pair, count = pairs.most_common(1)[0]
    return pair if count >= SHARED_FROM else None


def _edges(content: DialogueFile) -> tuple[list[_Edge], str | None]:
    """The arrows in question order, and the note's text if a shared answer is drawn once."""
    shared = _shared(content)
    groups: dict[tuple[str, str], list[str]] = {}
    froms: list[int] = []
    note = ""
    for n, (step, question) in enumerate(content.steps.items(), 1):
        for choice in question.answers:
            if (choice.id, choice.next) == shared:
                note = choice.label
                froms.append(n)
            else:
                groups.setdefault((step, choice.next), []).append(choice.label)
    edges = [
        _Edge(
            source,
            dest,
            "Any answer"
            if len(labels) == len(content.steps[source].answers) > 1
            else ", ".join(labels),
        )
        for (source, dest), labels in groups.items()
    ]
    if shared is None:
        return edges, None
    return [*edges, _Edge(NOTE, shared[1], "")], f"{note} at question {_numbers(froms)}"


def _lanes(spans: dict[str, tuple[float, float]]) -> dict[str, int]:
    """A lane for each vertical span (top, bottom), 0 nearest the boxes: the shortest inside, so
    nested spans do not cross, and spans that overlap never in the same lane."""
    lanes: list[list[tuple[float, float]]] = []
    chosen: dict[str, int] = {}
    for key, (top, bottom) in sorted(spans.items(), key=lambda kv: (kv[1][1] - kv[1][0], kv[1])):
        fits = (i for i, lane in enumerate(lanes) if all(bottom < a or top > b for a, b in lane))
        chosen[key] = next(fits, len(lanes))
        if chosen[key] == len(lanes):
            lanes.append([])
        lanes[chosen[key]].append((top, bottom))
    return chosen


class _Sheet:
    """A Figure laid out in points from the top left, y growing downwards, measured as it goes."""

    def __init__(self) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.transforms import Affine2D

        self.figure: Figure = Figure(dpi=72)  # so text is measured in points
        self.figure.set_gid("flowchart")  # every SVG id is set here: none can clash with a step
        self.figure.patch.set_gid("background")
        FigureCanvasAgg(self.figure)  # measures text as the PNG will draw it
        self.flip: Affine2D = Affine2D()  # set by `finish`, once the height is known
        self.points: Transform = self.flip + Affine2D().scale(1 / 72) + self.figure.dpi_scale_trans

    def text(
        self,
        gid: str,
        words: str,
        points: float,
        *,
        bold: bool = False,
        on_line: bool = False,
        left: bool = False,
        top: bool = False,
    ) -> tuple[Text, float, float]:
        """A text (placed later with `set_position`) and its width and height."""
        from matplotlib.font_manager import FontProperties

        align = "left" if left else "center"
        text = self.figure.text(
            0,
            0,
            words,
            fontproperties=FontProperties(
                family=FONT, size=points, weight="bold" if bold else "normal"
            ),
            color=INK,
            parse_math=False,  # a "$" in a label is a dollar sign
            transform=self.points,
            gid=gid,
            zorder=3,
            ha=align,
            multialignment=align,
            va="top" if top else "center",
        )
        if on_line:  # written across its arrow, which stops either side
            text.set_bbox(
                {"facecolor": "white", "edgecolor": "none", "pad": 1, "gid": f"{gid}.under"}
            )
        extent = text.get_window_extent()
        return text, extent.width, extent.height

    def box(
        self,
        gid: str,
        x: float,
        y: float,
        w: float,
        h: float,
        fill: str,
        *,
        line: float = 1.5,
        dashed: bool = False,
    ) -> None:
        """A rounded box; `gid` is its SVG id, the step's own id for questions and outcomes."""
        from matplotlib.patches import FancyBboxPatch

        self.figure.add_artist(
            FancyBboxPatch(
                (x, y),
                w,
                h,
                boxstyle="round,pad=0,rounding_size=7",
                facecolor=fill,
                edgecolor=INK,
                linewidth=line,
                linestyle="--" if dashed else "-",
                transform=self.points,
                gid=gid,
                zorder=2,
            )
        )

    def arrow(self, gid: str, *corners: tuple[float, float]) -> None:
        """Straight lines through `corners`, the head at the last; `gid` is 'source-dest'."""
        from matplotlib.patches import FancyArrowPatch
        from matplotlib.path import Path

        self.figure.add_artist(
            FancyArrowPatch(
                path=Path(corners),
                arrowstyle="-|>,head_length=0.6,head_width=0.3",
                mutation_scale=16,
                color=INK,
                linewidth=1.5,
                joinstyle="miter",
                transform=self.points,
                gid=gid,
                zorder=1,
            )
        )

    def finish(self, width: float, height: float) -> Figure:
        """Size the figure, and shrink it (text and all) to fit PHONE_PIXELS if it is larger."""
        self.flip.scale(1, -1).translate(0, height)
        self.figure.set_size_inches(width / 72, height / 72)
        self.figure.set_dpi(72 * min(1.0, PHONE_PIXELS / max(width, height)))
        return self.figure


def _wrap(words: str, kind: str) -> str:
    return "\n".join(textwrap.wrap(words, WRAP[kind]))


def _draw(content: DialogueFile) -> Figure:
    """Lay the dialogue out: a header, then a row per question (and the note) down a spine."""
    sheet = _Sheet()
    edges, note = _edges(content)
    rows = [*content.steps, *([NOTE] if note is not None else [])]
    row_of = {name: i for i, name in enumerate(rows)}
    words = {
        step: _wrap(f"{n}. {q.short}?", "question")
        for n, (step, q) in enumerate(content.steps.items(), 1)
    }
    if note is not None:
        words[NOTE] = _wrap(note, "note")
    down = [e for e in edges if e.dest in row_of and row_of[e.dest] == row_of[e.source] + 1]
    right = [e for e in edges if e.dest in content.outcomes]
    left = [e for e in edges if e.dest in content.steps and e not in down]
    owner: dict[str, _Edge] = {}
    for edge in right:
        owner.setdefault(edge.dest, edge)
    passing = [e for e in right if owner[e.dest] is not e]

    # Every text first: their sizes decide the rows and the columns.
    title = sheet.text("title", _wrap(content.title, "title"), TITLE_TEXT, bold=True, top=True)
    legend = [
        (shares, sheet.text(f"legend.{shares}", word, LABEL_TEXT, left=True))
        for shares, word in LEGEND
    ]
    boxes = {name: sheet.text(f"{name}.text", text, BOX_TEXT) for name, text in words.items()}
    boxes |= {
        name: sheet.text(f"{name}.text", _wrap(o.title, "outcome"), BOX_TEXT)
        for name, o in content.outcomes.items()
    }
    labels = {
        e: sheet.text(f"{e.gid}.label", _wrap(e.label, "down"), LABEL_TEXT, left=True)
        if e in down
        else sheet.text(f"{e.gid}.label", _wrap(e.label, "side"), LABEL_TEXT, on_line=True)
        for e in edges
        if e.label
    }

    def label_size(edge: _Edge) -> tuple[float, float]:
        _, w, h = labels.get(edge, (None, 0.0, 0.0))
        return w, h

    def stack(slots: list[float]) -> float:
        return sum(slots) + GAP * (len(slots) - 1)

    # Down the page: the height of every box and every arrow's end.
    swatch = LABEL_TEXT
    legend_high = max(swatch, *(h for _, (_, _, h) in legend))
    y = MARGIN + title[2] + PAD + legend_high + ROW_GAP
    spans: dict[str, tuple[float, float]] = {}  # a box's top and height
    leave: dict[_Edge, float] = {}  # where an arrow leaves its question
    enter: dict[str, float] = {}  # where an arrow from a lane comes into a box
    for name in rows:
        owned = [e for e in right if e.source == name and owner[e.dest] is e]
        # The nearest outcome's lane runs inside the others: no crossings.
        through = sorted((e for e in passing if e.source == name), key=lambda e: -enter[e.dest])
        slots = [max(boxes[e.dest][2] + 2 * PAD, label_size(e)[1] + 2) for e in owned]
        slots += [max(label_size(e)[1] + 2, ENTRY) for e in through]
        sides = [e for e in left if e.source == name]
        side_slots = [ENTRY] * any(e.dest == name for e in left)
        side_slots += [max(label_size(e)[1] + 2, ENTRY) for e in sides]
        high = max(boxes[name][2] + 2 * PAD, stack(slots), stack(side_slots))
        spans[name] = (y, high)
        at = y + (high - stack(slots)) / 2
        for e, slot in zip([*owned, *through], slots, strict=True):
            leave[e] = at + slot / 2
            if e in owned:
                spans[e.dest] = (at, slot)
                enter[e.dest] = at + slot / 2
            at += slot + GAP
        at = y + (high - stack(side_slots)) / 2
        if len(side_slots) > len(sides):
            enter[name] = at + ENTRY / 2
            at += ENTRY + GAP
        for e, slot in zip(sides, side_slots[len(side_slots) - len(sides) :], strict=True):
            leave[e] = at + slot / 2
            at += slot + GAP
        below = [label_size(e)[1] + 2 * GAP for e in down if e.source == name]
        y += high + max([ROW_GAP, *below])
    height = y - ROW_GAP + MARGIN

    def lanes(across: list[_Edge]) -> dict[str, int]:
        ends: dict[str, list[float]] = {}
        for e in across:
            ends.setdefault(e.dest, [enter[e.dest]]).append(leave[e])
        return _lanes({dest: (min(at), max(at)) for dest, at in ends.items()})

    # Across the page: lanes, labels on arrows, questions, more labels, outcomes, lanes.
    left_lanes, right_lanes = lanes(left), lanes(passing)
    n_left = max(left_lanes.values(), default=-1) + 1
    n_right = max(right_lanes.values(), default=-1) + 1
    left_room = max((label_size(e)[0] for e in left), default=0.0) + 2 * ROOM
    left_width = (n_left - 1) * LANE + left_room if left else 0.0
    qw = max(boxes[name][1] for name in rows) + 2 * PAD
    ow = max(boxes[name][1] for name in content.outcomes) + 2 * PAD
    gw = max((label_size(e)[0] for e in right), default=0.0) + 2 * ROOM
    # A label beside a downward arrow must end before the lanes on the right.
    gw = max([gw, *(PAD + label_size(e)[0] + ROOM - qw / 2 - ow for e in down)])
    body = left_width + qw + gw + ow + n_right * LANE
    legend_width = sum(swatch + 6 + w for _, (_, w, _) in legend) + 18 * (len(legend) - 1)
    width = max(body, title[1], legend_width) + 2 * MARGIN
    qx = (width - body) / 2 + left_width
    inner = qx - left_room  # the left lane nearest the questions
    ox = qx + qw + gw

    title[0].set_position((width / 2, MARGIN))
    x, y = (width - legend_width) / 2, MARGIN + title[2] + PAD
    for shares, (text, w, _) in legend:
        sheet.box(
            f"legend.{shares}.box", x, y + (legend_high - swatch) / 2, swatch, swatch, FILLS[shares]
        )
        text.set_position((x + swatch + 6, y + legend_high / 2))
        x += swatch + 6 + w + 18
    for name, (top, high) in spans.items():
        if name in content.outcomes:
            sheet.box(name, ox, top, ow, high, FILLS[content.outcomes[name].shares])
            boxes[name][0].set_position((ox + ow / 2, top + high / 2))
            continue
        if name == NOTE:
            sheet.box(name, qx, top, qw, high, NOTE_FILL, dashed=True)
        else:
            sheet.box(name, qx, top, qw, high, "white", line=3.5 if name == content.start else 1.5)
        boxes[name][0].set_position((qx + qw / 2, top + high / 2))
    for e in edges:
        if e in down:
            middle, start, end = qx + qw / 2, sum(spans[e.source]), spans[e.dest][0]
            sheet.arrow(e.gid, (middle, start), (middle, end))
            where = (middle + PAD, (start + end) / 2)
        elif e in left:
            lane = inner - left_lanes[e.dest] * LANE
            at, to = leave[e], enter[e.dest]
            sheet.arrow(e.gid, (qx, at), (lane, at), (lane, to), (qx, to))
            where = (inner + left_room / 2, at)
        elif e in passing:
            lane = ox + ow + (right_lanes[e.dest] + 1) * LANE
            at, to = leave[e], enter[e.dest]
            sheet.arrow(e.gid, (qx + qw, at), (lane, at), (lane, to), (ox + ow, to))
            where = (qx + qw + gw / 2, at)
        else:
            sheet.arrow(e.gid, (qx + qw, leave[e]), (ox, leave[e]))
            where = (qx + qw + gw / 2, leave[e])
        if e in labels:
            labels[e][0].set_position(where)
    return sheet.finish(width, height)


def figure(dialogue: Dialogue) -> Figure:
    """The picture as a matplotlib Figure: what `render` saves, for tests to measure."""
    with _DRAWING:
        return _draw(dialogue.content)


def mermaid(dialogue: Dialogue) -> str:
    """The dialogue as a Mermaid state diagram, drawn by transitions' GraphMachine."""
    from transitions.extensions import GraphMachine

    class _Diagram:
        """A throwaway model: GraphMachine draws the graph of its first model."""

    model = _Diagram()
    GraphMachine(
        model=model,
        graph_engine="mermaid",
        title=dialogue.content.title,
        show_conditions=False,
        show_state_attributes=False,
        **machine_config(dialogue.content),
    )
    graph = model.get_graph()  # type: ignore[attr-defined]
    return str(graph.draw(None))


def render(dialogue: Dialogue, fmt: Format) -> bytes:
    """The dialogue as PNG or SVG bytes, or Mermaid text (UTF-8)."""
    if fmt == "mermaid":
        return mermaid(dialogue).encode()
    out = io.BytesIO()
    with _DRAWING:
        drawn = _draw(dialogue.content)
        drawn.savefig(
            out,
            format=fmt,
            dpi=drawn.dpi,  # not "figure": that is the dpi it was created with, before shrinking
            facecolor="white",
            metadata={"Date": None} if fmt == "svg" else None,
        )
    return out.getvalue()
