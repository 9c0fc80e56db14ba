"""Logs never carry secrets, even from libraries that put them in URLs or tracebacks."""

from __future__ import annotations

import logging

import pytest

from bot import logs
from tests.offline import TOKEN


def test_secrets_are_scrubbed_from_messages_and_tracebacks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logs.configure("DEBUG", secrets=[TOKEN])
    log = logging.getLogger("bot.test")
    log.warning("calling https://api.telegram.org/bot%s/getMe", TOKEN)
    try:
        raise RuntimeError(f"failed at /bot{TOKEN}/sendMessage")
    except RuntimeError:
        log.exception("boom")
    err = capsys.readouterr().err
    assert TOKEN not in err
    assert err.count("[REDACTED]") == 2


def test_chatty_libraries_stay_at_warning_even_at_debug(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("DEBUG", secrets=[TOKEN])
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot%s/x", TOKEN)
    logging.getLogger("telegram.ext").debug("payload {'text': 'a name'}")
    assert capsys.readouterr().err == ""
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
