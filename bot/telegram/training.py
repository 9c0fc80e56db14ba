"""/quiz, /cases and /flowchart: training and reference between appointments.

Quizzes and case studies keep no conversation state: each answer button carries the run so far,
signed (`bot.telegram.payloads.Seal`), so a restart, a second device or an edit of the content
can never move a run wrongly. Each quiz answer is stored (pseudonymous, for leads' statistics)
before the bot replies, like every other answer.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Final

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)

from bot import diagram, training, words
from bot.telegram.advice import ANSWERS_PER_ROW
from bot.telegram.messaging import Context, answer_query, chat_id_of, mark, send
from bot.telegram.payloads import CASE_MENU, QUIZ_MENU, CasePress, QuizPress, Seal, Start
from bot.telegram.reference import TOPIC_COMMANDS
from bot.telegram.services import Services
from bot.transcripts.model import QuizAnswer
from states import Case, Dialogue, Library, Quiz

REMEMBERED_PRESSES: Final = 4096
"""Answered messages remembered, to ignore a double tap (a restart forgets them: harmless)."""


class TrainingDesk:
    """The training commands and their buttons."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.seal = Seal(services.pseudonyms.secret)
        self.topic_commands = {topic: command for command, topic in TOPIC_COMMANDS.items()}
        self._answered: OrderedDict[tuple[int, int], None] = OrderedDict()
        self._pictures: dict[str, bytes] = {}

    @property
    def library(self) -> Library:
        """The content for the chat being handled (its organisation's nation's)."""
        return self.services.library

    # ---- commands ----------------------------------------------------------------------------

    async def on_quiz(self, update: Update, context: Context) -> None:
        """/quiz lists the quizzes; /quiz 2 or /quiz golden_rules starts one."""
        await self.list_or_open(update, context, "q")

    async def on_cases(self, update: Update, context: Context) -> None:
        """/cases lists the case studies; /cases 3 or /cases curious_parent opens one."""
        await self.list_or_open(update, context, "c")

    async def list_or_open(self, update: Update, context: Context, kind: str) -> None:
        items = self.library.quizzes if kind == "q" else self.library.cases
        chosen = _pick(list(context.args or []), list(items))
        await self.open(context, chat_id_of(update), Start(kind, chosen))

    async def open(self, context: Context, chat_id: int, start: Start) -> None:
        """The list of quizzes or cases, or the start of one."""
        if start.item is None:
            menu = training.quiz_menu if start.kind == "q" else training.case_menu
            await send(context, chat_id, menu(self.library), self.menu(start.kind))
        elif start.kind == "q":
            await self.start_quiz(context, chat_id, start.item)
        else:
            await self.start_case(context, chat_id, start.item)

    async def on_flowchart(self, update: Update, context: Context) -> None:
        picture = InputFile(await self.picture(), filename="flowchart.png")
        await context.bot.send_photo(chat_id_of(update), picture, caption=words.FLOWCHART_CAPTION)

    async def picture(self) -> bytes:
        """The advice flowchart as PNG, drawn once a nation, outside the event loop (it takes
        CPU)."""
        nation = self.library.scope.jurisdiction
        if nation not in self._pictures:
            drawn = await asyncio.to_thread(diagram.render, self.services.dialogue, "png")
            self._pictures[nation] = drawn
        return self._pictures[nation]

    # ---- buttons -----------------------------------------------------------------------------

    async def on_press(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        chat_id = chat_id_of(update)
        press = self.seal.open(query.data, chat_id, self.library)
        if press is None:
            await answer_query(query, words.NOT_THIS_BUTTON)
            return
        if isinstance(press, Start):
            await answer_query(query)
            await self.open(context, chat_id, press)
            return
        message = query.message
        seen = (chat_id, message.message_id if message is not None else 0)
        if seen in self._answered:
            await answer_query(query, words.ALREADY)
            return
        if isinstance(press, QuizPress):
            await self.quiz_answer(update, context, press, seen)
        elif not await self.case_answer(query, context, chat_id, press, seen):
            await answer_query(query, words.NOT_THIS_BUTTON)

    def remember(self, seen: tuple[int, int]) -> None:
        """An answered message, noted as soon as its answer counts: a second press of it is
        "Already answered" even when the first one's reply failed to arrive."""
        self._answered[seen] = None
        while len(self._answered) > REMEMBERED_PRESSES:
            self._answered.popitem(last=False)

    # ---- quizzes -----------------------------------------------------------------------------

    async def start_quiz(self, context: Context, chat_id: int, quiz_id: str) -> None:
        quiz = self.library.quizzes[quiz_id]
        blocks = [*training.quiz_intro(quiz), *training.statement_blocks(quiz, 0)]
        markup = self.true_false(chat_id, quiz_id, quiz, 0, 0)
        await send(context, chat_id, blocks, markup)

    async def quiz_answer(
        self, update: Update, context: Context, press: QuizPress, seen: tuple[int, int]
    ) -> None:
        """Store the answer, then say whether it was right and why, then the next statement."""
        query = update.callback_query
        assert query is not None
        chat_id = chat_id_of(update)
        quiz = self.library.quizzes[press.quiz]
        statement = quiz.statements[press.index]
        correct = press.said == statement.answer
        await self.services.store.record_quiz_answer(
            QuizAnswer(
                self.services.practitioner(update),
                press.quiz,
                statement.id,
                correct,
                self.services.now(),
            )
        )
        self.remember(seen)
        await answer_query(query)
        await mark(query, words.YOUR_ANSWER.format(label=training.truth(press.said).capitalize()))
        wrong = press.wrong | (0 if correct else 1 << press.index)
        blocks = training.feedback_blocks(self.library, statement, press.said)
        following = press.index + 1
        if following < len(quiz.statements):
            blocks += training.statement_blocks(quiz, following)
            markup = self.true_false(chat_id, press.quiz, quiz, following, wrong)
        else:
            blocks += training.quiz_end(self.library, quiz, wrong, self.topic_commands)
            markup = InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            words.TRY_AGAIN, callback_data=Start("q", press.quiz).encode()
                        ),
                        InlineKeyboardButton(words.OTHER_QUIZZES, callback_data=QUIZ_MENU),
                    ]
                ]
            )
        await send(context, chat_id, blocks, markup)

    def true_false(
        self, chat_id: int, quiz_id: str, quiz: Quiz, index: int, wrong: int
    ) -> InlineKeyboardMarkup:
        def button(said: bool) -> InlineKeyboardButton:
            press = QuizPress(quiz_id, index, said, wrong)
            label = training.truth(said).capitalize()
            return InlineKeyboardButton(
                label, callback_data=self.seal.quiz_button(chat_id, quiz, press)
            )

        return InlineKeyboardMarkup([[button(True), button(False)]])

    # ---- case studies ------------------------------------------------------------------------

    def case_dialogue(self, case: Case) -> Dialogue:
        return self.library.dialogues[case.dialogue]

    async def start_case(self, context: Context, chat_id: int, case_id: str) -> None:
        case = self.library.cases[case_id]
        question = training.case_question(self.case_dialogue(case), case, 0)
        blocks = [*training.case_intro(case), *question]
        await send(context, chat_id, blocks, self.choices(chat_id, case_id, 0, 0))

    async def case_answer(
        self,
        query: CallbackQuery,
        context: Context,
        chat_id: int,
        press: CasePress,
        seen: tuple[int, int],
    ) -> bool:
        """What the guidance says at this key question, then the next one or the outcome.

        False if the press does not fit the case as it is now (nothing is sent).
        """
        case = self.library.cases[press.case]
        dialogue = self.case_dialogue(case)
        keys = training.key_steps(case)
        item = case.walk[keys[press.index]]
        answers = training.case_choices(dialogue, case, press.index)
        if press.choice >= len(answers):
            return False
        chosen = answers[press.choice]
        self.remember(seen)
        await answer_query(query)
        await mark(query, words.YOUR_ANSWER.format(label=chosen.label))
        blocks, matched = training.case_feedback(self.library, dialogue, item, chosen.id)
        missed = press.missed | (0 if matched else 1 << press.index)
        following = press.index + 1
        if following < len(keys):
            question = training.case_question(dialogue, case, following)
            blocks += question
            markup = self.choices(chat_id, press.case, following, missed)
        else:
            blocks += training.case_end(self.library, dialogue, case, missed)
            after = training.next_case(self.library, press.case)
            markup = InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            words.NEXT_CASE, callback_data=Start("c", after).encode()
                        )
                    ],
                    [InlineKeyboardButton(words.ALL_CASES, callback_data=CASE_MENU)],
                ]
            )
        await send(context, chat_id, blocks, markup)
        return True

    def choices(self, chat_id: int, case_id: str, index: int, missed: int) -> InlineKeyboardMarkup:
        """The key question's answers as buttons, each carrying the run so far."""
        case = self.library.cases[case_id]
        offered = training.case_choices(self.case_dialogue(case), case, index)
        buttons = [
            InlineKeyboardButton(
                choice.label,
                callback_data=self.seal.case_button(
                    chat_id, self.library, CasePress(case_id, index, position, missed)
                ),
            )
            for position, choice in enumerate(offered)
        ]
        return InlineKeyboardMarkup(
            [buttons[i : i + ANSWERS_PER_ROW] for i in range(0, len(buttons), ANSWERS_PER_ROW)]
        )

    # ---- menus -------------------------------------------------------------------------------

    def menu(self, kind: str) -> InlineKeyboardMarkup:
        """One button per quiz ('q') or case ('c'), in the files' order."""
        items: dict[str, Quiz] | dict[str, Case] = (
            dict(self.library.quizzes) if kind == "q" else dict(self.library.cases)
        )
        return InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(item.title, callback_data=Start(kind, ident).encode())]
                for ident, item in items.items()
            ]
        )


def _pick(args: list[str], ids: list[str]) -> str | None:
    """The quiz or case named by `/quiz 2` or `/quiz golden_rules`; None lists them all."""
    if len(args) != 1:
        return None
    word = args[0].strip().lower()
    if word.isascii() and word.isdigit() and 1 <= int(word) <= len(ids):
        return ids[int(word) - 1]
    return word if word in ids else None
