"""`infoshare-bot run`: start the Telegram bot."""

from __future__ import annotations

import argparse

from bot.cli.common import Commands, add_command, library_for, nations_for
from bot.config import Config


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    """Start the Telegram bot (long polling, or a webhook with --webhook)."""
    from bot.telegram.run import run_bot

    library = library_for(args, config)
    nations = nations_for(args, config)
    return run_bot(
        config, library, nations=nations, webhook=bool(args.webhook), config_path=args.config
    )


def add_commands(commands: Commands) -> None:
    add_command(commands, "run", cmd_run, "start the Telegram bot").add_argument(
        "--webhook", action="store_true", help="receive updates by webhook (see config)"
    )
