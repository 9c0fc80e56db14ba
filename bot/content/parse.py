"""Reading one dialogue file safely (`yaml.safe_load` only) and saying where it broke."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

from bot.content.problems import SECTIONS, Problems

KINDS = ("dialogue", "reference", "quizzes", "cases", "sources", "nations")
"""What a file's `kind:` may be."""
_STEP_LINE = re.compile(r"""^  (["']?)([^\s"'#:][^"':]*)\1:(\s|$)""")
_TOP_LINE = re.compile(r"^([A-Za-z_]\w*):(\s|$)")


def duplicate_keys(text: str) -> Iterator[tuple[str, int]]:
    """Keys repeated in one YAML mapping (safe_load silently keeps the last one)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    pending = [root] if root is not None else []
    while pending:
        node = pending.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                if key.value in seen:
                    yield key.value, key.start_mark.line + 1
                seen.add(key.value)
                pending.append(value)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)


def step_at(text: str, line: int) -> str | None:
    """The step (outcome, rule, topic...) whose block holds `line` (0-based), if any.

    Text that is not valid YAML has no tree to ask, but the files' layout (sections at the left
    margin, their entries indented two spaces) still says which step a broken line is in.
    """
    step: str | None = None
    for row in reversed(text.splitlines()[: line + 1]):
        entry = _STEP_LINE.match(row)
        if step is None and entry is not None:
            step = entry.group(2).strip()
        elif (top := _TOP_LINE.match(row)) is not None:
            return step if top.group(1) in SECTIONS else None
    return None


def parse(name: str, text: str, problems: Problems) -> dict[str, Any] | None:
    try:
        raw = yaml.safe_load(text)
        duplicates = list(duplicate_keys(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        start = getattr(exc, "context_mark", None) or mark
        step = step_at(text, start.line) if start is not None else None
        if step is not None:
            where = f"{step} ({where})"
        problems.add(name, where, f"is not valid YAML: {getattr(exc, 'problem', exc)}")
        return None
    for key, line in duplicates:
        problems.add(name, f"line {line}", f"key '{key}' appears twice in the same place")
    if raw is None:
        problems.add(name, "(file)", "is empty (or all comments): it needs at least kind:")
        return None
    if not isinstance(raw, dict) or raw.get("kind") not in KINDS:
        problems.add(
            name,
            "(file)",
            "kind: must be 'dialogue', 'reference', 'quizzes', 'cases', 'sources' or 'nations'",
        )
        return None
    return raw
