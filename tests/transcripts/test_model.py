"""Filters as leads type and read them: `org=` among the configured organisations, a scope that
confines without being described."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.errors import UsageError
from bot.transcripts.model import Filters, parse_filters

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
OUTCOMES = ("share", "refer_now")


def parsed(*words: str, organisations: tuple[str, ...] = ("north", "south-2")) -> Filters:
    return parse_filters(list(words), NOW, LONDON, OUTCOMES, organisations=organisations).filters


def test_within_sets_the_scope_and_none_leaves_it() -> None:
    chosen = Filters(outcome="share", organisation="north")
    scoped = chosen.within(frozenset({"north", "south-2"}))
    assert scoped == Filters(
        outcome="share", organisation="north", scope=frozenset({"north", "south-2"})
    )
    assert scoped.within(None) == scoped
    assert chosen.within(None) == chosen
    assert scoped.within(frozenset()).scope == frozenset()


def test_describe_names_the_organisation_and_never_the_scope() -> None:
    assert Filters(organisation="north").describe() == "organisation north"
    assert Filters(scope=frozenset({"north"})).describe() == "all transcripts"
    both = Filters(outcome="share", organisation="south-2", scope=frozenset({"south-2"}))
    assert both.describe() == "outcome share, organisation south-2"


def test_org_chooses_one_of_the_configured_organisations() -> None:
    assert parsed("org=south-2", "outcome=share") == Filters(
        outcome="share", organisation="south-2"
    )
    assert parsed("unsure").organisation is None


@pytest.mark.parametrize(
    ("organisations", "message"),
    [
        (("north", "south-2"), "There is no organisation 'west'. Organisations: north, south-2."),
        ((), "This deployment has no organisations."),
    ],
)
def test_an_unknown_org_names_the_known_ones(organisations: tuple[str, ...], message: str) -> None:
    with pytest.raises(UsageError) as raised:
        parsed("org=west", organisations=organisations)
    assert str(raised.value) == message


def test_org_is_among_the_filters_a_lead_is_told_of() -> None:
    with pytest.raises(UsageError, match=r"practitioner=P, org=ID, unsure"):
        parsed("colour=red")


def test_callers_without_organisations_still_parse() -> None:
    words = parse_filters(["outcome=share", "period=all"], NOW, LONDON, OUTCOMES)
    assert (words.filters, words.period) == (Filters(outcome="share"), "all")
    with pytest.raises(UsageError, match="no organisations"):
        parse_filters(["org=north"], NOW, LONDON, OUTCOMES)
