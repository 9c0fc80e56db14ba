"""A tiny but complete pair of dialogue files, as text, for tests that break one thing at a time."""

from __future__ import annotations

RULES = "\n".join(
    f"  {n}: {{title: Rule {n}, text: Golden rule {n} text., source: 001.txt}}" for n in range(1, 8)
)

REFERENCE = f"""\
kind: reference
content_version: "2026-11-21"
disclaimer: Guidance, not legal advice.
law_update: The Data Protection Act 1998 is now the UK GDPR and the Data Protection Act 2018.
sources: {{001.txt: the rules}}
rules:
{RULES}
topics:
  consent:
    title: Consent
    sections: [{{heading: Whose consent, text: Ask the right person., source: 003.txt}}]
checklists:
  share_appropriately: {{title: Share appropriately, items: [Necessary, Secure], source: 003.txt}}
"""

ADVICE = """\
kind: dialogue
id: advice
title: Should I share?
content_version: "2026-11-21"
intro: Hello.
start: first
aliases: {"yes": [y, yep], "no": [n], not_sure: [unsure]}
steps:
  first:
    short: First question
    question: Is it so?
    explain: It means this.
    source: 003.txt
    answers:
      - {id: "yes", label: "Yes", next: share, record: "It is so."}
      - {id: "no", label: "No", next: second, record: "It is not so."}
      - {id: not_sure, label: "Not sure", next: seek_advice, record: "Unsure."}
  second:
    short: Second question
    question: Really?
    explain: It means that.
    source: 003.txt
    answers:
      - {id: "yes", label: "Yes", next: share, record: "Really so."}
      - {id: "no", label: "No", next: seek_advice, record: "Not really."}
outcomes:
  share:
    title: Share
    decision: You can share.
    explain: Because it is so.
    rules: [6, 7]
    next_steps: [Share securely.]
    checklist: share_appropriately
    record: Share
    record_fields: [What I shared]
    shares: true
    source: 003.txt
  seek_advice:
    title: Seek advice
    decision: Ask someone first.
    explain: Because you are unsure.
    rules: [3]
    next_steps: [Ask your safeguarding lead.]
    contacts: true
    record: Seek advice
    record_fields: [Advice sought from]
    source: 003.txt
    variants:
      from: [first]
      text: {not_sure: You were unsure at the first question.}
"""


def texts(**changes: str) -> dict[str, str]:
    """The two files, with `advice=` or `reference=` replaced."""
    return {
        "advice.yaml": changes.get("advice", ADVICE),
        "reference.yaml": changes.get("reference", REFERENCE),
    }
