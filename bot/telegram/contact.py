"""'Ask my lead to contact me': the only way an identity ever reaches a lead.

Under every outcome (when the deployment has leads) a practitioner may ask a safeguarding lead
to get in touch about that decision. The bot first says exactly what will be passed on (their
Telegram name and username, and the decision's transcript) and sends nothing until they
confirm. The request is then stored with the identity sealed (`ChatKeys`), an alert goes to the
leads with a button to open it (`bot.telegram.alerts`), and the practitioner may withdraw it
until a lead opens it, which deletes the identity. Requests, withdrawals and openings are all in
the access log.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.error import TelegramError

from bot import render, words
from bot.alerts import ContactRequest, Identity
from bot.telegram.leads import Acting, LeadDesk, lead_only
from bot.telegram.messaging import Context, answer_query, chat_id_of, send, set_keyboard
from bot.telegram.outcome import OutcomeParts
from bot.telegram.payloads import WITHDRAW_PREFIX, Asking, OpenRequest, PartPress
from bot.telegram.services import Services
from bot.transcripts.model import Access
from states import State

log = logging.getLogger(__name__)


class ContactRequests:
    """The practitioner's side: ask, confirm or cancel, withdraw."""

    def __init__(self, services: Services, parts: OutcomeParts) -> None:
        self.services = services
        self.parts = parts

    async def on_press(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        if (query.data or "").startswith(WITHDRAW_PREFIX):
            await self.withdraw(update, query)
            return
        opened = await self.parts.opened(update)
        if opened is None:
            await self.refused(update, "request button")
            return
        query, chat_id, press, state = opened.query, opened.chat_id, opened.press, opened.state
        services = self.services
        organisation = await services.store.decision_organisation(
            press.conversation, services.practitioner(update)
        )
        leads = services.config.recipients(organisation)
        joined = services.config.organisation(organisation)
        at = f" at {joined.name}" if joined is not None and joined.leads else ""
        whom = words.YOUR_LEADS.format(s="s" if len(leads) > 1 else "", at=at)
        if not leads:
            await answer_query(query)
            await send(context, chat_id, [render.Para(words.ASK_NO_LEADS)])
            return
        if not await self.services.store.keeps_conversation(press.conversation):
            await answer_query(query, words.PART_CLEARED)
            return
        if press.part == "ask":
            await answer_query(query)
            await self.ask(update, context, press, state, whom)
        elif press.part == "confirm":
            await self.confirm(update, context, query, press, whom)
        elif press.part == "cancel":
            await answer_query(query, words.ASK_CANCELLED)
            await set_keyboard(query, None)
        else:
            await answer_query(query, words.NOT_THIS_BUTTON)

    async def refused(self, update: Update, action: str) -> None:
        """A request button this bot did not send to this chat (forged, or from content that
        has changed since): answered as not ours already; logged, by pseudonym."""
        services = self.services
        who = f"telegram:{services.practitioner(update)}"
        log.warning("a request button was refused (%s)", who)
        await services.store.log_access(
            Access(services.now(), who, "telegram", action, "forged or stale", allowed=False)
        )

    async def ask(
        self, update: Update, context: Context, press: PartPress, state: State, whom: str
    ) -> None:
        """Say exactly what would be passed on, and to `whom`, and ask them to confirm."""
        user = update.effective_user
        assert user is not None
        identity = identity_of(user)
        what = words.ASK_LEAD_WHAT.format(
            whom=whom, name=identity.name, username=_username(identity)
        )
        blocks: list[render.Block] = [
            render.Heading(words.ASK_LEAD_HEADING),
            render.Para(what),
            render.Para(words.ASK_LEAD_WITHDRAW),
        ]
        buttons = [
            self.button(update, press, state, "confirm", words.ASK_CONFIRM_BUTTON),
            self.button(update, press, state, "cancel", words.ASK_CANCEL_BUTTON),
        ]
        await send(context, chat_id_of(update), blocks, InlineKeyboardMarkup([buttons]))

    async def confirm(
        self,
        update: Update,
        context: Context,
        query: CallbackQuery,
        press: PartPress,
        whom: str,
    ) -> None:
        user = update.effective_user
        assert user is not None
        services = self.services
        made = await services.store.request_contact(
            press.conversation, services.practitioner(update), identity_of(user), services.now()
        )
        if made is None:
            await answer_query(query, words.PART_CLEARED)
            return
        said = words.ASK_SENT.format(whom=whom) if made.fresh else words.ASK_ALREADY
        await answer_query(query)
        data = self.parts.seal.withdraw_button(chat_id_of(update), made.id)
        withdraw = InlineKeyboardButton(words.WITHDRAW_BUTTON, callback_data=data)
        await send(
            context,
            chat_id_of(update),
            [render.Para(said)],
            InlineKeyboardMarkup([[withdraw]]),
        )
        await set_keyboard(query, None)

    async def withdraw(self, update: Update, query: CallbackQuery) -> None:
        """Withdraw the request the button names: it must be this practitioner's own."""
        services = self.services
        request = self.parts.seal.open_withdraw(query.data, chat_id_of(update))
        if request is None:
            await answer_query(query, words.NOT_THIS_BUTTON)
            await self.refused(update, "withdraw button")
            return
        state = await services.store.withdraw_request(
            request, services.practitioner(update), services.now()
        )
        said = {"withdrawn": words.WITHDRAWN, "opened": words.WITHDRAW_TOO_LATE}
        await answer_query(query, said.get(state, words.WITHDRAW_ALREADY))
        await set_keyboard(query, None)

    def button(
        self, update: Update, press: PartPress, state: State, action: Asking, label: str
    ) -> InlineKeyboardButton:
        return self.parts.button(
            chat_id_of(update), press.conversation, state, press.day, action, label
        )


def identity_of(user: User) -> Identity:
    """What Telegram says of the person asking: all a lead gets."""
    return Identity(user.id, user.full_name, user.username)


def _username(identity: Identity) -> str:
    return f"@{identity.username}" if identity.username else words.NO_USERNAME


def chat_button(identity: Identity) -> InlineKeyboardButton:
    """Opens a chat with the practitioner: by username, else by id (Telegram allows the
    latter only as their privacy settings do; the name and username are in the text too)."""
    url = (
        f"https://t.me/{identity.username}"
        if identity.username
        else f"tg://user?id={identity.user_id}"
    )
    return InlineKeyboardButton(words.MESSAGE_THEM_BUTTON, url=url)


@lead_only("open request")
async def on_open(desk: LeadDesk, update: Update, context: Context, lead: Acting) -> None:
    """A lead opens a request: the identity, once, logged; the practitioner is told."""
    query = update.callback_query
    assert query is not None
    services = desk.services
    wanted = OpenRequest.decode(query.data)
    if wanted is None:
        await answer_query(query, words.NOT_THIS_BUTTON)
        access = Access(services.now(), lead.who, "telegram", "open request", "malformed", False)
        await services.store.log_access(access)
        return
    request = await services.store.open_request(
        wanted.request, lead.who, services.now(), lead.scope
    )
    if request.state == "gone":
        await answer_query(query, words.REQUEST_GONE)
        return
    if request.state == "withdrawn":
        await answer_query(query, words.REQUEST_WITHDRAWN)
        await set_keyboard(query, None)
        return
    await answer_query(query)
    await show_request(context, desk, request, lead.who, chat_id_of(update))


async def show_request(
    context: Context, desk: LeadDesk, request: ContactRequest, who: str, lead: int
) -> None:
    """What an opened request shows lead `who` in their chat `lead`: who asked, and a button
    that opens a chat with them."""
    services = desk.services
    identity = request.identity
    if identity is None:
        await send(context, lead, [render.Para(words.REQUEST_SEALED)])
        return
    local = services.now().astimezone(services.config.zone)
    text = words.REQUEST_OPENED.format(
        id=request.id,
        name=identity.name,
        username=_username(identity),
        number=request.transcript_id,
        when=f"at {local:%H:%M}",
    )
    if request.opened_by and request.opened_by != who:
        text += " " + words.REQUEST_OPENED_BEFORE.format(
            who=services.config.signature(request.opened_by)
        )
    await send(context, lead, [render.Para(text)], InlineKeyboardMarkup([[chat_button(identity)]]))
    if request.fresh:
        try:
            await context.bot.send_message(identity.user_id, words.TOLD_OPENED)
        except TelegramError as exc:  # they blocked the bot since: the lead has what they need
            log.warning(
                "the practitioner could not be told their request was opened: %s",
                type(exc).__name__,
            )
