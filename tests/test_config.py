"""Configuration: the example documents every key, and mistakes name the key."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from pydantic import BaseModel

from bot.config import Config, QuietHours, load_config
from bot.errors import ConfigError
from tests.support.offline import TOKEN

ROOT = Path(__file__).resolve().parents[1]


def keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    found = set()
    for name, field in model.model_fields.items():
        found.add(prefix + name)
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            found |= keys(kind, f"{prefix}{name}.")
    return found


def documented(data: dict[str, Any], prefix: str = "") -> set[str]:
    found = set()
    for name, value in data.items():
        found.add(prefix + name)
        if isinstance(value, dict):
            found |= documented(value, f"{prefix}{name}.")
    return found


def test_the_example_documents_every_key_and_loads() -> None:
    example = ROOT / "config.example.yaml"
    assert documented(yaml.safe_load(example.read_text())) == keys(Config)
    config = load_config(example)
    assert config.telegram.token_env == "TELEGRAM_BOT_TOKEN"
    assert len(config.contacts) == 4


def test_defaults_match_the_example_except_contacts() -> None:
    example = load_config(ROOT / "config.example.yaml")
    assert example.model_copy(update={"contacts": ()}) == Config()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("retention_days: 0", "retention_days: Input should be greater than or equal to 1"),
        ("telegram: {webhook: {port: 99999}}", "telegram.webhook.port"),
        ("logging: {level: LOUD}", "logging.level: Value error, must be DEBUG"),
        ("surprise: 1", "surprise: Extra inputs are not permitted"),
        ("- a list", "must be a mapping"),
        ("key: [unclosed", "is not valid YAML"),
        ("timezone: Mars/Olympus", "timezone: Value error, 'Mars/Olympus' is not a time zone"),
        ("leads: [-5]", "leads.0: Value error, leads are Telegram user ids"),
        ("leads: [alice]", "leads.0: Value error, a lead is a Telegram user id (a number)"),
        ("leads: [5, 5]", "leads: Value error, a lead is listed twice"),
        ("leads: [{id: 5, rank: 2}]", "leads.0.rank: Extra inputs are not permitted"),
        (
            "alerts: {quiet_hours: {start: '22:00', end: '22:00'}}",
            "alerts.quiet_hours: Value error, start and end must differ",
        ),
        ("alerts: {quiet_hours: {start: '25:00', end: '07:00'}}", "alerts.quiet_hours.start:"),
        ("jurisdiction: narnia", "jurisdiction: Input should be 'england', 'wales', 'scotland'"),
        ("edition: ../etc", "edition: String should match pattern"),
        ("organisations: [{id: Acorn, name: A}]", "organisations.0.id: String should match"),
        (
            "organisations: [{id: a, name: A}, {id: a, name: B}]",
            "(file): Value error, organisations: an id is listed twice",
        ),
        (
            "leads: [1]\norganisations: [{id: a, name: A}]",
            "with organisations, list leads under each organisation",
        ),
        ("partnership_leads: [1]", "partnership_leads needs organisations"),
        ("organisations: [{id: a, name: A, leads: [4, 4]}]", "a lead is listed twice"),
        ("desk: {link_minutes: 0}", "desk.link_minutes: Input should be greater than or equal"),
        ("desk: {idle_minutes: 2}", "desk.idle_minutes: Input should be greater than or equal"),
        ("desk: {public_url: desk.example.org}", "desk.public_url: Value error, must be a web"),
        ("desk: {public_url: 'https://a b'}", "desk.public_url: Value error, must be a web"),
    ],
)
def test_mistakes_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ("", "Set the bot token in the environment variable TELEGRAM_BOT_TOKEN."),
        ("not-a-token", "is malformed"),
    ],
)
def test_the_token_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, token: str, problem: str
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    with pytest.raises(ConfigError, match=problem):
        Config().token()
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    assert Config().token() == TOKEN


def test_a_relative_dialogues_folder_is_taken_from_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("dialogues: content\n")
    assert load_config(path).dialogues == tmp_path / "content"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////srv/infoshare/bot.db", Path("/srv/infoshare/pseudonym.key")),
        ("sqlite:///:memory:", Path("pseudonym.key")),
        ("postgresql://bot@db/infoshare", Path("pseudonym.key")),
    ],
)
def test_the_pseudonym_key_lives_beside_an_sqlite_database(url: str, expected: Path) -> None:
    assert Config(storage={"url": url}).key_file() == expected  # type: ignore[arg-type]


def test_a_relative_key_file_is_taken_from_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("pseudonym_key_file: secrets/pseudonym.key\nleads: [1234]\n")
    config = load_config(path)
    assert config.key_file() == tmp_path / "secrets" / "pseudonym.key"
    assert config.is_lead(1234) and not config.is_lead(4321) and not config.is_lead(None)


@pytest.mark.parametrize(
    ("desk", "base"),
    [
        ({}, "http://127.0.0.1:8080"),
        ({"listen": "::1", "port": 9000}, "http://[::1]:9000"),
        ({"public_url": "https://desk.example.org/"}, "https://desk.example.org"),
        ({"public_url": "https://example.org/desk"}, "https://example.org/desk"),
    ],
)
def test_the_desk_is_reached_at_its_public_url_or_where_it_listens(
    desk: dict[str, Any], base: str
) -> None:
    assert Config(desk=desk).desk.base_url == base  # type: ignore[arg-type]


LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("start", "end", "at", "released"),
    [
        # overnight quiet hours, in summer time (UTC+1)
        ("22:00", "07:00", datetime(2026, 7, 1, 20, 59, tzinfo=UTC), None),
        (
            "22:00",
            "07:00",
            datetime(2026, 7, 1, 21, 0, tzinfo=UTC),
            datetime(2026, 7, 2, 6, 0, tzinfo=UTC),
        ),
        (
            "22:00",
            "07:00",
            datetime(2026, 7, 2, 1, 30, tzinfo=UTC),
            datetime(2026, 7, 2, 6, 0, tzinfo=UTC),
        ),
        ("22:00", "07:00", datetime(2026, 7, 2, 6, 0, tzinfo=UTC), None),
        # the night the clocks go back: 07:00 local is 07:00 UTC again
        (
            "22:00",
            "07:00",
            datetime(2026, 10, 24, 22, 0, tzinfo=UTC),
            datetime(2026, 10, 25, 7, 0, tzinfo=UTC),
        ),
        # a daytime window
        (
            "12:00",
            "13:00",
            datetime(2026, 1, 5, 12, 30, tzinfo=UTC),
            datetime(2026, 1, 5, 13, 0, tzinfo=UTC),
        ),
        ("12:00", "13:00", datetime(2026, 1, 5, 13, 0, tzinfo=UTC), None),
    ],
)
def test_quiet_hours_hold_an_alert_until_they_end_local_time(
    start: str, end: str, at: datetime, released: datetime | None
) -> None:
    quiet = QuietHours.model_validate({"start": start, "end": end})
    assert quiet.release(at, LONDON) == (released or at)


def test_only_urgent_outcomes_are_alerted_and_only_while_alerts_are_on() -> None:
    at = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    config = Config.model_validate({"urgent_outcomes": ["refer_now"]})
    assert config.alert_due("refer_now", at) == at
    assert config.alert_due("share_with_consent", at) is None
    assert config.alert_due(None, at) is None
    off = Config.model_validate({"alerts": {"enabled": False}})
    assert off.alert_due("refer_now", at) is None


def test_leads_are_named_by_config_and_others_plainly() -> None:
    config = Config.model_validate(
        {"leads": [5, {"id": 7, "name": "Sam Patel", "role": "DSL"}, {"id": 8, "role": "Head"}]}
    )
    assert config.lead_ids == (5, 7, 8) and config.is_lead(7) and not config.is_lead(6)
    assert config.signature("telegram:7") == "Sam Patel (DSL)"
    assert config.signature("desk:7") == "Sam Patel (DSL)"  # the same lead on the web desk
    assert config.signature("telegram:8") == "Head"
    assert config.signature("telegram:5") == "lead 5"
    assert config.signature("telegram:6") == "a former lead"
    assert config.signature("cli:ann") == "ann (command line)"


def test_quiet_hours_written_without_quotes_are_read_as_meant(tmp_path: Path) -> None:
    """YAML 1.1 reads 22:00 unquoted as 1320 (base 60): still ten at night, not a crash."""
    path = tmp_path / "config.yaml"
    path.write_text("alerts: {quiet_hours: {start: 22:00, end: 07:00}}\n")
    quiet = load_config(path).alerts.quiet_hours
    assert quiet is not None and (quiet.start, quiet.end) == (time(22, 0), time(7, 0))
    at = datetime(2026, 1, 5, 23, 0, tzinfo=UTC)
    assert quiet.release(at, LONDON) == datetime(2026, 1, 6, 7, 0, tzinfo=UTC)
    for bad, said in (("25:00", "write the time in quotes"), ('"22:00+01:00"', "without a UTC")):
        path.write_text(f"alerts: {{quiet_hours: {{start: {bad}, end: '07:00'}}}}\n")
        with pytest.raises(ConfigError, match=said):
            load_config(path)


def partnership(**more: Any) -> Config:
    return Config.model_validate(
        {
            "urgent_outcomes": ["refer_now"],
            "organisations": [
                {"id": "acorn", "name": "Acorn", "leads": [1, {"id": 2, "name": "Ann"}]},
                {
                    "id": "beech",
                    "name": "Beech",
                    "leads": [2, 3],
                    "urgent_outcomes": ["refer_now", "seek_advice"],
                    "alerts": {"quiet_hours": {"start": "22:00", "end": "07:00"}},
                    "contacts": [{"name": "Beech office", "phone": "0114 273 4855"}],
                },
                {"id": "cedar", "name": "Cedar"},
            ],
            "partnership_leads": [9],
            **more,
        }
    )


def test_organisations_scope_leads_and_route_alerts_and_contacts() -> None:
    config = partnership(contacts=[{"name": "Hub", "phone": "0114 273 4567"}])
    assert config.lead_ids == (9, 1, 2, 3) and config.is_lead(3) and not config.is_lead(4)
    assert config.scope(9) is None  # the partnership sees everything
    assert config.scope(2) == frozenset({"acorn", "beech"}) and config.scope(1) == {"acorn"}
    assert config.recipients("beech") == (2, 3)
    assert config.recipients("cedar") == (9,)  # no leads of its own: the partnership
    assert config.recipients("gone") == (9,) and config.recipients(None) == (9,)
    assert [c.name for c in config.contacts_for("beech")] == ["Beech office"]
    assert [c.name for c in config.contacts_for("acorn")] == ["Hub"]
    assert config.signature("telegram:2") == "Ann"
    assert config.urgent_within() == {"refer_now", "seek_advice"}
    assert config.urgent_within(frozenset({"acorn"})) == {"refer_now"}
    assert config.urgent_within(frozenset({"acorn", "beech"})) == {"refer_now", "seek_advice"}
    late = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
    assert config.alert_due("seek_advice", late, "acorn") is None
    assert config.alert_due("refer_now", late, "acorn") == late
    held = config.alert_due("seek_advice", late, "beech")
    assert held == datetime(2026, 12, 2, 7, 0, tzinfo=ZoneInfo("Europe/London"))
    assert Config().scope(5) is None and Config().recipients("x") == ()


def test_an_organisations_urgent_outcomes_are_checked_against_the_advice() -> None:
    config = partnership()
    with pytest.raises(ConfigError, match="organisations: beech: urgent_outcomes: seek_advice"):
        config.check_outcomes(["refer_now", "share"])


def test_other_nations_are_loaded_at_start_and_a_reload_may_not_add_one() -> None:
    config = Config.model_validate(
        {
            "organisations": [
                {"id": "a", "name": "A", "jurisdiction": "wales"},
                {"id": "b", "name": "B", "jurisdiction": "england"},
                {"id": "c", "name": "C"},
            ]
        }
    )
    assert config.other_nations == {"wales"}
    config.check_nations(["wales"])
    with pytest.raises(ConfigError, match="jurisdiction wales was not in use at start"):
        config.check_nations([])


def test_what_is_not_a_lead_is_shown_as_recorded() -> None:
    config = Config()
    assert config.signature("desk:42") == "a former lead"  # a lead id no longer listed
    for who in ("desk:?", "telegram:p-3f9a0c2e71b4", "retention", "practitioner"):
        assert config.signature(who) == who
