"""Checks that outcomes cite rules and checklists the reference file has."""

from __future__ import annotations

from bot.content.problems import Problems
from states import DialogueFile, Reference


def reference_problems(
    file: str, content: DialogueFile, reference: Reference, problems: Problems
) -> None:
    for name, outcome in content.outcomes.items():
        for number in outcome.rules:
            if number not in reference.rules:
                problems.add(file, name, f"rule {number} does not exist (rules are 1 to 7)")
        if outcome.checklist is not None and outcome.checklist not in reference.checklists:
            problems.add(
                file, name, f"checklist '{outcome.checklist}' is not in the reference file"
            )
        if outcome.shares is not None and 7 not in outcome.rules:
            problems.add(file, name, "a decision to share or not to share must cite rule 7")
