"""The layering holds: the core is pure, only the Telegram front end imports telegram, no cycles.

Read from the source with `ast`, so a lazy import inside a function counts as much as one at the
top of a module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = {
    ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
    for path in [ROOT / "states.py", *sorted((ROOT / "bot").rglob("*.py"))]
    if "migrations" not in path.parts
}


def imported(path: Path) -> Iterator[str]:
    """Every module `path` imports, absolute, at any depth of its code."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base]).strip(".")
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def ours(name: str) -> str | None:
    """The module of this project that an imported name belongs to, if any."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


GRAPH = {
    module: {found for name in imported(path) if (found := ours(name)) and found != module}
    for module, path in MODULES.items()
}


def test_the_core_imports_nothing_of_the_bot_or_telegram() -> None:
    names = set(imported(MODULES["states"]))
    assert not [n for n in names if n.split(".")[0] in {"bot", "telegram"}], names


def test_the_core_does_no_io() -> None:
    names = {n.split(".")[0] for n in imported(MODULES["states"])}
    assert not names & {"os", "pathlib", "io", "open", "sqlite3", "socket", "asyncio", "yaml"}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_only_the_telegram_front_end_imports_telegram(module: str) -> None:
    if module.startswith("bot.telegram"):
        return
    names = set(imported(MODULES[module]))
    assert not [n for n in names if n.split(".")[0] == "telegram"], module


def test_there_are_no_import_cycles() -> None:
    """A package's `__init__` may re-export its own modules; anything else is a cycle."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(GRAPH[module]):
            if module.startswith(target + ".") or target.startswith(module + "."):
                continue  # a package and its own modules
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_layering_test_sees_a_cycle_when_there_is_one() -> None:
    """The checks above must be able to fail: they do see real imports."""
    assert "bot.telegram.services" in GRAPH["bot.telegram.advice"]
    assert "states" in GRAPH["bot.content.validate"]
