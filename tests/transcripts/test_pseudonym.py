"""Pseudonymous practitioner ids (bot/transcripts/pseudonym.py)."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.transcripts.pseudonym import SECRET_ENV, Pseudonyms, load_pseudonyms


def test_a_pseudonym_is_stable_keyed_and_names_nobody() -> None:
    one, other = Pseudonyms(b"key one"), Pseudonyms(b"key two")
    assert one.of(1_000_001) == one.of(1_000_001)
    assert one.of(1_000_001) != one.of(1_000_002)
    assert one.of(1_000_001) != other.of(1_000_001)
    assert one.of(1_000_001).startswith("p-") and "1000001" not in one.of(1_000_001)
    assert len(one.of(1_000_001)) == 14


def test_the_key_comes_from_the_environment_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, "a-long-enough-secret-value")
    loaded = load_pseudonyms(tmp_path / "pseudonym.key")
    assert loaded.of(7) == Pseudonyms(b"a-long-enough-secret-value").of(7)
    assert not (tmp_path / "pseudonym.key").exists()
    monkeypatch.setenv(SECRET_ENV, "short")
    with pytest.raises(ConfigError, match="too short"):
        load_pseudonyms(tmp_path / "pseudonym.key")


def test_without_it_a_key_file_is_made_once_readable_only_by_its_owner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    key_file = tmp_path / "data" / "pseudonym.key"
    with caplog.at_level(logging.WARNING):
        first = load_pseudonyms(key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert caplog.text.count(SECRET_ENV) == 1
    secret = key_file.read_bytes()
    assert secret.decode() not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        again = load_pseudonyms(key_file)
    assert caplog.text == ""
    assert again.of(42) == first.of(42)


def test_an_unreadable_key_file_is_a_clear_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    folder = tmp_path / "key"
    folder.mkdir()
    with pytest.raises(ConfigError, match="cannot read the pseudonym key"):
        load_pseudonyms(folder)  # a folder, not a file


@pytest.mark.parametrize("content", [b"", b"  \n", b"short"])
def test_an_empty_or_cut_short_key_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    key_file = tmp_path / "pseudonym.key"
    key_file.write_bytes(content)
    with pytest.raises(ConfigError, match="shorter than 16 characters"):
        load_pseudonyms(key_file)


def test_no_half_written_key_file_is_ever_left_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    load_pseudonyms(tmp_path / "pseudonym.key")
    assert [p.name for p in tmp_path.iterdir()] == ["pseudonym.key"]
