"""A chat's advice conversation at rest: loading it for an update, saving a move with its
transcript entries.

Every handler follows one order: load the chat's state, compute the next state with the pure
core, commit it to storage with the reply it owes, and only then reply. A crash can therefore
never lose an answer the practitioner saw accepted, nor the reply to it: the outbox
(`bot.telegram.outbox`) shows what a crash left unshown; at worst they see a question twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import Update

from bot.storage import APPLIED_KEPT, Mark, StoredConversation, new_conversation_id
from bot.telegram.delivery import check_fresh
from bot.telegram.services import Services
from bot.transcripts.model import Entry, TranscriptWrite
from states import Outcome, State

IDLE = ""
"""The step of a chat with no decision in progress (cancelled, or content changed)."""
OWED_GRACE = timedelta(seconds=2)
"""How long the handler that saved a move has to show its reply before the outbox's sender
(`bot.telegram.outbox`) shows it instead: long enough for a slow send, short enough that a
practitioner is never left long with nothing to act on after a crash."""


@dataclass(frozen=True, slots=True)
class Loaded:
    """A chat's stored row and the core state it holds (None when no decision is open)."""

    stored: StoredConversation | None
    state: State | None
    update_id: int | None = None
    """The update being handled; saved with the move so a redelivery is not applied again."""


class Conversations:
    """Load and save chats' conversations through the services' store."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def load(self, chat_id: int, update: Update | None = None) -> Loaded:
        """The chat as stored; `AlreadyApplied` if `update` is a redelivered, saved move."""
        services = self.services
        stored = await services.store.load(chat_id)
        if stored is not None and update is not None:
            check_fresh(update, stored, services.now())
        update_id = update.update_id if update is not None else None
        if stored is None or stored.step == IDLE:
            return Loaded(stored, None, update_id)
        state = State(stored.dialogue, stored.step, stored.history)
        dialogue = services.library.dialogues.get(stored.dialogue)
        if dialogue is None or not dialogue.knows(state):
            return Loaded(stored, None, update_id)
        return Loaded(stored, state, update_id)

    async def save(
        self,
        chat_id: int,
        chat: Loaded,
        state: State | None,
        *,
        who: str | None,
        entries: tuple[Entry, ...] = (),
        fresh: bool = False,
        last_record: str | None = None,
        at: datetime | None = None,
        mark: Mark | None = None,
    ) -> StoredConversation:
        """Commit the new state and, with it, its transcript (unless `who` is None) and the
        reply it owes (the outbox: its question or outcome, and `mark`, the answered question
        to mark), until the caller says it is `shown`.

        A new conversation id makes every older button stale and starts a new transcript.
        """
        services = self.services
        now = at or services.now()
        old = chat.stored
        applied = old.applied if old else ()
        if chat.update_id is not None:
            applied = (*applied, chat.update_id)[-APPLIED_KEPT:]
        stored = StoredConversation(
            chat_id=chat_id,
            dialogue=state.dialogue if state else services.dialogue.id,
            step=state.step if state else IDLE,
            history=state.history if state else (),
            conversation_id=new_conversation_id() if fresh or old is None else old.conversation_id,
            turn=old.turn + 1 if old else 1,
            content_version=services.dialogue.content.content_version,
            started_at=now if fresh or old is None else old.started_at,
            updated_at=now,
            version=old.version if old else 0,
            last_record=last_record
            if last_record is not None
            else (old.last_record if old else None),
            applied=applied,
            owed_at=now + OWED_GRACE,
            owed_mark=mark,
        )
        write = None
        if who is not None and state is not None:
            write = await self.transcript(stored, who, entries)
        return await services.store.save(
            stored, expected_version=old.version if old else None, transcript=write
        )

    async def transcript(
        self, stored: StoredConversation, who: str, entries: tuple[Entry, ...]
    ) -> TranscriptWrite:
        """The transcript's header as the conversation now stands, plus what just happened (and,
        at an urgent outcome, when the leads of `who`'s organisation are to be alerted: in the
        same transaction)."""
        services = self.services
        node = services.dialogue.node_or_none(stored.step)
        outcome = stored.step if isinstance(node, Outcome) else None
        now = services.now()
        urgent = outcome in services.config.urgent_within()
        store = services.store
        organisation = (
            await store.decision_organisation(stored.conversation_id, who) if urgent else None
        )
        return TranscriptWrite(
            conversation_id=stored.conversation_id,
            practitioner=who,
            dialogue=stored.dialogue,
            content_version=stored.content_version,
            started_at=stored.started_at,
            at=now,
            outcome=outcome,
            rules=node.rules if isinstance(node, Outcome) else (),
            steps=entries,
            alert_at=self.services.config.alert_due(outcome, now, organisation),
        )
