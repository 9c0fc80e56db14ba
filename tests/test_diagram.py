"""The flowchart: drawn by matplotlib from every dialogue with no system program, for a phone.

Besides what Telegram accepts, the layout itself is checked: every text readable and inside its
own box or clear of all boxes, and no arrow through a box or another arrow's label.
"""

from __future__ import annotations

import io
import itertools
import re
import struct
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from matplotlib.colors import to_hex, to_rgb
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from PIL import Image

from bot import diagram
from bot.content import DIALOGUES_DIR, editions, load_library, validate
from states import Dialogue
from tests.support.tiny import ADVICE, texts

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox

TELEGRAM_PHOTO_BYTES = 10 * 1024 * 1024
SMALLEST_TEXT_PIXELS = 15
"""Edge labels, the smallest text, must be at least this tall in the finished picture."""

TINY_SECOND = """\
      - {id: "yes", label: "Yes", next: share, record: "Really so."}
      - {id: "no", label: "No", next: seek_advice, record: "Not really."}
"""
TANGLED = ADVICE.replace(
    TINY_SECOND,
    """\
      - {id: sure, label: "Sure", next: share, record: "Sure."}
      - {id: "no", label: "No, and this answer is long enough to wrap", next: third, record: "No."}
      - {id: again, label: "Start again", next: first, record: "Again."}
  third:
    short: A third question, with a longer short label than most
    question: And?
    explain: It means the other.
    source: 003.txt
    answers:
      - {id: "yes", label: "Yes", next: share, record: "And so."}
      - {id: "no", label: "No", next: seek_advice, record: "And not."}
      - {id: back, label: "Back", next: second, record: "Back."}
      - {id: stop, label: "Stop", next: do_not_share, record: "Stop."}
""",
).replace(
    "outcomes:\n",
    """\
outcomes:
  do_not_share:
    title: Do not share
    decision: Do not share.
    explain: Because it stopped.
    rules: [7]
    next_steps: [Keep a record.]
    record: Do not share
    record_fields: [Reason]
    shares: false
    source: 003.txt
""",
)
"""The tiny dialogue with what the advice lacks: answers back up the page, a long label beside
a downward arrow, and outcomes reached from three questions, so their lanes nest."""
TERSE = (
    ADVICE.replace("short: First question", "short: First")
    .replace("short: Second question", "short: Then")
    .replace("title: Seek advice", "title: Ask")
    .replace('label: "Not sure"', 'label: "?"')
    .replace(
        'label: "No", next: second',
        'label: "No, or not in the way the question means it", next: second',
    )
)
"""Small boxes and a long label beside a downward arrow: the label must still end before the
lanes on the right."""


def shipped() -> list[Dialogue]:
    """The advice of every shipped edition (as read in England)."""
    return [load_library(edition=edition)["advice"] for edition in editions(DIALOGUES_DIR)]


def dialogue_of(advice: str) -> Dialogue:
    library, problems = validate(texts(advice=advice))
    assert library is not None, problems
    return library["advice"]


def tiny() -> Dialogue:
    return dialogue_of(ADVICE)


def test_the_made_up_dialogues_are_what_they_say() -> None:
    tangled, terse = dialogue_of(TANGLED).content, dialogue_of(TERSE).content
    assert list(tangled.steps) == ["first", "second", "third"]
    assert "do_not_share" in tangled.outcomes
    assert (terse.steps["first"].short, terse.outcomes["seek_advice"].title) == ("First", "Ask")
    assert terse.steps["first"].answers[1].label.startswith("No, or not in the way")


EVERY_DIALOGUE = [*shipped(), tiny(), dialogue_of(TANGLED), dialogue_of(TERSE)]


def every_dialogue(test: Any) -> Any:
    return pytest.mark.parametrize(
        "dialogue", EVERY_DIALOGUE, ids=[*(d.file for d in shipped()), "tiny", "tangled", "terse"]
    )(test)


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def words(drawn: Figure) -> dict[str, str]:
    """Every text by its id, on one line."""
    return {str(t.get_gid()): t.get_text().replace("\n", " ") for t in drawn.texts}


def arrows(drawn: Figure) -> set[str]:
    return {str(a.get_gid()) for a in drawn.artists if isinstance(a, FancyArrowPatch)}


# ---- what Telegram and a browser accept ----------------------------------------------------


@every_dialogue
def test_every_dialogue_renders_as_a_photo_telegram_accepts(dialogue: Dialogue) -> None:
    data = diagram.render(dialogue, "png")
    width, height = png_size(data)
    assert len(data) < TELEGRAM_PHOTO_BYTES
    assert width + height <= 10_000 and max(width, height) / min(width, height) <= 20
    assert max(width, height) <= diagram.PHONE_PIXELS, "Telegram would shrink it further"


@every_dialogue
def test_every_dialogue_renders_as_svg_with_every_step(dialogue: Dialogue) -> None:
    svg = diagram.render(dialogue, "svg").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert len(ids) == len(set(ids)), "ids are unique"
    for step in [*dialogue.content.steps, *dialogue.content.outcomes]:
        assert step in ids, step
    for source, question in dialogue.content.steps.items():
        for choice in question.answers:
            drawn_once = f"{diagram.NOTE}-{choice.next}" in ids
            assert f"{source}-{choice.next}" in ids or drawn_once, (source, choice.id)


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_the_same_dialogue_draws_the_same_bytes(fmt: diagram.Format) -> None:
    advice = shipped()[0]
    assert diagram.render(advice, fmt) == diagram.render(advice, fmt)


def test_no_program_is_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing but pip-installed packages: no Graphviz `dot`, nor any other program."""

    def no_programs(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"ran a program: {args}")

    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(subprocess, "Popen", no_programs)
    assert png_size(diagram.render(tiny(), "png"))
    assert b"<svg" in diagram.render(tiny(), "svg")


# ---- what the picture shows ----------------------------------------------------------------


def test_the_advice_picture_is_readable_on_a_phone() -> None:
    """Portrait, numbered short labels, and text that stays large once fitted to 1280 pixels."""
    advice = load_library(edition="hmg-2015")["advice"]
    drawn = diagram.figure(advice)
    pixels_per_point = drawn.dpi / 72
    assert (
        min(float(t.get_fontsize()) for t in drawn.texts) * pixels_per_point >= SMALLEST_TEXT_PIXELS
    )
    width, height = png_size(diagram.render(advice, "png"))
    assert (width, height) == tuple(int(x) for x in drawn.get_size_inches() * drawn.dpi)
    assert height > width, "portrait, like a phone held upright"
    said = words(drawn)
    assert said["immediate_danger.text"] == "1. Immediate danger?"
    assert said["public_interest.text"] == "10. Public interest?"
    assert said["age_band-legitimate_purpose.label"] == "Any answer"
    assert said["about_whom-age_band.label"] == "A child or young person, A family"
    assert said[f"{diagram.NOTE}.text"] == "Not sure at question 1 or 4 to 10"
    drawn_arrows = arrows(drawn)
    assert "immediate_danger-seek_advice" not in drawn_arrows, "Not sure is drawn once"
    assert f"{diagram.NOTE}-seek_advice" in drawn_arrows


@every_dialogue
def test_every_question_outcome_and_answer_is_written(dialogue: Dialogue) -> None:
    drawn = diagram.figure(dialogue)
    said = words(drawn)
    content = dialogue.content
    note = said.get(f"{diagram.NOTE}.text", "")
    for n, (step, question) in enumerate(content.steps.items(), 1):
        assert said[f"{step}.text"] == f"{n}. {question.short}?"
        for choice in question.answers:
            label = said.get(f"{step}-{choice.next}.label", "")
            assert (
                choice.label in label
                or label == "Any answer"
                or note.startswith(f"{choice.label} at question")
            ), (step, choice.id)
    fills = {
        a.get_gid(): to_hex(a.get_facecolor())
        for a in drawn.artists
        if isinstance(a, FancyBboxPatch)
    }
    for name, outcome in content.outcomes.items():
        assert said[f"{name}.text"] == outcome.title
        assert fills[name] == diagram.FILLS[outcome.shares]
    assert fills[content.start] == "#ffffff"
    assert said["title"] == content.title


def test_the_colours_show_what_each_outcome_decides() -> None:
    """Green, amber and red boxes, and dark text, really are in the advice PNG."""
    image = Image.open(io.BytesIO(diagram.render(shipped()[0], "png"))).convert("RGB")
    pixels = np.asarray(image)
    assert len({*diagram.FILLS.values(), "#ffffff"}) == 4, "three colours, none the background"
    for fill in diagram.FILLS.values():
        rgb = [round(255 * c) for c in to_rgb(fill)]
        assert (pixels == rgb).all(axis=2).sum() > 10_000, fill  # several boxes' worth
    assert (pixels.max(axis=2) < 96).sum() > 10_000, "text and arrows"


def test_the_shared_answer_note_only_appears_when_questions_share_one() -> None:
    drawn = diagram.figure(tiny())
    assert diagram.NOTE not in {a.get_gid() for a in drawn.artists}  # one "Not sure", not three
    assert arrows(drawn) == {
        "first-share",
        "first-second",
        "first-seek_advice",
        "second-share",
        "second-seek_advice",
    }


# ---- nothing overlaps ----------------------------------------------------------------------


def overlap(a: Bbox, b: Bbox, slack: float = 0.5) -> bool:
    return bool(
        a.x0 < b.x1 - slack and b.x0 < a.x1 - slack and a.y0 < b.y1 - slack and b.y0 < a.y1 - slack
    )


def inside(point: tuple[float, float], box: Bbox, slack: float = 1.5) -> bool:
    x, y = point
    return bool(box.x0 + slack < x < box.x1 - slack and box.y0 + slack < y < box.y1 - slack)


def along(arrow: FancyArrowPatch) -> list[tuple[float, float]]:
    """Points every pixel along an arrow's line and head, in pixels."""
    path = arrow.get_transform().transform_path(arrow.get_path())
    points: list[tuple[float, float]] = []
    for line in path.to_polygons(closed_only=False):
        corners: list[tuple[float, float]] = np.asarray(line, dtype=float).tolist()
        for (x0, y0), (x1, y1) in itertools.pairwise(corners):
            steps = max(1, int(max(abs(x1 - x0), abs(y1 - y0))))
            points += [
                (x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps) for i in range(steps)
            ]
    return points


@every_dialogue
def test_no_text_box_or_arrow_is_drawn_over_another(dialogue: Dialogue) -> None:
    drawn = diagram.figure(dialogue)
    renderer = drawn.canvas.get_renderer()  # type: ignore[attr-defined]
    page = drawn.bbox
    boxes = {
        str(a.get_gid()): a.get_window_extent(renderer)
        for a in drawn.artists
        if isinstance(a, FancyBboxPatch)
    }
    written = {str(t.get_gid()): t.get_window_extent(renderer) for t in drawn.texts}
    for extent in [*boxes.values(), *written.values()]:
        assert page.x0 <= extent.x0 and extent.x1 <= page.x1
        assert page.y0 <= extent.y0 and extent.y1 <= page.y1
    names = sorted(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not overlap(boxes[a], boxes[b]), (a, b)
    gids = sorted(written)
    for i, a in enumerate(gids):
        extent = written[a]
        for b in gids[i + 1 :]:
            assert not overlap(extent, written[b]), (a, b)
        home = a.removesuffix(".text") if a.endswith(".text") else None
        for name, box in boxes.items():
            if name == home:
                assert box.x0 <= extent.x0 and extent.x1 <= box.x1, a
                assert box.y0 <= extent.y0 and extent.y1 <= box.y1, a
            else:
                assert not overlap(extent, box), (a, name)
    lines = {str(a.get_gid()): along(a) for a in drawn.artists if isinstance(a, FancyArrowPatch)}
    pixels = {gid: {(round(x), round(y)) for x, y in points} for gid, points in lines.items()}
    for gid, points in lines.items():
        assert points, gid
        for other, shared in pixels.items():
            if gid.split("-")[-1] != other.split("-")[-1]:  # arrows to one box share its lane
                assert len(pixels[gid] & shared) <= 4, f"{gid} runs along {other}"
        for name, box in boxes.items():
            assert not any(inside(point, box) for point in points), (gid, name)
        for text, extent in written.items():
            if text != f"{gid}.label":
                assert not any(inside(point, extent) for point in points), (gid, text)


# ---- Mermaid -------------------------------------------------------------------------------


def mermaid_edges(text: str) -> set[tuple[str, str, str]]:
    """(source, dest, trigger) for every edge; GraphMachine joins triggers as 'yes | no'."""
    return {
        (source, dest, trigger)
        for source, dest, triggers in re.findall(r"^\s*(\w+) --> (\w+): (.+)$", text, re.M)
        for trigger in triggers.split(" | ")
    }


def mermaid_states(text: str) -> set[str]:
    return set(re.findall(r'^\s*state "\w+" as (\w+)$', text, re.MULTILINE))


def test_mermaid_diagram_comes_from_transitions() -> None:
    text = diagram.mermaid(tiny())
    assert "stateDiagram-v2" in text
    assert "first --> second: no" in text
    assert mermaid_edges(text) == {
        ("first", "share", "yes"),
        ("first", "second", "no"),
        ("first", "seek_advice", "not_sure"),
        ("second", "share", "yes"),
        ("second", "seek_advice", "no"),
    }
    assert mermaid_states(text) == {"first", "second", "share", "seek_advice"}
    assert "[*] --> first" in text


@every_dialogue
def test_every_transition_of_the_machine_is_a_mermaid_edge(dialogue: Dialogue) -> None:
    text = diagram.render(dialogue, "mermaid").decode()
    machine = dialogue.machine
    assert mermaid_edges(text) == {
        (t.source, t.dest, trigger)
        for trigger, event in machine.events.items()
        for moves in event.transitions.values()
        for t in moves
    }
    assert mermaid_states(text) == set(machine.states)
    assert f"[*] --> {dialogue.content.start}" in text


# ---- the command line ----------------------------------------------------------------------


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        capture_output=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )


@pytest.mark.parametrize(
    ("fmt", "expected"), [("png", b"\x89PNG"), ("svg", b"<svg"), ("mermaid", b"stateDiagram")]
)
def test_cli_writes_each_format_to_a_file(tmp_path: Path, fmt: str, expected: bytes) -> None:
    out = tmp_path / f"chart.{fmt}"
    done = cli("diagram", "--format", fmt, "--output", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert expected in out.read_bytes()


def test_cli_picture_without_output_goes_to_a_named_file(tmp_path: Path) -> None:
    done = cli("diagram", "--format", "png", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert png_size((tmp_path / "advice.png").read_bytes())
    assert b"advice.png" in done.stdout


def test_cli_rejects_an_unknown_format(tmp_path: Path) -> None:
    done = cli("diagram", "--format", "gif", cwd=tmp_path)
    assert done.returncode == 2
    assert b"invalid choice: 'gif'" in done.stderr
