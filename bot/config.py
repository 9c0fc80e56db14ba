"""Configuration: a small validated object built from YAML, with errors that name the key.

Secrets (the bot token, the webhook secret) never live in the file: the file names the
environment variables that hold them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
import yaml
from phonenumbers import shortnumberinfo
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.errors import ConfigError

TOKEN_PATTERN = re.compile(r"^\d{5,16}:[A-Za-z0-9_-]{30,64}$")
DATABASE_URL = re.compile(r"^(sqlite|postgres|postgresql)(\+\w+)?://")
"""The databases storage opens; checked here so a typo stops start-up before any network."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contact(_Section):
    """A local number a practitioner may need (children's social care, out of hours...)."""

    name: str = Field(min_length=1, max_length=200)
    phone: str
    when: str | None = Field(default=None, max_length=200)

    @field_validator("phone")
    @classmethod
    def _uk_number(cls, value: str) -> str:
        """Accept UK numbers in any common format and show them in the national format."""
        number = _parse(value)
        if shortnumberinfo.is_valid_short_number_for_region(number, "GB"):
            return value.strip()
        if not phonenumbers.is_valid_number(number):
            raise ValueError(f"'{value}' is not a valid UK phone number")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _parse(value: str) -> phonenumbers.PhoneNumber:
    try:
        return phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"'{value}' is not a phone number") from exc


class Webhook(_Section):
    """How Telegram reaches a bot behind HTTPS; the secret token comes from the environment."""

    listen: str = "0.0.0.0"
    port: int = Field(default=8443, ge=1, le=65535)
    url_path: str = "telegram"
    public_url: str | None = None
    secret_token_env: str = "INFOSHARE_WEBHOOK_SECRET"


class Telegram(_Section):
    token_env: str = "TELEGRAM_BOT_TOKEN"
    base_url: str | None = None
    rate_limit: bool = True
    confirm_typed_within: float = Field(default=2.0, ge=0, le=60)
    """Seconds: a typed answer dated this soon after its question was sent may have been
    written before it was seen, so it is confirmed with a button first (0: only one numbered
    before the question is)."""
    webhook: Webhook = Webhook()


class Storage(_Section):
    url: str = "sqlite:///infoshare.db"

    @field_validator("url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        """Refuse a garbled URL at load: storage opens only after Telegram has been reached."""
        if not DATABASE_URL.match(value):
            raise ValueError(
                "must be a database URL: sqlite:///path/to/file.db or postgresql://user@host/dbname"
            )
        return value


class Desk(_Section):
    """The web desk for leads (`infoshare-bot desk`, or beside `run` when enabled). It has no
    passwords: a lead signs in with a single-use link the bot sends them in Telegram (/desk)."""

    enabled: bool = False
    """Whether `infoshare-bot run` also serves the desk, on its own port."""
    listen: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_url: str | None = None
    """The address leads open (behind an HTTPS proxy), e.g. https://desk.example.org; None:
    http://listen:port, for a desk on this machine only."""
    link_minutes: int = Field(default=10, ge=1, le=60)
    """How long a sign-in link from /desk works (once)."""
    idle_minutes: int = Field(default=30, ge=5, le=24 * 60)
    """A signed-in desk unused for this long is signed out."""

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        """A link a lead taps must open a page: http(s), no trailing slash to double."""
        if value is None:
            return None
        if not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", value):
            raise ValueError("must be a web address such as https://desk.example.org")
        return value.rstrip("/")

    @property
    def base_url(self) -> str:
        """Where the desk's pages are, without a trailing slash."""
        if self.public_url is not None:
            return self.public_url
        host = f"[{self.listen}]" if ":" in self.listen else self.listen
        return f"http://{host}:{self.port}"


class Logging(_Section):
    level: str = "INFO"

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value.upper()


class Lead(_Section):
    """A safeguarding lead: a Telegram user id, and how their notes and actions are signed."""

    id: int = Field(gt=0)
    name: str | None = Field(default=None, max_length=100)
    role: str | None = Field(default=None, max_length=100)

    @model_validator(mode="before")
    @classmethod
    def _bare_id(cls, value: Any) -> Any:
        """A bare number is a lead with only an id (the form older configs use)."""
        if isinstance(value, int) and not isinstance(value, bool):
            if value <= 0:
                raise ValueError("leads are Telegram user ids: positive whole numbers")
            return {"id": value}
        if not isinstance(value, dict):
            raise ValueError(
                "a lead is a Telegram user id (a number), or an id with a name and role"
            )
        return value

    @property
    def signature(self) -> str:
        """How leads see who wrote a note: "Sam Patel (Designated safeguarding lead)"."""
        if self.name and self.role:
            return f"{self.name} ({self.role})"
        return self.name or self.role or f"lead {self.id}"


class QuietHours(_Section):
    """Local times between which urgent alerts are held, then sent when they end."""

    start: time
    end: time

    @field_validator("start", "end", mode="before")
    @classmethod
    def _clock(cls, value: Any) -> Any:
        """YAML 1.1 reads an unquoted 22:00 as the number 1320 (base 60): take it as meant."""
        if isinstance(value, int) and not isinstance(value, bool):
            if not 0 <= value < 24 * 60:
                raise ValueError('write the time in quotes, e.g. "22:00"')
            return time(value // 60, value % 60)
        return value

    @field_validator("start", "end")
    @classmethod
    def _local(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("a local time (see timezone), without a UTC offset")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("start and end must differ (quiet hours of no length)")
        return self

    def release(self, at: datetime, zone: ZoneInfo) -> datetime:
        """When an alert raised `at` may go: `at`, or the end of the quiet hours it falls in."""
        local = at.astimezone(zone)
        now = local.time().replace(tzinfo=None)
        overnight = self.start > self.end
        quiet = (self.start <= now or now < self.end) if overnight else self.start <= now < self.end
        if not quiet:
            return at
        day = local.date() + timedelta(days=1 if overnight and now >= self.start else 0)
        return datetime.combine(day, self.end, zone)


class Alerts(_Section):
    """Urgent alerts: a lead is told at once when a practitioner reaches an urgent outcome."""

    enabled: bool = True
    quiet_hours: QuietHours | None = None


Jurisdiction = Literal["england", "wales", "scotland", "northern_ireland"]
"""The UK nations the content covers (`dialogues/nations.yaml` has one entry for each)."""

ORGANISATION_ID: Final = r"^[a-z0-9][a-z0-9-]{0,39}$"
"""An organisation's id: short, lower case, safe in a filter word, a button and a log line."""


class Organisation(_Section):
    """One organisation a partnership's deployment serves: a school, a GP practice, a team.

    What it leaves out it takes from the deployment (contacts, urgent outcomes, alerts).
    """

    id: str = Field(pattern=ORGANISATION_ID)
    name: str = Field(min_length=1, max_length=100)
    leads: tuple[Lead, ...] = ()
    contacts: tuple[Contact, ...] | None = None
    urgent_outcomes: tuple[str, ...] | None = None
    alerts: Alerts | None = None
    jurisdiction: Jurisdiction | None = None
    listed: bool = False
    """Whether a practitioner may choose it from a list in /org (else: by invite link only)."""

    @field_validator("leads")
    @classmethod
    def _one_entry_each(cls, value: tuple[Lead, ...]) -> tuple[Lead, ...]:
        return _distinct(value)


class Config(_Section):
    """Everything an area sets: where the content is, storage, Telegram, local contacts."""

    area: str = "your area"
    dialogues: Path | None = None
    edition: str = Field(default="england-2024", pattern=r"^[a-z0-9-]+$")
    """Which edition of the advice: a folder of `dialogues` (england-2024, hmg-2015)."""
    jurisdiction: Jurisdiction = "england"
    """Which UK nation's law, guidance and referral routes the advice names."""
    retention_days: int = Field(default=90, ge=1, le=3650)
    abandoned_after_hours: int = Field(default=24, ge=1, le=24 * 90)
    """Statistics count an unfinished decision with no answer for this long as abandoned."""
    urgent_outcomes: tuple[str, ...] = ("refer_now",)
    """Outcomes that call for action now: leads are alerted, and see who reached them first."""
    alerts: Alerts = Alerts()
    timezone: str = "Europe/London"
    leads: tuple[Lead, ...] = ()
    """A deployment without organisations: its leads. With them, leads are listed under each
    organisation, and `partnership_leads` see every organisation."""
    organisations: tuple[Organisation, ...] = ()
    partnership_leads: tuple[Lead, ...] = ()
    pseudonym_key_file: Path | None = None
    storage: Storage = Storage()
    telegram: Telegram = Telegram()
    desk: Desk = Desk()
    logging: Logging = Logging()
    contacts: tuple[Contact, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not a time zone name such as Europe/London") from None
        return value

    @field_validator("leads", "partnership_leads")
    @classmethod
    def _one_entry_each(cls, value: tuple[Lead, ...]) -> tuple[Lead, ...]:
        return _distinct(value)

    @model_validator(mode="after")
    def _organisations(self) -> Config:
        ids = [organisation.id for organisation in self.organisations]
        if len(set(ids)) != len(ids):
            raise ValueError("organisations: an id is listed twice")
        if self.organisations and self.leads:
            raise ValueError(
                "with organisations, list leads under each organisation (or in "
                "partnership_leads to see them all), not in leads"
            )
        if self.partnership_leads and not self.organisations:
            raise ValueError("partnership_leads needs organisations: without them, use leads")
        return self

    @property
    def other_nations(self) -> frozenset[str]:
        """Jurisdictions of organisations that differ from the deployment's: their content is
        loaded at start, beside the deployment's."""
        own = {o.jurisdiction for o in self.organisations if o.jurisdiction is not None}
        return frozenset(own - {self.jurisdiction})

    def check_nations(self, loaded: Collection[str]) -> None:
        """On reload: an organisation may not move to a nation whose content was not loaded at
        start (that needs a restart). `ConfigError` names it."""
        missing = sorted(self.other_nations - set(loaded))
        if missing:
            raise ConfigError(
                f"organisations: jurisdiction {', '.join(missing)} was not in use at start: "
                "restart the bot to load its content"
            )

    @property
    def zone(self) -> ZoneInfo:
        """Where 'today' and 'busiest hours' are reckoned for leads."""
        return ZoneInfo(self.timezone)

    @property
    def every_lead(self) -> tuple[Lead, ...]:
        """Each lead once: partnership leads first, then each organisation's in order."""
        seen: dict[int, Lead] = {}
        for lead in (
            *self.leads,
            *self.partnership_leads,
            *(lead for o in self.organisations for lead in o.leads),
        ):
            seen.setdefault(lead.id, lead)
        return tuple(seen.values())

    @property
    def lead_ids(self) -> tuple[int, ...]:
        return tuple(lead.id for lead in self.every_lead)

    def is_lead(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.lead_ids

    def scope(self, user_id: int) -> frozenset[str] | None:
        """The organisations a lead sees (None: every one, and transcripts of none): all for
        a deployment without organisations and for partnership leads, else those they lead."""
        if not self.organisations or user_id in (lead.id for lead in self.partnership_leads):
            return None
        return frozenset(o.id for o in self.organisations if user_id in (x.id for x in o.leads))

    def organisation(self, organisation_id: str | None) -> Organisation | None:
        """The organisation in config by id; None for none or one no longer configured."""
        return next((o for o in self.organisations if o.id == organisation_id), None)

    def recipients(self, organisation_id: str | None) -> tuple[int, ...]:
        """Who is alerted about, or asked to contact, a practitioner of this organisation:
        its leads; the partnership's when it has none, is unknown or was removed."""
        if not self.organisations:
            return self.lead_ids
        organisation = self.organisation(organisation_id)
        if organisation is not None and organisation.leads:
            return tuple(lead.id for lead in organisation.leads)
        return tuple(lead.id for lead in self.partnership_leads)

    def contacts_for(self, organisation_id: str | None) -> tuple[Contact, ...]:
        organisation = self.organisation(organisation_id)
        if organisation is not None and organisation.contacts is not None:
            return organisation.contacts
        return self.contacts

    def signature(self, who: str) -> str:
        """A lead's note or action signed as config names them ("telegram:<id>" or, from the web
        desk, "desk:<id>" is how the store records them); someone no longer listed is "a former
        lead"."""
        for lead in self.every_lead:
            if who in (f"telegram:{lead.id}", f"desk:{lead.id}"):
                return lead.signature
        if who.startswith("cli:"):
            return f"{who.removeprefix('cli:')} (command line)"
        if re.fullmatch(r"(telegram|desk):[0-9]+", who):
            return "a former lead"
        return who  # a refused practitioner's code, "desk:?", "retention": as recorded

    def urgent(self, organisation_id: str | None = None) -> tuple[str, ...]:
        """The outcomes that call for action now, as the organisation (or the deployment) says."""
        organisation = self.organisation(organisation_id)
        if organisation is not None and organisation.urgent_outcomes is not None:
            return organisation.urgent_outcomes
        return self.urgent_outcomes

    def alerts_for(self, organisation_id: str | None) -> Alerts:
        organisation = self.organisation(organisation_id)
        return organisation.alerts if organisation and organisation.alerts else self.alerts

    def urgent_within(self, scope: frozenset[str] | None = None) -> frozenset[str]:
        """Outcomes urgent for any organisation in `scope` (None: the deployment and every
        organisation): what a lead's views count as urgent, and what is worth looking up whose."""
        if scope is None:
            chosen = [None, *(o.id for o in self.organisations)]
        else:
            chosen = [o.id for o in self.organisations if o.id in scope]
        return frozenset().union(*(self.urgent(o) for o in chosen))

    def alert_due(
        self, outcome: str | None, at: datetime, organisation_id: str | None = None
    ) -> datetime | None:
        """When leads are to be alerted that `outcome` was reached `at` (None: no alert), by
        the practitioner's organisation's settings where it has its own."""
        alerts = self.alerts_for(organisation_id)
        if outcome not in self.urgent(organisation_id) or not alerts.enabled:
            return None
        quiet = alerts.quiet_hours
        return at if quiet is None else quiet.release(at, self.zone)

    def check_outcomes(self, outcomes: Collection[str]) -> None:
        """Urgent outcomes must name outcomes the advice has: a typo would count nothing as
        urgent, silently. `ConfigError` names it and the outcomes there are."""
        for where, urgent in (
            ("urgent_outcomes", self.urgent_outcomes),
            *(
                (f"organisations: {o.id}: urgent_outcomes", o.urgent_outcomes or ())
                for o in self.organisations
            ),
        ):
            unknown = [o for o in urgent if o not in outcomes]
            if unknown:
                raise ConfigError(
                    f"{where}: {', '.join(unknown)} is not an outcome of the advice; the "
                    f"outcomes are {', '.join(outcomes)}"
                )

    def abandoned_before(self, now: datetime) -> datetime:
        """An unfinished decision last changed before this is abandoned, not in progress."""
        return now - timedelta(hours=self.abandoned_after_hours)

    def key_file(self) -> Path:
        """Where the pseudonym key lives when INFOSHARE_PSEUDONYM_SECRET is unset.

        Beside an SQLite database; in the current folder for PostgreSQL (set the variable or
        `pseudonym_key_file` there instead).
        """
        if self.pseudonym_key_file is not None:
            return self.pseudonym_key_file
        url = self.storage.url
        if url.startswith("sqlite:///") and ":memory:" not in url and "?" not in url:
            return Path(url.removeprefix("sqlite:///")).expanduser().parent / "pseudonym.key"
        return Path("pseudonym.key")

    def token(self) -> str:
        """The bot token from the environment, or ConfigError with one clear sentence."""
        name = self.telegram.token_env
        token = os.environ.get(name, "").strip()
        if not token:
            raise ConfigError(f"Set the bot token in the environment variable {name}.")
        if not TOKEN_PATTERN.match(token):
            raise ConfigError(
                f"The bot token in {name} is malformed: expected digits, a colon and a long key "
                "(as BotFather gives it)."
            )
        return token


RESTART_KEYS: Final = ("storage", "telegram", "dialogues", "edition", "jurisdiction", "desk")
"""What a running process keeps from its start when its config file is read again."""


def reload(
    running: Config, path: Path, outcomes: Collection[str], nations: Collection[str]
) -> Config:
    """`path` read again for a running process (SIGHUP): leads, contacts and organisations
    change; `RESTART_KEYS` stay as they were. `ConfigError` if the file no longer validates,
    names an outcome the loaded advice lacks, or a nation whose content was not loaded."""
    fresh = load_config(path)
    fresh.check_outcomes(outcomes)
    fresh.check_nations(nations)
    return fresh.model_copy(update={key: getattr(running, key) for key in RESTART_KEYS})


def _distinct(leads: tuple[Lead, ...]) -> tuple[Lead, ...]:
    ids = [lead.id for lead in leads]
    if len(set(ids)) != len(ids):
        raise ValueError("a lead is listed twice")
    return leads


def load_config(path: Path | None) -> Config:
    """Read and validate a config file; no file means every default."""
    if path is None:
        return Config()
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: cannot be read: it is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc
        raise ConfigError(f"{path}: {where}is not valid YAML: {problem}") from None
    if raw is None:
        # Most likely the wrong file, or one cut short: running on every default instead would
        # start a bot without the area's contacts or leads and nobody would notice.
        raise ConfigError(
            f"{path}: has no settings (it is empty or all comments): give at least one key "
            "(see config.example.yaml), or leave out --config to run on every default"
        )
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: must be a mapping of keys to values")
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        lines = [
            f"{path}: {'.'.join(str(p) for p in err['loc']) or '(file)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise ConfigError("\n".join(lines)) from None
    for key in ("dialogues", "pseudonym_key_file"):
        value = getattr(config, key)
        if value is not None and not value.is_absolute():
            config = config.model_copy(update={key: path.parent / value})
    return config
