"""/rules, /rule, /help, /contacts and the topic pages (bot/telegram/reference.py)."""

from __future__ import annotations

import pytest

from tests.support.chat import texts
from tests.support.offline import Harness


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/rules", "The seven golden rules"),
        ("/rule 4", "Share with consent"),
        ("/rule 9", "There are seven golden rules"),
        ("/rule", "There are seven golden rules"),
        ("/consent", "informed consent"),
        ("/definitions", "Confidential information"),
        ("/contacts", "0118 908 8002"),
        ("/myths", "not a barrier"),
        ("/protocols", "protocol"),
        ("/whotoask", "Caldicott Guardian"),
        ("/checklist", "necessary"),
        ("/help", "/advice"),
    ],
)
async def test_commands(harness: Harness, command: str, expected: str) -> None:
    replies = await harness.user().send(command)
    assert expected in texts(replies)
    assert harness.failed_calls() == []
