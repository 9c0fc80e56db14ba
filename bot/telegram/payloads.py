"""Every button payload the bot sends, in one place: small, checked, and never trusted.

Telegram gives a button 64 bytes of data and sends it back as typed; anything that does not
parse, or fails its check, is forged (or from content that has changed since) and is answered
with `words.NOT_THIS_BUTTON`. Each format has its own first letters, and `PATTERNS` routes them:

    a:/x:/b:/n:/s:CONV:TURN:ANSWER  the advice conversation: answer, explain, back, new decision,
                                 stop at a Not-sure note; tied to one turn of one
                                 conversation, so an old button is stale
    F:y|n:MINUTE                 /forget's confirmation, valid for FORGET_WITHIN_MINUTES
    L:OFFSET:OUTCOME:FLAGS:TAG:PERIOD:PSEUDONYM[:gORG][:MENU]   a lead's transcript list page
                                 and filters
    T:ID:TAG:ON                  a lead's tag button on one transcript
    R:ID                         a lead opening request ID to get in touch (checked: leads only)
    qm, cm, qs:ID, cs:ID         the quiz and case menus, and opening one
    qa:..., ca:...:SIGNATURE     a quiz or case answer: the run so far, signed for this chat
                                 and this content (`Seal`), so nothing needs storing
    o:PART:CONV:PATH:DAY:SIGNATURE  a part of a finished decision (its answers as places, the
                                 day it was made), signed likewise: an old decision's part
                                 can be shown long after the chat has moved on; the same for
                                 asking a lead to get in touch about it (ask, confirm, cancel)
                                 and saying whether it helped
    W:ID:SIGNATURE               withdraw request ID, signed for this chat only (it must work
                                 whatever the content has become since)
    G:ORGANISATION               join a listed organisation from /org (checked against config)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal, TypeAlias

from pydantic import BaseModel

from bot.alerts import Helped
from bot.content.limits import (
    CALLBACK_DATA_BYTES,
    PATH_ANSWERS,
    TRAINING_ID_BYTES,
    TRAINING_MAX_ITEMS,
)
from bot.outcome import Part
from bot.training import key_steps
from states import Case, Dialogue, Library, Quiz

PART_PREFIX: Final = "o:"
"""The first letters of a decision's part buttons."""
WITHDRAW_PREFIX: Final = "W:"
"""The first letters of the button withdrawing a request to get in touch."""
PATTERNS: Final = {
    "advice": r"^[axbns]:",
    "forget": r"^F:",
    "leads": r"^[LT]:",
    "training": r"^[qc][msa](:|$)",
    "outcome": rf"^{PART_PREFIX}[whrce]:",
    "contact": rf"^({PART_PREFIX}[gkz]:|{WITHDRAW_PREFIX})",
    "requests": r"^R:",
    "feedback": rf"^{PART_PREFIX}[123]:",
    "organisations": r"^G:",
}
"""The first letters of each feature's payloads, for routing presses (every handler has one)."""


def _fits(data: str) -> str:
    if len(data.encode()) > CALLBACK_DATA_BYTES:
        raise ValueError("callback data over Telegram's 64 bytes")
    return data


# ---- the advice conversation (a:, x:, b:, n:) -------------------------------------------------

Action = Literal["answer", "explain", "back", "new", "stop"]
_CODES: dict[Action, str] = {"answer": "a", "explain": "x", "back": "b", "new": "n", "stop": "s"}
_ACTIONS = {code: action for action, code in _CODES.items()}
_PAYLOAD = re.compile(r"^([axbns]):([A-Za-z0-9_-]{8}):(\d{1,9}):([a-z0-9_]{0,40})$")


@dataclass(frozen=True, slots=True)
class Press:
    """A press in the advice conversation, tied to one turn of one conversation."""

    action: Action
    conversation: str
    turn: int
    answer: str = ""

    def encode(self) -> str:
        return _fits(f"{_CODES[self.action]}:{self.conversation}:{self.turn}:{self.answer}")


def decode(data: str | None) -> Press | None:
    """The press a payload describes, or None for anything we did not send."""
    match = _PAYLOAD.match(data or "")
    if match is None:
        return None
    code, conversation, turn, answer = match.groups()
    action = _ACTIONS[code]
    if (action == "answer") != bool(answer):
        return None
    return Press(action, conversation, int(turn), answer)


# ---- /forget's confirmation (F:) --------------------------------------------------------------

FORGET_WITHIN_MINUTES: Final = 15
"""How long a /forget confirmation button stays valid."""
_FORGET = re.compile(r"^F:([yn]):(\d{1,12})$")


@dataclass(frozen=True, slots=True)
class Forget:
    """Yes or no to deleting, and the minute (since the epoch) the question was asked."""

    delete: bool
    minute: int

    def encode(self) -> str:
        return f"F:{'y' if self.delete else 'n'}:{self.minute}"

    @staticmethod
    def decode(data: str | None) -> Forget | None:
        match = _FORGET.match(data or "")
        return None if match is None else Forget(match[1] == "y", int(match[2]))


# ---- the lead desk (L:, T:) -------------------------------------------------------------------

_LIST = re.compile(
    r"^L:(\d{1,7}):(\d{1,2}):([0-7]):([0-3]):([0-9a-z.-]{1,22}):((?:p-[0-9a-f]{12})?)"
    r"(?::g(\d{1,3}))?(?::([ot]))?$"
)
_TAG = re.compile(r"^T:(\d{1,10}):(\d):([01])$")


@dataclass(frozen=True, slots=True)
class ListView:
    """A page of the transcript list as carried in its buttons' payloads."""

    offset: int = 0
    outcome: int = 0
    """0: any; n: the dialogue's n-th outcome."""
    flags: int = 0
    """Bits, in the lead desk's FLAGS order."""
    tag: int = 0
    """0: any; n: the n-th tag."""
    period: str = "all"
    practitioner: str = ""
    menu: str = ""
    """"": the list's own buttons; "o" or "t": a menu to choose the outcome or the tag from."""
    organisation: int = 0
    """0: any the lead sees; n: config's n-th organisation (org=ID typed with /transcripts)."""

    def encode(self) -> str:
        organisation = f":g{self.organisation}" if self.organisation else ""
        menu = f":{self.menu}" if self.menu else ""
        return _fits(
            f"L:{self.offset}:{self.outcome}:{self.flags}:{self.tag}:{self.period}:"
            f"{self.practitioner}{organisation}{menu}"
        )

    @staticmethod
    def decode(data: str | None) -> ListView | None:
        match = _LIST.match(data or "")
        if match is None:
            return None
        offset, outcome, flags, tag = (int(group) for group in match.group(1, 2, 3, 4))
        organisation = int(match[7] or 0)
        return ListView(
            offset, outcome, flags, tag, match[5], match[6], match[8] or "", organisation
        )


@dataclass(frozen=True, slots=True)
class TagPress:
    """Set tag number `tag` of transcript `transcript` on or off (what the button showed)."""

    transcript: str
    """As typed in the payload: checked by the lead desk like any transcript id."""
    tag: int
    on: bool

    def encode(self) -> str:
        return f"T:{self.transcript}:{self.tag}:{1 if self.on else 0}"

    @staticmethod
    def decode(data: str | None) -> TagPress | None:
        match = _TAG.match(data or "")
        return None if match is None else TagPress(match[1], int(match[2]), match[3] == "1")


_OPEN = re.compile(r"^R:(\d{1,12})$")


@dataclass(frozen=True, slots=True)
class OpenRequest:
    """A lead opens request `request` to get in touch."""

    request: int

    def encode(self) -> str:
        return f"R:{self.request}"

    @staticmethod
    def decode(data: str | None) -> OpenRequest | None:
        match = _OPEN.match(data or "")
        return None if match is None else OpenRequest(int(match[1]))


_CHOOSE = re.compile(r"^G:([a-z0-9][a-z0-9-]{0,39})$")


@dataclass(frozen=True, slots=True)
class ChooseOrganisation:
    """A practitioner chooses `organisation` from /org's list (only a listed one is taken)."""

    organisation: str

    def encode(self) -> str:
        return _fits(f"G:{self.organisation}")

    @staticmethod
    def decode(data: str | None) -> ChooseOrganisation | None:
        match = _CHOOSE.match(data or "")
        return None if match is None else ChooseOrganisation(match[1])


SIGNATURE_CHARS: Final = 8
"""48 bits of HMAC-SHA256, base64url: guessing one takes about 10^14 tries."""
MASK_CHARS: Final = (TRAINING_MAX_ITEMS + 3) // 4
QUIZ_MENU: Final = "qm"
CASE_MENU: Final = "cm"
_ID = rf"[a-z0-9_]{{1,{TRAINING_ID_BYTES}}}"
_SIG = rf"[A-Za-z0-9_-]{{{SIGNATURE_CHARS}}}"
_START = re.compile(rf"^([qc])s:({_ID})$")
_QUIZ_ANSWER = re.compile(rf"^qa:({_ID}):(\d{{1,2}}):([tf]):([0-9a-f]{{1,{MASK_CHARS}}}):({_SIG})$")
_CASE_ANSWER = re.compile(rf"^ca:({_ID}):(\d{{1,2}}):(\d):([0-9a-f]{{1,{MASK_CHARS}}}):({_SIG})$")

# ---- training: quizzes and case studies (q..., c...) ----------------------------------------


@dataclass(frozen=True, slots=True)
class QuizPress:
    """A True/False press: statement `index` of `quiz`, and the wrong answers before it."""

    quiz: str
    index: int
    said: bool
    wrong: int
    """Bit i set: statement i was answered wrongly."""


@dataclass(frozen=True, slots=True)
class CasePress:
    """An answer to key question `index` of `case` (`choice`: the answer's position)."""

    case: str
    index: int
    choice: int
    missed: int
    """Bit i set: key question i was answered differently from the guidance."""


@dataclass(frozen=True, slots=True)
class Start:
    """Open a quiz ('q') or case ('c'); with no `item`, the list of them."""

    kind: str
    item: str | None = None

    def encode(self) -> str:
        return f"{self.kind}m" if self.item is None else _fits(f"{self.kind}s:{self.item}")


TrainingPress = QuizPress | CasePress | Start


Asking: TypeAlias = Literal["ask", "confirm", "cancel"]
"""Asking a lead to get in touch about a decision, step by step."""
DecisionAction: TypeAlias = Part | Asking | Helped
"""What a button under a finished decision does."""


@dataclass(frozen=True, slots=True)
class PartPress:
    """Do `part` for the decision reached by answer `places` in `conversation` on `day`: show
    one of its parts, ask a lead about it, or say whether it helped."""

    part: DecisionAction
    conversation: str
    places: tuple[int, ...]
    day: date

    @property
    def body(self) -> str:
        code = _PART_CODES[self.part]
        path = "".join(str(place) for place in self.places)
        return f"o:{code}:{self.conversation}:{path}:{(self.day - _EPOCH).days}"


_PART_CODES: dict[DecisionAction, str] = {
    "why": "w",
    "safely": "h",  # how to share safely
    "record": "r",
    "contacts": "c",
    "sources": "e",  # sources and edition
    "ask": "g",  # get in touch
    "confirm": "k",
    "cancel": "z",
    "yes": "1",
    "partly": "2",
    "no": "3",
}
_PARTS = {code: part for part, code in _PART_CODES.items()}
_EPOCH = date(2000, 1, 1)
_PART = re.compile(
    rf"^o:([{''.join(_PARTS)}]):([A-Za-z0-9_-]{{8}}):"
    rf"(\d{{1,{PATH_ANSWERS}}}):(\d{{1,6}}):({_SIG})$"
)


_WITHDRAW = re.compile(rf"^W:(\d{{1,12}}):({_SIG})$")
_WITHDRAWING = "withdraw"
"""What a withdraw button is signed for instead of content: it outlives any content change."""


def fingerprint(*items: BaseModel) -> str:
    """Changes whenever this content is edited, so buttons sent before an edit stop working."""
    digest = hashlib.sha256()
    for item in items:
        digest.update(item.model_dump_json().encode())
    return digest.hexdigest()[:16]


def _case_content(library: Library, case: Case) -> str:
    """A case's buttons depend on the case and on its dialogue's questions and answers."""
    return fingerprint(case, library.dialogues[case.dialogue].content)


class Seal:
    """Signs and checks answer buttons; the key never leaves the process."""

    def __init__(self, secret: bytes) -> None:
        self._key = hmac.new(secret, b"infoshare-bot training buttons", hashlib.sha256).digest()

    def _signature(self, chat_id: int, content: str, body: str) -> str:
        mac = hmac.new(self._key, f"{chat_id}|{content}|{body}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).decode()[:SIGNATURE_CHARS]

    def quiz_button(self, chat_id: int, quiz: Quiz, press: QuizPress) -> str:
        body = f"qa:{press.quiz}:{press.index}:{'t' if press.said else 'f'}:{press.wrong:x}"
        return _fits(f"{body}:{self._signature(chat_id, fingerprint(quiz), body)}")

    def case_button(self, chat_id: int, library: Library, press: CasePress) -> str:
        body = f"ca:{press.case}:{press.index}:{press.choice}:{press.missed:x}"
        content = _case_content(library, library.cases[press.case])
        return _fits(f"{body}:{self._signature(chat_id, content, body)}")

    def open(self, data: str | None, chat_id: int, library: Library) -> TrainingPress | None:
        """The press `data` describes, or None for anything this bot did not send to this chat
        for the content as it is now."""
        text = data or ""
        if text in (QUIZ_MENU, CASE_MENU):
            return Start(text[0])
        if start := _START.match(text):
            known = library.quizzes if start[1] == "q" else library.cases
            return Start(start[1], start[2]) if start[2] in known else None
        if found := _QUIZ_ANSWER.match(text):
            quiz = library.quizzes.get(found[1])
            body, index, wrong = text.rsplit(":", 1)[0], int(found[2]), int(found[4], 16)
            if quiz is None or index >= len(quiz.statements) or wrong >> index:
                return None
            if not self._valid(found[5], chat_id, fingerprint(quiz), body):
                return None
            return QuizPress(found[1], index, found[3] == "t", wrong)
        if found := _CASE_ANSWER.match(text):
            case = library.cases.get(found[1])
            body, index, missed = text.rsplit(":", 1)[0], int(found[2]), int(found[4], 16)
            if case is None or index >= len(key_steps(case)) or missed >> index:
                return None
            if not self._valid(found[5], chat_id, _case_content(library, case), body):
                return None
            return CasePress(found[1], index, int(found[3]), missed)
        return None

    def part_button(self, chat_id: int, dialogue: Dialogue, press: PartPress) -> str:
        signature = self._signature(chat_id, fingerprint(dialogue.content), press.body)
        return _fits(f"{press.body}:{signature}")

    def open_part(self, data: str | None, chat_id: int, dialogue: Dialogue) -> PartPress | None:
        """The part press `data` describes, or None if this bot did not send it to this chat
        for the content as it is now."""
        found = _PART.match(data or "")
        if found is None:
            return None
        body = (data or "").rsplit(":", 1)[0]
        if not self._valid(found[5], chat_id, fingerprint(dialogue.content), body):
            return None
        places = tuple(int(digit) for digit in found[3])
        return PartPress(_PARTS[found[1]], found[2], places, _EPOCH + timedelta(int(found[4])))

    def withdraw_button(self, chat_id: int, request: int) -> str:
        body = f"{WITHDRAW_PREFIX}{request}"
        return _fits(f"{body}:{self._signature(chat_id, _WITHDRAWING, body)}")

    def open_withdraw(self, data: str | None, chat_id: int) -> int | None:
        """The request a withdraw button sent to this chat names; None for anything else."""
        found = _WITHDRAW.match(data or "")
        if found is None:
            return None
        body = (data or "").rsplit(":", 1)[0]
        return int(found[1]) if self._valid(found[2], chat_id, _WITHDRAWING, body) else None

    def _valid(self, signature: str, chat_id: int, content: str, body: str) -> bool:
        return hmac.compare_digest(signature, self._signature(chat_id, content, body))
