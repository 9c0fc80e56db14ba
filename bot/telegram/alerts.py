"""Urgent alerts and requests to get in touch, sent to leads; /alerts on|off.

An alert is written in the transaction of its event (the save that reaches an urgent outcome, a
confirmed request: `bot.storage.alerts`), so a crash loses none. This job, every `SEND_EVERY` on
every replica, claims due alerts (each for `LEASE`, so one replica sends each) and tells every
lead whose alerts are on; each lead told is noted at once, so a retry after a failure or a crash
tells only the others. A lead may be told twice if the process dies between Telegram
accepting the message and the note, or if a send outlasts the lease (flood control) and another
replica claims the alert meanwhile: never not at all.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, TelegramError

from bot import words
from bot.alerts import CONTACT, Alert
from bot.errors import StorageUnavailable, UsageError
from bot.telegram.leads import Acting, LeadDesk, lead_only
from bot.telegram.messaging import Context, chat_id_of, say
from bot.telegram.payloads import OpenRequest
from bot.telegram.services import Services
from bot.transcripts.view import step_name
from states import MAIN_DIALOGUE

log = logging.getLogger(__name__)

SEND_EVERY: Final = 1.0
"""Seconds between looks for due alerts: a lead hears within about this of the outcome."""
MOST_PER_LOOK: Final = 50
LEASE: Final = timedelta(seconds=10)
"""How long a claimed alert is left to its sender: enough for a few leads' sends through the
rate limiter; one not settled by then (a sender died, Telegram failed) is sent again, to the
leads not yet noted as told, so a lead hears within about this after a crash."""


class AlertSender:
    """Tells leads about due alerts (see the module); one per Application."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.busy = False
        self.unavailable = False

    async def send_due(self, context: Context) -> None:
        """One look: claim due alerts one at a time and tell each lead who has not been told."""
        if self.busy:
            return
        self.busy = True
        try:
            for _ in range(MOST_PER_LOOK):
                due = await self.services.store.claim_alerts(self.services.now(), LEASE, 1)
                if not due:
                    break
                await self.send(context, due[0])
        except StorageUnavailable as exc:
            if not self.unavailable:
                log.warning("alerts not looked for: %s", type(exc).__name__)
            self.unavailable = True
        else:
            self.unavailable = False
        finally:
            self.busy = False

    async def send(self, context: Context, alert: Alert) -> None:
        store = self.services.store
        leads = self.services.config.recipients(alert.organisation)
        on = await store.alerts_on(leads)
        text, markup = self.message(alert)
        failed = False
        for lead in leads:
            if store.lead_key(lead) in alert.delivered:
                continue
            if alert.kind != CONTACT and not on[lead]:
                continue  # a request to get in touch reaches every lead, alerts on or off
            try:
                await context.bot.send_message(lead, text, reply_markup=markup)
            except (Forbidden, BadRequest) as exc:  # blocked the bot, never started it: no retry
                log.warning("an alert cannot reach a lead: %s", type(exc).__name__)
            except TelegramError as exc:
                log.warning("an alert is not sent yet: %s", type(exc).__name__)
                failed = True
                continue
            await store.alert_delivered(alert.id, lead)
        if not failed:
            await store.alert_settled(alert.id)
            log.info("alert %d (%s) sent", alert.id, alert.kind)

    def message(self, alert: Alert) -> tuple[str, InlineKeyboardMarkup | None]:
        services = self.services
        when = _when(alert.at, services)
        home = services.home[MAIN_DIALOGUE]  # leads read the deployment's words, from any chat
        outcome = step_name(home, alert.outcome) if alert.outcome else "unfinished"
        fields = {
            "outcome": outcome,
            "when": when,
            "practitioner": alert.practitioner,
            "number": alert.transcript_id,
        }
        if alert.kind == CONTACT and alert.request_id is not None:
            button = InlineKeyboardButton(
                words.OPEN_REQUEST_BUTTON, callback_data=OpenRequest(alert.request_id).encode()
            )
            return words.ALERT_CONTACT.format(**fields), InlineKeyboardMarkup([[button]])
        held = (
            services.config.alert_due(alert.outcome, alert.at, alert.organisation) or alert.at
        ) > alert.at
        lines = [words.ALERT_URGENT.format(**fields), words.ALERT_HELD if held else ""]
        return " ".join(filter(None, lines)) + "\n\n" + words.ALERT_FOOTER, None


def _when(at: datetime, services: Services) -> str:
    """ "at 14:32 on 6 Dec" where the deployment is."""
    local = at.astimezone(services.config.zone)
    return f"at {local:%H:%M} on {local.day} {local:%b %Y}"


@lead_only("alerts")
async def on_alerts(desk: LeadDesk, update: Update, context: Context, acting: Acting) -> None:
    """/alerts [on|off]: this lead's urgent alerts (requests to get in touch always come)."""
    args = [a.lower() for a in context.args or []]
    if args not in ([], ["on"], ["off"]):
        raise UsageError(words.ALERTS_USAGE)
    lead = chat_id_of(update)
    store = desk.services.store
    if args:
        await store.set_alerts(lead, args == ["on"])
        await desk.audit(acting.who, f"alerts {args[0]}")
    on = (await store.alerts_on([lead]))[lead]
    change = words.ALERTS_TURN_OFF if on else words.ALERTS_TURN_ON
    text = words.ALERTS_ARE.format(state="on" if on else "off", change=change)
    config = desk.services.config
    if not any(config.alerts_for(o).enabled for o in acting.scope or (None,)):
        text = f"{text} {words.ALERTS_DISABLED}"
    await say(context, lead, text)
