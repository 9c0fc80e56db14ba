"""Telegram's limits: what an id may be."""

from __future__ import annotations

import pytest

from bot.content.limits import fits_an_id


@pytest.mark.parametrize(
    ("value", "fits"),
    [
        (0, True),
        (-(2**63), True),
        (2**63 - 1, True),
        (2**63, False),
        (-(2**63) - 1, False),
        (2**80, False),
        (1.5, False),
        (1e300, False),
        ("1", False),
        (None, False),
    ],
)
def test_an_id_is_a_64_bit_integer(value: object, fits: bool) -> None:
    """A float is refused at once (a `value in range(...)` test would walk 2**64 numbers)."""
    assert fits_an_id(value) is fits
