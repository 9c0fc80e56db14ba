"""Scoring the redactor on a labelled corpus: recall per kind, and ordinary words lost.

A label is caught if none of its non-space characters survive; a word that is not part of any
label and is removed counts against the redactor (over-redaction). Used for the tuning corpus
(`tests/corpus/*.yaml`) and for the frozen judged set (`tests/corpus/judged/`) alike.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.anonymise import KINDS, find_spans, redact

CORPUS_DIR = Path(__file__).resolve().parents[1] / "corpus"
JUDGED_DIR = CORPUS_DIR / "judged"
STRICT_KINDS = ("PHONE", "EMAIL", "POSTCODE", "NHS_NUMBER", "NI_NUMBER", "DATE", "URL", "HANDLE")
LOOSE_KINDS = ("NAME", "ADDRESS", "SCHOOL", "CASE_REF")
TARGET = {**dict.fromkeys(STRICT_KINDS, 0.99), **dict.fromkeys(LOOSE_KINDS, 0.95)}
MAX_FALSE_REMOVAL = 0.02
_WORD = re.compile(r"[^\W_]+")


@dataclass
class Evaluation:
    """What the redactor did to the labelled corpus."""

    messages: int = 0
    clean_messages: int = 0
    labelled: Counter[str] = field(default_factory=Counter)
    caught: Counter[str] = field(default_factory=Counter)
    right_kind: Counter[str] = field(default_factory=Counter)
    misses: dict[str, list[str]] = field(default_factory=dict, repr=False)
    """Message ids and missed text: never in a repr, so that a failing assertion on the judged
    set (whose traceback shows the objects it compared) cannot print what it holds."""
    words: int = 0
    words_removed: int = 0
    clean_words: int = 0
    clean_words_removed: int = 0
    removed_examples: list[str] = field(default_factory=list, repr=False)

    def recall(self, kind: str) -> float:
        return self.caught[kind] / self.labelled[kind] if self.labelled[kind] else 1.0

    def false_removal(self) -> float:
        return self.words_removed / self.words if self.words else 0.0

    def table(self) -> list[str]:
        lines = [
            f"{self.messages} messages ({self.clean_messages} with no identifier)",
            f"{'kind':<11} {'labels':>6} {'caught':>6} {'recall':>7} {'target':>6} {'kind ok':>7}",
        ]
        for kind in KINDS:
            n = self.labelled[kind]
            kind_ok = self.right_kind[kind] / n if n else 1.0
            lines.append(
                f"{kind:<11} {n:>6} {self.caught[kind]:>6} {self.recall(kind):>7.1%} "
                f"{TARGET[kind]:>6.0%} {kind_ok:>7.1%}"
            )
        clean = self.clean_words_removed / self.clean_words if self.clean_words else 0.0
        lines.append(
            f"non-identifying words removed: {self.words_removed}/{self.words} = "
            f"{self.false_removal():.2%} (target < {MAX_FALSE_REMOVAL:.0%}); in messages with no "
            f"identifier: {self.clean_words_removed}/{self.clean_words} = {clean:.2%}"
        )
        return lines


def load_corpus(folder: Path = CORPUS_DIR) -> list[dict[str, Any]]:
    """Messages of every corpus file in `folder`, each {"id", "text", "labels": [[KIND,
    substring], ...]} (and "hurried": true where typed in a hurry)."""
    messages: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yaml")):
        messages += yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
    return messages


def occurrences(text: str, substring: str) -> list[tuple[int, int]]:
    """Whole-word occurrences of a labelled substring."""
    pattern = (
        (r"(?<!\w)" if substring[0].isalnum() else "")
        + re.escape(substring)
        + (r"(?!\w)" if substring[-1].isalnum() else "")
    )
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def evaluate(messages: list[dict[str, Any]]) -> Evaluation:
    """Recall per kind (a label is caught if none of its characters survive) and false removals."""
    result = Evaluation()
    for message in messages:
        text: str = message["text"]
        spans = find_spans(text)
        assert redact(text).text == _apply(text, spans), message["id"]
        kind_at = [""] * len(text)
        for span in spans:
            kind_at[span.start : span.end] = [span.kind] * (span.end - span.start)
        identifying = [False] * len(text)
        result.messages += 1
        result.clean_messages += not message["labels"]
        for kind, substring in message["labels"]:
            found = occurrences(text, substring)
            assert found, f"{message['id']}: label {substring!r} is not in the text"
            for start, end in found:
                identifying[start:end] = [True] * (end - start)
                chars = [i for i in range(start, end) if not text[i].isspace()]
                result.labelled[kind] += 1
                if all(kind_at[i] for i in chars):
                    result.caught[kind] += 1
                    result.right_kind[kind] += all(kind_at[i] == kind for i in chars)
                else:
                    result.misses.setdefault(kind, []).append(f"{message['id']}: {substring!r}")
        for word in _WORD.finditer(text):
            if any(identifying[word.start() : word.end()]):
                continue
            removed = any(kind_at[word.start() : word.end()])
            result.words += 1
            result.words_removed += removed
            if not message["labels"]:
                result.clean_words += 1
                result.clean_words_removed += removed
            if removed:
                result.removed_examples.append(f"{message['id']}: {word.group()!r}")
    return result


def _apply(text: str, spans: list[Any]) -> str:
    out, position = [], 0
    for span in spans:
        out += [text[position : span.start], f"[{span.kind}]"]
        position = span.end
    return "".join([*out, text[position:]])
