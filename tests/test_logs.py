"""Logs never carry secrets, even from libraries that put them in URLs or tracebacks."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot import logs
from tests.support.offline import TOKEN


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """`configure` sets up the process's root logger: put it back for the tests after these."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    chatty = {name: logging.getLogger(name).level for name in logs.CHATTY}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in chatty.items():
        logging.getLogger(name).setLevel(old)


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


def test_a_secret_learnt_later_is_scrubbed_too(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("INFO", secrets=[TOKEN])
    key = "generated-pseudonym-key-0123456789"
    logs.scrub_also(key)
    logging.getLogger("bot.test").warning("key %s token %s", key, TOKEN)
    err = capsys.readouterr().err
    assert key not in err and TOKEN not in err and err.count("[REDACTED]") == 2
