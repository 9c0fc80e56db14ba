"""Invite codes (bot/organisations.py): unguessable, per organisation and round, recognised in
constant time; an earlier round's code is known as withdrawn."""

from __future__ import annotations

from bot.organisations import CODE_CHARS, REPLACED_KEPT, Found, Invites, is_invite

SECRET = b"s" * 32


def test_codes_differ_by_organisation_round_and_secret() -> None:
    invites = Invites(SECRET)
    codes = {
        invites.code("acorn", 1),
        invites.code("acorn", 2),
        invites.code("beech", 1),
        Invites(b"t" * 32).code("acorn", 1),
    }
    assert len(codes) == 4
    assert all(is_invite(code) and len(code) == 1 + CODE_CHARS for code in codes)
    assert invites.code("acorn", 1) == Invites(SECRET).code("acorn", 1)  # nothing stored
    assert "acorn" not in invites.code("acorn", 1)


def test_a_code_is_found_current_or_withdrawn_or_not_at_all() -> None:
    invites = Invites(SECRET)
    ids, rounds = ["acorn", "beech"], {"acorn": 3}
    assert invites.find(invites.code("acorn", 3), ids, rounds) == Found("acorn", current=True)
    assert invites.find(invites.code("acorn", 1), ids, rounds) == Found("acorn", current=False)
    assert invites.find(invites.code("beech", 1), ids, rounds) == Found("beech", current=True)
    assert invites.find(invites.code("beech", 2), ids, rounds) is None  # not yet made
    assert invites.find(invites.code("oak", 1), ids, rounds) is None  # not in config
    assert invites.find(invites.code("acorn", 3), ["beech"], rounds) is None  # removed


def test_only_an_invite_shaped_parameter_is_looked_up() -> None:
    code = Invites(SECRET).code("acorn", 1)
    assert is_invite(code)
    for other in ("", "j", code[1:], code + "x", "x" + code[1:], code[:-1] + "!", code[:-1] + "é"):
        assert not is_invite(other)


def test_a_link_is_a_telegram_start_link() -> None:
    invites = Invites(SECRET)
    link = invites.link("infoshare_bot", "acorn", 2)
    assert link == f"https://t.me/infoshare_bot?start={invites.code('acorn', 2)}"


def test_only_recent_rounds_are_recognised_as_replaced() -> None:
    invites = Invites(SECRET)
    rounds = {"acorn": 1 + REPLACED_KEPT + 1}
    recent = invites.code("acorn", 2)
    assert invites.find(recent, ["acorn"], rounds) == Found("acorn", current=False)
    assert invites.find(invites.code("acorn", 1), ["acorn"], rounds) is None
