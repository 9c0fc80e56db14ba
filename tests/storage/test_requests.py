"""Requests to get in touch as the desk sees them, on every backend: the open ones (neither
withdrawn nor handled) within a lead's organisations and never with an identity, and a lead
marking one handled, logged with it, refused for a withdrawn one or another organisation's."""

from __future__ import annotations

from datetime import timedelta

from bot.storage import SqlStore
from bot.storage.alerts import OPEN_REQUESTS
from bot.storage.tables import access_log, contact_requests
from tests.storage.test_alerts import ALICE, AT, decided, table

NORTH, SOUTH = frozenset({"north"}), frozenset({"south"})


async def asked(store: SqlStore, chat_id: int, name: str, practitioner: str, minutes: int) -> int:
    """A decision of `practitioner`'s and their request about it, `minutes` after AT."""
    await decided(
        store, chat_id, name, "share_with_consent", alert_at=None, practitioner=practitioner
    )
    made = await store.request_contact(name, practitioner, ALICE, AT + timedelta(minutes=minutes))
    assert made is not None
    return made.id


async def test_open_requests_are_the_newest_standing_ones_within_scope_without_identity(
    store: SqlStore,
) -> None:
    await store.join_organisation("p-ann", "north", AT - timedelta(days=1))
    await store.join_organisation("p-sue", "south", AT - timedelta(days=1))
    first = await asked(store, 1, "conv-1", "p-ann", 1)
    second = await asked(store, 2, "conv-2", "p-ann", 2)
    south = await asked(store, 3, "conv-3", "p-sue", 3)
    nowhere = await asked(store, 4, "conv-4", "p-bob", 4)  # in no organisation
    withdrawn = await asked(store, 5, "conv-5", "p-ann", 5)
    assert await store.withdraw_request(withdrawn, "p-ann", AT) == "withdrawn"
    await store.open_request(second, "telegram:9001", AT + timedelta(minutes=9))

    north = await store.open_requests(NORTH)
    assert [r.id for r in north] == [second, first]
    assert [r.state for r in north] == ["opened", "pending"]
    assert {(r.organisation, r.outcome, r.identity) for r in north} == {
        ("north", "share_with_consent", None)
    }
    assert north[1].at == AT + timedelta(minutes=1) and north[1].practitioner == "p-ann"
    assert [r.id for r in await store.open_requests(SOUTH)] == [south]
    assert [r.id for r in await store.open_requests(frozenset())] == []
    everyone = await store.open_requests(None)
    assert [r.id for r in everyone] == [nowhere, south, second, first]
    assert all(r.identity is None and r.handled_at is None for r in everyone)


async def test_open_requests_are_at_most_fifty(store: SqlStore) -> None:
    for n in range(OPEN_REQUESTS + 2):
        await asked(store, n + 1, f"conv-{n}", "p-ann", n)
    listed = await store.open_requests(None)
    assert len(listed) == OPEN_REQUESTS == 50
    assert listed[0].at == AT + timedelta(minutes=OPEN_REQUESTS + 1)


async def test_marking_handled_is_kept_logged_and_done_once(
    store: SqlStore, store_url: str
) -> None:
    await store.join_organisation("p-ann", "north", AT - timedelta(days=1))
    await store.join_organisation("p-sue", "south", AT - timedelta(days=1))
    mine = await asked(store, 1, "conv-1", "p-ann", 1)
    theirs = await asked(store, 2, "conv-2", "p-sue", 2)
    gone = await asked(store, 3, "conv-3", "p-ann", 3)
    assert await store.withdraw_request(gone, "p-ann", AT) == "withdrawn"
    later = AT + timedelta(hours=1)

    assert await store.handle_request(theirs, "desk:101", later, NORTH) == "gone"
    assert await store.handle_request(gone, "desk:101", later, NORTH) == "withdrawn"
    assert await store.handle_request(theirs + 100, "desk:101", later, NORTH) == "gone"
    assert await store.handle_request(mine, "desk:101", later, NORTH) == "handled"
    again = later + timedelta(minutes=5)
    assert await store.handle_request(mine, "desk:303", again, None) == "handled"

    assert await store.open_requests(NORTH) == []
    assert [r.id for r in await store.open_requests(None)] == [theirs]
    rows = {row.id: row for row in table(store_url, contact_requests)}
    assert (rows[mine].handled_at, rows[mine].handled_by) == (later, "desk:101")
    assert (rows[theirs].handled_at, rows[gone].handled_at) == (None, None)
    assert rows[mine].identity_sealed is not None  # a lead may still open it in Telegram
    log = [
        (row.who, row.channel, row.action, row.detail, row.allowed)
        for row in table(store_url, access_log)
        if row.action.startswith("handled")
    ]
    assert log == [
        ("desk:101", "desk", f"handled request {theirs}", "another organisation", False),
        ("desk:101", "desk", f"handled request {gone}", "withdrawn", False),
        ("desk:101", "desk", f"handled request {theirs + 100}", "gone", False),
        ("desk:101", "desk", f"handled request {mine}", "", True),
        ("desk:303", "desk", f"handled request {mine}", "already handled", True),
    ]
    # a lead may still open a handled request in Telegram, and see who asked
    opened = await store.open_request(mine, "telegram:101", again)
    assert opened.identity == ALICE and opened.handled_at == later
