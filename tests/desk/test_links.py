"""Sign-in secrets: unguessable, URL-safe, and stored only as a digest."""

from __future__ import annotations

import hashlib
import re

from bot.desk.links import digest, new_token


def test_tokens_are_url_safe_and_fresh() -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", token) for token in tokens)


def test_the_digest_is_sha256_hex_and_does_not_contain_the_token() -> None:
    token = new_token()
    assert digest(token) == hashlib.sha256(token.encode()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", digest(token))
    assert token not in digest(token)
    assert digest(token) != digest(new_token())


def test_any_text_has_a_digest() -> None:
    """A forged path may hold anything a URL decodes to: it is looked up, never an error."""
    for odd in ("", "é", "\udcff", "../../etc/passwd", "x" * 10_000):
        assert re.fullmatch(r"[0-9a-f]{64}", digest(odd))
