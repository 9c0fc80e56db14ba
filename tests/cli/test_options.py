"""Global options work before or after the subcommand, for every subcommand."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bot.cli import build_parser, main

COMMANDS = [
    ["check"],
    ["diagram"],
    ["console"],
    ["redact"],
    ["run"],
    ["desk"],
    ["transcripts", "list"],
    ["transcripts", "show", "1"],
    ["transcripts", "export"],
    ["transcripts", "stats"],
    ["transcripts", "practitioners"],
    ["transcripts", "trends"],
    ["transcripts", "feedback"],
    ["transcripts", "tag", "1", "reviewed"],
    ["transcripts", "note", "1", "text"],
    ["transcripts", "purge"],
    ["audit"],
]


def every_subcommand(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> set[str]:
    """Every command line path the parser knows, e.g. "transcripts list"."""
    found: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= every_subcommand(sub, (*path, name)) or {" ".join((*path, name))}
    return found


def test_the_table_names_every_subcommand() -> None:
    names = {
        " ".join(w for w in c if not w[0].isdigit() and w not in ("reviewed", "text"))
        for c in COMMANDS
    }
    assert names == every_subcommand(build_parser())


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("option", ["--config", "--dialogues"])
def test_a_global_option_reads_the_same_before_or_after_the_command(
    command: list[str], option: str
) -> None:
    parser = build_parser()
    before = parser.parse_args([option, "x.yaml", *command])
    after = parser.parse_args([*command, option, "x.yaml"])
    neither = parser.parse_args(command)
    key = option.removeprefix("--")
    assert getattr(before, key) == getattr(after, key) == Path("x.yaml")
    assert getattr(neither, key) is None


def test_the_option_after_the_command_wins(tmp_path: Path) -> None:
    args = build_parser().parse_args(["--config", "a.yaml", "run", "--config", "b.yaml"])
    assert args.config == Path("b.yaml")


def test_run_config_file_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The form `run --help` leads to: the file really is used (its broken key is named)."""
    config = tmp_path / "c.yaml"
    config.write_text(f"dialogues: {tmp_path / 'missing'}\n", encoding="utf-8")
    for argv in (["run", "--config", str(config)], ["--config", str(config), "run"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert f"{config}: dialogues: {tmp_path / 'missing'} does not exist" in err, err


@pytest.mark.parametrize(
    "command", [["run"], ["desk"], ["transcripts", "practitioners"], ["console"]]
)
def test_an_urgent_outcome_the_advice_lacks_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """A typo in urgent_outcomes would otherwise count nothing as urgent, silently."""
    config = tmp_path / "c.yaml"
    config.write_text("urgent_outcomes: [refer_now, refer_nwo]\n", encoding="utf-8")
    assert main(["--config", str(config), *command]) == 2
    err = capsys.readouterr().err
    assert "urgent_outcomes: refer_nwo is not an outcome of the advice" in err, err
    assert "refer_now," in err and "Traceback" not in err
