"""The `infoshare-bot` command: one entry point, a module per group of subcommands.

`content` (check, diagram), `local` (console, redact), `run` (the Telegram bot), `desk` (the
leads' web desk) and `transcripts` (the leads' transcripts and the access log). Errors raised
on purpose (`InfoshareError`) become one clear message and a non-zero exit code; nothing here
prints a traceback at a practitioner or an administrator.

Every file the bot writes (the SQLite database and its journal, the pseudonym key, exports,
charts) is created readable by its owner only, whatever the umask it was started with.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Final

from bot.cli import content, desk, local, run, transcripts
from bot.cli.common import Handler, global_options
from bot.config import load_config
from bot.errors import ContentError, InfoshareError

OWNER_ONLY: Final = 0o077
"""The umask the command runs under: no group or other permissions on anything it creates."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="infoshare-bot",
        description="Guidance on sharing information about children, young people, adults "
        "and families, based on the HM Government advice for practitioners.",
        parents=[global_options(defaults=True)],
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (content, local, run, desk, transcripts):
        group.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.umask(OWNER_ONLY)
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args.config)
        handler: Handler = args.handler
        return handler(args, config)
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 1
    except InfoshareError as exc:
        print(f"infoshare-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
