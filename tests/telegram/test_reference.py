"""/rules, /rule, /help, /contacts and the topic pages (bot/telegram/reference.py)."""

from __future__ import annotations

import pytest

from tests.support.chat import texts
from tests.support.offline import Harness


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/rules", "The seven golden rules"),
        ("/rule 4", "Sharing with or without consent"),
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
        ("/law", "England"),
        ("/duties", "Court orders"),
        ("/sources", "Edition: HM Government"),
    ],
)
async def test_commands(harness: Harness, command: str, expected: str) -> None:
    replies = await harness.user().send(command)
    assert expected in texts(replies)
    assert harness.failed_calls() == []


async def test_sources_are_readable_titles_never_file_names(harness: Harness) -> None:
    shown = texts(await harness.user().send("/sources"))
    assert "Nottingham City Partnership" in shown and "(2016)" in shown
    assert ".txt" not in shown and "README" not in shown
    assert "Checked against the law on 6 December 2026" in shown
