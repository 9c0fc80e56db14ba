"""Run the bot: by long polling, or as one webhook replica of many (`bot.telegram.webhook`)."""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path

from telegram import Update
from telegram.error import InvalidToken, TelegramError

from bot import logs
from bot.config import Config
from bot.errors import ConfigError, TelegramUnavailable
from bot.storage import check_at_rest
from bot.telegram.application import build_application
from bot.telegram.webhook import serve
from bot.transcripts.pseudonym import load_pseudonyms
from states import Library

log = logging.getLogger(__name__)
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _webhook_secret(config: Config) -> str:
    name = config.telegram.webhook.secret_token_env
    secret = os.environ.get(name, "")
    if not SECRET_TOKEN.match(secret):
        raise ConfigError(
            f"Set a webhook secret in the environment variable {name}: 1 to 256 characters of "
            "letters, digits, _ and -."
        )
    return secret


def _public_url(config: Config) -> str:
    url = config.telegram.webhook.public_url
    if not url:
        raise ConfigError(
            "telegram.webhook.public_url: set the HTTPS address Telegram should call."
        )
    return url


def run_bot(
    config: Config,
    library: Library,
    *,
    webhook: bool,
    config_path: Path | None = None,
    nations: Mapping[str, Library] | None = None,
) -> int:
    """Start the bot and block until it is stopped (Ctrl+C or SIGTERM); SIGHUP reloads.

    With `webhook`, this is one replica (bot.telegram.webhook): any number may run behind a
    load balancer on one PostgreSQL database.
    """
    check_at_rest(config.storage.url)  # a broken database stops us before anything is written
    token = config.token()
    hook = config.telegram.webhook
    secret = _webhook_secret(config) if webhook else ""
    public_url = _public_url(config) if webhook else ""
    logs.configure(config.logging.level, secrets=[token, secret])
    pseudonyms = load_pseudonyms(config.key_file())
    logs.scrub_also(pseudonyms.secret.decode())
    app = build_application(config, library, token, pseudonyms, nations=nations)
    app.config_path = config_path
    log.info("starting (%s, storage %s)", "webhook" if webhook else "polling", _scheme(config))
    try:
        if webhook:
            asyncio.run(
                serve(
                    app,
                    listen=hook.listen,
                    port=hook.port,
                    url_path=hook.url_path,
                    public_url=public_url,
                    secret=secret,
                )
            )
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        raise TelegramUnavailable(
            f"Telegram rejected the bot token in {config.telegram.token_env}: check it with "
            "@BotFather."
        ) from None
    except TelegramError as exc:
        where = config.telegram.base_url or "api.telegram.org"
        raise TelegramUnavailable(
            f"Cannot reach the Telegram Bot API at {where} ({type(exc).__name__}): check the "
            "network and telegram.base_url."
        ) from None
    return 0


def _scheme(config: Config) -> str:
    """The database kind without its address or password, for the log."""
    return config.storage.url.split(":", 1)[0]
