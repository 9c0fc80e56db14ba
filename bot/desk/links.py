"""Sign-in links and session ids: random secrets that are handed out, and their digests, which
are all the database keeps (a copy of it signs nobody in).

A token has 256 random bits, so a digest without salt or stretching is enough: there is nothing
to guess, only a copy of the secret to steal, and the digest does not give it back.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Final

TOKEN_BYTES: Final = 32


def new_token() -> str:
    """A fresh secret for a link or a session id: 43 URL-safe characters."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def digest(token: str) -> str:
    """How the database names a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
