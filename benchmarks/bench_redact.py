"""Throughput of bot.anonymise.redact on one core, over the labelled corpus's messages.

Every message a practitioner types goes through the redactor before anything is stored or logged,
so it must be cheap: the target is 5,000 typical messages a second on one core. Baselines measured
in the same run (str.lower, and one bare regular-expression pass over the words) put the number in
context on whatever machine runs this.

Run:  python benchmarks/bench_redact.py [--seconds 1.0] [--rounds 5] [--target 5000]
Exit status 1 if the median rate is under the target.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from machine import describe

from bot.anonymise import redact

CORPUS_DIR = Path(__file__).resolve().parent.parent / "tests" / "corpus"
_WORD = re.compile(r"\w+")


def load_messages() -> list[str]:
    """Every message of every corpus file (with and without identifiers)."""
    messages = []
    for path in sorted(CORPUS_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        messages += [m["text"] for m in data["messages"]]
    return messages


def pin_to_one_core() -> str:
    """Run on a single CPU so the number is per core; say which (or why not)."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity on this platform)"
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return f"pinned to CPU {core}"


def rate(work: Callable[[str], object], messages: list[str], seconds: float, rounds: int) -> float:
    """Median messages per second over `rounds` rounds of at least `seconds` each."""
    for message in messages:  # warm up caches and lazily built structures
        work(message)
    rates = []
    for _ in range(rounds):
        count = 0
        start = time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            for message in messages:
                work(message)
            count += len(messages)
        rates.append(count / elapsed)
    return statistics.median(rates)


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and compare with the target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="length of one round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per measurement (median)")
    parser.add_argument("--target", type=float, default=5000.0, help="messages per second")
    args = parser.parse_args(argv)

    messages = load_messages()
    pinning = pin_to_one_core()
    chars = sum(len(m) for m in messages)
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"machine: {describe()}; {pinning}")
    print(f"python:  {platform.python_implementation()} {platform.python_version()}")
    average = chars / len(messages)
    print(
        f"corpus:  {len(messages)} messages from {CORPUS_DIR}, {average:.0f} characters on average"
    )

    redactor = rate(redact, messages, args.seconds, args.rounds)
    lower = rate(str.lower, messages, args.seconds, args.rounds)
    regex = rate(_WORD.findall, messages, args.seconds, args.rounds)

    print(f"{'work':<32} {'messages/s':>12} {'us/message':>11} {'redact/baseline':>16}")
    for label, value in (
        ("redact()", redactor),
        ("baseline: str.lower", lower),
        (r"baseline: re.findall(r'\w+')", regex),
    ):
        ratio = value / redactor
        print(f"{label:<32} {value:>12,.0f} {1e6 / value:>11.1f} {ratio:>15.1f}x")
    verdict = "PASS" if redactor >= args.target else "FAIL"
    print(f"{verdict}: redact() {redactor:,.0f} messages/s on one core (target {args.target:,.0f})")
    return 0 if redactor >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
