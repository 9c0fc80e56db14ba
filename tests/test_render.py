"""Rendering: escaping, the 4096-character split at block boundaries, and the record."""

from __future__ import annotations

from datetime import date

from bot import render
from bot.config import Contact
from states import Library, State
from tests.emulator.entities import parse_html
from tests.support.outcomes import everything


def test_dynamic_text_is_escaped() -> None:
    blocks = [
        render.Heading("<b>Tom & Jerry</b>"),
        render.Para('a < b > c & "d"'),
        render.Copyable("x <y>"),
        render.Bullets(("<i>",)),
    ]
    html = render.telegram_html(blocks)[0]
    text, _ = parse_html(html)  # raises if Telegram would refuse it
    assert "<b>Tom & Jerry</b>" in text
    assert 'a < b > c & "d"' in text


def test_long_messages_split_at_block_boundaries_within_the_limit() -> None:
    paragraph = "word " * 300  # 1,500 characters
    parts = render.telegram_html([render.Para(paragraph.strip()) for _ in range(7)])
    assert len(parts) == 4  # two 1,499-character paragraphs fit a message, three do not
    for part in parts:
        text, _ = parse_html(part)
        assert len(text) <= 4096
        assert not text.startswith(" ") and "word word" in text


def test_every_outcome_renders_within_telegram_limits(library: Library) -> None:
    dialogue = library["advice"]
    contacts = [Contact(name="Front door", phone="0118 908 8002")]
    for name in dialogue.content.outcomes:
        # reach each outcome by its first path; the content tests walk all of them
        state = _first_path_to(library, name)
        blocks = everything(library, dialogue, state, contacts, date(2026, 11, 21))
        for part in render.telegram_html(blocks):
            text, _ = parse_html(part)
            assert len(text) <= 4096, name


def _first_path_to(library: Library, outcome: str) -> State:
    from states import Moved, answer

    dialogue = library["advice"]
    pending = [dialogue.start]
    while pending:
        state = pending.pop(0)
        if state.step == outcome:
            return state
        if dialogue.is_outcome(state.step):
            continue
        for choice in dialogue.content.steps[state.step].answers:
            result = answer(dialogue, state, choice.id)
            assert isinstance(result, Moved)
            pending.append(result.state)
    raise AssertionError(outcome)


def test_the_record_has_no_free_text_and_the_fields_to_fill(library: Library) -> None:
    dialogue = library["advice"]
    state = _first_path_to(library, "share_without_consent")
    blocks = everything(library, dialogue, state, [], date(2026, 11, 21))
    record = next(b for b in blocks if isinstance(b, render.Copyable)).text
    assert "Date: 21 November 2026" in record
    assert "Golden rules applied: 2, 4, 5, 6, 7" in record
    for field in dialogue.content.outcomes["share_without_consent"].record_fields:
        assert f"{field}: " in record
    assert f"content version {library.reference.content_version}" in record


def test_contacts_without_config_point_to_local_procedures() -> None:
    text = render.plain(render.contact_blocks([]))
    assert "999" in text and "No local contacts are configured" in text


def test_a_block_longer_than_a_message_is_split_too() -> None:
    items = tuple(f"Item {n}: " + "x" * 490 for n in range(20))  # about 10,000 characters
    parts = render.telegram_html([render.Bullets(items), render.Para("y" * 9000)])
    texts = [parse_html(part)[0] for part in parts]
    assert all(len(text) <= 4096 for text in texts)
    joined = "".join(texts)
    assert all(f"Item {n}:" in joined for n in range(20))
    assert joined.count("y") == 9000
