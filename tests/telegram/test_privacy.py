"""/privacy, /forget and its confirmation (bot/telegram/privacy.py)."""

from __future__ import annotations

from datetime import timedelta

from bot.config import Lead
from bot.transcripts.model import Access, Filters
from tests.support.chat import started, texts
from tests.support.clock import NOW
from tests.support.offline import PSEUDONYMS, Harness


async def test_privacy_says_for_how_long(harness: Harness) -> None:
    replies = await harness.user().send("/privacy")
    assert "For how long" in texts(replies)
    assert harness.failed_calls() == []


async def test_privacy_says_what_leads_see_and_how_to_forget(harness: Harness) -> None:
    replies = await harness.user().send("/privacy")
    text = texts(replies)
    assert "safeguarding leads" in text and "/forget" in text and "never the text" in text


async def test_privacy_lists_the_access_log_and_what_forget_does_to_it(harness: Harness) -> None:
    text = texts(await harness.user().send("/privacy"))
    assert "access log" in text and "refused attempts" in text and "views or exports" in text
    assert "take your code out of the access log: /forget" in text
    assert "until an administrator removes it" in text  # what retention does not cover


async def test_forget_takes_the_code_out_of_the_access_log_and_logs_only_counts(
    harness: Harness,
) -> None:
    user = await started(harness)
    await user.press("Yes")
    code = PSEUDONYMS.of(user.id)
    lead = harness.user("Lee")
    services = harness.services
    services.config = services.config.model_copy(update={"leads": (Lead(id=lead.id),)})
    await user.send("/transcripts")  # refused: logged under their code
    await lead.send(f"/transcripts practitioner={code}")
    before = await services.store.accesses()
    assert any(code in a.who for a in before) and any(code in a.detail for a in before)

    harness.clock.at = NOW + timedelta(minutes=3)
    await user.send("/forget")
    replies = await user.press("Yes, delete them")

    assert "your code taken out of the access log" in texts(replies)
    after = await services.store.accesses()
    assert [a for a in after if code in f"{a.who} {a.action} {a.detail}"] == []
    assert after[0] == Access(
        NOW + timedelta(minutes=3),
        "practitioner",
        "telegram",
        "forget",
        "1 transcript, 0 quiz answers deleted",
    )
    # The lead's own trail stays: who looked, and when, without the code.
    assert [(a.who, a.allowed) for a in after[1:]] == [
        (f"telegram:{lead.id}", True),
        ("telegram:(forgotten)", False),
    ]
    assert "(forgotten)" in after[1].detail


async def test_forget_asks_first_and_no_keeps_everything(harness: Harness) -> None:
    user = await started(harness)
    replies = await user.send("/forget")
    assert "cannot be brought back" in replies[-1]["text"]
    assert user.buttons() == ["Yes, delete them", "No, keep them"]
    await user.press("No, keep them")
    services = harness.services
    assert (await services.store.count_transcripts(Filters())) == 1
    assert await services.store.load(user.id) is not None


async def test_forget_deletes_only_the_senders_transcripts_and_progress(
    harness: Harness,
) -> None:
    user, other = await started(harness), await started(harness)
    await user.press("Yes")
    await user.send("/forget")
    replies = await user.press("Yes, delete them")
    assert "Done: 1 transcript and your progress deleted" in texts(replies)
    services = harness.services
    page = await services.store.list_transcripts(Filters(), offset=0, limit=10)
    assert [s.practitioner for s in page.items] == [PSEUDONYMS.of(other.id)]
    assert await services.store.load(user.id) is None
    assert await services.store.load(other.id) is not None


async def test_an_old_forget_confirmation_expires(harness: Harness) -> None:
    user = await started(harness)
    await user.send("/forget")
    question = user.keyboard_message().payload["message_id"]
    services = harness.services
    harness.clock.at = NOW + timedelta(minutes=16)
    await user.press("Yes, delete them")
    assert "expired" in user.message(question)["text"]
    assert (await services.store.count_transcripts(Filters())) == 1


async def test_a_forged_forget_payload_deletes_nothing(harness: Harness) -> None:
    user = await started(harness)
    await user.forge("F:y:notanumber", user.keyboard_message().payload["message_id"])
    services = harness.services
    assert (await services.store.count_transcripts(Filters())) == 1
