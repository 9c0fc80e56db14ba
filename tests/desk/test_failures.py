"""When the database does not answer, or the desk has a bug: honest pages, no traceback, no
data, and recovery without a restart."""

from __future__ import annotations

import logging
from typing import Any, NoReturn

import pytest
from sqlalchemy.engine import make_url

from bot import words
from bot.errors import StorageUnavailable
from states import Library
from tests.support.desk import NORTH_LEAD, DeskSite, seed, served
from tests.support.storage import postgres_only
from tests.support.tcpproxy import TcpProxy


def outage(*args: Any, **kwargs: Any) -> NoReturn:
    raise StorageUnavailable("connection refused by db.internal:5432 for user desk")


async def test_a_database_outage_gets_an_honest_503_then_the_desk_recovers(
    desk: DeskSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await seed(desk.store)
    lead = await desk.signed_in(NORTH_LEAD)
    north = ids["north"][0]
    with monkeypatch.context() as patched:
        patched.setattr(desk.store, "list_transcripts", outage)
        patched.setattr(desk.store, "get_transcript", outage)
        for path in ("/transcripts", f"/transcripts/{north}"):
            answer = await lead.get(path)
            assert answer.status == 503, path
            assert words.DESK_UNAVAILABLE in answer.plain
            assert "db.internal" not in answer.text and "Traceback" not in answer.text
        tagged = await lead.post(f"/transcripts/{north}/tags", {"tag": "reviewed"})
        assert tagged.status == 503
    with monkeypatch.context() as patched:  # the session itself cannot be checked
        patched.setattr(desk.store, "desk_session_lead", outage)
        answer = await lead.get("/")
        assert answer.status == 503 and words.DESK_UNAVAILABLE in answer.plain
    with monkeypatch.context() as patched:  # nor a sign-in link
        patched.setattr(desk.store, "use_desk_link", outage)
        answer = await desk.browser().open_link(await desk.link(NORTH_LEAD))
        assert answer.status == 503
    assert (await lead.get("/transcripts")).status == 200  # the same session, no restart
    assert (await lead.get(f"/transcripts/{north}")).status == 200


@postgres_only
async def test_a_real_outage_of_postgresql_then_recovery_without_a_restart(
    postgres_url: str, library: Library
) -> None:
    """The database server goes away (a proxy in front of it cuts every connection) and comes
    back: 503 pages meanwhile, then the same session works again."""
    url = make_url(postgres_url)
    relay = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await relay.restore()
    try:
        proxied = url.set(port=relay.port).render_as_string(hide_password=False)
        async with served(proxied, library) as desk:
            ids = await seed(desk.store)
            lead = await desk.signed_in(NORTH_LEAD)
            await relay.cut()
            for path in ("/", "/transcripts", f"/transcripts/{ids['north'][0]}"):
                answer = await lead.get(path)
                assert answer.status == 503, path
                assert words.DESK_UNAVAILABLE in answer.plain and "Traceback" not in answer.text
            await relay.restore()
            assert (await lead.get("/transcripts")).status == 200
    finally:
        await relay.cut()


async def test_an_unexpected_error_is_a_500_page_logged_by_type_and_place_only(
    desk: DeskSite, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ids = await seed(desk.store)
    lead = await desk.signed_in(NORTH_LEAD)

    def bug(*args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError("p-aaaaaaaaaaaa said something private")

    monkeypatch.setattr(desk.store, "get_transcript", bug)
    with caplog.at_level(logging.INFO):
        answer = await lead.get(f"/transcripts/{ids['north'][0]}")
    assert answer.status == 500 and words.DESK_FAILED in answer.plain
    assert "RuntimeError" not in answer.text and "private" not in answer.text
    assert "Traceback" not in answer.text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "RuntimeError" in logged and "transcript.py:" in logged
    assert "private" not in logged and "Traceback" not in caplog.text
