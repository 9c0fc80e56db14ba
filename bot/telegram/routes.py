"""The one place that lists the features and routes updates to them.

Order matters only where it says so: the guard first (group -1: edits, groups and channels stop
there), commands, then button presses (each handler matches only its own payloads, see
`bot.telegram.payloads.PATTERNS`, and a press nobody claims is answered as forged), then media,
unknown commands and typed text. To add a command, give it a handler in its feature's module and
a line here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import words
from bot.telegram import alerts, contact, desk, feedback, organisations
from bot.telegram.advice import Advice
from bot.telegram.alerts import AlertSender
from bot.telegram.contact import ContactRequests
from bot.telegram.failures import Failures
from bot.telegram.feedback import Feedback
from bot.telegram.guard import Guard
from bot.telegram.leads import SHORTCUT, LeadDesk
from bot.telegram.messaging import Context, Handler, answer_query
from bot.telegram.organisations import Organisations
from bot.telegram.outbox import Outbox
from bot.telegram.outcome import OutcomeParts
from bot.telegram.payloads import PATTERNS
from bot.telegram.privacy import Privacy
from bot.telegram.reference import ReferencePages
from bot.telegram.retention import Retention
from bot.telegram.services import Services
from bot.telegram.training import TrainingDesk


@dataclass(frozen=True)
class Features:
    """Every feature, built once per Application around one `Services`."""

    advice: Advice
    outcome: OutcomeParts
    reference: ReferencePages
    privacy: Privacy
    leads: LeadDesk
    training: TrainingDesk
    guard: Guard
    failures: Failures
    retention: Retention
    outbox: Outbox
    alerts: AlertSender
    contact: ContactRequests
    feedback: Feedback
    organisations: Organisations

    @staticmethod
    def build(services: Services) -> Features:
        parts = OutcomeParts(services)
        advice = Advice(services, parts)
        return Features(
            advice=advice,
            outcome=parts,
            reference=ReferencePages(services),
            privacy=Privacy(services),
            leads=LeadDesk(services),
            training=TrainingDesk(services),
            guard=Guard(advice),
            failures=Failures(advice),
            retention=Retention(services),
            outbox=Outbox(services, advice),
            alerts=AlertSender(services),
            contact=ContactRequests(services, parts),
            feedback=Feedback(services, parts, advice.once(advice.on_text)),
            organisations=Organisations(services, advice.once(advice.on_start)),
        )


async def _unclaimed(update: Update, context: Context) -> None:
    """A press whose payload no feature sent: answered, and nothing else happens."""
    if update.callback_query is not None:
        await answer_query(update.callback_query, words.NOT_THIS_BUTTON)


def register(app: Application, features: Features) -> None:  # type: ignore[type-arg]
    """Add every handler of every feature to `app`."""
    f = features
    private = filters.ChatType.PRIVATE & ~filters.FORWARDED
    app.add_handler(TypeHandler(Update, f.guard.screen), group=-1)
    commands: dict[str, Handler] = {
        "start": f.organisations.on_start,
        "advice": f.advice.once(f.advice.on_advice),
        "restart": f.advice.once(f.advice.on_advice),
        "back": f.advice.once(f.advice.on_back),
        "cancel": f.advice.once(f.advice.on_cancel),
        "record": f.advice.on_record,
        "rules": f.reference.on_rules,
        "rule": f.reference.on_rule,
        "contacts": f.reference.on_contacts,
        "sources": f.reference.on_sources,
        "help": f.reference.on_help,
        **f.reference.topics(),
        "privacy": f.privacy.on_privacy,
        "myid": f.privacy.on_myid,
        "forget": f.privacy.on_forget,
        "quiz": f.training.on_quiz,
        "cases": f.training.on_cases,
        "flowchart": f.training.on_flowchart,
        "transcripts": f.leads.on_transcripts,
        "transcript": f.leads.on_transcript,
        "stats": f.leads.on_stats,
        "practitioners": f.leads.on_practitioners,
        "trends": f.leads.on_trends,
        "tag": f.leads.on_tag,
        "note": f.leads.on_note,
        "alerts": functools.partial(alerts.on_alerts, f.leads),
        "feedback": functools.partial(feedback.on_feedback, f.leads),
        "org": f.organisations.on_org,
        "invite": functools.partial(organisations.on_invite, f.leads),
        "orgs": functools.partial(organisations.on_orgs, f.leads),
        "desk": functools.partial(desk.on_desk, f.leads),
    }
    for name, handler in commands.items():
        app.add_handler(CommandHandler(name, handler, filters=private))
    app.add_handler(MessageHandler(private & filters.Regex(SHORTCUT), f.leads.on_transcript))
    presses: dict[str, Handler] = {
        "advice": f.advice.once(f.advice.on_press),
        "forget": f.privacy.on_forget_press,
        "leads": f.leads.on_press,
        "training": f.training.on_press,
        "outcome": f.outcome.on_press,
        "contact": f.contact.on_press,
        "requests": functools.partial(contact.on_open, f.leads),
        "feedback": f.feedback.on_press,
        "organisations": f.organisations.on_press,
    }
    for feature, handler in presses.items():
        app.add_handler(CallbackQueryHandler(handler, pattern=PATTERNS[feature]))
    app.add_handler(CallbackQueryHandler(_unclaimed))
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & (filters.FORWARDED | filters.ATTACHMENT), f.guard.on_media
        )
    )
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, f.guard.on_unknown_command)
    )
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.REPLY & filters.TEXT, f.feedback.on_reply)
    )
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT, f.advice.once(f.advice.on_text))
    )
    app.add_error_handler(f.failures.on_error)
