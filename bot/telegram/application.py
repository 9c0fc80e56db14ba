"""The python-telegram-bot Application with every feature wired in, however it is run.

`build_application` is used alike by `infoshare-bot run` (polling or webhook, `bot.telegram.run`),
the tests (with an offline request) and the benchmarks.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Mapping
from pathlib import Path
from typing import cast

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Job
from telegram.request import BaseRequest

from bot import words
from bot.config import Config, reload
from bot.errors import ConfigError
from bot.storage import ChatKeys, open_store
from bot.telegram import alerts
from bot.telegram.delivery import PerChatUpdateProcessor
from bot.telegram.desk import DeskBeside
from bot.telegram.outbox import SEND_EVERY
from bot.telegram.retention import PURGE_EVERY
from bot.telegram.routes import Features, register
from bot.telegram.services import Clock, Services, system_clock
from bot.transcripts.pseudonym import Pseudonyms
from states import MAIN_DIALOGUE, Library

log = logging.getLogger(__name__)
GET_UPDATES_READ_TIMEOUT = 2.0
"""Seconds a getUpdates call may wait for an answer beyond its long-poll timeout."""


class InfoshareApplication(Application):  # type: ignore[type-arg]
    """PTB's Application, carrying our `Services` and `Features`, without a slow leak.

    PTB notes the id of every chat and user it sees "to be updated in persistence", and only a
    persistence run empties those sets. This bot keeps its own state and has no PTB
    persistence, so the sets would grow by one entry per distinct chat and user for ever.
    """

    services: Services
    features: Features
    config_path: Path | None = None
    """Where the config was read from, so SIGHUP can read it again."""
    desk: DeskBeside | None = None
    """The web desk, when this process serves it too (`desk.enabled`)."""

    def _mark_for_persistence_update(
        self,
        *,
        update: object | None = None,
        job: Job | None = None,  # type: ignore[type-arg]
    ) -> None:
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)


def build_application(
    config: Config,
    library: Library,
    token: str,
    pseudonyms: Pseudonyms,
    request: BaseRequest | None = None,
    clock: Clock = system_clock,
    nations: Mapping[str, Library] | None = None,
) -> InfoshareApplication:
    """The Application with every handler; `request` swaps the network and `clock` the time
    for tests. The store is opened in `post_init`, inside the event loop the Application runs
    on."""
    builder = (
        ApplicationBuilder()
        .application_class(InfoshareApplication)
        .token(token)
        .concurrent_updates(PerChatUpdateProcessor())
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if config.telegram.rate_limit:
        # The builder's type parameter records "no limiter"; choosing one at run time is fine.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))  # type: ignore[arg-type]
    if config.telegram.base_url:
        builder = builder.base_url(config.telegram.base_url.rstrip("/") + "/bot")
        builder = builder.base_file_url(config.telegram.base_url.rstrip("/") + "/file/bot")
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        # A long poll waits its own `timeout` plus this; the last poll on stopping has no long
        # wait, so a Bot API that hangs delays SIGTERM by this much at most, not 5 s.
        builder = builder.get_updates_read_timeout(GET_UPDATES_READ_TIMEOUT)
    app = cast(InfoshareApplication, builder.build())
    app.services = Services(config, library, pseudonyms, clock, dict(nations or {}))
    app.features = Features.build(app.services)
    register(app, app.features)
    assert app.job_queue is not None  # the job-queue extra is a dependency
    app.job_queue.run_repeating(
        app.features.retention.purge_old, interval=PURGE_EVERY, first=60, name="purge"
    )
    app.job_queue.run_repeating(
        app.features.outbox.send_owed,
        interval=SEND_EVERY,
        first=0,
        name="outbox",
        job_kwargs={"max_instances": 2},  # a look while the last still sends returns at once
    )
    app.job_queue.run_repeating(
        app.features.alerts.send_due,
        interval=alerts.SEND_EVERY,
        first=0,
        name="alerts",
        job_kwargs={"max_instances": 2},  # a look while the last still sends returns at once
    )
    return app


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    """Open the store, serve the web desk if enabled, then register the command lists (a
    failure there is only logged).

    Leads see their own commands too, in their private chat only; nobody else is shown them.
    """
    assert isinstance(app, InfoshareApplication)
    services = app.services
    keys = ChatKeys(services.pseudonyms.secret)
    services.attach(await open_store(services.config.storage.url, keys))
    if services.config.desk.enabled and app.desk is None:
        app.desk = DeskBeside.start(services)
    if app.config_path is not None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, _reload, app, app.config_path)
    everyone = [BotCommand(name, text) for name, text in words.COMMANDS]
    leads = everyone + [BotCommand(name, text) for name, text in words.LEAD_COMMANDS]
    lists = [
        (everyone, None),
        *((leads, BotCommandScopeChat(lead)) for lead in services.config.lead_ids),
    ]
    for commands, scope in lists:
        try:
            await app.bot.set_my_commands(commands, scope=scope)
        except TelegramError as exc:  # e.g. a lead who has not started the bot yet
            who = "everyone" if scope is None else "a lead"
            log.warning("could not register the command list for %s: %s", who, type(exc).__name__)


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    assert isinstance(app, InfoshareApplication)
    if app.desk is not None:
        await app.desk.stop()
        app.desk = None
    await app.services.close()


def _reload(app: InfoshareApplication, path: Path) -> None:
    """SIGHUP: read the config again; the desk served beside the bot follows it."""
    if reload_config(app.services, path) and app.desk is not None:
        app.desk.follow(app.services.config)


def reload_config(services: Services, path: Path) -> bool:
    """Re-read the config file (on SIGHUP): leads and contacts change without a restart.

    A file that no longer validates is logged and the running config kept. Storage, Telegram,
    the content (folder, edition, jurisdiction), the desk and logging settings need a restart;
    they are kept as they were.
    """
    try:
        services.config = reload(
            services.config,
            path,
            services.home[MAIN_DIALOGUE].content.outcomes,
            services.nations,
        )
    except ConfigError as exc:
        log.error("config not reloaded, keeping the running one: %s", exc)
        return False
    fresh = services.config
    log.info("config reloaded: %d lead(s), %d contact(s)", len(fresh.lead_ids), len(fresh.contacts))
    return True
