"""End to end: the real `infoshare-bot run` process, over HTTP, against the Bot API emulator.

One emulator process serves the module (reset before each test). The conversation tests share
one bot process (`TestConversationsOnOneBot`); every other test starts its own, on its own
SQLite file. Run only these with `pytest -m e2e`.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from bot import words
from bot.outcome import SUMMARY_CHARS
from states import Library
from tests.emulator import BotMessage, EmulatorClient, Sent
from tests.support.conversations import Script, label_for, written_for
from tests.support.e2e import (
    BOT_USERNAME,
    EDITION,
    RECORD_HEADING,
    TOKEN,
    WEBHOOK_SECRET,
    BotProcess,
    Launcher,
    Practitioner,
    answer_all,
    answers_given,
    asks,
    assert_log_free_of,
    assert_marked,
    bot_env,
    converse,
    failed,
    fetched,
    free_port,
    question_text,
    record_lines,
    text_of,
    with_record,
)

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

MUST_SHARE = [
    ("immediate_danger", "No"),
    ("about_whom", "An adult"),
    ("legitimate_purpose", "Yes"),
    ("statutory_duty", "Yes"),
]


@pytest_asyncio.fixture(loop_scope="module")
async def launcher(telegram: EmulatorClient, tmp_path: Path) -> AsyncIterator[Launcher]:
    runs = Launcher(telegram, tmp_path)
    try:
        yield runs
    finally:
        await runs.close()


@pytest_asyncio.fixture(scope="class", loop_scope="module")
async def shared_bot(
    emulator: EmulatorClient, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[BotProcess]:
    """One bot process for a whole test class (it keeps polling while the emulator resets)."""
    runs = Launcher(emulator, tmp_path_factory.mktemp("shared-bot"))
    try:
        yield await runs.start()
    finally:
        await runs.close()


@pytest_asyncio.fixture(loop_scope="module")
async def bot(launcher: Launcher) -> BotProcess:
    """A bot process polling the emulator."""
    return await launcher.start()


async def practitioner(telegram: EmulatorClient, name: str = "Sam") -> Practitioner:
    return Practitioner(await telegram.user(name))


class TestConversationsOnOneBot:
    """Tests that neither stop the bot nor read its start-up calls share one bot process.

    Real users share a deployment too; the emulator is still reset before each test.
    """

    # ---- 1. every outcome, by buttons ------------------------------------------------------------

    @pytest.mark.parametrize("transcript", written_for(EDITION), ids=lambda t: t.name)
    async def test_transcript_by_buttons(
        self,
        telegram: EmulatorClient,
        shared_bot: BotProcess,
        library: Library,
        transcript: Script,
    ) -> None:
        advice = library["advice"]
        user = await practitioner(telegram)
        await user.start()
        pressed_ids: list[int] = []
        final: list[BotMessage] = []
        answered: list[tuple[str, str]] = []
        for step, said in transcript.turns:
            assert user.current is not None
            label = label_for(library, step, said)
            if step in advice.content.steps:
                assert asks(library, step, user.current.text)
            else:
                assert advice.content.outcomes[step].title in text_of(final)
            pressed = await user.press(label)
            assert_marked(pressed, "« Back" if label == "« Back" else f"Your answer: {label}")
            pressed_ids.append(pressed.before.message_id)
            answered = answered[:-1] if label == "« Back" else [*answered, (step, label)]
            final = pressed.replies
        outcome = advice.content.outcomes[transcript.outcome]
        [summary] = final
        assert outcome.title in text_of(final) and len(summary.text or "") <= SUMMARY_CHARS
        labels = [*words.PART_BUTTONS.values()]
        helped = list(words.HELPED_BUTTONS.values())
        assert summary.buttons == [
            labels[0:2],
            labels[2:4],
            labels[4:],
            helped,
            ["« Back", "New decision"],
        ]
        parts = {}
        for name, label in words.PART_BUTTONS.items():  # every part, over HTTP
            parts[name] = await user.read_part(label, summary)
        assert RECORD_HEADING in text_of(parts["record"])
        assert answers_given(text_of(parts["record"])) == record_lines(library, answered)
        assert any(m.kind == "document" for m in parts["record"]), "the record as a file too"
        assert "Rule 7" in text_of(parts["why"]) and "999" in text_of(parts["contacts"])
        assert "Edition:" in text_of(parts["sources"])
        everything = await user.messages()
        with_keyboard = [m.message_id for m in everything if m.reply_markup]
        assert with_keyboard == [final[-1].message_id], "only the outcome keeps buttons"
        assert all(m.reply_markup is None for m in everything if m.message_id in pressed_ids)
        assert failed(await telegram.calls()) == []

    # ---- 2. typed answers ------------------------------------------------------------------------

    async def test_typed_answers_through_a_conversation(
        self, telegram: EmulatorClient, shared_bot: BotProcess, library: Library
    ) -> None:
        user = await practitioner(telegram)
        await user.start()
        script = [
            ("N", "about_whom"),
            ("1", "age_band"),
            ("16", "legitimate_purpose"),  # at the age question a number is an age in years
            ("yes", "statutory_duty"),
            ("2", "identifiable"),
            ("YES.", "confidential"),
            ("1", "consent"),
        ]
        for typed, then in script:
            replies = await user.send(typed)
            assert len(replies) == 1
            assert question_text(library, then) in text_of(replies)
        not_an_answer = await user.send("maybe later")
        assert words.NOT_AN_ANSWER in text_of(not_an_answer)
        assert question_text(library, "consent") in text_of(not_an_answer)
        unsure = await user.send("not sure")
        seek_advice = library["advice"].content.outcomes["seek_advice"].title
        assert seek_advice in text_of(unsure)
        assert question_text(library, "consent") in text_of(await user.send("/back"))
        assert question_text(library, "public_interest") in text_of(await user.send("2"))
        final = await with_record(user, await user.send("Unsure"))
        assert seek_advice in text_of(final)
        assert answers_given(text_of(final)) == record_lines(
            library,
            [
                ("immediate_danger", "No"),
                ("about_whom", "A child or young person"),
                ("age_band", "16 or 17"),
                ("legitimate_purpose", "Yes"),
                ("statutory_duty", "No"),
                ("identifiable", "Yes"),
                ("confidential", "Yes"),
                ("consent", "Consent refused"),
                ("public_interest", "Not sure"),
            ],
        )
        assert failed(await telegram.calls()) == []

    # ---- 3. two users at once --------------------------------------------------------------------

    async def test_two_users_at_once_without_cross_talk(
        self, telegram: EmulatorClient, shared_bot: BotProcess, library: Library
    ) -> None:
        alice, bob = await practitioner(telegram, "Alice"), await practitioner(telegram, "Bob")
        bobs = [
            ("immediate_danger", "No"),
            ("about_whom", "A child or young person"),
            ("age_band", "Under 12"),
            ("legitimate_purpose", "Yes"),
            ("statutory_duty", "No"),
            ("identifiable", "Yes"),
            ("confidential", "Yes"),
            ("consent", "Consent refused"),
            ("public_interest", "Yes"),
        ]
        alice_final, bob_final = await asyncio.gather(
            converse(alice, library, MUST_SHARE), converse(bob, library, bobs)
        )
        outcomes = library["advice"].content.outcomes
        assert outcomes["must_share"].title in text_of(alice_final)
        assert outcomes["share_without_consent"].title in text_of(bob_final)
        assert answers_given(text_of(alice_final)) == record_lines(library, MUST_SHARE)
        assert answers_given(text_of(bob_final)) == record_lines(library, bobs)
        alice_all, bob_all = await alice.messages(), await bob.messages()
        assert outcomes["share_without_consent"].title not in text_of(alice_all)
        assert outcomes["must_share"].title not in text_of(bob_all)
        assert "Consent refused" not in text_of(alice_all)
        sent_to = {c.params["chat_id"] for c in await telegram.calls("sendMessage")}
        assert sent_to == {alice.chat_id, bob.chat_id}
        assert failed(await telegram.calls()) == []

    # ---- 5. stale buttons ------------------------------------------------------------------------

    async def test_an_answered_questions_button_is_stale(
        self, telegram: EmulatorClient, shared_bot: BotProcess, library: Library
    ) -> None:
        user = await practitioner(telegram)
        await user.start()
        first = user.current
        assert first is not None
        old_yes = first.callback_data[0]
        assert_marked(await user.press("No"), "Your answer: No")
        at_about_whom = user.current
        assert at_about_whom is not None
        # The first question's keyboard is gone: a second device (or a hostile client)
        # sends its data.
        stale = await user.press(old_yes, on=at_about_whom, forged=True)
        assert stale.answer.get("text") == words.STALE
        assert stale.edited is not None and stale.edited.reply_markup is None
        assert [m.text for m in stale.replies] == [
            f"{words.STALE}\n\n{question_text(library, 'about_whom')}"
        ]
        # Nothing moved: the next answer is about whom, and the record has no stale "Yes".
        final = await answer_all(user, library, MUST_SHARE[1:])
        assert answers_given(text_of(final)) == record_lines(library, MUST_SHARE)

    async def test_a_button_from_an_old_conversation_is_stale(
        self, telegram: EmulatorClient, shared_bot: BotProcess, library: Library
    ) -> None:
        user = await practitioner(telegram)
        await user.start()
        await user.press("No")
        old_question = user.current
        assert old_question is not None
        replies = await user.send("/advice")
        assert question_text(library, "immediate_danger") in text_of(replies)
        assert old_question.buttons, "/advice leaves the old question's buttons showing"
        stale = await user.press("An adult", on=old_question)
        assert stale.answer.get("text") == words.STALE
        assert stale.edited is not None and stale.edited.reply_markup is None
        assert words.STALE in stale.text
        assert question_text(library, "immediate_danger") in stale.text
        final = await answer_all(user, library, MUST_SHARE)
        assert answers_given(text_of(final)) == record_lines(library, MUST_SHARE)
        assert failed(await telegram.calls()) == []


# ---- 4. restarts --------------------------------------------------------------------------------


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
async def test_a_restart_continues_at_the_same_question(
    telegram: EmulatorClient, launcher: Launcher, library: Library, how: signal.Signals
) -> None:
    first = await launcher.start()
    user = await practitioner(telegram)
    await converse(user, library, MUST_SHARE[:1])
    answered = await user.press("An adult")
    question = user.current
    assert question is not None
    assert question_text(library, "legitimate_purpose") in (question.text or "")
    await fetched(telegram, answered.update_id)  # so the new process is not sent it again
    code = await first.stop(how)
    assert code == (0 if how == signal.SIGTERM else -signal.SIGKILL)

    await launcher.start()
    assert (await user.messages())[-1].buttons, "the question's buttons are still showing"
    pressed = await user.press("Yes", on=question)
    assert_marked(pressed, "Your answer: Yes")
    assert question_text(library, "statutory_duty") in pressed.text
    final = await with_record(user, (await user.press("Yes")).replies)
    assert library["advice"].content.outcomes["must_share"].title in text_of(final)
    assert answers_given(text_of(final)) == record_lines(library, MUST_SHARE)
    assert failed(await telegram.calls()) == []


# ---- 6. groups and channels ---------------------------------------------------------------------


async def test_groups_and_channels_are_told_once_then_ignored(
    telegram: EmulatorClient, bot: BotProcess
) -> None:
    user = await telegram.user("Sam")
    group = await telegram.group("Safeguarding team", supergroup=True)
    member = user.in_chat(group)
    for text in ["/start", "/advice", f"/start@{BOT_USERNAME} yes", "/rules"]:
        await member.send(text)
    [told] = await member.wait_for_messages(1)
    assert told.text == words.PRIVATE_ONLY
    # Updates of one chat are handled in order: once this press is answered, all of the
    # group's earlier messages have been handled.
    press = await member.press_data(told, "a:AAAAAAAA:1:yes")
    answer = await telegram.wait_for_answer(press)
    assert answer.get("text") == words.PRIVATE_ONLY[:200]

    channel = await telegram.channel("Team news")
    for text in ["hello", "/start", "yes"]:
        last = await channel.send(text)
    [announced] = await channel.wait_for_messages(1)
    assert announced.text == words.PRIVATE_ONLY

    await fetched(telegram, last.update_id)
    assert await bot.stop() == 0  # a graceful stop handles every update it fetched
    assert [m.text for m in await member.messages()] == [words.PRIVATE_ONLY]
    assert [m.text for m in await channel.messages()] == [words.PRIVATE_ONLY]
    sent = await telegram.calls("sendMessage")
    assert [c.params["chat_id"] for c in sent] == [group["id"], channel.chat_id]
    assert failed(await telegram.calls()) == []


# ---- 7. files, locations, forwards --------------------------------------------------------------


async def test_files_locations_and_forwards_are_refused_never_downloaded(
    telegram: EmulatorClient, bot: BotProcess, library: Library
) -> None:
    user = await practitioner(telegram)
    await user.start()
    actor = user.actor
    attempts: list[Callable[[], Awaitable[Sent]]] = [
        lambda: actor.send_photo(caption="yes"),
        lambda: actor.send_document(b"notes\n", file_name="notes.pdf", mime_type="application/pdf"),
        lambda: actor.send_voice(),
        lambda: actor.send_location(51.41, -0.83),
        lambda: actor.forward("yes", "A colleague"),
    ]
    refusal = f"{words.NO_FILES}\n\n{question_text(library, 'immediate_danger')}"
    last = None
    for attempt in attempts:
        last = await attempt()
        assert [m.text for m in await user.replies()] == [refusal]
    # None of it counted as an answer (the photo's caption and the forward both said "yes").
    final = await answer_all(user, library, MUST_SHARE)
    assert answers_given(text_of(final)) == record_lines(library, MUST_SHARE)
    assert last is not None
    await fetched(telegram, last.update_id)
    assert await bot.stop() == 0
    calls = await telegram.calls()
    assert not [c for c in calls if c.method.lower() == "getfile"]
    assert failed(calls) == []


# ---- 8. the command list ------------------------------------------------------------------------


async def test_the_command_list_is_registered_at_start_up(
    telegram: EmulatorClient, bot: BotProcess
) -> None:
    calls = await telegram.calls()
    methods = [c.method for c in calls]
    assert "setMyCommands" in methods
    assert methods.index("setMyCommands") < methods.index("getUpdates")
    [registered] = [c for c in calls if c.method == "setMyCommands"]
    assert registered.ok
    assert registered.params["commands"] == [
        {"command": name, "description": text} for name, text in words.COMMANDS
    ]


# ---- 9. the log ---------------------------------------------------------------------------------


async def test_the_debug_log_and_the_database_hold_neither_the_token_nor_anything_users_typed(
    telegram: EmulatorClient, bot: BotProcess, launcher: Launcher, library: Library
) -> None:
    typed = [
        "Zebedee-Unicorn-4471",
        "Chloe Quetzal-Smith's mum rang me on 07700 900123 about Zebedee-Unicorn-4471",
        "Caption-Quokka-9182",
        "Quokka-notes-5521.txt",
        "Forwarded-Marmot-6630",
        "Hidden-Ibis-7741",
        "Edited-Okapi-2209",
        "Rule-Arg-Gecko-1190",
        "Group-Narwhal-3310",
        "Channel-Pangolin-8128",
        "Forged-Tapir-8812",
        "Zara-Nightjar-5150",
    ]
    actor = await telegram.user("Zara-Nightjar-5150", last_name="Quetzal-Smith")
    user = Practitioner(actor)
    await user.start()
    first = user.current
    assert first is not None
    await user.send("Zebedee-Unicorn-4471")
    noted = await user.send(typed[1])
    assert "I removed what looked like" in text_of(noted)
    await actor.send_photo(caption="Caption-Quokka-9182")
    await user.replies()
    await actor.send_document(file_name="Quokka-notes-5521.txt")
    await user.replies()
    await actor.forward("Forwarded-Marmot-6630", "Hidden-Ibis-7741")
    await user.replies()
    sent = await actor.send("Edited-Okapi-2209")
    await user.replies()
    await actor.edit(sent, "yes Edited-Okapi-2209")
    await actor.send("/rule Rule-Arg-Gecko-1190")
    [rule_help] = await actor.wait_for_messages(1)
    assert "seven golden rules" in (rule_help.text or "")
    forged = await user.press("Forged-Tapir-8812", forged=True, edits=False, replies=False)
    assert forged.answer.get("text") == words.NOT_THIS_BUTTON
    answered = user.current
    await user.press("No")
    # The answered question has no keyboard left to clear: that refusal is logged at DEBUG.
    await user.press(first.callback_data[0], on=answered, forged=True, edits=False)
    group = await telegram.group("Group-Narwhal-3310", supergroup=True)
    await actor.in_chat(group).send("/start Group-Narwhal-3310")
    channel = await telegram.channel("Channel-Pangolin-8128")
    last = await channel.send("Channel-Pangolin-8128")
    await channel.wait_for_messages(1)
    await fetched(telegram, last.update_id)
    assert await bot.stop() == 0

    log = bot.log_text()
    assert " DEBUG " in log, "the bot was not logging at DEBUG"
    assert "starting (polling, storage sqlite)" in log
    secrets = [*typed, "Chloe", "07700", "900123", "Quetzal"]
    key = (launcher.database.parent / "pseudonym.key").read_text().strip()
    assert "generated a pseudonym key" in log
    assert_log_free_of(log, [TOKEN, TOKEN.split(":", 1)[1], key, *secrets])
    # Every byte the bot wrote to its database (the file, its WAL and shared memory).
    files = sorted(launcher.database.parent.glob(launcher.database.name + "*"))
    assert files, "the bot wrote no database"
    stored = b"".join(path.read_bytes() for path in files)
    assert b"immediate_danger" in stored, "the conversation was not stored where we looked"
    for word in secrets:
        assert word.encode() not in stored, f"{word!r} reached the database"


# ---- 10. webhook mode and start-up errors -------------------------------------------------------


async def test_webhook_mode_receives_updates_with_the_secret(
    telegram: EmulatorClient, launcher: Launcher, library: Library
) -> None:
    bot = await launcher.start(webhook=True)
    [hook] = await telegram.calls("setWebhook")
    assert hook.ok
    assert hook.params["url"] == launcher.public_url
    assert hook.params["secret_token"] == WEBHOOK_SECRET
    user = await practitioner(telegram)
    replies = await user.start()
    assert question_text(library, "immediate_danger") in text_of(replies)
    pressed = await user.press("Yes")
    assert_marked(pressed, "Your answer: Yes")
    assert library["advice"].content.outcomes["refer_now"].title in pressed.text
    assert not await telegram.calls("getUpdates")
    # Anyone else posting to the webhook is turned away.
    forged = {"update_id": 999_999, "message": {"message_id": 1, "date": 0, "chat": {}}}
    async with aiohttp.ClientSession() as session:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with session.post(launcher.public_url, json=forged, headers=headers) as response:
                assert response.status == 403
    assert await bot.stop() == 0
    assert failed(await telegram.calls()) == []


@pytest.mark.parametrize(
    ("webhook", "env", "expected"),
    [
        (False, {}, "Set the bot token in the environment variable TELEGRAM_BOT_TOKEN."),
        (
            False,
            {"TELEGRAM_BOT_TOKEN": "12345:Zebedee-Unicorn"},
            "The bot token in TELEGRAM_BOT_TOKEN is malformed",
        ),
        (
            True,
            {"TELEGRAM_BOT_TOKEN": TOKEN},
            "Set a webhook secret in the environment variable INFOSHARE_WEBHOOK_SECRET",
        ),
    ],
    ids=["missing-token", "malformed-token", "missing-webhook-secret"],
)
async def test_start_up_refuses_missing_or_bad_secrets(
    telegram: EmulatorClient,
    launcher: Launcher,
    webhook: bool,
    env: dict[str, str],
    expected: str,
) -> None:
    args = ["run", "--webhook"] if webhook else ["run"]
    code, out, err = await launcher.run_to_exit(*args, env=bot_env(**env))
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, f"one line expected, got {err!r}"
    assert err.startswith(f"infoshare-bot: {expected}")
    assert err.rstrip().endswith(".")
    assert "Traceback" not in err
    assert "Zebedee" not in err, "a malformed token is not echoed"
    assert await telegram.calls() == [], "nothing reached Telegram"


# ---- bugs found by this suite -------------------------------------------------------------------


async def test_a_token_telegram_rejects_stops_start_up_cleanly(launcher: Launcher) -> None:
    """BUG: a well-formed token that Telegram refuses (revoked, mistyped) escapes as a traceback.

    Python prints the uncaught InvalidToken, whose message holds the token in clear, to stderr,
    where the log goes too; the exit code is 1.
    """
    rejected = "135792468:" + "Rejected_Zq9xW3vR7tY1uI5oP8aS2dF6gH4"  # fake, split on purpose
    code, out, err = await launcher.run_to_exit("run", env=bot_env(TELEGRAM_BOT_TOKEN=rejected))
    assert_log_free_of(out + err, [rejected, rejected.split(":", 1)[1]])
    assert code == 2
    assert err.splitlines()[-1].startswith("infoshare-bot: ")


async def test_an_unreachable_bot_api_stops_start_up_cleanly(launcher: Launcher) -> None:
    """BUG: when the Bot API cannot be reached at start-up, the run ends in a raw traceback."""
    launcher.base_url = f"http://127.0.0.1:{free_port()}"
    code, _, err = await launcher.run_to_exit("run", env=bot_env(TELEGRAM_BOT_TOKEN=TOKEN))
    assert code != 0
    assert err.splitlines()[-1].startswith("infoshare-bot: ")
