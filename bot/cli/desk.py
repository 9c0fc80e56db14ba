"""`infoshare-bot desk`: serve the web desk on its own (`bot.desk`), beside a bot that runs
elsewhere on the same database and pseudonym key. `run` serves it too when `desk.enabled`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
from collections.abc import Iterator

import tornado.netutil

from bot import logs
from bot.cli.common import Commands, add_command, library_for, nations_for
from bot.config import Config
from bot.errors import ConfigError
from bot.storage import check_at_rest
from bot.transcripts.pseudonym import load_pseudonyms

CANNOT_LISTEN = {errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES}


def cmd_desk(args: argparse.Namespace, config: Config) -> int:
    """Serve the web desk until Ctrl+C or SIGTERM."""
    from bot.desk.app import serve

    library = library_for(args, config)
    nations = nations_for(args, config)
    check_at_rest(config.storage.url)  # a broken database stops us before anything is written
    with _cannot_listen(config):  # a port in use, said before the log starts
        for probe in tornado.netutil.bind_sockets(config.desk.port, config.desk.listen):
            probe.close()
    logs.configure(config.logging.level)
    logs.scrub_also(load_pseudonyms(config.key_file()).secret.decode())
    with _cannot_listen(config):  # taken meanwhile
        asyncio.run(serve(config, library, nations, config_path=args.config))
    return 0


@contextlib.contextmanager
def _cannot_listen(config: Config) -> Iterator[None]:
    """An address or port that cannot be had, as a `ConfigError` that names the keys."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in CANNOT_LISTEN:
            raise
        desk = config.desk
        raise ConfigError(
            f"desk: cannot listen on {desk.listen}:{desk.port} ({exc.strerror}): "
            "set desk.listen and desk.port"
        ) from None


def add_commands(commands: Commands) -> None:
    add_command(commands, "desk", cmd_desk, "serve the web desk for safeguarding leads")
