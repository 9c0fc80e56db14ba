"""Reference between decisions: /rules, /rule N, the topic pages, /contacts and /help."""

from __future__ import annotations

from typing import Final

from telegram import Update

from bot import render, words
from bot.telegram.messaging import Context, Handler, chat_id_of, say, send
from bot.telegram.services import Services

TOPIC_COMMANDS: Final = {
    "consent": "consent",
    "definitions": "definitions",
    "myths": "myth_buster",
    "protocols": "protocols",
    "whotoask": "seek_advice",
    "checklist": "share_appropriately",
    "about": "about",
    "support": "support",
    "law": "where_you_work",
    "duties": "duties",
}
"""Commands that show a reference topic from dialogues/reference.yaml."""


class ReferencePages:
    """The golden rules, the reference pages, local contacts and help."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def on_rules(self, update: Update, context: Context) -> None:
        await send(context, chat_id_of(update), render.rules(self.services.library))

    async def on_rule(self, update: Update, context: Context) -> None:
        args = context.args or []
        library = self.services.library
        rules = library.reference.rules
        if len(args) == 1 and args[0].isascii() and args[0].isdigit() and int(args[0]) in rules:
            await send(context, chat_id_of(update), render.rules(library, int(args[0])))
            return
        await say(context, chat_id_of(update), words.RULE_USAGE)

    def topics(self) -> dict[str, Handler]:
        """A handler for each topic command whose page the content has."""
        pages = self.services.library.reference.topics
        return {
            command: self.topic_handler(topic)
            for command, topic in TOPIC_COMMANDS.items()
            if topic in pages
        }

    def topic_handler(self, topic: str) -> Handler:
        async def handler(update: Update, context: Context) -> None:
            page = self.services.library.reference.topics[topic]
            await send(context, chat_id_of(update), render.topic(self.services.library, page))

        return handler

    async def on_sources(self, update: Update, context: Context) -> None:
        await send(context, chat_id_of(update), render.sources(self.services.library))

    async def on_contacts(self, update: Update, context: Context) -> None:
        services = self.services
        organisation = await services.store.organisation_of(services.practitioner(update))
        contacts = services.config.contacts_for(organisation)
        await send(context, chat_id_of(update), render.contact_blocks(contacts))

    async def on_help(self, update: Update, context: Context) -> None:
        lines = tuple(f"/{name}: {text}" for name, text in words.COMMANDS)
        listed = "".join(lines)
        more = ", ".join(f"/{name}" for name in TOPIC_COMMANDS if f"/{name}:" not in listed)
        await send(
            context,
            chat_id_of(update),
            [
                render.Para(words.HELP_INTRO),
                render.Bullets(lines),
                render.Para(words.HELP_MORE.format(commands=more)),
            ],
        )
