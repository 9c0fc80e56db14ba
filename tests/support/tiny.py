"""A tiny but complete pair of dialogue files, as text, for tests that break one thing at a time."""

from __future__ import annotations

RULES = "\n".join(
    f"  {n}: {{title: Rule {n}, text: Golden rule {n} text., source: 001.txt}}" for n in range(1, 8)
)

REFERENCE = f"""\
kind: reference
content_version: "2026-11-21"
edition: {{title: Tiny edition, checked: "2026-11-21"}}
disclaimer: Guidance, not legal advice.
law_update: The Data Protection Act 1998 is now the UK GDPR and the Data Protection Act 2018.
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


BRANCHED = (
    ADVICE.replace(
        "not_sure: [unsure]}",
        'not_sure: [unsure], stop: [stop, "stop here"]}',
    )
    .replace('next: share, record: "It is so."', 'next: second, record: "It is so."')
    .replace(
        """  second:
    short: Second question
    question: Really?
    explain: It means that.
    source: 003.txt
    answers:
      - {id: "yes", label: "Yes", next: share, record: "Really so."}
      - {id: "no", label: "No", next: seek_advice, record: "Not really."}
""",
        """  second:
    short: Second question
    question: Really?
    explain: It means that.
    source: "003.txt: Module 1; 001.txt: Rule 3"
    not_sure: Check with your lead, then answer.
    versions:
      from: [first]
      text: {"no": {question: "After a no, really?"}}
    answers:
      - {id: "yes", label: "Yes", next: share, record: "Really so."}
      - {id: "no", label: "No", next: seek_advice, record: "Not really."}
      - {id: later, label: "Later", next: seek_advice, record: "Later.", when: {first: ["no"]}}
      - {id: not_sure, label: "Not sure", next: seek_advice, record: "Unsure here."}
""",
    )
)
"""The tiny dialogue with a Not-sure note, wording by path and an answer offered on one path:
first (yes|no) -> second (yes, no, later only after no, not sure with a note)."""

SOURCES = """\
kind: sources
sources:
  001.txt: {publisher: A council, title: The golden rules, year: 2015, file: 001.txt}
  003.txt: {publisher: A partnership, title: An e-learning course, year: 2016, url: "https://example.org/course"}
"""


def nations(**words: dict[str, str]) -> str:
    """A nations file: the four nations, each with `place` (or the words given for it)."""
    lines = ["kind: nations", 'checked: "2026-12-01"', "nations:"]
    for nation in ("england", "wales", "scotland", "northern_ireland"):
        said = words.get(nation, {"place": f"the {nation} place"})
        lines += [f"  {nation}:", f"    name: {nation.title()}", f"    words: {said!r}"]
        lines += [
            "    topics:",
            "      duties:",
            "        title: Duties",
            "        sections:",
            "          - {heading: A duty, text: One line., source: 003.txt,",
            '             checked: "2026-12-01"}',
        ]
    return "\n".join(lines) + "\n"
