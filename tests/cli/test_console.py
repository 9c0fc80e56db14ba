"""`infoshare-bot console`, text and --jsonl, driven through a real subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.outcome import PARTS, SUMMARY_CHARS
from tests.support.conversations import SCRIPTS, Script

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run `infoshare-bot ARGS` as a real process from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        cwd=ROOT,
        check=False,
    )


def console(*args: str, stdin: str, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    options = ["--config", str(config)] if config else []
    return cli(*options, "console", *args, stdin=stdin)


def jsonl(
    *answers: str, options: tuple[str, ...] = ("--edition", "hmg-2015")
) -> list[dict[str, object]]:
    lines = "".join(json.dumps({"answer": a}) + "\n" for a in answers)
    done = console("--jsonl", *options, stdin=lines)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.mark.parametrize("transcript", SCRIPTS, ids=lambda t: t.name)
def test_transcripts_through_console_jsonl(transcript: Script) -> None:
    turns = jsonl(*(said for _, said in transcript.turns), options=transcript.options)
    questions = [t for t in turns if t["choices"] or t.get("outcome")]
    assert [t["step"] for t in questions] == [s for s, _ in transcript.turns] + [transcript.outcome]
    last = turns[-1]
    assert last["outcome"] == transcript.outcome
    assert last["rules"] and all(1 <= n <= 7 for n in last["rules"])  # type: ignore[union-attr]
    assert "INFORMATION SHARING DECISION RECORD" in str(last["record"])
    assert (last["edition"], last["jurisdiction"]) == (transcript.edition, transcript.jurisdiction)
    parts = last["parts"]
    assert isinstance(parts, dict) and set(parts) == set(PARTS)
    assert len(str(last["text"]).split("\n\nType why")[0]) <= SUMMARY_CHARS
    for phrase in transcript.says:
        assert phrase in str(last["text"]) + "\n".join(parts.values()), phrase


def test_jsonl_turns_have_step_text_and_choices() -> None:
    first_question = jsonl()[1]
    assert first_question["step"] == "immediate_danger"
    assert first_question["choices"] == [
        {"id": "yes", "label": "Yes"},
        {"id": "no", "label": "No"},
        {"id": "not_sure", "label": "Not sure"},
    ]
    assert "immediate danger" in str(first_question["text"])


def test_jsonl_bad_lines_get_a_clear_message_and_the_same_question() -> None:
    done = console("--jsonl", stdin='not json\n{"answer": 7}\n{"answer": "perhaps"}\n')
    assert done.returncode == 0
    turns = [json.loads(line) for line in done.stdout.splitlines()]
    errors = turns[2:]
    assert len(errors) == 3
    assert all(t["step"] == "immediate_danger" and t["choices"] for t in errors)
    assert "JSON object" in str(errors[0]["error"])
    assert "JSON object" in str(errors[1]["error"])
    assert "did not recognise" in str(errors[2]["error"])


def test_text_console_numbered_choices_commands_and_quit() -> None:
    stdin = "help\nrule 1\nexplain\n1\nrules\nrecord\nwhy\n/safely\nrestart\nquit\n"
    done = console("--edition", "hmg-2015", stdin=stdin)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "1. Yes\n2. No\n3. Not sure" in out
    assert "Data Protection Act 1998" in out and "Data Protection Act 2018" in out
    assert "WHAT THIS MEANS: IMMEDIATE DANGER" in out
    assert "INFORMATION SHARING DECISION RECORD" in out
    assert "WHY: ACT NOW" in out and "GOLDEN RULES THAT APPLY" in out
    assert "NEXT STEPS" in out
    assert "THE SEVEN GOLDEN RULES" in out
    assert out.rstrip().endswith("Goodbye.")


def test_text_console_unknown_input_and_rule_numbers() -> None:
    out = console(stdin="banana\nrule 9\nrecord\n").stdout
    assert "Sorry, I did not recognise that" in out
    assert "type rule 1 to rule 7" in out
    assert "There is no decision yet" in out


def test_contacts_come_from_the_config(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        'contacts:\n  - {name: "Children\'s Services front door", phone: "0118 908 8002"}\n'
    )
    out = console(stdin="contacts\n", config=config).stdout
    assert "Children's Services front door: 0118 908 8002" in out
    assert "999" in out


def test_a_bad_config_stops_with_a_message_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("contacts:\n  - {name: Somewhere, phone: '12345'}\nstorage: {nope: 1}\n")
    done = console(stdin="", config=config)
    assert done.returncode == 2
    assert "contacts.0.phone" in done.stderr and "not a valid UK phone number" in done.stderr
    assert "storage.nope: Extra inputs are not permitted" in done.stderr
    assert "Traceback" not in done.stderr


def test_check_and_diagram_commands() -> None:
    check = cli("check")
    assert check.returncode == 0 and check.stdout.startswith("OK:")
    diagram = cli("diagram")
    assert "stateDiagram-v2" in diagram.stdout
    assert "immediate_danger --> refer_now: yes" in diagram.stdout


def test_check_reports_problems_with_exit_code_1(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "dialogues", tmp_path, dirs_exist_ok=True)
    advice = tmp_path / "hmg-2015" / "advice.yaml"
    advice.write_text(advice.read_text().replace("next: refer_now", "next: refer_later"))
    done = cli("--dialogues", str(tmp_path), "check")
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == (
        "hmg-2015/advice.yaml: immediate_danger: answer 'yes' leads to unknown step 'refer_later'"
    )  # once, not once for each nation
    assert "england-2024" not in done.stderr
    assert "advice.yaml: refer_now: cannot be reached from the start" in done.stderr


def test_redact_command_keeps_one_line_per_message() -> None:
    lines = "Chloe's mum rang on 07700 900123\nshe is 14; Children Act 2004 applies\n\nEnd"
    done = cli("redact", stdin=lines)
    assert done.returncode == 0
    out = done.stdout.split("\n")
    assert out == [
        "[NAME]'s mum rang on [PHONE]",
        "she is 14; Children Act 2004 applies",
        "",
        "End",
    ]


def test_console_names_what_it_removed_from_free_text() -> None:
    out = console(stdin="ring Aisha on 07700 900123\n").stdout
    assert "I removed what looked like names and phone numbers" in out


def test_the_danger_question_repeats_999_for_anything_it_does_not_understand() -> None:
    out = console(stdin="yes he has a knife\nyes, Jayden's dad threatened him\n").stdout
    # once in the introduction, then once for each reply it did not understand
    assert out.count("If anyone is in immediate danger, call 999 now.") == 3
    assert "I removed what looked like names" in out


def test_the_age_question_is_not_numbered() -> None:
    turns = jsonl("no", "child", "2")
    age = turns[-2]
    assert age["step"] == "age_band"
    assert "1. Under 12" not in str(age["text"]) and "type the age in years" in str(age["text"])
    assert "- Under 12\n- 12 to 15\n- 16 or 17\n- 18 or over" in str(age["text"])  # shown
    assert turns[-1]["step"] == "legitimate_purpose"  # "2" was an age: under 12


def test_edition_and_jurisdiction_options_override_the_config(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("edition: hmg-2015\njurisdiction: wales\n", encoding="utf-8")
    lines = json.dumps({"answer": "yes"}) + "\n"
    for options, expected in [
        ((), ("hmg-2015", "wales")),
        (("--edition", "england-2024", "--jurisdiction", "scotland"), ("england-2024", "scotland")),
    ]:
        done = console("--jsonl", *options, stdin=lines, config=config)
        last = json.loads(done.stdout.splitlines()[-1])
        assert (last["edition"], last["jurisdiction"]) == expected
        assert f"Where you work: {expected[1].title()}." in last["parts"]["sources"]


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (("--jurisdiction", "narnia"), "invalid choice: 'narnia'"),
        (("--edition", "england-2099"), "has no edition 'england-2099'"),
    ],
)
def test_an_unknown_edition_or_nation_gets_a_clear_message(
    options: tuple[str, ...], said: str
) -> None:
    done = console(*options, stdin="")
    assert done.returncode != 0 and said in done.stderr
    assert "Traceback" not in done.stderr


def test_not_sure_then_stop_in_jsonl_offers_stop_last() -> None:
    turns = jsonl("no", "adult", "no", "not sure", options=("--edition", "england-2024"))
    note = turns[-1]
    assert note["step"] == "legitimate_purpose" and note["unsure"] is True
    assert note["choices"][-1] == {"id": "stop", "label": "Stop here: get advice"}  # type: ignore[index]
