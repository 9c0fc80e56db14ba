"""Chat ids (and a confirmed request's identity) at rest: the database alone links nothing to a
Telegram account.

A chat's conversation row is found by a keyed hash of its chat id (`ChatKeys.key`), never by the
id itself. The id is stored only while the outbox needs it to show an owed reply, and then only
sealed (AES-GCM, `ChatKeys.seal`); the seal is removed as soon as the reply is shown. Both keys
are derived from the bot's secret (`INFOSHARE_PSEUDONYM_SECRET`, or the pseudonym key file),
which is never written to the database: a copy of the database without it shows step and answer
ids, pseudonyms and times, and no way to tie them to a person. The one identity a practitioner
may choose to give (a request that a lead get in touch: `seal_identity`) is sealed the same way,
under its own purpose, so a sealed chat id can never be opened as an identity or the reverse.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.alerts import Identity
from bot.errors import StorageError

KEY_CHARS: Final = 32
"""128 bits of the HMAC-SHA256: no two chats collide, however many there are."""
_NONCE_BYTES: Final = 12
_CHAT: Final = b"infoshare chat id"
_IDENTITY: Final = b"infoshare identity"
"""What a seal holds, bound into it: a sealed value cannot be passed off as another kind."""


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
        return self._seal(str(chat_id).encode(), _CHAT)

    def unseal(self, sealed: str) -> int:
        """The chat id in `sealed`; `StorageError` if it was sealed with another secret or
        changed since."""
        return int(self._unseal(sealed, _CHAT).decode())

    def seal_identity(self, identity: Identity) -> str:
        """Who asked a lead to get in touch, sealed like a chat id."""
        fields = [identity.user_id, identity.name, identity.username]
        return self._seal(json.dumps(fields).encode(), _IDENTITY)

    def unseal_identity(self, sealed: str) -> Identity:
        user_id, name, username = json.loads(self._unseal(sealed, _IDENTITY))
        return Identity(int(user_id), str(name), None if username is None else str(username))

    def _seal(self, plain: bytes, purpose: bytes) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._sealing.encrypt(nonce, plain, purpose)
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def _unseal(self, sealed: str, purpose: bytes) -> bytes:
        try:
            raw = base64.urlsafe_b64decode(sealed.encode())
            return self._sealing.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], purpose)
        except (InvalidTag, ValueError, binascii.Error) as exc:
            raise StorageError(
                "a stored sealed value cannot be opened with this bot's secret (another secret, "
                "or the database was changed)"
            ) from exc


def _derive(secret: bytes, purpose: bytes) -> bytes:
    """A 256-bit key for one purpose: knowing one key says nothing of the secret or the other."""
    return hmac.new(secret, purpose, hashlib.sha256).digest()
