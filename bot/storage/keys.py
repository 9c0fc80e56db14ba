"""Chat ids at rest: the database alone links no conversation to a Telegram account.

A chat's conversation row is found by a keyed hash of its chat id (`ChatKeys.key`), never by the
id itself. The id is stored only while the outbox needs it to show an owed reply, and then only
sealed (AES-GCM, `ChatKeys.seal`); the seal is removed as soon as the reply is shown. Both keys
are derived from the bot's secret (`INFOSHARE_PSEUDONYM_SECRET`, or the pseudonym key file),
which is never written to the database: a copy of the database without it shows step and answer
ids, pseudonyms and times, and no way to tie them to a person.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.errors import StorageError

KEY_CHARS: Final = 32
"""128 bits of the HMAC-SHA256: no two chats collide, however many there are."""
_NONCE_BYTES: Final = 12
_PURPOSE: Final = b"infoshare chat id"
"""Bound into every seal: a sealed value cannot be passed off as anything else."""


class ChatKeys:
    """Keys a chat's row and seals its id, with keys derived from one secret."""

    def __init__(self, secret: bytes) -> None:
        self._hashing = _derive(secret, b"infoshare chat key")
        self._sealing = AESGCM(_derive(secret, b"infoshare chat seal"))

    def key(self, chat_id: int) -> str:
        """The row's key: the same chat always gets the same one; unreadable without the secret."""
        digest = hmac.new(self._hashing, str(chat_id).encode(), hashlib.sha256)
        return digest.hexdigest()[:KEY_CHARS]

    def seal(self, chat_id: int) -> str:
        """The chat id, encrypted and authenticated; a new random nonce each time."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._sealing.encrypt(nonce, str(chat_id).encode(), _PURPOSE)
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def unseal(self, sealed: str) -> int:
        """The chat id in `sealed`; `StorageError` if it was sealed with another secret or
        changed since."""
        try:
            raw = base64.urlsafe_b64decode(sealed.encode())
            plain = self._sealing.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _PURPOSE)
            return int(plain.decode())
        except (InvalidTag, ValueError, binascii.Error) as exc:
            raise StorageError(
                "a stored chat id cannot be opened with this bot's secret (another secret, or "
                "the database was changed)"
            ) from exc


def _derive(secret: bytes, purpose: bytes) -> bytes:
    """A 256-bit key for one purpose: knowing one key says nothing of the secret or the other."""
    return hmac.new(secret, purpose, hashlib.sha256).digest()
