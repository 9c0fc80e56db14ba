"""One edition's text for one UK nation: `nations:` overrides applied, `{words}` filled in.

An edition's files are written once for all four nations. A step or outcome may replace a
field for one nation (`nations: {scotland: {explain: ...}}`), and any text may name a word
from `nations.yaml` in braces (`{child_referral}`). Both are resolved here, on the parsed YAML,
before the schema sees it, so every check then runs on exactly what that nation's
practitioners will read.
"""

from __future__ import annotations

import re
from typing import Any

from bot.content.problems import SECTIONS, Problems
from states import Nation

JURISDICTIONS = ("england", "wales", "scotland", "northern_ireland")
"""The nations a deployment may be configured for, in the order `check` reports them."""
OVERRIDABLE = frozenset(
    {"question", "explain", "decision", "next_steps", "not_sure", "variants", "source"}
)
"""The fields of a step or outcome that a `nations:` block may replace."""
_WORD = re.compile(r"\{([^{}]*)\}")


def resolve(
    name: str, raw: dict[str, Any], nation_id: str | None, nation: Nation | None, problems: Problems
) -> dict[str, Any]:
    """`raw` as one nation reads it (or, with no nation, with every override left out)."""
    resolved = {
        key: _overridden(name, key, value, nation_id, problems) for key, value in raw.items()
    }
    if nation is None:
        return resolved
    filled = _fill(resolved, nation.words, name, "(file)", problems)
    assert isinstance(filled, dict)
    return filled


def _overridden(
    name: str, section: str, value: Any, nation_id: str | None, problems: Problems
) -> Any:
    if section not in SECTIONS or not isinstance(value, dict):
        return value
    entries: dict[Any, Any] = {}
    for step, node in value.items():
        if not isinstance(node, dict) or "nations" not in node:
            entries[step] = node
            continue
        node = dict(node)
        overrides = node.pop("nations")
        if not isinstance(overrides, dict):
            problems.add(name, str(step), "nations: must map nation ids to the fields they change")
            overrides = {}
        for other, fields in overrides.items():
            if other not in JURISDICTIONS:
                problems.add(
                    name, str(step), f"nations: '{other}' is not one of {', '.join(JURISDICTIONS)}"
                )
            elif not isinstance(fields, dict) or not fields.keys() <= OVERRIDABLE:
                problems.add(
                    name,
                    str(step),
                    f"nations.{other}: may only replace {', '.join(sorted(OVERRIDABLE))}",
                )
            elif other == nation_id:
                node |= fields
        entries[step] = node
    return entries


def _fill(
    value: Any,
    words: dict[str, str],
    name: str,
    where: str,
    problems: Problems,
    *,
    section: bool = False,
) -> Any:
    """Every `{word}` replaced; list items that become empty dropped (a word may say nothing)."""
    if isinstance(value, str):
        filled = _WORD.sub(lambda found: _word(found, words, name, where, problems), value)
        if _WORD.sub("", filled).count("{") or _WORD.sub("", filled).count("}"):
            problems.add(name, where, "a { or } that is not part of a {word}: remove it")
        return filled
    if isinstance(value, list):
        items = [_fill(item, words, name, where, problems) for item in value]
        return [item for item in items if item != ""]
    if isinstance(value, dict):
        return {
            key: _fill(
                item,
                words,
                name,
                str(key) if section else where,
                problems,
                section=where == "(file)" and not section and key in SECTIONS,
            )
            for key, item in value.items()
        }
    return value


def _word(
    found: re.Match[str], words: dict[str, str], name: str, where: str, problems: Problems
) -> str:
    word = found.group(1)
    if word not in words:
        known = ", ".join(sorted(words)) or "none"
        problems.add(name, where, f"{{{word}}} is not a word from nations.yaml (known: {known})")
        return found.group(0)
    return words[word]
