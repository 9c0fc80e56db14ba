"""`infoshare-bot console` and `infoshare-bot redact`: the bot in this terminal, no Telegram."""

from __future__ import annotations

import argparse
import io
import sys

from bot.cli.common import Commands, add_command, add_scope_options, library_for
from bot.config import Config


def cmd_console(args: argparse.Namespace, config: Config) -> int:
    """The advice conversation in the terminal (no Telegram token needed)."""
    from bot.console import Console, run

    library = library_for(args, config)
    return run(Console(library, library["advice"], config.contacts), jsonl=args.jsonl)


def cmd_redact(args: argparse.Namespace, config: Config) -> int:
    """Redact UTF-8 text from standard input, one message per line, to standard output."""
    from bot.anonymise import redact

    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline="\n")
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    for line in stdin:
        ending = "\n" if line.endswith("\n") else ""
        sys.stdout.write(redact(line.removesuffix("\n").removesuffix("\r")).text + ending)
    sys.stdout.flush()
    return 0


def add_commands(commands: Commands) -> None:
    console = add_command(commands, "console", cmd_console, "talk to the bot in this terminal")
    console.add_argument("--jsonl", action="store_true", help="JSON lines in and out, for scripts")
    add_scope_options(console)
    add_command(
        commands,
        "redact",
        cmd_redact,
        "remove identifying details from text, line by line (stdin to stdout)",
    )
