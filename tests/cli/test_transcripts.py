"""`infoshare-bot transcripts ...` and `infoshare-bot audit`, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import pwd
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from alembic import command

from bot.cli import main
from bot.storage import StoredConversation, open_store
from bot.storage.sql import driver_url, migration_config
from bot.transcripts.model import FREE_TEXT, Entry, QuizAnswer, TranscriptWrite
from bot.transcripts.pseudonym import SECRET_ENV
from tests.support.storage import KEYS

WHO = f"cli:{pwd.getpwuid(os.geteuid()).pw_name}"


async def seed(url: str) -> None:
    """Three conversations: shared with consent (9 days ago), unsure (unfinished, 2 days ago),
    redacted (unfinished, half a day ago)."""
    # the time at seeding, not at import, and half a day from the one-day cut-off: the CLI
    # reads the real clock, however long the tests before this one took
    now = datetime.now(UTC).replace(microsecond=0)
    store = await open_store(url, KEYS)
    plans = [
        ("share_with_consent", 9, [("immediate_danger", "no"), ("consent", "given")], False),
        (None, 2, [("immediate_danger", "no"), ("legitimate_purpose", "not_sure")], False),
        (None, 0.5, [("immediate_danger", "no")], True),
    ]
    for chat, (outcome, days_ago, answers, typed) in enumerate(plans, start=1):
        start = now - timedelta(days=days_ago)
        steps = [
            Entry(step, answer, start + timedelta(minutes=1), False) for step, answer in answers
        ]
        if typed:
            steps.append(Entry("about_whom", FREE_TEXT, start + timedelta(minutes=2), True, "name"))
        conv = StoredConversation(
            chat_id=chat,
            dialogue="advice",
            step=outcome or steps[-1].step,
            history=tuple(answers),
            conversation_id=f"conv000{chat}",
            turn=1,
            content_version="test",
            started_at=start,
            updated_at=start + timedelta(minutes=3),
            version=0,
        )
        write = TranscriptWrite(
            conversation_id=conv.conversation_id,
            practitioner=f"p-{chat:012d}",
            dialogue="advice",
            content_version="test",
            started_at=start,
            at=start + timedelta(minutes=3),
            outcome=outcome,
            rules=(4, 6, 7) if outcome else (),
            steps=tuple(steps),
        )
        await store.save(conv, expected_version=None, transcript=write)
    assert await store.give_feedback("conv0001", "p-000000000001", "partly", now, 5)
    assert await store.feedback_comment("p-000000000001", 5, "clear, but [NAME] was upset", now)
    for who, correct, days_ago in (("p-1", False, 3), ("p-2", False, 4), ("p-3", True, 40)):
        at = now - timedelta(days=days_ago)
        await store.record_quiz_answer(QuizAnswer(who, "why_share", "success_depends", correct, at))
    await store.close()


@pytest.fixture
def config_file(tmp_path: Path, store_url: str) -> Path:
    asyncio.run(seed(store_url))
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"storage": {"url": store_url}}))
    return path


def run(config_file: Path, *args: str) -> int:
    return main(["--config", str(config_file), *args])


def test_list_is_newest_first_and_filters_like_telegram(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config_file, "transcripts", "list") == 0
    out = capsys.readouterr().out
    assert "1–3 of 3" in out
    assert out.index("#3") < out.index("#2") < out.index("#1")
    assert run(config_file, "transcripts", "list", "unsure") == 0
    out = capsys.readouterr().out
    assert "1–1 of 1" in out and "#2" in out
    assert run(config_file, "transcripts", "list", "period=7d", "unfinished") == 0
    assert "1–2 of 2" in capsys.readouterr().out
    assert run(config_file, "transcripts", "list", "outcome=share_with_consent") == 0
    assert "1–1 of 1" in capsys.readouterr().out


def test_a_bad_filter_is_explained_not_a_traceback(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config_file, "transcripts", "list", "outcome=maybe") == 2
    err = capsys.readouterr().err
    assert "There is no outcome 'maybe'" in err and "Traceback" not in err
    assert run(config_file, "transcripts", "stats", "period=soon") == 2
    assert "not a period I know" in capsys.readouterr().err


def test_show_reads_one_transcript_and_says_when_there_is_none(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config_file, "transcripts", "show", "1") == 0
    assert "Rule 4: Seek advice early" in capsys.readouterr().out  # the default edition's rule 4
    assert run(config_file, "transcripts", "show", "99") == 1
    assert "There is no transcript 99" in capsys.readouterr().err


def test_export_jsonl_has_the_documented_fields(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config_file, "transcripts", "export", "--format", "jsonl") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["id"] for line in lines] == [1, 2, 3]
    first = lines[0]
    for key in ("practitioner", "started_at", "ended_at", "content_version", "outcome", "rules"):
        assert key in first
    assert first["outcome"] == "share_with_consent" and first["rules"] == [4, 6, 7]
    assert {"step", "answer", "at", "redacted"} <= set(first["steps"][0])
    assert lines[1]["ended_at"] is None
    assert lines[2]["steps"][-1]["redacted"] is True


def test_export_csv_and_html_to_files_with_a_progress_bar(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "out.csv"
    assert (
        run(config_file, "transcripts", "export", "--format", "csv", "-o", str(table), "--progress")
        == 0
    )
    err = capsys.readouterr().err
    assert "3/3" in err and "Wrote 3 transcript(s)" in err
    rows = list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8"))))
    assert {row["id"] for row in rows} == {"1", "2", "3"}
    report = tmp_path / "report.html"
    assert (
        run(
            config_file,
            "transcripts",
            "export",
            "--format",
            "html",
            "-o",
            str(report),
            "unfinished",
        )
        == 0
    )
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert "<td>of which abandoned (no answer for a day)</td>" in page
    assert '<section id="quizzes">' in page and "3 people, 3 answers" in page
    # trends by week, narrowed like the rest of the report: the two unfinished ones only
    assert '<section id="trends">' in page and "Unfinished: 2 of 2 (100%)" in page
    assert run(config_file, "transcripts", "export", "-o", str(tmp_path / "no" / "x.csv")) == 2
    assert "cannot write" in capsys.readouterr().err


def test_stats_print_and_save_a_chart(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chart = tmp_path / "chart.png"
    assert run(config_file, "transcripts", "stats", "--chart", str(chart)) == 0
    out = capsys.readouterr().out
    # the last 30 days unless told otherwise, as /stats in Telegram: the quiz answer of 40 days
    # ago is left out, as are no transcripts (the oldest is 9 days old)
    assert out.startswith("Transcripts: from ") and " to now\n" in out.splitlines()[0] + "\n"
    assert "QUIZZES" in out and "Why information sharing is important: 2 people, 2 answers" in out
    assert "100% wrong (2 of 2): “Success for those at risk" in out
    # the unsure one stopped two days ago, the redacted one half a day ago (the command reads
    # the real clock: half a day from the one-day cut-off, however slowly the suite runs)
    assert "3 conversations: 1 reached an outcome, 2 unfinished: 1 in progress, 1 abandoned" in out
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_trends_week_by_week_as_in_telegram_and_audited(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every seeded decision is in the last twelve weeks; the one of 9 days ago never in this
    week (whatever day today is), so one week leaves it out."""
    assert run(config_file, "transcripts", "trends") == 0
    out = capsys.readouterr().out
    assert out.startswith("TRENDS: THE 12 WEEKS FROM ")
    table = out.split("DECISIONS STARTED, BY WEEK\n\n")[1].split("\n\n")[0].splitlines()
    assert len(table) == 12 and "(so far)" in table[-1]
    assert sum(int(line.rsplit(" ", 1)[1]) for line in table) == 3
    assert "Legitimate purpose: 1 of 1 (100%)" in out
    assert "Unfinished: 2 of 3 (67%)" in out
    assert "Share, within the limits of the consent given: 1 of 3 (33%)" in out
    assert run(config_file, "transcripts", "trends", "--weeks", "1") == 0
    out = capsys.readouterr().out
    assert out.startswith("TRENDS: THE 1 WEEK FROM ") and "consent given" not in out
    assert run(config_file, "audit") == 0
    log = capsys.readouterr().out.splitlines()
    assert sum(f"{WHO}  trends  (the " in line for line in log) == 2


@pytest.mark.parametrize("weeks", ["0", "53", "x", "²"])
def test_trends_of_weeks_it_cannot_show_is_a_usage_error(
    config_file: Path, capsys: pytest.CaptureFixture[str], weeks: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        run(config_file, "transcripts", "trends", "--weeks", weeks)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "expected a whole number from 1 to 52" in err and "Traceback" not in err


def test_tag_note_and_the_access_log(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config_file, "transcripts", "tag", "2", "follow_up") == 0
    assert run(config_file, "transcripts", "list", "tag=follow_up") == 0
    assert "1–1 of 1" in capsys.readouterr().out
    assert run(config_file, "transcripts", "note", "2", "rang", "Jane", "Smith") == 0
    assert "Before saving the note I removed what looked like names" in capsys.readouterr().out
    assert run(config_file, "transcripts", "show", "2") == 0
    shown = capsys.readouterr().out
    assert "Jane" not in shown and "rang" in shown
    assert run(config_file, "transcripts", "tag", "99", "reviewed") == 1
    assert run(config_file, "audit") == 0
    log = capsys.readouterr().out.splitlines()
    assert all(WHO in line for line in log)
    actions = [line.split(WHO, 1)[1].strip() for line in log]
    assert actions[0].startswith("tag 99 reviewed")
    assert any(a.startswith("show 2") for a in actions)
    assert any(a.startswith("note 2") for a in actions)


def test_purge_counts_first_and_deletes_only_with_yes(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config_file, "transcripts", "purge", "--older-than", "5") == 0
    assert "1 transcript(s)" in capsys.readouterr().out
    assert run(config_file, "transcripts", "list") == 0
    assert "of 3" in capsys.readouterr().out
    assert run(config_file, "transcripts", "purge", "--older-than", "0", "unsure", "--yes") == 0
    assert "Deleted 1 transcript(s)" in capsys.readouterr().out
    assert run(config_file, "transcripts", "purge", "--older-than", "5", "--yes") == 0
    assert run(config_file, "transcripts", "list") == 0
    out = capsys.readouterr().out
    assert "1–1 of 1" in out and "#3" in out
    assert run(config_file, "transcripts", "purge", "--older-than", "5") == 0
    said = capsys.readouterr().out
    assert "Nothing would be deleted" in said and "Add --yes" not in said


@pytest.mark.parametrize(
    "args",
    [
        ("transcripts", "show", "99999999999"),
        ("transcripts", "show", "abc"),
        ("transcripts", "tag", "²", "reviewed"),
        ("transcripts", "list", "--page", "99999999999999999999"),
        ("transcripts", "list", "--limit", "0"),
        ("transcripts", "purge", "--older-than", "99999999"),
        ("audit", "--limit", "-1"),
    ],
)
def test_out_of_range_arguments_are_usage_errors(
    config_file: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        run(config_file, *args)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err


def test_file_problems_are_explained_and_a_failed_export_is_not_logged_as_done(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config_file, "transcripts", "stats", "--chart", "/nonexistent/c.png") == 2
    assert "cannot write /nonexistent/c.png" in capsys.readouterr().err
    assert run(config_file, "transcripts", "export", "-o", "/nonexistent/x.jsonl") == 2
    assert run(config_file, "audit") == 0
    assert "export" not in capsys.readouterr().out


def test_audit_periods_have_an_end(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config_file, "transcripts", "list") == 0
    capsys.readouterr()
    assert run(config_file, "audit", "--period", "yesterday") == 0
    assert "empty for this period" in capsys.readouterr().out
    assert run(config_file, "audit", "--period", "today") == 0
    assert "list" in capsys.readouterr().out


def test_practitioners_by_pseudonym(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The unsure practitioner first; the last 30 days by default; every view audited."""
    assert run(config_file, "transcripts", "practitioners") == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("- p-")]
    assert lines[0].startswith("- p-000000000002: 1 decision (0 reached an outcome), not sure in 1")
    assert len(lines) == 3 and out.startswith("PRACTITIONERS: FROM ")
    assert run(config_file, "transcripts", "practitioners", "period=all", "outcome=nope") == 2
    capsys.readouterr()
    assert run(config_file, "transcripts", "practitioners", "PERIOD=All") == 0  # as typed
    assert capsys.readouterr().out.startswith("PRACTITIONERS: ALL TRANSCRIPTS")
    assert run(config_file, "audit") == 0
    assert "practitioners" in capsys.readouterr().out


def test_feedback_by_outcome_with_every_comment(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config_file, "transcripts", "feedback") == 0
    out = capsys.readouterr().out
    assert out.startswith("DID DECISIONS HELP? (FROM ")
    assert ": 0 helped, 1 partly, 0 didn't (1 said)" in out
    assert "- clear, but [NAME] was upset" in out
    assert run(config_file, "transcripts", "feedback", "period=1d") == 0
    assert "Nobody has said yet" in capsys.readouterr().out  # the decision was 9 days ago
    assert run(config_file, "audit") == 0
    assert "feedback" in capsys.readouterr().out


def test_without_the_bots_secret_an_older_database_is_left_for_the_bot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Conversations saved before chat ids were keyed can be rekeyed only with the bot's secret:
    a command run without it (another shell, another folder) must not make up a key and rekey
    them with that; it says so, changes nothing and makes no key."""
    monkeypatch.delenv(SECRET_ENV, raising=False)
    url = f"sqlite:///{tmp_path / 'data' / 'infoshare.db'}"
    asyncio.run(_close(open_store(url, KEYS)))
    engine = sa.create_engine(driver_url(url))
    try:
        with engine.begin() as conn:
            config = migration_config()
            config.attributes["connection"] = conn
            command.downgrade(config, "0005_owed_replies")
            conn.execute(
                sa.text(
                    "INSERT INTO conversations (chat_id, dialogue, step, history, conversation_id,"
                    " turn, content_version, started_at, updated_at, version, applied) VALUES (7,"
                    " 'advice', 'about_whom', '[]', 'c7', 1, 'v', '2026-12-01 09:00:00',"
                    " '2026-12-01 09:00:00', 1, '[]')"
                )
            )
    finally:
        engine.dispose()
    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump({"storage": {"url": url}}))
    assert run(config_file, "transcripts", "stats") == 2
    err = capsys.readouterr().err
    assert "only the bot's secret" in err and "Start the bot once" in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "data" / "pseudonym.key").exists(), "no key was made up"
    engine = sa.create_engine(driver_url(url))
    try:
        with engine.connect() as conn:
            version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            chats = conn.execute(sa.text("SELECT chat_id FROM conversations")).scalars().all()
    finally:
        engine.dispose()
    assert (version, chats) == ("0005_owed_replies", [7])


async def _close(opening: Any) -> None:
    await (await opening).close()
