"""The flowchart picture: drawn by Graphviz from every dialogue, and sized for a phone."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest

from bot import diagram
from bot.errors import ConfigError
from states import Dialogue, load_library, validate
from tests.tiny import texts

TELEGRAM_PHOTO_BYTES = 10 * 1024 * 1024
SMALLEST_TEXT_PIXELS = 15
"""Edge labels, the smallest text, must be at least this tall in the finished picture."""


def shipped() -> list[Dialogue]:
    return list(load_library().dialogues.values())


def tiny() -> Dialogue:
    library, problems = validate(texts())
    assert library is not None, problems
    return library["advice"]


EVERY_DIALOGUE = [*shipped(), tiny()]


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


@pytest.mark.parametrize("dialogue", EVERY_DIALOGUE, ids=lambda d: d.file)
def test_every_dialogue_renders_as_a_photo_telegram_accepts(dialogue: Dialogue) -> None:
    data = diagram.render(dialogue, "png")
    width, height = png_size(data)
    assert len(data) < TELEGRAM_PHOTO_BYTES
    assert width + height <= 10_000 and max(width, height) / min(width, height) <= 20
    assert max(width, height) <= diagram.PHONE_PIXELS, "Telegram would shrink it further"


@pytest.mark.parametrize("dialogue", EVERY_DIALOGUE, ids=lambda d: d.file)
def test_every_dialogue_renders_as_svg_with_every_step(dialogue: Dialogue) -> None:
    svg = diagram.render(dialogue, "svg").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for step in [*dialogue.content.steps, *dialogue.content.outcomes]:
        assert f"<title>{step}</title>" in svg, step


@pytest.mark.parametrize("dialogue", EVERY_DIALOGUE, ids=lambda d: d.file)
def test_every_dialogue_renders_as_mermaid(dialogue: Dialogue) -> None:
    text = diagram.render(dialogue, "mermaid").decode()
    assert text.startswith("---") or "stateDiagram" in text
    assert f"{dialogue.content.start}" in text


def test_the_advice_picture_is_readable_on_a_phone() -> None:
    """Top to bottom, short labels, and text that stays large once fitted to 1280 pixels."""
    advice = load_library()["advice"]
    drawn = diagram.graph(advice)
    assert drawn.graph_attr["rankdir"] == "TB"
    scale = float(drawn.pipe(format="plain").decode().split()[1])
    edge_points = float(drawn.edge_attr["fontsize"])
    assert edge_points * scale * diagram.DPI / 72 >= SMALLEST_TEXT_PIXELS
    width, height = png_size(drawn.pipe(format="png"))
    assert height > width, "portrait, like a phone held upright"
    source = drawn.source
    assert "1. Immediate" in source and "10. Public" in source
    assert "immediate_danger -> seek_advice" not in source, "Not sure is drawn once"
    assert "Not sure at question 1 or 4 to 10" in source.replace(r"\l", " ")


def test_the_shared_answer_note_only_appears_when_questions_share_one() -> None:
    config = diagram.phone_config(tiny().content)
    names = [state["name"] for state in config["states"]]
    assert diagram.NOTE not in names  # the tiny dialogue has one "Not sure", not three
    assert {(t["source"], t["dest"]) for t in config["transitions"]} == {
        ("first", "share"),
        ("first", "second"),
        ("first", "seek_advice"),
        ("second", "share"),
        ("second", "seek_advice"),
    }


def test_a_missing_graphviz_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ConfigError, match="needs Graphviz"):
        diagram.render(tiny(), "png")


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
