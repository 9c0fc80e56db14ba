"""Alerts, requests to get in touch and feedback, as data shared by storage and the front ends.

An `Alert` is a message leads are owed: an urgent outcome was reached, or a practitioner asked
to be contacted. Neither names anyone; only a `ContactRequest` carries an `Identity`, and only
between the practitioner confirming it and withdrawing it (or the transcript going).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, get_args

URGENT, CONTACT = "urgent", "contact"
AlertKind = Literal["urgent", "contact"]

Helped = Literal["yes", "partly", "no"]
HELPED: Final[tuple[Helped, ...]] = get_args(Helped)
"""What a practitioner may say of whether a decision helped, in the order buttons show them."""
COMMENT_LIMIT: Final = 500
"""Characters of a feedback comment that are kept (after redaction)."""

RequestState = Literal["pending", "withdrawn", "opened", "gone"]
"""Where a request stands: waiting for a lead, withdrawn by its practitioner, opened by a lead,
or gone (no such request, or its transcript was deleted)."""
Handled = Literal["handled"]
"""A request a lead marked handled in the desk (`AlertStore.handle_request`)."""


@dataclass(frozen=True, slots=True)
class Alert:
    """One message owed to a deployment's leads."""

    id: int
    kind: AlertKind
    transcript_id: int
    practitioner: str
    at: datetime
    """When the outcome was reached, or the request made."""
    outcome: str | None = None
    request_id: int | None = None
    delivered: frozenset[str] = frozenset()
    """The leads (by key) already told: a retry tells only the others."""
    organisation: str | None = None
    """Its transcript's organisation: whose leads are told."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who asked to be contacted, as Telegram tells the bot: what a lead gets, and only that."""

    user_id: int
    name: str
    username: str | None = None


@dataclass(frozen=True, slots=True)
class ContactRequest:
    id: int
    transcript_id: int
    practitioner: str
    at: datetime
    state: RequestState
    identity: Identity | None = None
    """Only when it stands (pending or opened) and was asked for by a lead opening it."""
    opened_by: str | None = None
    fresh: bool = False
    """Made (or first opened) by the call that returned it, not found as it already was."""
    organisation: str | None = None
    """Its transcript's organisation: whose leads may open it."""
    handled_at: datetime | None = None
    """When a lead marked it handled in the desk (it then leaves the desk's open requests)."""
    outcome: str | None = None
    """Its transcript's outcome, where the store read it (the desk's list of open requests)."""


@dataclass(frozen=True, slots=True)
class FeedbackSums:
    """Per outcome: how many said each of `HELPED`, and the comments (already redacted)."""

    outcome: str | None
    counts: dict[str, int]
    comments: tuple[str, ...] = ()
