"""Benchmark the pure core against a machine-per-conversation design, in the same run.

    python benchmarks/bench_core.py [--answers 200000] [--conversations 100000]

Measures answers per second through `states.answer` on one core, memory per idle conversation
(tracemalloc), and the time to load and validate every dialogue; the baseline builds a
`transitions.Machine` for each conversation, which is what the design forbids.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from machine import describe
from transitions import Machine

from bot.content import load_library
from states import Dialogue, Moved, State, answer, machine_config


def paths(dialogue: Dialogue) -> list[list[str]]:
    """Every complete path from the start to an outcome, as lists of answer ids."""
    found: list[list[str]] = []

    def walk(step: str, taken: list[str]) -> None:
        if dialogue.is_outcome(step):
            found.append(taken)
            return
        question = dialogue.content.steps[step]
        for choice in question.answers:
            walk(choice.next, [*taken, choice.id])

    walk(dialogue.content.start, [])
    return found


def core_rate(dialogue: Dialogue, routes: list[list[str]], answers: int) -> float:
    """Answers per second through the shared-machine core."""
    done = 0
    start = time.perf_counter()
    while done < answers:
        for route in routes:
            state = dialogue.start
            for given in route:
                result = answer(dialogue, state, given)
                assert isinstance(result, Moved)
                state = result.state
            done += len(route)
    return done / (time.perf_counter() - start)


class _Model:
    state: str


def baseline_rate(dialogue: Dialogue, routes: list[list[str]], conversations: int) -> float:
    """Answers per second when each conversation builds its own transitions.Machine."""
    config = machine_config(dialogue.content)
    done = 0
    start = time.perf_counter()
    for index in range(conversations):
        route = routes[index % len(routes)]
        model = _Model()
        Machine(model=model, **config)
        for given in route:
            model.trigger(given)  # type: ignore[attr-defined]
        done += len(route)
    return done / (time.perf_counter() - start)


def memory_per_item(make: Callable[[int], Any], count: int) -> float:
    """Bytes allocated per item, keeping `count` items alive."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    kept = [make(i) for i in range(count)]
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    size = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    size -= len(kept) * 8 + 56  # the list that keeps them alive is not the conversations' cost
    return size / count


def idle_state(dialogue: Dialogue, routes: list[list[str]]) -> Callable[[int], State]:
    """An idle mid-conversation state, as a chat between two answers would hold it."""

    def make(index: int) -> State:
        route = routes[index % len(routes)]
        state = dialogue.start
        for given in route[: max(1, len(route) // 2)]:
            result = answer(dialogue, state, given)
            assert isinstance(result, Moved)
            state = result.state
        return state

    return make


def idle_machine(dialogue: Dialogue) -> Callable[[int], Any]:
    config = machine_config(dialogue.content)

    def make(index: int) -> Any:
        model = _Model()
        Machine(model=model, **config)
        return model

    return make


def load_times(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        load_library()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=300_000)
    parser.add_argument("--conversations", type=int, default=2_000)
    parser.add_argument("--idle", type=int, default=100_000)
    args = parser.parse_args()
    random.seed(7)

    library = load_library()
    dialogue = library["advice"]
    routes = paths(dialogue)
    loads = load_times(7)
    core = statistics.median(core_rate(dialogue, routes, args.answers) for _ in range(3))
    base = statistics.median(baseline_rate(dialogue, routes, args.conversations) for _ in range(3))
    state_bytes = memory_per_item(idle_state(dialogue, routes), args.idle)
    machine_bytes = memory_per_item(idle_machine(dialogue), min(args.idle, 2_000))

    print(f"machine: {describe()}")
    print(f"paths through the advice dialogue: {len(routes)}")
    print("| measure | core (shared machine) | baseline (machine per conversation) | ratio |")
    print("|---|---|---|---|")
    print(f"| answers/s, one core | {core:,.0f} | {base:,.0f} | {core / base:,.1f}x |")
    print(
        f"| memory per idle conversation | {state_bytes:,.0f} B | {machine_bytes:,.0f} B | "
        f"{machine_bytes / state_bytes:,.0f}x less |"
    )
    print(
        f"| load + validate all dialogues | median {statistics.median(loads):.1f} ms "
        f"(min {min(loads):.1f}, max {max(loads):.1f}) | | |"
    )


if __name__ == "__main__":
    main()
