"""The Telegram handlers, through the real Application, over the in-process emulator World."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot import render, words
from bot.config import Config
from bot.storage import open_store
from bot.telegram.application import _post_init, build_application
from bot.transcripts.model import FREE_TEXT, Filters
from states import Library
from tests.emulator.world import World, api_error
from tests.support.clock import NOW
from tests.support.conversations import SCRIPTS, Script, label_for
from tests.support.offline import PSEUDONYMS, TOKEN, Harness, Practitioner, WorldRequest


def texts(messages: list[Any]) -> str:
    return "\n".join(str(m.get("text", "")) for m in messages)


async def started(harness: Harness) -> Practitioner:
    user = harness.user()
    await user.send("/start")
    return user


async def test_start_introduces_and_asks_the_first_question(harness: Harness) -> None:
    user = harness.user()
    replies = await user.send("/start")
    assert "Should I share this information?" in replies[0]["text"]
    assert "never asks who anyone is" in replies[0]["text"]
    assert "immediate danger" in replies[-1]["text"]
    assert user.buttons() == ["Yes", "No", "Not sure", "What does this mean?"]
    assert harness.failed_calls() == []


@pytest.mark.parametrize("transcript", SCRIPTS, ids=lambda t: t.name)
async def test_transcripts_by_button(
    harness: Harness, library: Library, transcript: Script
) -> None:
    user = await started(harness)
    for step, said in transcript.turns:
        await user.press(label_for(library, step, said))
    final = user.keyboard_message().payload
    outcome = library["advice"].content.outcomes[transcript.outcome]
    everything = texts([m.payload for m in harness.world.bot_messages(user.id, 0)])
    assert outcome.title in everything
    assert "INFORMATION SHARING DECISION RECORD" in everything
    assert [b["text"] for row in final["reply_markup"]["inline_keyboard"] for b in row] == [
        "« Back",
        "New decision",
    ]
    assert harness.failed_calls() == []


@pytest.mark.parametrize("transcript", SCRIPTS, ids=lambda t: t.name)
async def test_transcripts_typed(harness: Harness, library: Library, transcript: Script) -> None:
    user = await started(harness)
    for _step, said in transcript.turns:
        await user.send("/back" if said == "back" else said)
    everything = texts([m.payload for m in harness.world.bot_messages(user.id, 0)])
    assert library["advice"].content.outcomes[transcript.outcome].title in everything
    assert harness.failed_calls() == []


async def test_a_pressed_question_shows_the_answer_and_loses_its_keyboard(harness: Harness) -> None:
    user = await started(harness)
    question = user.keyboard_message().payload["message_id"]
    await user.press("No")
    edited = user.message(question)
    assert edited["text"].endswith("Your answer: No")
    assert "reply_markup" not in edited
    answered = [c for c in harness.world.calls if c["method"] == "answerCallbackQuery"]
    assert len(answered) == 1 and answered[0]["ok"]


async def test_the_outcome_has_rules_steps_record_and_disclaimer_within_limits(
    harness: Harness,
) -> None:
    user = await started(harness)
    replies = await user.press("Yes")
    whole = texts(replies)
    assert "• If anyone is in immediate danger, call 999 now." in whole
    assert "• Emergency, or a child or adult in immediate danger: 999" in whole
    assert "Rule 5" in whole and "Rule 7" in whole
    assert "Children's social care front door: 0118 908 8002" in whole
    assert "guidance, not legal advice" in whole.lower()
    assert "Data Protection Act 2018" in whole
    assert all(len(m["text"]) <= 4096 for m in replies)
    record = [e for m in replies for e in m.get("entities", []) if e["type"] == "pre"]
    assert len(record) == 1


async def test_record_shows_the_last_decision_record_again(harness: Harness) -> None:
    user = harness.user()
    assert "no decision record yet" in texts(await user.send("/record"))
    await user.send("/start")
    await user.press("Yes")
    again = texts(await user.send("/record"))
    assert "INFORMATION SHARING DECISION RECORD" in again
    assert "Decision: Refer without delay" in again


async def test_explain_answers_what_the_question_means(harness: Harness) -> None:
    user = await started(harness)
    replies = await user.press("What does this mean?")
    assert "What this means: Immediate danger" in replies[0]["text"]
    assert "Not sure" in [
        b["text"] for row in replies[0]["reply_markup"]["inline_keyboard"] for b in row
    ]


async def test_back_button_and_command_undo_the_last_answer(harness: Harness) -> None:
    user = await started(harness)
    await user.press("No")
    assert "« Back" in user.buttons()
    replies = await user.press("« Back")
    assert "immediate danger" in replies[-1]["text"]
    await user.press("No")
    replies = await user.send("/back")
    assert "immediate danger" in replies[-1]["text"]


async def test_a_stale_button_says_so_and_never_moves_the_conversation(harness: Harness) -> None:
    user = await started(harness)
    first = user.keyboard_message().payload["message_id"]
    old_yes = _data_of(harness, "Yes")
    await user.press("No")  # now at about_whom; the first question's keyboard is gone
    replies = await user.forge(old_yes, first)  # a second device, or a double tap
    assert words.STALE in texts(replies)
    assert "Who is the information about?" in replies[-1]["text"]
    popups = [c for c in harness.world.calls if c["method"] == "answerCallbackQuery"]
    assert popups[-1]["params"].get("text") == words.STALE


def _data_of(harness: Harness, label: str) -> str:
    """Callback data of the first button called `label` the bot has sent so far."""
    for chat in harness.world.chats.values():
        for message in chat.messages.values():
            for row in (message.payload.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label:
                        return str(button["callback_data"])
    raise AssertionError(label)


async def test_buttons_of_an_old_conversation_are_stale(harness: Harness) -> None:
    user = await started(harness)
    old = user.keyboard_message().payload["message_id"]
    old_data = _data_of(harness, "Yes")
    await user.send("/advice")
    replies = await user.forge(old_data, old)
    assert words.STALE in texts(replies)
    assert "immediate danger" in replies[-1]["text"]


@pytest.mark.parametrize(
    "data",
    [
        "",
        "junk",
        "a:AAAAAAAA:1:",
        "a:short:1:yes",
        "x" * 64,
        "n:AAAAAAAA:1:yes",
        "a:AAAAAAAA:1:Yes",
        "q:AAAAAAAA:1:yes",
    ],
)
async def test_forged_callback_data_is_answered_and_ignored(harness: Harness, data: str) -> None:
    user = await started(harness)
    message = user.keyboard_message().payload["message_id"]
    before = await harness.services.store.load(user.id)
    calls = len(harness.world.calls)
    await user.forge(data, message)
    after = await harness.services.store.load(user.id)
    assert before == after
    assert [c["method"] for c in harness.bot_calls(calls)] == ["answerCallbackQuery"]


async def test_other_users_buttons_do_not_cross_chats(harness: Harness) -> None:
    alice, bob = harness.user("Alice"), harness.user("Bob")
    await alice.send("/start")
    await bob.send("/start")
    alice_data = _data_of(harness, "Yes")
    bob_question = bob.keyboard_message().payload["message_id"]
    await bob.forge(alice_data, bob_question)
    store = harness.services.store
    assert (await store.load(bob.id)).step == "immediate_danger"
    assert (await store.load(alice.id)).step == "immediate_danger"


async def test_free_text_that_is_not_an_answer_asks_to_choose(harness: Harness) -> None:
    user = await started(harness)
    replies = await user.send("I think so, probably")
    assert words.NOT_AN_ANSWER in replies[0]["text"]
    assert "immediate danger" in replies[0]["text"]


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "photo"},
        {"kind": "document", "file_name": "notes.pdf"},
        {"kind": "voice"},
        {"kind": "video"},
        {"kind": "sticker"},
        {"kind": "location", "latitude": 51.4, "longitude": -0.8},
        {"kind": "contact", "phone_number": "+447700900123", "first_name": "Someone"},
        {
            "kind": "text",
            "text": "yes",
            "forward_origin": {"type": "hidden_user", "sender_user_name": "X"},
        },
    ],
)
async def test_files_and_forwards_are_refused_never_downloaded(
    harness: Harness, spec: dict[str, Any]
) -> None:
    user = await started(harness)
    replies = await user.send_kind(spec)
    assert words.NO_FILES in replies[0]["text"]
    assert all(c["method"] != "getFile" for c in harness.world.calls)
    store = harness.services.store
    assert (await store.load(user.id)).step == "immediate_danger"


async def test_groups_and_channels_are_told_once_and_get_nothing_else(harness: Harness) -> None:
    user = harness.user()
    group = harness.world.create_chat("supergroup", "Team", None)
    for text in ["/start", "/advice", "/start@infoshare_bot yes"]:
        harness.world.user_message(group["id"], user.id, {"text": text})
    channel = harness.world.create_chat("channel", "News", None)
    harness.world.user_message(channel["id"], None, {"text": "hello"})
    harness.world.user_message(channel["id"], None, {"text": "again"})
    await harness.pump()
    sent = [c for c in harness.world.calls if c["method"] == "sendMessage"]
    assert [c["params"]["chat_id"] for c in sent] == [group["id"], channel["id"]]
    assert all("only work in a private chat" in c["params"]["text"] for c in sent)


async def test_edited_messages_are_not_answers(harness: Harness) -> None:
    user = await started(harness)
    message, _ = harness.world.user_message(user.id, user.id, {"text": "hello"})
    await harness.pump()
    harness.world.user_edit(user.id, message["message_id"], "yes")
    before = len(harness.world.calls)
    await harness.pump()
    assert harness.bot_calls(before) == []


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/rules", "The seven golden rules"),
        ("/rule 4", "Share with consent"),
        ("/rule 9", "There are seven golden rules"),
        ("/rule", "There are seven golden rules"),
        ("/consent", "informed consent"),
        ("/definitions", "Confidential information"),
        ("/contacts", "0118 908 8002"),
        ("/myths", "not a barrier"),
        ("/protocols", "protocol"),
        ("/whotoask", "Caldicott Guardian"),
        ("/checklist", "necessary"),
        ("/privacy", "For how long"),
        ("/help", "/advice"),
        ("/frobnicate", "I don't know that command"),
        ("/back", "There is no decision in progress"),
    ],
)
async def test_commands(harness: Harness, command: str, expected: str) -> None:
    replies = await harness.user().send(command)
    assert expected in texts(replies)
    assert harness.failed_calls() == []


async def test_cancel_stops_and_advice_starts_again(harness: Harness) -> None:
    user = await started(harness)
    await user.press("No")
    assert "Stopped" in texts(await user.send("/cancel"))
    assert "There is no decision in progress" in texts(await user.send("yes"))
    replies = await user.send("/restart")
    assert "immediate danger" in replies[-1]["text"]


async def test_start_mid_conversation_resumes(harness: Harness) -> None:
    user = await started(harness)
    await user.press("No")
    replies = await user.send("/start")
    assert "decision in progress" in replies[0]["text"]
    assert "Who is the information about?" in replies[0]["text"]


async def test_a_restart_continues_at_the_same_question(
    config: Config, library: Library, harness: Harness
) -> None:
    user = await started(harness)
    await user.press("No")
    await user.press("An adult")
    question = user.keyboard_message().payload["message_id"]
    await harness.services.close()
    # A new process: a new Application and store on the same database and the same Telegram.
    app = build_application(config, library, TOKEN, PSEUDONYMS, request=WorldRequest(harness.world))
    advice = app.services
    from bot.storage import open_store

    advice.attach(await open_store(config.storage.url))
    async with app:
        again = Harness(app, harness.world, harness.offset)
        user.harness = again
        replies = await user.press("Yes", message_id=question)
        assert "statutory duty" in replies[-1]["text"].lower()
    await advice.close()
    harness.services.attach(await open_store(config.storage.url))


async def test_post_init_registers_commands_and_survives_a_refusal(
    config: Config, library: Library, caplog: pytest.LogCaptureFixture
) -> None:
    world = World(TOKEN, bot_name="I", bot_username="i_bot", privacy_mode=True)
    app = build_application(config, library, TOKEN, PSEUDONYMS, request=WorldRequest(world))
    async with app:
        await _post_init(app)
        registered = await world.call("getMyCommands", {})
        assert [c["command"] for c in registered] == [name for name, _ in words.COMMANDS]

        async def refuse(params: dict[str, Any]) -> None:
            raise api_error(500, "Internal Server Error")

        world._methods["setmycommands"] = refuse
        with caplog.at_level(logging.WARNING):
            await _post_init(app)
        assert "could not register the command list" in caplog.text
        await app.services.close()


async def test_the_daily_purge_deletes_conversations_past_retention(harness: Harness) -> None:
    user = await started(harness)
    advice = harness.services
    assert [job.name for job in harness.app.job_queue.jobs()] == ["purge"]
    harness.clock.at = NOW + timedelta(days=advice.config.retention_days - 1)
    await harness.app.features.retention.purge_old(None)  # type: ignore[arg-type]
    assert await advice.store.load(user.id) is not None
    harness.clock.at = NOW + timedelta(days=advice.config.retention_days, seconds=1)
    await harness.app.features.retention.purge_old(None)  # type: ignore[arg-type]
    assert await advice.store.load(user.id) is None


async def test_identifying_details_in_free_text_are_named_never_kept_or_logged(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    user = await started(harness)
    store = harness.services.store
    before = await store.load(user.id)
    with caplog.at_level(logging.DEBUG):
        replies = await user.send("Chloe Smith's mum rang me on 07700 900123, is that ok?")
    note = replies[0]["text"]
    assert "I removed what looked like names and phone numbers" in note
    assert "Golden rule 3" in note
    assert "immediate danger" in note  # then the current question again
    assert await store.load(user.id) == before
    assert "Chloe" not in caplog.text and "07700" not in caplog.text


async def test_an_unexpected_error_gets_an_apology_and_the_current_question(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    user = await started(harness)
    calls = {"n": 0}
    real = render.question

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("Zebedee-Unicorn-4471")
        return real(*args, **kwargs)

    monkeypatch.setattr(render, "question", flaky)
    with caplog.at_level(logging.DEBUG):
        replies = await user.press("No")
    assert words.SORRY in replies[-1]["text"]
    assert "Who is the information about?" in replies[-1]["text"]
    assert "RuntimeError" in caplog.text
    assert "Zebedee-Unicorn-4471" not in caplog.text  # the exception's text is not logged


async def test_a_storage_outage_is_not_pretended_away(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.errors import StorageUnavailable

    user = await started(harness)
    store = harness.services.store
    before = await store.load(user.id)

    async def down(*args: Any, **kwargs: Any) -> None:
        raise StorageUnavailable("database is locked")

    monkeypatch.setattr(store, "save", down)
    replies = await user.press("No")
    assert words.UNAVAILABLE in texts(replies)
    assert "Your answer" not in user.message(replies[0]["message_id"] - 1).get("text", "")
    monkeypatch.undo()
    assert await store.load(user.id) == before
    again = await user.press("No")  # the same button works once the database is back
    assert "Who is the information about?" in again[-1]["text"]


async def test_retry_after_is_honoured_and_the_message_still_arrives(harness: Harness) -> None:
    from aiohttp import web

    user = await started(harness)
    real = harness.world._methods["sendmessage"]
    refusals = {"left": 1}

    async def flood(params: dict[str, Any]) -> Any:
        if refusals["left"]:
            refusals["left"] -= 1
            body = {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
            raise web.HTTPTooManyRequests(text=json.dumps(body), content_type="application/json")
        return await real(params)

    harness.world._methods["sendmessage"] = flood
    replies = await user.press("No")
    assert "Who is the information about?" in replies[-1]["text"]
    sends = [c for c in harness.bot_calls() if c["method"] == "sendMessage"]
    assert [c["ok"] for c in sends[-2:]] == [False, True]


async def test_no_per_chat_bookkeeping_is_left_behind(harness: Harness) -> None:
    for name in ("A", "B", "C"):
        await harness.user(name).send("/start")
    app = harness.app
    assert app._chat_ids_to_be_updated_in_persistence == set()  # type: ignore[attr-defined]
    assert app._user_ids_to_be_updated_in_persistence == set()  # type: ignore[attr-defined]
    assert len(app.chat_data) == len(app.user_data) == 0


# ---- transcripts and /forget --------------------------------------------------------------


async def test_every_move_is_written_to_the_transcript_with_the_state(
    harness: Harness, config: Config
) -> None:
    from bot.transcripts.model import BACK

    user = await started(harness)
    await user.press("No")
    await user.send("young person")
    await user.send("Jane Smith, 14 Acacia Avenue, 07700 900123")
    await user.press("« Back")
    advice = harness.services
    page = await advice.store.list_transcripts(Filters(), offset=0, limit=10)
    assert page.total == 1 and page.items[0].practitioner == PSEUDONYMS.of(user.id)
    found = await advice.store.get_transcript(page.items[0].id)
    assert found is not None and found.outcome is None and found.ended_at is None
    assert [(s.step, s.answer, s.redacted) for s in found.steps] == [
        ("immediate_danger", "no", False),
        ("about_whom", "child", False),
        ("age_band", FREE_TEXT, True),
        ("age_band", BACK, False),
    ]
    assert found.steps[2].removed is not None and "Jane" not in found.steps[2].removed
    database = Path(config.storage.url.removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
    for detail in (b"Jane", b"Acacia", b"07700"):
        assert detail not in stored


async def test_an_outcome_ends_the_transcript_and_a_new_decision_starts_another(
    harness: Harness,
) -> None:
    user = await started(harness)
    await user.press("Yes")  # immediate danger: refer now
    await user.press("New decision")
    advice = harness.services
    page = await advice.store.list_transcripts(Filters(), offset=0, limit=10)
    assert [s.outcome for s in page.items] == [None, "refer_now"]
    done = await advice.store.get_transcript(page.items[1].id)
    assert done is not None and done.ended_at is not None and done.rules


async def test_forget_asks_first_and_no_keeps_everything(harness: Harness) -> None:
    user = await started(harness)
    replies = await user.send("/forget")
    assert "cannot be brought back" in replies[-1]["text"]
    assert user.buttons() == ["Yes, delete them", "No, keep them"]
    await user.press("No, keep them")
    advice = harness.services
    assert (await advice.store.count_transcripts(Filters())) == 1
    assert await advice.store.load(user.id) is not None


async def test_forget_deletes_only_the_senders_transcripts_and_progress(
    harness: Harness,
) -> None:
    user, other = await started(harness), await started(harness)
    await user.press("Yes")
    await user.send("/forget")
    replies = await user.press("Yes, delete them")
    assert "Done: 1 transcript and your progress deleted" in texts(replies)
    advice = harness.services
    page = await advice.store.list_transcripts(Filters(), offset=0, limit=10)
    assert [s.practitioner for s in page.items] == [PSEUDONYMS.of(other.id)]
    assert await advice.store.load(user.id) is None
    assert await advice.store.load(other.id) is not None


async def test_an_old_forget_confirmation_expires(harness: Harness) -> None:
    user = await started(harness)
    await user.send("/forget")
    question = user.keyboard_message().payload["message_id"]
    advice = harness.services
    harness.clock.at = NOW + timedelta(minutes=16)
    await user.press("Yes, delete them")
    assert "expired" in user.message(question)["text"]
    assert (await advice.store.count_transcripts(Filters())) == 1


async def test_a_forged_forget_payload_deletes_nothing(harness: Harness) -> None:
    user = await started(harness)
    await user.forge("F:y:notanumber", user.keyboard_message().payload["message_id"])
    advice = harness.services
    assert (await advice.store.count_transcripts(Filters())) == 1


async def test_the_daily_purge_deletes_old_transcripts_too(harness: Harness) -> None:
    await started(harness)
    advice = harness.services
    harness.clock.at = NOW + timedelta(days=advice.config.retention_days, seconds=1)
    await harness.app.features.retention.purge_old(None)  # type: ignore[arg-type]
    assert await advice.store.count_transcripts(Filters()) == 0


async def test_the_daily_purge_deletes_quiz_answers_past_retention(harness: Harness) -> None:
    advice = harness.services
    days = advice.config.retention_days
    early, late = harness.user("Early"), harness.user("Late")
    await early.send("/quiz golden_rules")
    await early.press("False")
    harness.clock.at = NOW + timedelta(days=1)
    await late.send("/quiz golden_rules")
    await late.press("False")
    assert sum((await advice.store.quiz_stats()).answered.values()) == 2
    harness.clock.at = NOW + timedelta(days=days, seconds=1)  # only the early answer is too old
    await harness.app.features.retention.purge_old(None)  # type: ignore[arg-type]
    stats = await advice.store.quiz_stats()
    assert sum(stats.answered.values()) == 1, "the answer older than retention is deleted"
    assert stats.takers == {"golden_rules": 1}
    harness.clock.at = NOW + timedelta(days=days + 1, seconds=1)
    await harness.app.features.retention.purge_old(None)  # type: ignore[arg-type]
    assert (await advice.store.quiz_stats()).answered == {}


async def test_privacy_says_what_leads_see_and_how_to_forget(harness: Harness) -> None:
    replies = await harness.user().send("/privacy")
    text = texts(replies)
    assert "safeguarding leads" in text and "/forget" in text and "never the text" in text


# ---- one chat, many deliveries: redelivery after a crash, two replicas racing -------------


async def test_a_redelivered_answer_is_applied_once_and_shows_where_the_chat_is(
    harness: Harness,
) -> None:
    """Telegram sends an update again when the bot stopped before confirming it."""
    user = await started(harness)
    advice = harness.services
    await user.send("no")  # typed: a second delivery must not answer the next question "no"
    typed = harness.processed[-1]
    await user.press("An adult")
    pressed = harness.processed[-1]
    before = await advice.store.load(user.id)
    assert before is not None and [a for _, a in before.history] == ["no", "adult"]
    for raw in (typed, pressed):
        await harness.deliver(raw)
        replies = await user._replies()
        assert len(replies) == 1 and "Is there a clear and legitimate purpose" in replies[0]["text"]
    assert await advice.store.load(user.id) == before
    page = await advice.store.list_transcripts(Filters(), offset=0, limit=10)
    found = await advice.store.get_transcript(page.items[0].id)
    assert found is not None and [s.answer for s in found.steps] == ["no", "adult"]


async def test_updates_racing_on_two_replicas_are_applied_one_after_the_other(
    harness: Harness, config: Config, library: Library
) -> None:
    """Replica B saves the chat while replica A is deciding: A applies its update afresh."""
    user = await started(harness)
    a = harness.services
    request = WorldRequest(harness.world)
    other = build_application(
        config, library, TOKEN, PSEUDONYMS, request=request, clock=harness.clock
    )
    b = other.services
    b.attach(await open_store(config.storage.url))
    first_save = a.store.save
    raced = {"n": 0}

    async def save_after_b(*args: Any, **kwargs: Any) -> Any:
        if raced["n"] == 0:  # B's update lands between A's load and A's save
            raced["n"] += 1
            harness.world.user_message(user.id, user.id, {"text": "yes"})
            [raw] = await harness.world.call("getUpdates", {"offset": harness.offset})
            harness.offset = raw["update_id"] + 1
            await other.process_update(Update.de_json(raw, other.bot))
        return await first_save(*args, **kwargs)

    async with other:
        a.store.save = save_after_b  # type: ignore[method-assign]
        try:
            await user.send("no")  # A: "no" to immediate danger, raced by B's "yes"
        finally:
            del a.store.save
    await b.close()
    stored = await a.store.load(user.id)
    assert stored is not None
    # B's "yes" answered immediate danger (an outcome); A's "no", typed for that question
    # too, was overtaken: not applied, not noted, A shows where the chat is.
    assert stored.step == "refer_now" and [x for _, x in stored.history] == ["yes"]
    page = await a.store.list_transcripts(Filters(), offset=0, limit=10)
    found = await a.store.get_transcript(page.items[0].id)
    assert found is not None and [s.answer for s in found.steps] == ["yes"]
    replies = texts([m.payload for m in harness.world.bot_messages(user.id, 0)])
    assert replies.count("DECISION RECORD") == 1 and replies.endswith(words.FINISHED)
    assert words.UNAVAILABLE not in replies


async def test_new_decision_pressed_twice_starts_one(harness: Harness) -> None:
    user = await started(harness)
    advice = harness.services
    await user.press("Yes")
    finished = user.keyboard_message().payload
    [data] = [
        b["callback_data"]
        for row in finished["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"] == "New decision"
    ]
    await user.press("New decision")
    replies = await user.forge(data, finished["message_id"])  # the second tap of a double tap
    assert words.STALE in texts(replies)
    page = await advice.store.list_transcripts(Filters(), offset=0, limit=10)
    assert page.total == 2


async def test_a_typed_answer_overtaken_by_a_newer_update_is_not_applied(
    harness: Harness,
) -> None:
    """Typed for the first question, delivered late (after the button pressed since)."""
    advice = harness.services
    user = await started(harness)
    harness.world.user_message(user.id, user.id, {"text": "2"})  # "No" here; "An adult" next
    late = harness.world.pending.pop()  # held back, as a failed delivery is
    await user.press("No")
    before = await advice.store.load(user.id)
    assert before is not None and before.step == "about_whom"
    await harness.deliver(late)
    replies = await user._replies()
    assert len(replies) == 1 and "Who is the information about?" in replies[0]["text"]
    assert await advice.store.load(user.id) == before  # "2" did not answer about_whom


async def test_a_redelivered_move_to_an_outcome_shows_the_outcome_again(harness: Harness) -> None:
    """The reply to the first delivery may never have gone out: the advice is sent again."""
    user = await started(harness)
    await user.press("Yes")
    await harness.deliver(harness.processed[-1])
    again = texts(await user._replies())
    assert "INFORMATION SHARING DECISION RECORD" in again
    assert words.FINISHED not in again
