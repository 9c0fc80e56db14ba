"""Pseudonymous practitioner ids: a keyed HMAC of the Telegram user id.

Stable, so a lead can see that the same person asked three times; not reversible without the
key, so a lost database or export names nobody. The key comes from `INFOSHARE_PSEUDONYM_SECRET`,
or is generated on first start and kept in a file only its owner can read.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path
from typing import Final

from bot.errors import ConfigError

log = logging.getLogger(__name__)

SECRET_ENV: Final = "INFOSHARE_PSEUDONYM_SECRET"
MIN_SECRET_CHARS: Final = 16
PREFIX: Final = "p-"
DIGEST_CHARS: Final = 12
"""48 bits: collisions stay unlikely (about one in 10,000 at 100,000 practitioners)."""


class Pseudonyms:
    """Turns Telegram user ids into pseudonyms like `p-3f9a0c2e71b4`."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def of(self, user_id: int) -> str:
        digest = hmac.new(self._secret, str(user_id).encode(), hashlib.sha256).hexdigest()
        return PREFIX + digest[:DIGEST_CHARS]

    @property
    def secret(self) -> bytes:
        """For the log filter that keeps it out of the logs."""
        return self._secret


def existing_pseudonyms(key_file: Path) -> Pseudonyms | None:
    """The key from the environment or an existing `key_file`; None if there is neither.

    For commands other than the bot itself: a key they made up would not be the bot's.
    """
    if os.environ.get(SECRET_ENV) or key_file.exists():
        return load_pseudonyms(key_file)
    return None


def load_pseudonyms(key_file: Path) -> Pseudonyms:
    """The key from the environment, else from `key_file` (created, mode 0600, on first start)."""
    from_env = os.environ.get(SECRET_ENV, "")
    if from_env:
        if len(from_env) < MIN_SECRET_CHARS:
            raise ConfigError(
                f"{SECRET_ENV} is too short: use at least {MIN_SECRET_CHARS} random characters."
            )
        return Pseudonyms(from_env.encode())
    if not key_file.exists():
        _create(key_file)
    try:
        secret = key_file.read_bytes().strip()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the pseudonym key {key_file}: {exc.strerror or exc}"
        ) from exc
    if len(secret) < MIN_SECRET_CHARS:
        # An empty or cut-short key would make every pseudonym easy to reverse.
        raise ConfigError(
            f"the pseudonym key {key_file} is shorter than {MIN_SECRET_CHARS} characters: "
            f"restore it from a backup, or set {SECRET_ENV}."
        )
    return Pseudonyms(secret)


def _create(key_file: Path) -> None:
    """Write a new random key, whole, under its final name (a replica starting at the same
    moment sees either no file or the finished one, never a half-written one)."""
    draft = key_file.with_name(f".{key_file.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        key_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(secrets.token_hex(32).encode())
            out.flush()
            os.fsync(out.fileno())
        os.link(draft, key_file)  # fails if another replica's key is already there: use that
    except FileExistsError:
        return
    except OSError as exc:
        raise ConfigError(
            f"cannot create the pseudonym key {key_file}: {exc.strerror or exc}. "
            f"Set {SECRET_ENV} instead."
        ) from exc
    finally:
        draft.unlink(missing_ok=True)
    log.warning(
        "%s is not set: generated a pseudonym key in %s (readable only by this user). Back it "
        "up with the database; without it, new pseudonyms will not match old ones.",
        SECRET_ENV,
        key_file,
    )
