"""Build the python-telegram-bot Application and run it by long polling or webhook."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
from datetime import timedelta
from pathlib import Path

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.constants import ChatType
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    Job,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import logs
from bot.config import Config, load_config
from bot.errors import ConfigError, TelegramUnavailable
from bot.storage import open_store
from bot.telegram.handlers import COMMANDS, TOPIC_COMMANDS, AdviceBot, Context, Handler
from bot.telegram.leads import LEAD_COMMANDS, SHORTCUT, LeadDesk
from bot.telegram.ordering import PerChatUpdateProcessor
from bot.telegram.training import register_training
from bot.telegram.webhook import serve
from bot.transcripts.pseudonym import Pseudonyms, load_pseudonyms
from states import Library

log = logging.getLogger(__name__)
PURGE_EVERY = timedelta(days=1)
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class InfoshareApplication(Application):  # type: ignore[type-arg]
    """PTB's Application without a slow leak we would otherwise have.

    PTB notes the id of every chat and user it sees "to be updated in persistence", and only a
    persistence run empties those sets. This bot keeps its own state and has no PTB
    persistence, so the sets would grow by one entry per distinct chat and user for ever.
    """

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
) -> Application:  # type: ignore[type-arg]
    """The Application with every handler; `request` swaps the network for tests.

    The store is opened in `post_init`, inside the event loop the Application runs on.
    """
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
    app = builder.build()
    advice = AdviceBot(config, library, pseudonyms)
    app.bot_data["advice"] = advice
    register(app, advice)
    assert app.job_queue is not None  # the job-queue extra is a dependency
    app.job_queue.run_repeating(advice.purge_old, interval=PURGE_EVERY, first=60, name="purge")
    return app


def register(app: Application, advice: AdviceBot) -> None:  # type: ignore[type-arg]
    """Route updates: non-private chats and edits first, then commands, buttons, text, media."""
    private = filters.ChatType.PRIVATE

    async def guard(update: Update, context: Context) -> None:
        """Edits are not new answers; groups, channels and chatless updates get no advice."""
        if update.edited_message is not None or update.edited_channel_post is not None:
            raise ApplicationHandlerStop
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            await advice.on_not_private(update, context)
            raise ApplicationHandlerStop

    app.add_handler(TypeHandler(Update, guard), group=-1)
    desk = LeadDesk(advice)
    commands: dict[str, Handler] = {
        "start": advice.once(advice.on_start),
        "advice": advice.once(advice.on_advice),
        "restart": advice.once(advice.on_advice),
        "back": advice.once(advice.on_back),
        "cancel": advice.once(advice.on_cancel),
        "rules": advice.on_rules,
        "rule": advice.on_rule,
        "contacts": advice.on_contacts,
        "record": advice.on_record,
        "help": advice.on_help,
        "privacy": advice.on_privacy,
        "myid": advice.on_myid,
        "forget": advice.on_forget,
        "transcripts": desk.on_transcripts,
        "transcript": desk.on_transcript,
        "stats": desk.on_stats,
        "tag": desk.on_tag,
        "note": desk.on_note,
    }
    for name, handler in commands.items():
        app.add_handler(CommandHandler(name, handler, filters=private & ~filters.FORWARDED))
    app.add_handler(MessageHandler(private & filters.Regex(SHORTCUT), desk.on_transcript))
    for name, topic in TOPIC_COMMANDS.items():
        if topic in advice.library.reference.topics:
            app.add_handler(CommandHandler(name, advice.topic_handler(topic), filters=private))
    app.add_handler(CallbackQueryHandler(advice.on_forget_press, pattern=r"^F:"))
    app.add_handler(CallbackQueryHandler(desk.on_press, pattern=r"^[LT]:"))
    register_training(app, advice)  # /quiz, /cases, /flowchart and their buttons (issue 7)
    app.add_handler(CallbackQueryHandler(advice.once(advice.on_press)))
    app.add_handler(
        MessageHandler(private & (filters.FORWARDED | filters.ATTACHMENT), advice.on_media)
    )
    app.add_handler(MessageHandler(private & filters.COMMAND, advice.on_unknown_command))
    app.add_handler(MessageHandler(private & filters.TEXT, advice.once(advice.on_text)))
    app.add_error_handler(advice.on_error)


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    """Open the store, then register the command lists (a failure there is only logged).

    Leads see their own commands too, in their private chat only; nobody else is shown them.
    """
    advice: AdviceBot = app.bot_data["advice"]
    advice.attach(await open_store(advice.config.storage.url))
    path: Path | None = app.bot_data.get("config_path")
    if path is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, reload_config, advice, path)
    everyone = [BotCommand(name, text) for name, text in COMMANDS]
    leads = everyone + [BotCommand(name, text) for name, text in LEAD_COMMANDS]
    lists = [
        (everyone, None),
        *((leads, BotCommandScopeChat(lead)) for lead in advice.config.leads),
    ]
    for commands, scope in lists:
        try:
            await app.bot.set_my_commands(commands, scope=scope)
        except TelegramError as exc:  # e.g. a lead who has not started the bot yet
            who = "everyone" if scope is None else "a lead"
            log.warning("could not register the command list for %s: %s", who, type(exc).__name__)


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    advice: AdviceBot = app.bot_data["advice"]
    await advice.close()


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


def reload_config(advice: AdviceBot, path: Path) -> bool:
    """Re-read the config file (on SIGHUP): leads and contacts change without a restart.

    A file that no longer validates is logged and the running config kept. Storage, Telegram
    and logging settings need a restart; they are kept as they were.
    """
    try:
        fresh = load_config(path)
    except ConfigError as exc:
        log.error("config not reloaded, keeping the running one: %s", exc)
        return False
    kept = {"storage": advice.config.storage, "telegram": advice.config.telegram}
    advice.config = fresh.model_copy(update=kept)
    log.info("config reloaded: %d lead(s), %d contact(s)", len(fresh.leads), len(fresh.contacts))
    return True


def run_bot(
    config: Config, library: Library, *, webhook: bool, config_path: Path | None = None
) -> int:
    """Start the bot and block until it is stopped (Ctrl+C or SIGTERM); SIGHUP reloads.

    With `webhook`, this is one replica (bot.telegram.webhook): any number may run behind a
    load balancer on one PostgreSQL database.
    """
    token = config.token()
    hook = config.telegram.webhook
    secret = _webhook_secret(config) if webhook else ""
    public_url = _public_url(config) if webhook else ""
    logs.configure(config.logging.level, secrets=[token, secret])
    pseudonyms = load_pseudonyms(config.key_file())
    logs.scrub_also(pseudonyms.secret.decode())
    app = build_application(config, library, token, pseudonyms)
    if config_path is not None:
        app.bot_data["config_path"] = config_path
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
