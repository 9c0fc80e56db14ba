"""The lead desk (bot/telegram/leads.py): transcripts reviewed in Telegram, by leads only."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot import words
from bot.config import Config, Lead
from bot.telegram.application import _post_init, build_application
from bot.transcripts.model import Filters
from bot.transcripts.trends import MARKS, NO_MARK
from states import Library
from tests.emulator.world import World
from tests.support.chat import texts
from tests.support.clock import NOW
from tests.support.offline import PSEUDONYMS, TOKEN, Harness, Practitioner, WorldRequest

UNKNOWN = "I don't know that command. /help lists what I can do."
NOT_THIS_BUTTON = words.NOT_THIS_BUTTON


def make_lead(harness: Harness, user: Practitioner | None = None) -> Practitioner:
    """A user who is a lead from now on (the desk reads the config on every update)."""
    lead = user or harness.user("Lee")
    services = harness.services
    services.config = services.config.model_copy(update={"leads": (Lead(id=lead.id),)})
    return lead


async def decide(user: Practitioner, *answers: str) -> None:
    await user.send("/advice")
    for label in answers:
        await user.press(label)


SHARE_WITH_CONSENT = (
    "No",
    "A child or young person",
    "16 or 17",
    "Yes",
    "No",
    "Yes",
    "Yes",
    "Consent given",
)
UNSURE = ("No", "A child or young person", "16 or 17", "Not sure")


async def test_a_lead_lists_transcripts_newest_first_with_links(harness: Harness) -> None:
    first, second = harness.user("Ann"), harness.user("Bo")
    services = harness.services
    await decide(first, *SHARE_WITH_CONSENT)
    harness.clock.at = NOW + timedelta(minutes=5)
    await decide(second, *UNSURE)
    lead = make_lead(harness)
    replies = await lead.send("/transcripts")
    listing = texts(replies)
    assert "Transcripts: all transcripts" in listing
    assert "1–2 of 2" in listing
    assert "/t2" in listing and "/t1" in listing, listing
    assert listing.index("/t2") < listing.index("/t1")
    newest = next(line for line in listing.splitlines() if "/t2 " in line)
    oldest = next(line for line in listing.splitlines() if "/t1 " in line)
    assert "Seek advice before you decide" in newest and "not sure" in newest, newest
    assert "Share, within the limits of the consent given" in oldest, oldest
    assert "not sure" not in oldest, oldest
    accesses = await services.store.accesses()
    assert accesses[0].who == f"telegram:{lead.id}" and accesses[0].action == "list"


async def test_filters_typed_and_pressed_narrow_the_list(harness: Harness) -> None:
    await decide(harness.user("Ann"), *SHARE_WITH_CONSENT)
    unfinished = harness.user("Bo")
    await unfinished.send("/advice")
    await unfinished.press("No")
    lead = make_lead(harness)
    listing = texts(await lead.send("/transcripts unfinished"))
    assert "1–1 of 1" in listing and "/t2" in listing and "/t1" not in listing
    assert "✓ Unfinished" in lead.buttons()
    await lead.press("✓ Unfinished")  # off again: both
    edited = lead.message(lead.keyboard_message().payload["message_id"])
    assert "1–2 of 2" in edited["text"]
    await lead.press("Period: all")
    edited = lead.message(lead.keyboard_message().payload["message_id"])
    assert "Period: 7d" in lead.buttons()


async def test_outcome_and_tag_are_chosen_from_a_menu(harness: Harness) -> None:
    """One tap opens every outcome (or tag), one more picks it; Back leaves the list as it was."""
    await decide(harness.user("Ann"), *SHARE_WITH_CONSENT)
    await decide(harness.user("Bo"), "Yes")  # refer now
    lead = make_lead(harness)
    await lead.send("/transcripts")
    page = lead.keyboard_message().payload["message_id"]
    await lead.press("Outcome: any")
    menu = lead.buttons()
    assert menu[0] == "✓ Any outcome" and menu[-1] == "« Back to the list"
    assert len(menu) == len(harness.services.dialogue.content.outcomes) + 2
    await lead.press("« Back to the list")
    assert "Outcome: any" in lead.buttons() and "Tag: any" in lead.buttons()
    await lead.press("Outcome: any")
    title = next(b for b in menu if b.startswith("Act now"))
    await lead.press(title)
    listing = lead.message(page)["text"]
    assert "1–1 of 1" in listing and "/t2" in listing
    assert "Outcome: refer_now" in lead.buttons()
    await lead.send("/tag 2 follow_up")
    await lead.send("/transcripts")
    await lead.press("Tag: any")
    assert "Follow up" in lead.buttons() and "✓ Any tag" in lead.buttons()
    await lead.press("Follow up")
    assert "Tag: follow_up" in lead.buttons()
    assert "1–1 of 1" in lead.message(lead.keyboard_message().payload["message_id"])["text"]


async def test_a_mistyped_filter_gets_a_kind_explanation(harness: Harness) -> None:
    lead = make_lead(harness)
    assert "There is no outcome 'maybe'" in texts(await lead.send("/transcripts outcome=maybe"))
    assert "not a period I know" in texts(await lead.send("/transcripts period=soon"))
    assert "I don't understand 'everything'" in texts(await lead.send("/transcripts everything"))


async def test_pages_of_ten_with_older_and_newer(harness: Harness) -> None:
    user = harness.user("Ann")
    for _ in range(12):
        await user.send("/advice")
    lead = make_lead(harness)
    assert "1–10 of 12" in texts(await lead.send("/transcripts"))
    assert "Older »" in lead.buttons() and "« Newer" not in lead.buttons()
    await lead.press("Older »")
    page = lead.message(lead.keyboard_message().payload["message_id"])
    assert "11–12 of 12" in page["text"] and "/t1" in page["text"]
    assert "« Newer" in lead.buttons() and "Older »" not in lead.buttons()


async def test_one_transcript_reads_as_questions_answers_and_outcome(harness: Harness) -> None:
    user = harness.user("Ann")
    await decide(user, *SHARE_WITH_CONSENT[:3])
    await user.send("Jane Smith's dad, 07700 900123")
    await user.press("« Back")
    await user.press("16 or 17")
    for label in SHARE_WITH_CONSENT[3:]:
        await user.press(label)
    lead = make_lead(harness)
    shown = texts(await lead.send("/t1"))
    assert "Sharing with or without consent" in shown
    assert "Jane" not in shown and "07700" not in shown
    assert texts(await lead.send("/transcript 1")) == shown
    missing = texts(await lead.send("/transcript 99"))
    assert "There is no transcript 99" in missing
    actions = [a.action for a in await harness.services.store.accesses()]
    assert actions[:3] == ["show 99", "show 1", "show 1"]


async def test_tags_by_button_and_command_and_notes_are_redacted(harness: Harness) -> None:
    await decide(harness.user("Ann"), *UNSURE)
    lead = make_lead(harness)
    await lead.send("/transcript 1")
    await lead.press("Follow up")
    assert "✓ Follow up" in lead.buttons()
    store = harness.services.store
    assert (await store.get_transcript(1)).tags == {"follow_up"}  # type: ignore[union-attr]
    assert "tagged 'Training need'" in texts(await lead.send("/tag 1 training_need"))
    assert "no longer tagged" in texts(await lead.send("/tag 1 follow_up off"))
    assert "Send /tag" in texts(await lead.send("/tag 1 urgent"))
    reply = texts(await lead.send("/note 1 spoke to Jane Smith on 07700 900123"))
    assert "Note added" in reply
    # spoken to as a lead: the note is kept, redacted (not "I don't keep what you type")
    assert "Before saving the note I removed what looked like names and phone numbers" in reply
    assert "I don't keep" not in reply and "answers to my questions" not in reply
    found = await store.get_transcript(1)
    assert found is not None and found.tags == {"training_need"}
    assert "Jane" not in found.notes[0].text and "07700" not in found.notes[0].text
    assert found.notes[0].lead == f"telegram:{lead.id}"
    page = await store.list_transcripts(Filters(tag="training_need"), offset=0, limit=10)
    assert page.total == 1


async def test_notes_are_signed_with_the_leads_name_and_role_from_config(
    harness: Harness,
) -> None:
    await decide(harness.user("Ann"), *UNSURE)
    lead, other = harness.user("Lee"), harness.user("Mo")
    services = harness.services
    named = Lead(id=lead.id, name="Sam Patel", role="Designated safeguarding lead")
    services.config = services.config.model_copy(update={"leads": (named, Lead(id=other.id))})
    await lead.send("/note 1 discussed in supervision")
    await other.send("/note 1 followed up")
    shown = texts(await other.send("/transcript 1"))
    assert "Sam Patel (Designated safeguarding lead): discussed in supervision" in shown
    assert f"lead {other.id}: followed up" in shown
    services.config = services.config.model_copy(update={"leads": (Lead(id=other.id),)})
    shown = texts(await other.send("/transcript 1"))
    assert "a former lead: discussed in supervision" in shown and "telegram:" not in shown


async def test_stats_split_the_unfinished_by_how_they_stand(harness: Harness) -> None:
    """One left at a question for over a day (abandoned), one just now (in progress)."""
    idle = harness.user("Idle")
    await idle.send("/start")
    await idle.press("No")
    harness.clock.at = NOW + timedelta(hours=harness.services.config.abandoned_after_hours + 1)
    busy = harness.user("Busy")
    await busy.send("/start")
    await busy.press("No")
    said = texts(await make_lead(harness).send("/stats all"))
    assert "2 unfinished: 1 in progress, 1 abandoned (no answer for a day), 0 empty" in said


async def test_practitioners_by_pseudonym_the_urgent_first(harness: Harness) -> None:
    """A lead sees pseudonyms ranked for support; nobody else learns the command exists."""
    calm, worried = harness.user("Ann"), harness.user("Bo")
    await decide(calm, *SHARE_WITH_CONSENT)
    await decide(worried, "Yes")  # immediate danger: refer now
    await decide(worried, *UNSURE)
    other = harness.user("Nosy")
    assert texts(await other.send("/practitioners")) == UNKNOWN
    said = texts(await make_lead(harness).send("/practitioners all"))
    first, second = PSEUDONYMS.of(worried.id), PSEUDONYMS.of(calm.id)
    assert said.index(first) < said.index(second)
    assert f"{first}: 2 decisions (2 reached an outcome), not sure in 1 (50%), 1 urgent" in said
    assert "Ann" not in said and "Bo " not in said
    actions = [(a.action, a.allowed) for a in await harness.services.store.accesses()]
    assert ("practitioners", True) in actions and ("practitioners", False) in actions
    assert "Send /practitioners" in texts(await make_lead(harness).send("/practitioners 7d x"))


async def test_stats_come_as_text_and_a_chart(harness: Harness) -> None:
    await decide(harness.user("Ann"), *SHARE_WITH_CONSENT)
    await decide(harness.user("Bo"), *UNSURE)
    lead = make_lead(harness)
    calls = len(harness.world.calls)
    replies = await lead.send("/stats all")
    photos = [c for c in harness.bot_calls(calls) if c["method"] == "sendPhoto"]
    assert len(photos) == 1 and photos[0]["ok"]
    assert "2" in texts(replies)
    assert "not a period I know" in texts(await lead.send("/stats whenever"))
    empty = len(harness.world.calls)
    await lead.send("/stats 2020-01")
    assert not [c for c in harness.bot_calls(empty) if c["method"] == "sendPhoto"]


async def test_trends_week_by_week_for_a_lead_audited(harness: Harness) -> None:
    """Last week a decision with a "not sure" answer; this week (so far) one without."""
    harness.clock.at = NOW - timedelta(days=7)
    await decide(harness.user("Ann"), *UNSURE)
    harness.clock.at = NOW
    await decide(harness.user("Bo"), *SHARE_WITH_CONSENT)
    lead = make_lead(harness)
    said = texts(await lead.send("/trends 2"))
    assert "Trends: the 2 weeks from 9 Nov to 22 Nov 2026" in said
    assert "9 Nov  ██████████ 1" in said and "16 Nov (so far)  ██████████ 1" in said
    assert f"{MARKS[-1]}{NO_MARK} Legitimate purpose: 1 of 2 (50%)" in said
    assert f"{NO_MARK}{MARKS[-1]} Share, within the limits of the consent given: 1 of 2" in said
    assert f"{MARKS[-1]}{NO_MARK} Seek advice before you decide: 1 of 2 (50%)" in said
    assert "Trends: the 12 weeks from 31 Aug" in texts(await lead.send("/trends"))
    accesses = await harness.services.store.accesses()
    assert [(a.who, a.action, a.allowed) for a in accesses[:2]] == [
        (f"telegram:{lead.id}", "trends", True)
    ] * 2
    assert accesses[1].detail == "the 2 weeks from 9 Nov to 22 Nov 2026"


@pytest.mark.parametrize("weeks", ["0", "53", "x", "²", "-1", "1.5", "99999999999999", "4 4"])
async def test_trends_of_a_number_of_weeks_it_cannot_show_get_kind_usage(
    harness: Harness, weeks: str
) -> None:
    lead = make_lead(harness)
    shown = texts(await lead.send(f"/trends {weeks}"))
    assert shown == words.TRENDS_USAGE.format(most=52)
    assert await harness.services.store.accesses() == []  # nothing was looked at


@pytest.mark.parametrize(
    "command",
    ["/transcripts", "/transcript 1", "/t1", "/stats", "/trends", "/tag 1 reviewed", "/note 1 x"],
)
async def test_a_non_lead_gets_what_an_unknown_command_gets(
    harness: Harness, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    await decide(harness.user("Ann"), *UNSURE)
    make_lead(harness)  # someone else is the lead
    stranger = harness.user("Sid")
    unknown = texts(await stranger.send("/nonsense"))
    with caplog.at_level(logging.INFO):
        replies = await stranger.send(command)
    assert texts(replies) == unknown == UNKNOWN
    assert "a non-lead" in caplog.text and command not in caplog.text
    assert f"telegram:{PSEUDONYMS.of(stranger.id)}" in caplog.text  # by pseudonym only
    assert str(stranger.id) not in caplog.text
    denied = (await harness.services.store.accesses())[0]
    assert not denied.allowed and denied.who.startswith("telegram:p-")
    assert str(stranger.id) not in denied.who
    found = await harness.services.store.get_transcript(1)
    assert found is not None and found.tags == frozenset() and found.notes == ()


@pytest.mark.parametrize(
    "data",
    [
        # Well-formed: what a lead's own buttons send (tag transcript 1 "Reviewed"; a list page).
        "T:1:0:1",
        "L:0:0:1:0:all:",
        # Malformed.
        "L:0:0:0:all",
        "L:0:0:4:all",
        "T:1:0",
        "T:1:9",
        "L:x",
    ],
)
async def test_a_forged_lead_button_from_a_non_lead_reveals_nothing(
    harness: Harness, data: str
) -> None:
    await decide(harness.user("Ann"), *UNSURE)
    stranger = harness.user("Sid")
    await stranger.send("/start")
    message_id = stranger.keyboard_message().payload["message_id"]
    before = stranger.message(message_id)
    calls = len(harness.world.calls)
    assert await stranger.forge(data, message_id) == []
    answers = [c for c in harness.bot_calls(calls) if c["method"] == "answerCallbackQuery"]
    assert [a["params"].get("text") for a in answers] == [NOT_THIS_BUTTON]
    assert stranger.message(message_id) == before
    assert [c["method"] for c in harness.bot_calls(calls)] == ["answerCallbackQuery"]
    found = await harness.services.store.get_transcript(1)
    assert found is not None and found.tags == frozenset()


async def test_a_lead_removed_from_config_loses_access_at_once(harness: Harness) -> None:
    lead = make_lead(harness)
    assert "Transcripts" in texts(await lead.send("/transcripts"))
    listing = lead.keyboard_message().payload["message_id"]
    before = lead.message(listing)
    services = harness.services
    services.config = services.config.model_copy(update={"leads": ()})
    assert texts(await lead.send("/transcripts")) == UNKNOWN
    calls = len(harness.world.calls)
    await lead.press("Not sure", listing)
    answers = [c for c in harness.bot_calls(calls) if c["method"] == "answerCallbackQuery"]
    assert [a["params"].get("text") for a in answers] == [NOT_THIS_BUTTON]
    assert lead.message(listing) == before


async def test_leads_are_shown_their_commands_in_their_chat_only(
    config: Config, library: Library
) -> None:
    world = World(TOKEN, bot_name="I", bot_username="i_bot", privacy_mode=True)
    lead = world.create_user("Lee", None, None, "en")["id"]
    config = config.model_copy(update={"leads": (Lead(id=lead),)})
    app = build_application(config, library, TOKEN, PSEUDONYMS, request=WorldRequest(world))
    async with app:
        await _post_init(app)
        await app.services.close()
    everyone = await world.call("getMyCommands", {})
    mine = await world.call("getMyCommands", {"scope": {"type": "chat", "chat_id": lead}})
    lead_names = {name for name, _ in words.LEAD_COMMANDS}
    assert not lead_names & {c["command"] for c in everyone}
    assert lead_names <= {c["command"] for c in mine}


async def test_stats_show_quiz_results_as_a_training_signal(harness: Harness) -> None:
    user = harness.user("Ann")
    await user.send("/quiz golden_rules")
    await user.press("True")
    await user.press("False")
    lead = make_lead(harness)
    shown = texts(await lead.send("/stats all"))
    assert "Quizzes" in shown and "1 person, 2 answers" in shown
    assert "p-" not in shown  # counts only: no pseudonyms


async def test_typed_tag_and_practitioner_filters_survive_the_buttons(harness: Harness) -> None:
    ann, bo = harness.user("Ann"), harness.user("Bo")
    await decide(ann, *UNSURE)
    await decide(bo, *UNSURE)
    await decide(bo, *SHARE_WITH_CONSENT)
    lead = make_lead(harness)
    await lead.send("/tag 2 follow_up")
    await lead.send("/tag 3 follow_up")
    listing = texts(await lead.send("/transcripts tag=follow_up"))
    assert "tagged Follow up" in listing and "1–2 of 2" in listing
    await lead.press("Not sure")
    page = lead.message(lead.keyboard_message().payload["message_id"])["text"]
    assert "tagged Follow up" in page and "1–1 of 1" in page and "/t2" in page
    who = PSEUDONYMS.of(bo.id)
    listing = texts(await lead.send(f"/transcripts practitioner={who}"))
    assert f"practitioner {who}" in listing and "1–2 of 2" in listing
    await lead.press("Not sure")
    page = lead.message(lead.keyboard_message().payload["message_id"])["text"]
    assert f"practitioner {who}" in page and "1–1 of 1" in page
    assert "practitioner code" in texts(await lead.send("/transcripts practitioner=bob"))


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/transcript ²", "is not a transcript number"),
        ("/transcript 99999999999", "is not a transcript number"),
        ("/t99999999999", "is not a transcript number"),
        ("/tag 99999999999 reviewed", "is not a transcript number"),
        ("/note ² hello", "is not a transcript number"),
        ("/stats 9999-12-31", "not a period I know"),
        ("/stats 2026-10-01..9999-12-31", "not a period I know"),
        ("/transcripts period=99999m", "not a period I know"),
    ],
)
async def test_out_of_range_numbers_and_dates_get_words_not_an_apology(
    harness: Harness, command: str, answer: str
) -> None:
    lead = make_lead(harness)
    shown = texts(await lead.send(command))
    assert answer in shown and "Sorry" not in shown


async def test_an_empty_typed_period_means_all_and_its_buttons_work(harness: Harness) -> None:
    await decide(harness.user("Ann"), *UNSURE)
    lead = make_lead(harness)
    assert "1–1 of 1" in texts(await lead.send("/transcripts period="))
    assert "Period: all" in lead.buttons()
    calls = len(harness.world.calls)
    await lead.press("Period: all")
    answers = [c for c in harness.bot_calls(calls) if c["method"] == "answerCallbackQuery"]
    assert [a["params"].get("text") for a in answers] == [None]


async def test_a_stale_tag_button_sets_what_it_shows_never_the_opposite(harness: Harness) -> None:
    await decide(harness.user("Ann"), *UNSURE)
    lead = make_lead(harness)
    await lead.send("/transcript 1")
    stale = lead.keyboard_message().payload["message_id"]
    await lead.send("/tag 1 follow_up")  # another lead, say, tagged it meanwhile
    await lead.press("Follow up", stale)  # the old button still says "add it"
    found = await harness.services.store.get_transcript(1)
    assert found is not None and found.tags == {"follow_up"}


async def test_quiz_results_in_stats_respect_the_period(harness: Harness) -> None:
    user = harness.user("Ann")
    await user.send("/quiz golden_rules")
    await user.press("True")
    lead = make_lead(harness)
    assert "No quiz answers in this period" in texts(await lead.send("/stats 2020-01"))


async def test_a_reload_takes_a_lead_away_and_a_broken_file_keeps_the_old_config(
    harness: Harness, tmp_path: Path
) -> None:
    from bot.telegram.application import reload_config

    lead = make_lead(harness)
    services = harness.services
    path = tmp_path / "config.yaml"
    path.write_text("leads: [not-a-number]\n")
    assert not reload_config(services, path)
    assert "Transcripts" in texts(await lead.send("/transcripts"))
    path.write_text("leads: []\nurgent_outcomes: [refer_nwo]\n")  # valid YAML, not an outcome
    assert not reload_config(services, path)
    assert services.config.urgent_outcomes == ("refer_now",)
    assert "Transcripts" in texts(await lead.send("/transcripts"))
    running_storage = services.config.storage  # the file names none: the default would differ
    path.write_text("leads: []\nretention_days: 30\n")
    assert reload_config(services, path)
    assert services.config.retention_days == 30
    assert services.config.storage == running_storage
    assert texts(await lead.send("/transcripts")) == UNKNOWN
