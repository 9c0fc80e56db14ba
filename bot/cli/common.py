"""What every subcommand shares: the global options, wherever they are typed, and the content.

`--config` and `--dialogues` work before or after the subcommand (`infoshare-bot --config F run`
and `infoshare-bot run --config F` alike): each subcommand's parser has them too, with no default
of its own, so one typed after the subcommand wins and one typed before it still counts.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from bot.config import Config
from bot.content import DIALOGUES_DIR, JURISDICTIONS, load_library
from bot.errors import ConfigError
from states import Library

Handler = Callable[[argparse.Namespace, Config], int]
if TYPE_CHECKING:
    Commands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]
else:  # not subscriptable at run time
    Commands: TypeAlias = argparse._SubParsersAction


def global_options(*, defaults: bool) -> argparse.ArgumentParser:
    """--config and --dialogues; the top-level parser gives defaults, subcommands do not."""
    parser = argparse.ArgumentParser(
        add_help=False, argument_default=None if defaults else argparse.SUPPRESS
    )
    parser.add_argument("--config", type=Path, help="config YAML (see config.example.yaml)")
    parser.add_argument("--dialogues", type=Path, help="folder of dialogue YAML files")
    return parser


def add_command(
    commands: Commands, name: str, handler: Handler | None, help_text: str
) -> argparse.ArgumentParser:
    """A subcommand that also takes the global options after its name."""
    sub: argparse.ArgumentParser = commands.add_parser(
        name, help=help_text, description=help_text, parents=[global_options(defaults=False)]
    )
    if handler is not None:
        sub.set_defaults(handler=handler)
    return sub


def dialogues_dir(args: argparse.Namespace, config: Config) -> Path:
    """--dialogues, else the config's folder (which must exist: a typo there names the key)."""
    if args.dialogues is not None:
        return Path(args.dialogues)
    if config.dialogues is not None:
        if not config.dialogues.is_dir():
            problem = "is not a folder" if config.dialogues.exists() else "does not exist"
            raise ConfigError(f"{args.config}: dialogues: {config.dialogues} {problem}")
        return config.dialogues
    return DIALOGUES_DIR


def library_for(args: argparse.Namespace, config: Config) -> Library:
    """The edition and nation in config, unless --edition or --jurisdiction say otherwise."""
    edition = getattr(args, "edition", None) or config.edition
    jurisdiction = getattr(args, "jurisdiction", None) or config.jurisdiction
    library = load_library(dialogues_dir(args, config), edition, jurisdiction)
    config.check_outcomes(library["advice"].content.outcomes)
    return library


def nations_for(args: argparse.Namespace, config: Config) -> dict[str, Library]:
    """The content for each other nation an organisation in config is in, by jurisdiction."""
    edition = getattr(args, "edition", None) or config.edition
    directory = dialogues_dir(args, config)
    return {nation: load_library(directory, edition, nation) for nation in config.other_nations}


def add_scope_options(parser: argparse.ArgumentParser) -> None:
    """--edition and --jurisdiction: try another edition or nation without editing config."""
    parser.add_argument("--edition", help="edition of the advice (default: config's edition)")
    parser.add_argument(
        "--jurisdiction",
        choices=JURISDICTIONS,
        help="UK nation whose law and routes apply (default: config's jurisdiction)",
    )
