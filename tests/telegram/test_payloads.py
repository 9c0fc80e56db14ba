"""Button payloads: round trip, limits, and refusal of anything we did not send."""

from __future__ import annotations

import pytest

from bot.telegram.payloads import ChooseOrganisation, ListView, Press, decode


@pytest.mark.parametrize(
    "press",
    [
        Press("answer", "AbCd-_12", 1, "yes"),
        Press("explain", "AbCd-_12", 999_999_999),
        Press("back", "AbCd-_12", 7),
        Press("new", "AbCd-_12", 3),
        Press("answer", "x" * 8, 1, "a" * 40),
    ],
)
def test_round_trip_within_64_bytes(press: Press) -> None:
    data = press.encode()
    assert len(data.encode()) <= 64
    assert decode(data) == press


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "a:AbCd-_12:1:",
        "b:AbCd-_12:1:yes",
        "a:AbCd:1:yes",
        "a:AbCd-_12:-1:yes",
        "a:AbCd-_12:1:YES",
        "z:AbCd-_12:1:yes",
        "a:AbCd-_12:1:yes:more",
        "a:AbCd-_12:1:" + "a" * 41,
    ],
)
def test_anything_else_is_forged(data: str | None) -> None:
    assert decode(data) is None


def test_a_list_view_carries_its_menu_and_older_buttons_still_open() -> None:
    """A button sent before menus existed (no menu field) still opens its page."""
    widest = ListView(9_999_990, 11, 7, 3, "2026-10-01..2026-11-15", "p-0123456789ab", "o", 999)
    assert len(widest.encode().encode()) <= 64
    assert ListView.decode(widest.encode()) == widest
    assert ListView.decode("L:10:2:1:0:30d:") == ListView(10, 2, 1, 0, "30d", "", "")
    assert ListView.decode("L:10:2:1:0:30d::g2:t") == ListView(10, 2, 1, 0, "30d", "", "t", 2)
    for forged in (
        "L:10:2:1:0:30d::x",
        "L:10:2:1:0:30d::",
        "L:10:2:1:0:30d::ot",
        "L:10:2:1:0:30d::g",
        "L:10:2:1:0:30d::g1234",
        "L:10:2:1:0:30d::t:g2",
    ):
        assert ListView.decode(forged) is None


def test_an_organisation_choice_names_a_configured_id_shape_only() -> None:
    assert ChooseOrganisation.decode(ChooseOrganisation("acorn-2").encode()) == ChooseOrganisation(
        "acorn-2"
    )
    for forged in ("G:", "G:Acorn", "G:-a", "G:" + "a" * 41, "G:a b", "g:acorn", None):
        assert ChooseOrganisation.decode(forged) is None
