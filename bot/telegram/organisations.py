"""Organisations: joining one by invite link or from a list, /org, and the leads' /invite and /orgs.

A practitioner's organisation decides which leads see their decisions, are alerted and are asked
to get in touch. Membership is stored by pseudonym only. A deployment without `organisations` in
config has none of this: /start ignores any parameter, /org says so, and everything goes to the
deployment's leads as before.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import render, words
from bot.errors import UsageError
from bot.organisations import FIRST_ROUND, is_invite
from bot.telegram.leads import Acting, LeadDesk, lead_only
from bot.telegram.messaging import Context, Handler, answer_query, chat_id_of, say, send
from bot.telegram.payloads import ChooseOrganisation
from bot.telegram.services import Services
from bot.transcripts.model import Access, Filters, PractitionerSums, parse_period
from bot.transcripts.stats import DEFAULT_PERIOD

log = logging.getLogger(__name__)


class Organisations:
    """The practitioner's side: joining, and seeing which organisation they are in."""

    def __init__(self, services: Services, start: Handler) -> None:
        self.services = services
        self.start = start
        """What /start does after any invite is dealt with (begin a decision)."""

    async def on_start(self, update: Update, context: Context) -> None:
        """/start, perhaps with an invite code (from `https://t.me/<bot>?start=<code>`)."""
        if self.services.config.organisations:
            if context.args:
                await self.join_by_code(update, context, context.args[0])
            else:
                await self.tell_if_removed(update, context)
        await self.start(update, context)

    async def join_by_code(self, update: Update, context: Context, code: str) -> None:
        services = self.services
        config = services.config
        rounds = await services.store.invite_rounds()
        ids = [organisation.id for organisation in config.organisations]
        found = services.invites.find(code, ids, rounds) if is_invite(code) else None
        if found is None or not found.current:
            why = "unknown invite code" if found is None else "withdrawn invite code"
            await self.refused(update, "join", why)
            await say(
                context,
                chat_id_of(update),
                words.INVITE_UNKNOWN if found is None else words.INVITE_WITHDRAWN,
            )
            return
        await say(context, chat_id_of(update), await self.join(update, found.organisation, "link"))

    async def join(self, update: Update, organisation_id: str, how: str) -> str:
        """Join `organisation_id` (configured); what to tell them."""
        services = self.services
        who = services.practitioner(update)
        before = await services.store.join_organisation(who, organisation_id, services.now())
        access = Access(services.now(), f"telegram:{who}", "telegram", "join", organisation_id)
        await services.store.log_access(access)
        organisation = services.config.organisation(organisation_id)
        name = organisation.name if organisation else organisation_id
        if before == organisation_id:
            return words.ALREADY_JOINED.format(name=name)
        log.info("a practitioner joined an organisation (%s)", how)
        text = words.JOINED.format(name=name)
        if before is not None:
            was = services.config.organisation(before)
            before_name = was.name if was else words.ORGS_PARTNERSHIP
            text += " " + words.JOINED_MOVED.format(before=before_name)
        return text

    async def tell_if_removed(self, update: Update, context: Context) -> None:
        """A member of an organisation since taken out of config is told, once per /start."""
        services = self.services
        current = await services.store.organisation_of(services.practitioner(update))
        if current is not None and services.config.organisation(current) is None:
            await say(context, chat_id_of(update), words.ORG_REMOVED)

    async def refused(self, update: Update, action: str, why: str) -> None:
        services = self.services
        who = f"telegram:{services.practitioner(update)}"
        log.warning("%s refused (%s): %s", action, who, why)
        access = Access(services.now(), who, "telegram", action, why, allowed=False)
        await services.store.log_access(access)

    async def on_org(self, update: Update, context: Context) -> None:
        """/org: which organisation they are in, and the listed ones to choose from."""
        services = self.services
        config = services.config
        chat_id = chat_id_of(update)
        if not config.organisations:
            await say(context, chat_id, words.ORGS_NONE)
            return
        current = await services.store.organisation_of(services.practitioner(update))
        organisation = config.organisation(current)
        if organisation is not None:
            text = words.ORG_IS.format(name=organisation.name)
        else:
            text = words.ORG_NONE if current is None else words.ORG_REMOVED
        listed = [o for o in config.organisations if o.listed and o.id != current]
        if not listed:
            await say(context, chat_id, text)
            return
        rows = [
            [InlineKeyboardButton(o.name, callback_data=ChooseOrganisation(o.id).encode())]
            for o in listed
        ]
        blocks = [render.Para(text), render.Para(words.ORG_CHOOSE)]
        await send(context, chat_id, blocks, InlineKeyboardMarkup(rows))

    async def on_press(self, update: Update, context: Context) -> None:
        """A choice from /org's list: only an organisation that config lists is joined."""
        query = update.callback_query
        assert query is not None
        chosen = ChooseOrganisation.decode(query.data)
        organisation = self.services.config.organisation(chosen.organisation if chosen else None)
        if organisation is None or not organisation.listed:
            await self.refused(update, "join", "not a listed organisation")
            await answer_query(query, words.NOT_THIS_BUTTON)
            return
        text = await self.join(update, organisation.id, "list")
        await answer_query(query, words.ORG_CHOSEN.format(name=organisation.name))
        await send(context, chat_id_of(update), [render.Para(text)])


@lead_only("invite")
async def on_invite(desk: LeadDesk, update: Update, context: Context, lead: Acting) -> None:
    """/invite [ID] [new]: the link that joins an organisation this lead leads; `new` starts a
    new round, so the old link stops working."""
    services = desk.services
    config = services.config
    if not config.organisations:
        raise UsageError(words.ORGS_NONE)
    mine = [o.id for o in config.organisations if lead.sees(o.id)]
    args = list(context.args or [])
    rotate = bool(args) and args[-1].lower() == "new"
    named = args[:-1] if rotate else args
    if len(named) > 1:
        raise UsageError(words.INVITE_USAGE)
    if not named and len(mine) > 1:
        raise UsageError(words.INVITE_USAGE_MANY.format(ids=", ".join(mine)))
    wanted = named[0] if named else mine[0]
    organisation = config.organisation(wanted)
    if organisation is None or wanted not in mine:
        raise UsageError(words.INVITE_NO_SUCH.format(id=wanted[:40], ids=", ".join(mine)))
    store = services.store
    if rotate:
        round_ = await store.rotate_invite(organisation.id)
        await desk.audit(lead.who, "invite new", organisation.id)
    else:
        round_ = (await store.invite_rounds()).get(organisation.id, FIRST_ROUND)
        await desk.audit(lead.who, "invite", organisation.id)
    link = services.invites.link(context.bot.username, organisation.id, round_)
    if rotate:
        text = words.INVITE_ROTATED.format(name=organisation.name, link=link)
    else:
        id_arg = f" {organisation.id}" if len(mine) > 1 else ""
        text = words.INVITE_LINK.format(name=organisation.name, link=link, id_arg=id_arg)
    await say(context, chat_id_of(update), text)


@lead_only("organisations")
async def on_orgs(desk: LeadDesk, update: Update, context: Context, lead: Acting) -> None:
    """/orgs [PERIOD]: each organisation this lead sees, side by side (partnership leads: all of
    them, and what belongs to none)."""
    services = desk.services
    config = services.config
    if not config.organisations:
        raise UsageError(words.ORGS_NONE)
    args = list(context.args or [])
    if len(args) > 1:
        raise UsageError(words.ORGS_USAGE)
    since, until = parse_period(args[0] if args else DEFAULT_PERIOD, services.now(), config.zone)
    period = Filters(since=since, until=until)
    members = await services.store.members()
    store, home = services.store, config.urgent()
    lines: list[str] = []
    counted = {"members": 0, "total": 0, "finished": 0, "unsure": 0, "urgent": 0}
    for organisation in config.organisations:
        if not lead.sees(organisation.id):
            continue
        scoped = Filters(since=since, until=until, organisation=organisation.id)
        own = config.urgent(organisation.id)  # each counts urgent as it says
        sums = _sums(await store.practitioners(scoped, own))
        sums["members"] = members.get(organisation.id, 0)
        lines.append(_line(organisation.name, sums))
        if lead.scope is None:  # what is left is counted as the deployment counts urgent
            alike = sums if own == home else _sums(await store.practitioners(scoped, home))
            counted = {key: counted[key] + alike[key] for key in counted}
    if lead.scope is None:  # the partnership's view: what belongs to no organisation in config
        rest = _sums(await store.practitioners(period, home))
        rest = {key: rest[key] - counted[key] for key in rest}
        rest["members"] = sum(n for o, n in members.items() if config.organisation(o) is None)
        lines.append(_line(words.ORGS_NOT_IN_ONE, rest))
    await desk.audit(lead.who, "organisations", period.describe(config.zone))
    heading = words.ORGS_HEADING.format(filters=period.describe(config.zone))
    await send(context, chat_id_of(update), [render.Heading(heading), render.Bullets(tuple(lines))])


def _sums(rows: list[PractitionerSums]) -> dict[str, int]:
    return {
        "members": 0,
        "total": sum(r.decisions for r in rows),
        "finished": sum(r.finished for r in rows),
        "unsure": sum(r.unsure for r in rows),
        "urgent": sum(r.urgent for r in rows),
    }


def _line(name: str, sums: dict[str, int]) -> str:
    rate = f"{sums['unsure'] / sums['total']:.0%}" if sums["total"] else "no decisions"
    return words.ORGS_LINE.format(name=name, unsure_rate=rate, **sums)
