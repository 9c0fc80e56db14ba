"""Checks of what content cites and of the nations: every source known, every law dated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.content.nations import JURISDICTIONS
from bot.content.problems import Problems, strings, where
from states import ID_PATTERN, NationsFile, SourcesFile, citations


def source_problems(
    file: str, raw: Mapping[str, Any], catalogue: SourcesFile, problems: Problems
) -> None:
    """Every key a `source:` cites must be in sources.yaml, so a reader sees a real title."""
    for path, text in strings(raw, ""):
        if path.rpartition(".")[2] != "source":
            continue
        step, key = where(tuple(path.split(".")))
        for cited, _ in citations(text):
            if cited not in catalogue.sources:
                problems.add(file, step, f"{key}: '{cited}' is not a source in sources.yaml")


def nations_problems(file: str, content: NationsFile, problems: Problems) -> None:
    """The four nations, each with the same words, and a checked-on date on every law."""
    if tuple(content.nations) != JURISDICTIONS:
        problems.add(
            file,
            "nations",
            f"must be exactly {', '.join(JURISDICTIONS)}, in that order "
            f"(found {', '.join(content.nations)})",
        )
    expected = set().union(*(nation.words for nation in content.nations.values()))
    for nation_id, nation in content.nations.items():
        for word in sorted(expected - nation.words.keys()):
            problems.add(file, nation_id, f"words: '{word}' is missing (every nation needs it)")
        for word in nation.words:
            if not ID_PATTERN.match(word):
                problems.add(file, nation_id, f"words: '{word}' must be lower-case letters and _")
        for topic_id, topic in nation.topics.items():
            for index, section in enumerate(topic.sections):
                if section.checked is None:
                    problems.add(
                        file,
                        nation_id,
                        f"topics.{topic_id}.sections.{index}: needs checked: the date this "
                        "was last checked against the law (YYYY-MM-DD)",
                    )
