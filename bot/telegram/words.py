"""Everything the Telegram front end says in its own words, in one place.

Content (questions, outcomes, rules, reference pages) lives in `dialogues/`; rendering it is
`bot.render`. These are the fixed sentences around it: replies to commands, buttons, refusals,
apologies and the command menus, so that a reviewer can read and change them together.
"""

from __future__ import annotations

from typing import Final

COMMANDS: Final = (
    ("advice", "Start a new decision about sharing information"),
    ("rules", "The seven golden rules"),
    ("rule", "One golden rule, e.g. /rule 4"),
    ("consent", "Whose consent, and when not to seek it"),
    ("definitions", "Confidential information, harm, serious crime, public interest"),
    ("contacts", "Local safeguarding contacts"),
    ("myths", "Myth buster: data protection is not a barrier"),
    ("whotoask", "Who to ask for advice"),
    ("quiz", "True or false: the course's quizzes"),
    ("cases", "Case studies: decide, then see what the guidance says"),
    ("flowchart", "The key questions as a picture"),
    ("record", "Show the last decision record again"),
    ("back", "Undo your last answer"),
    ("restart", "Start this decision again"),
    ("cancel", "Stop the current decision"),
    ("privacy", "What is kept, for how long, who can see it"),
    ("forget", "Delete everything kept about your conversations"),
    ("help", "What I can do"),
    ("start", "Introduction"),
)
"""The command menu everyone sees, in order."""
LEAD_COMMANDS: Final = (
    ("transcripts", "Leads: recent transcripts, with filters"),
    ("transcript", "Leads: one transcript, e.g. /transcript 42"),
    ("stats", "Leads: outcomes, not-sure rates, drop-off, e.g. /stats 30d"),
    ("tag", "Leads: tag a transcript, e.g. /tag 42 follow_up"),
    ("note", "Leads: add a note, e.g. /note 42 discussed in supervision"),
)
"""Added to the menu in leads' own chats only."""

# ---- the advice conversation ------------------------------------------------------------------

EXPLAIN_BUTTON: Final = "What does this mean?"
BACK_BUTTON: Final = "« Back"
NEW_DECISION_BUTTON: Final = "New decision"
YOUR_ANSWER: Final = "Your answer: {label}"
"""The mark left on an answered question, so the chat reads as a record."""
WENT_BACK: Final = "« Back"
STALE: Final = "That question was already answered. Here is where we are."
FINISHED: Final = (
    "This decision is finished. /record shows its record again, /advice starts a new one, "
    "and Back changes your last answer."
)
NO_DECISION: Final = "There is no decision in progress. Send /advice to start one."
IN_PROGRESS: Final = (
    "You have a decision in progress. Here is where we were (/restart begins again)."
)
NOT_AN_ANSWER: Final = "Please choose one of the options below (or type yes, no or not sure)."
CANCELLED: Final = (
    "Stopped. Nothing you answered is kept in this chat's progress. "
    "Send /advice when you want to start a new decision."
)
NO_RECORD: Final = "There is no decision record yet: finish a decision (/advice) first."
LAST_RECORD: Final = "Your last decision record"

# ---- reference ----------------------------------------------------------------------------------

RULE_USAGE: Final = (
    "There are seven golden rules: send /rule followed by a number from 1 to 7, for example "
    "/rule 4, or /rules for all of them."
)
HELP_INTRO: Final = (
    "I walk you through the government's key questions on sharing information and finish with "
    "the golden rules that apply, next steps and a record for your case notes. I never ask who "
    "anyone is."
)
HELP_MORE: Final = (
    "More reference: {commands}. Answer with the buttons, or type yes, no or not sure."
)
UNKNOWN_COMMAND: Final = "I don't know that command. /help lists what I can do."

# ---- privacy ------------------------------------------------------------------------------------

MY_ID: Final = (
    "Your Telegram user id is {user_id}. A safeguarding lead gives it to the bot's administrator "
    "to be added to `leads` in the config. Practitioners never need it."
)
FORGET_YES: Final = "Yes, delete them"
FORGET_NO: Final = "No, keep them"
KEPT: Final = "Kept. Nothing was deleted."
FORGET_EXPIRED: Final = "This confirmation has expired. Send /forget again."
DELETED: Final = "Deleted."

# ---- what the bot does not take -----------------------------------------------------------------

NO_FILES: Final = (
    "I can't take files, images, locations, contacts or forwarded messages, and I don't keep "
    "them. Please don't share anything that could identify someone: I only need your answers "
    "to my questions."
)
PRIVATE_ONLY: Final = (
    "I only work in a private chat. Safeguarding details must not be discussed in groups: "
    "please message me directly."
)
NOT_THIS_BUTTON: Final = (
    "This button doesn't work here (it may be from older content). /help lists what I can do."
)
"""For forged, altered and out-of-date buttons, and for lead buttons pressed by anyone else."""

# ---- failures -----------------------------------------------------------------------------------

UNAVAILABLE: Final = (
    "I can't save your answer right now, so I haven't accepted it. Please try again in a "
    "minute or two."
)
SORRY: Final = "Sorry, something went wrong on my side. Your answers so far are safe."

# ---- training -----------------------------------------------------------------------------------

ALREADY: Final = "Already answered."
FLOWCHART_CAPTION: Final = (
    "The key questions of the advice (1 to 10) and where each answer leads. Green: share. "
    "Amber: not yet. Red: do not share. Tap to enlarge; /advice starts a decision."
)
NO_PICTURE: Final = (
    "The flowchart picture is not available on this server just now. /advice walks you "
    "through the same questions, and /help lists the reference pages."
)
TRY_AGAIN: Final = "Try again"
OTHER_QUIZZES: Final = "Other quizzes"
NEXT_CASE: Final = "Next case »"
ALL_CASES: Final = "All cases"

# ---- the lead desk ------------------------------------------------------------------------------

TRANSCRIPT_USAGE: Final = (
    "Send /transcript followed by its number, e.g. /transcript 42 (the numbers are in "
    "/transcripts)."
)
NO_SUCH_TRANSCRIPT: Final = "There is no transcript {number}."
TRANSCRIPT_GONE: Final = (
    "There is no transcript {number}: it may have been deleted (retention, or the practitioner "
    "used /forget)."
)
TAG_USAGE: Final = (
    "Send /tag followed by a transcript number and one of {tags}, e.g. /tag 42 follow_up (add "
    "'off' to remove it)."
)
TAGGED: Final = "Transcript {number} is tagged '{label}'."
UNTAGGED: Final = "Transcript {number} is no longer tagged '{label}'."
TAG_POPUP: Final = "Tagged: {label}"
UNTAG_POPUP: Final = "Untagged: {label}"
NOTE_USAGE: Final = (
    "Send /note followed by a transcript number and your note, e.g. /note 42 discussed in "
    "supervision."
)
NOTE_ADDED: Final = "Note added to transcript {number}."
STATS_USAGE: Final = (
    "Send /stats, or /stats followed by one period, e.g. /stats 7d or /stats 2026-11 or /stats all."
)
LIST_HEADING: Final = "Transcripts: {filters}"
LIST_RANGE: Final = "{first}–{last} of {total:,}, newest first. Tap /tN to open one."
LIST_NO_MORE: Final = "No more: {total:,} in all."
LIST_NONE: Final = "No transcripts match these filters."
STATS_HEADING: Final = "Statistics: {filters}"
NEWER: Final = "« Newer"
OLDER: Final = "Older »"
