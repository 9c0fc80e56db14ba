"""The layering holds: the core is pure, only the Telegram front end imports telegram or the
Telegram front end, and there are no import cycles.

Read from the source with `ast`, so a lazy import inside a function counts as much as one at the
top of a module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = {
    ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
    for path in [ROOT / "states.py", *sorted((ROOT / "bot").rglob("*.py"))]
    if "migrations" not in path.parts
}
CORE_MAY_IMPORT = {"__future__", "re", "collections", "dataclasses", "datetime", "typing"}
CORE_MAY_IMPORT |= {"pydantic", "transitions"}
"""What `states.py` may import: data, patterns and its two libraries; no I/O, no clock."""
CORE_MUST_NOT_CALL = {"open", "print", "input", "now", "today", "utcnow", "time", "sleep"}
LAUNCHES_THE_BOT = {"bot.cli.run"}
"""The one module outside bot.telegram that may import it (lazily, to start the bot)."""


def imported(path: Path) -> Iterator[str]:
    """Every module `path` imports, absolute, at any depth of its code.

    `from package import name` is an import of `package.name` when that is a module of ours,
    and of `package` otherwise (a name its `__init__` defines).
    """
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    if path.name == "__init__.py":
        package = ".".join(path.relative_to(ROOT).parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base]).strip(".")
            for alias in node.names:
                name = f"{base}.{alias.name}"
                yield name if name in MODULES else base


def ours(name: str) -> str | None:
    """The module of this project that an imported name belongs to, if any."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def graph() -> dict[str, set[str]]:
    return {
        module: {found for name in imported(path) if (found := ours(name)) and found != module}
        for module, path in MODULES.items()
    }


def cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """Every cycle a depth-first walk meets, through packages' `__init__` modules too."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges.get(module, ())):
            if state.get(target) == 1:
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    return found


def test_the_core_imports_only_what_a_pure_core_needs() -> None:
    roots = {name.split(".")[0] for name in imported(MODULES["states"])}
    assert roots <= CORE_MAY_IMPORT, roots - CORE_MAY_IMPORT


def test_the_core_reads_no_files_and_no_clock() -> None:
    tree = ast.parse(MODULES["states"].read_text(encoding="utf-8"))
    called = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called.add(func.id if isinstance(func, ast.Name) else getattr(func, "attr", ""))
    assert not called & CORE_MUST_NOT_CALL, called & CORE_MUST_NOT_CALL


@pytest.mark.parametrize("module", sorted(MODULES))
def test_only_the_telegram_front_end_imports_telegram(module: str) -> None:
    if module.startswith("bot.telegram"):
        return
    names = set(imported(MODULES[module]))
    assert not [n for n in names if n.split(".")[0] == "telegram"], module
    if module not in LAUNCHES_THE_BOT:
        assert not [n for n in names if n.startswith("bot.telegram")], module


def test_there_are_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_the_cycle_check_sees_cycles() -> None:
    """The check above must be able to fail: through plain modules and through an `__init__`."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"p": {"p.m"}, "p.m": {"p"}}) == [["p", "p.m", "p"]]
    assert cycles({"p": {"p.m"}, "p.m": {"p.n"}, "p.n": set()}) == []


def test_the_graph_sees_real_imports() -> None:
    edges = graph()
    assert "bot.telegram.services" in edges["bot.telegram.advice"]
    assert "states" in edges["bot.content.validate"]
    assert "bot.storage.transcripts" in edges["bot.storage.sql"]
