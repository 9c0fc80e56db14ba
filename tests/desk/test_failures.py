"""When the database does not answer, or the desk has a bug: honest pages, no traceback, no
data, and recovery without a restart."""

from __future__ import annotations

import logging
from typing import Any, NoReturn

import pytest

from bot import words
from bot.errors import StorageUnavailable
from tests.support.desk import NORTH_LEAD, DeskSite, seed


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
        answer = await desk.browser().get(await desk.link(NORTH_LEAD))
        assert answer.status == 503
    assert (await lead.get("/transcripts")).status == 200  # the same session, no restart
    assert (await lead.get(f"/transcripts/{north}")).status == 200


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
