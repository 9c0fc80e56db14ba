"""A dialogue as a picture: transitions' GraphMachine drawn by Graphviz, laid out for a phone.

The picture is generated from the validated YAML, like the Mermaid text (`states.mermaid`), but
with what a small screen needs: top to bottom, numbered questions with their short labels,
outcomes by their titles and coloured by what they decide, answers by their button labels, and
an answer that leads to the same outcome from many questions ("Not sure" to "Seek advice") drawn
once instead of as a tangle of long edges. Drawing runs Graphviz's `dot` program, so this module
is an edge, not part of the pure core.
"""

from __future__ import annotations

import html
import textwrap
from collections import Counter
from typing import Any, Final, Literal

from transitions import State as CoreState
from transitions.extensions import GraphMachine

from bot.errors import ConfigError
from states import Dialogue, DialogueFile, mermaid

Format = Literal["png", "svg", "mermaid"]
FORMATS: Final[tuple[Format, ...]] = ("png", "svg", "mermaid")
PHONE_PIXELS: Final = 1280
"""Telegram shows photos at up to 1280 pixels on the long side: draw no bigger, so nothing is
shrunk further and the text stays as large as it was drawn."""
BORDER_INCHES: Final = 0.25
"""Margin and padding round the drawing, outside Graphviz's `size`."""
DPI: Final = 96
SHARED_FROM: Final = 3
"""An answer leading to the same outcome from at least this many questions is drawn once."""
NOTE: Final = "any-question"
"""The drawing's own node for such an answer; '-' cannot occur in a step id, so no clash."""
FILLS: Final = {True: "#d9f2d9", False: "#f8d7d7", None: "#fff0c2"}
"""Outcome colours by `shares`: green share, red do not share, amber neither yet."""
LEGEND: Final = "Green: share.  Amber: not yet.  Red: do not share."
MISSING_GRAPHVIZ: Final = (
    "Drawing the flowchart needs Graphviz: install its 'dot' program (for example "
    "apt-get install graphviz) and the graphviz Python package."
)


class _LabelledState(CoreState):
    """A state that carries its drawing label (GraphMachine reads `label` off the state)."""

    def __init__(self, *args: Any, label: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label = label


class _PhoneMachine(GraphMachine):
    """GraphMachine with a top-to-bottom layout and the styles the picture uses."""

    state_cls = _LabelledState
    # Class-level on purpose, as in GraphMachine itself: every instance draws alike.
    machine_attributes: dict[str, str] = {  # noqa: RUF012
        "directed": "true",
        "strict": "false",
        "rankdir": "TB",
    }
    style_attributes: dict[str, Any] = {  # noqa: RUF012
        "node": {
            "default": {
                "shape": "box",
                "style": "rounded,filled",
                "fillcolor": "white",
                "color": "black",
                "penwidth": "1.5",
            },
            "start": {"penwidth": "3.5"},
            "note": {"shape": "note", "style": "filled", "fillcolor": "#eeeeee"},
            **{f"outcome-{key}": {"fillcolor": fill} for key, fill in FILLS.items()},
        },
        "edge": {"default": {"color": "black"}},
        "graph": {"default": {}},
    }


def _lines(text: str, width: int) -> str:
    """Wrap for a node or edge label; Graphviz's '\\l' ends a left-aligned line."""
    return r"\l".join(textwrap.wrap(text, width))


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


def phone_config(content: DialogueFile) -> dict[str, Any]:
    """The GraphMachine configuration for the picture, read off the dialogue content."""
    number = {step: n for n, step in enumerate(content.steps, 1)}
    states: list[dict[str, Any]] = [
        {"name": step, "label": _lines(f"{number[step]}. {q.short}?", 16)}
        for step, q in content.steps.items()
    ]
    states += [
        {"name": name, "label": _lines(o.title, 18), "final": True}
        for name, o in content.outcomes.items()
    ]
    shared = _shared(content)
    groups: dict[tuple[str, str], list[str]] = {}
    for step, question in content.steps.items():
        for choice in question.answers:
            if (choice.id, choice.next) != shared:
                groups.setdefault((step, choice.next), []).append(choice.label)
    transitions = [
        {
            "trigger": f"{source}-{dest}",
            "source": source,
            "dest": dest,
            "label": _lines(
                "Any answer"
                if len(labels) == len(content.steps[source].answers) > 1
                else ", ".join(labels),
                14,
            ),
        }
        for (source, dest), labels in groups.items()
    ]
    if shared is not None:
        _, dest = shared
        label, froms = "", []
        for step, question in content.steps.items():
            for choice in question.answers:
                if (choice.id, choice.next) == shared:
                    label = choice.label
                    froms.append(number[step])
        states.append({"name": NOTE, "label": _lines(f"{label} at question {_numbers(froms)}", 20)})
        transitions.append({"trigger": NOTE, "source": NOTE, "dest": dest, "label": " "})
    return {
        "states": states,
        "transitions": transitions,
        "initial": content.start,
        "auto_transitions": False,
    }


def graph(dialogue: Dialogue) -> Any:
    """The picture as a `graphviz.Digraph` (ready to pipe to png or svg)."""
    content = dialogue.content

    class _Diagram:
        """A throwaway model: GraphMachine draws the graph of its model."""

    model = _Diagram()
    try:
        machine = _PhoneMachine(
            model=model, graph_engine="graphviz", title=content.title, **phone_config(content)
        )
    except ImportError:
        raise ConfigError(MISSING_GRAPHVIZ) from None
    styles = machine.model_graphs[id(model)]
    styles.reset_styling()  # not the "you are here" colour of the model's current state
    styles.set_node_style(content.start, "start")
    for name, outcome in content.outcomes.items():
        styles.set_node_style(name, f"outcome-{outcome.shares}")
    if NOTE in machine.states:
        styles.set_node_style(NOTE, "note")
    drawn = model.get_graph()  # type: ignore[attr-defined]
    font = "DejaVu Sans,Arial,Helvetica,sans-serif"
    inches = PHONE_PIXELS / DPI - 2 * BORDER_INCHES
    drawn.graph_attr.update(
        label=f"<<b>{html.escape(content.title)}</b><br/>"
        f'<font point-size="14">{html.escape(LEGEND)}</font>>',
        labelloc="t",
        fontname=font,
        fontsize="22",
        dpi=str(DPI),
        size=f"{inches:.2f},{inches:.2f}",
        nodesep="0.2",
        ranksep="0.3",
        margin=str(BORDER_INCHES / 2),
        pad=str(BORDER_INCHES / 2),
    )
    drawn.node_attr.update(fontname=font, fontsize="16", margin="0.1,0.05")
    drawn.edge_attr.update(fontname=font, fontsize="14")
    return drawn


def render(dialogue: Dialogue, fmt: Format) -> bytes:
    """The dialogue as PNG or SVG bytes, or Mermaid text (UTF-8)."""
    if fmt == "mermaid":
        return mermaid(dialogue).encode()
    import graphviz

    try:
        return bytes(graph(dialogue).pipe(format=fmt))
    except graphviz.ExecutableNotFound:
        raise ConfigError(MISSING_GRAPHVIZ) from None
