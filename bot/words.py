"""Everything the bot says in its own words, in one place, for every front end.

Content (questions, outcomes, rules, reference pages) lives in `dialogues/`; rendering it is
`bot.render`. These are the fixed sentences around it: replies to commands, buttons, refusals,
apologies, privacy, training and the command menus, so that a reviewer can read and change them
together. `{name}` marks a value filled in with `str.format`.
"""

from __future__ import annotations

from typing import Final

COMMANDS: Final = (
    ("advice", "Start a new decision about sharing information"),
    ("rules", "The seven golden rules"),
    ("rule", "One golden rule, e.g. /rule 4"),
    ("consent", "Whose consent, and when not to seek it"),
    ("definitions", "Confidential information, harm, serious crime, public interest"),
    ("law", "The law and guidance where you work"),
    ("duties", "Legal duties you may meet (court orders, FGM, reporting...)"),
    ("sources", "The edition, when it was checked, and every source"),
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
    ("org", "Your organisation: which leads see your decisions"),
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
    ("practitioners", "Leads: who may need support, by pseudonym, e.g. /practitioners 30d"),
    ("trends", "Leads: not sure and outcomes week by week, e.g. /trends 12"),
    ("tag", "Leads: tag a transcript, e.g. /tag 42 follow_up"),
    ("note", "Leads: add a note, e.g. /note 42 discussed in supervision"),
    ("alerts", "Leads: urgent alerts on or off, e.g. /alerts off"),
    ("feedback", "Leads: whether decisions helped, by outcome, e.g. /feedback 30d"),
    ("invite", "Leads: your organisation's invite link; /invite new replaces it"),
    ("orgs", "Leads: organisations side by side, e.g. /orgs 30d"),
    ("desk", "Leads: a sign-in link for the web desk"),
)
"""Added to the menu in leads' own chats only."""

# ---- the advice conversation ------------------------------------------------------------------

EXPLAIN_BUTTON: Final = "What does this mean?"
BACK_BUTTON: Final = "« Back"
NEW_DECISION_BUTTON: Final = "New decision"
YOUR_ANSWER: Final = "Your answer: {label}"
"""The mark left on an answered question, so the chat reads as a record."""
WENT_BACK: Final = "« Back"
CONFIRM_TYPED: Final = (
    "Your message came just as this question was sent, so I haven't used it yet. "
    'Did you mean "{label}" as your answer to this question?'
)
"""A typed answer that may have been written before its question was seen (sent seconds
before it, or after it): it is applied only when they confirm."""
CONFIRM_BUTTON: Final = "Yes: {label}"
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
PRACTITIONERS_USAGE: Final = (
    "Send /practitioners, or /practitioners followed by one period, e.g. /practitioners 7d."
)
PRACTITIONERS_HEADING: Final = "Practitioners: {filters}"
NEWER: Final = "« Newer"
FLAG_LABELS: Final = {"unsure": "Not sure", "redacted": "Redacted", "unfinished": "Unfinished"}
"""The lead list's filter buttons, in their order."""
CHOSEN: Final = "✓ {label}"
"""A filter or tag button that is on."""
OUTCOME_BUTTON: Final = "Outcome: {outcome}"
PERIOD_BUTTON: Final = "Period: {period}"
TAG_BUTTON: Final = "Tag: {tag}"
ANY_OUTCOME: Final = "Any outcome"
ANY_TAG: Final = "Any tag"
MENU_BACK: Final = "« Back to the list"
OLDER: Final = "Older »"

# ---- trends, week by week (bot.transcripts.trends) ------------------------------------------

TRENDS_USAGE: Final = (
    "Send /trends, or /trends followed by how many weeks to show, from 1 to {most}, e.g. "
    "/trends 12 (the default)."
)
TRENDS_HEADING: Final = "Trends: {span}"
TRENDS_REPORT_HEADING: Final = "Trends by week: {span}"
TRENDS_SPAN: Final = "the {count} week{s} from {first} to {last}"
TRENDS_WEEK_SO_FAR: Final = "{day} (so far)"
TRENDS_WEEK_PART: Final = "{day} (part)"
TRENDS_NONE: Final = (
    "No conversations were recorded in these weeks, so there is nothing to show yet."
)
TRENDS_READING: Final = (
    "Weeks run Monday to Sunday ({zone}), oldest first. Bars and marks (one a week) are as "
    "long or as tall as the counts; beside them, the rate over all the weeks."
)
TRENDS_PARTIAL: Final = "Part weeks: {weeks}."
TRENDS_REPORT_READING: Final = (
    "Weeks run Monday to Sunday ({zone}), oldest first; the current one so far, and a week the "
    "filters' period cuts, marked (part). Each bar is as long as its count, against the largest "
    "week of its section; beside it, of how many (answers at the question, or decisions "
    "started) and the rate."
)
TRENDS_STARTED: Final = "Decisions started, by week"
TRENDS_UNSURE: Final = "Answered “Not sure”, by question and week"
TRENDS_NO_UNSURE: Final = "Nobody answered “Not sure” in these weeks."
TRENDS_OUTCOMES: Final = "Outcomes, by week"
TRENDS_UNFINISHED: Final = "Unfinished"
TRENDS_MORE_QUESTIONS: Final = (
    "And {count:,} more question(s), each with as many “Not sure” or fewer."
)
TRENDS_MORE_OUTCOMES: Final = "And {count:,} more outcome(s), each reached as often or less."

# ---- what every front end shows (bot.render) ---------------------------------------------------

RULES_HEADING: Final = "The seven golden rules for information sharing"
RULES_THAT_APPLY: Final = "Golden rules that apply"
NEXT_STEPS: Final = "Next steps"
RECORD_HEADING: Final = "Decision record for your case notes"
CONTACTS_HEADING: Final = "Who to contact"
EMERGENCY_CONTACT: Final = "Emergency, or a child or adult in immediate danger: 999"
NO_CONTACTS: Final = (
    "No local contacts are configured: use your organisation's safeguarding procedures and your "
    "designated safeguarding lead."
)
EXPLAIN_HEADING: Final = "What this means: {short}"
SOURCE: Final = "Source: {source}"
FOOTER_VERSION: Final = "Content version {version}."
FOOTER_EDITION: Final = (
    "Edition: {title}.{nation} Checked against the law on {checked}; content version {version}."
)
FOR_NATION: Final = " Where you work: {nation}."
FOOTER_SOURCES: Final = "Sources: {sources}"
CHECKED_ON: Final = "(checked {checked})"
RULE_SUMMARY: Final = (
    "This rule is given as a summary, not in the publication's own words: check the exact "
    "wording in the publication named below."
)
WHY_LINE: Final = "Why: {reason}"
WHY_HEADING: Final = "Why: {title}"
WHO_TO_ASK: Final = "Unsure at any point? Ask your designated safeguarding lead."
CALL_999: Final = (
    "Emergency, or a child or adult in immediate danger: call 999. Local numbers: Who to contact."
)
PART_BUTTONS: Final = {
    "why": "Why: the rules",
    "safely": "How to share safely",
    "record": "Decision record",
    "contacts": "Who to contact",
    "sources": "Sources and edition",
}
"""The buttons under an outcome, one per part (bot.outcome.PARTS)."""
PART_CLEARED: Final = (
    "That decision was cleared (after /forget, or after the retention period). Start a new one "
    "with /advice."
)
RECORD_FILE: Final = "The same record as a file, to save or attach to your case notes."
SUMMARY_MARK: Final = " (a summary, not the publication's own words)"
SOURCES_HEADING: Final = "Sources and edition"
UNSURE_HEADING: Final = "Not sure? Check this first"
UNSURE_CHOICE: Final = (
    "When you have checked, answer the question below. Or stop here (type stop) and get the "
    "advice on who to ask and a decision record."
)
STOP_BUTTON: Final = "Stop here: get advice"
STOPPED: Final = "You stopped here to get advice."
REDACTION_NOTICE: Final = (
    "I removed what looked like {listed} from your message, and I don't keep what you type. "
    "Golden rule 3: seek advice without disclosing the identity of the person where possible. "
    "I only need your answers to my questions."
)
NOTE_REDACTION_NOTICE: Final = (
    "Before saving the note I removed what looked like {listed}: notes are kept with the "
    "transcript and must not identify anyone. The rest is saved as you wrote it."
)
"""For a lead: a note is kept (unlike a practitioner's typing), so it is said differently."""
PRIVACY_HEADING: Final = "Your privacy"
PRIVACY_INTRO: Final = (
    "I never ask who anyone is: my questions only take categories (such as an age band) and "
    "your answers (yes, no, not sure). Please don't type names or other identifying details."
)
PRIVACY_POINTS: Final = (
    "Kept: where you are in the current decision and your last decision record, so you can "
    "carry on after a break and use /record.",
    "Kept for safeguarding leads: an anonymised transcript of each decision: the questions, the "
    "answers you chose and when, the outcome and the rules cited. It names you only by a code "
    "that cannot be turned back into your Telegram account without a secret key. If you type "
    "something that is not an answer, only the fact that you typed, and which kinds of detail (a "
    "name, a phone number...) were removed, are kept: never the text itself.",
    "Kept for leads' statistics: your quiz answers (right or wrong), under the same code, and "
    "whether a decision helped if you say so, with any comment you add (names and other "
    "identifying details are removed from it first).",
    "Only if you ask a safeguarding lead to contact you, and confirm it: your Telegram name and "
    "username, locked so that only the bot can open them, and shown to a lead when they open "
    "your request. Withdraw it before then and they are deleted.",
    "Kept for checking on leads: an access log of each time a lead views or exports "
    "transcripts, and of refused attempts to use leads' commands (by code, never by name). A "
    "lead's search for your code, or your own refused attempt, puts your code in it.",
    "Not kept: files, photos, voice notes, locations, contacts or forwarded messages. I don't "
    "download them.",
    "For how long: your progress, transcripts and quiz answers at most {retention_days} days "
    "after your last message in them, then deleted automatically; the access log until an "
    "administrator removes it.",
    "Who can see it: your organisation's safeguarding leads, to support staff and find training "
    "needs (every time they look is logged), and the service's administrators, only to run it. "
    "Where this service is shared by several organisations, the one you joined (/org) is kept "
    "under your code, and its leads and the partnership's see your transcripts; other "
    "organisations' leads never do.",
    "To stop the current decision: /cancel. To delete your transcripts, quiz answers and "
    "progress now, and take your code out of the access log: /forget.",
)
FORGET_HEADING: Final = "Delete what is kept about you?"
FORGET_QUESTION: Final = (
    "This deletes every anonymised transcript of your decisions (with any feedback on them and "
    "any request to be contacted about them), your quiz answers, your current progress and "
    "which organisation you joined, and takes your code out of the access log. Safeguarding "
    "leads will no longer see them, and they cannot be brought back. Decision records you "
    "copied into your own notes are not affected."
)
FORGOTTEN: Final = (
    "Done: {count} transcript{s} and your progress deleted, and your code taken out of the "
    "access log. Send /advice whenever you need to start a new decision."
)

# ---- training (bot.training) -------------------------------------------------------------------

QUIZZES_HEADING: Final = "Quizzes: true or false?"
QUIZZES_INTRO: Final = (
    "The quizzes from the information sharing e-learning course, one statement at a time, with "
    "the course's answer and where it comes from. Choose one:"
)
QUIZZES_KEPT: Final = (
    "Your answers are kept without your name, so that safeguarding leads can see which "
    "statements people find hard. /forget deletes them."
)
QUIZ_TITLE: Final = "Quiz: {title}"
STATEMENT_HEADING: Final = "{number} of {total}: true or false?"
SCORE_HEADING: Final = "{title}: your score"
SEE_ALL_RULES: Final = "/rules shows the seven golden rules in full."
RIGHT: Final = "Right: it is {truth}."
NOT_QUITE: Final = "Not quite: it is {truth}."
SCORE: Final = "You got {right} of {total} right."
ALL_RIGHT: Final = "Every answer matched the course. Well done."
TO_REVISIT: Final = "To revisit"
CASES_HEADING: Final = "Case studies"
CASES_INTRO: Final = (
    "{count} short anonymised cases. At each key question, answer as you would; then see what "
    "the guidance says, and at the end the outcome and the golden rules behind it. Choose one:"
)
CASE_TITLE: Final = "Case study: {title}"
CASE_HOW: Final = (
    "At each key question, choose what you would answer; then see what the guidance says."
)
FROM_THE_STORY: Final = "From the story:"
KEY_QUESTION: Final = "Key question {number} of {total}: {short}"
GUIDANCE_AGREES: Final = "The guidance agrees: {answer}."
GUIDANCE_POINTS_TO: Final = "The guidance points to: {answer}."
CASE_OUTCOME: Final = "Outcome: {title}"
CASE_LESSON: Final = "What this case shows"
CASE_SCORE: Final = "You matched the guidance at {matched} of {total} key questions."
QUIZ_STATS_HEADING: Final = "Quizzes"
NO_QUIZ_ANSWERS: Final = "No quiz answers in this period."
NONE_WRONG: Final = "No statement was answered wrongly."
MOST_WRONG: Final = "Most often answered wrongly (a training need)"

# ---- the terminal (bot.console) ----------------------------------------------------------------

CONSOLE_HELP: Final = (
    "Type the number or the words of an answer (for example 1, yes, no, not sure). Other "
    "commands: explain (what does this question mean?), back, restart, rules, rule N, record "
    "(the last decision record), why and safely (its rules and how to share safely), contacts, "
    "sources, all sources, law, duties, topics, the name of a topic (for example consent, "
    "definitions), stop (at a Not-sure note), help, quit."
)
CONSOLE_FINISHED: Final = (
    "This decision is finished. Type back to change your last answer, restart for a new "
    "decision, or quit."
)
CONSOLE_AFTER_OUTCOME: Final = (
    "Type why (the rules), safely (how to share safely), record, contacts or sources for the "
    "rest of this decision; back to change your last answer, restart for a new decision, or quit."
)
CONSOLE_NO_EXPLAIN: Final = "Explanations are for questions; this decision is finished."
CONSOLE_NO_RECORD: Final = "There is no decision yet: finish a decision first."
CONSOLE_TOPICS: Final = "Topics: {names}."
CONSOLE_RULE_USAGE: Final = "There are seven golden rules: type rule 1 to rule 7."
CONSOLE_NOT_RECOGNISED: Final = (
    "Sorry, I did not recognise that. Please choose one of the options ({how}), or type help."
)
CONSOLE_GOODBYE: Final = "Goodbye."

# ---- urgent alerts and requests to get in touch (bot/telegram/alerts.py, contact.py) ----------

ALERT_URGENT: Final = (
    "⚠️ Urgent outcome: {outcome}. Reached {when} by practitioner {practitioner}. "
    "Open the transcript: /t{number}"
)
ALERT_HELD: Final = "(Held during your quiet hours.)"
ALERT_CONTACT: Final = (
    "🙋 Practitioner {practitioner} asks a safeguarding lead to get in touch with them about a "
    "decision ({outcome}, /t{number}), asked {when}. Open the request to see who they are: "
    "opening it is logged, and they can no longer withdraw it."
)
ALERT_FOOTER: Final = "Turn urgent alerts off with /alerts off."
OPEN_REQUEST_BUTTON: Final = "Open the request"
ALERTS_USAGE: Final = "Send /alerts on or /alerts off (or /alerts to see which)."
ALERTS_ARE: Final = "Your urgent alerts are {state}. {change}"
ALERTS_TURN_OFF: Final = "Send /alerts off to stop them."
ALERTS_TURN_ON: Final = "Send /alerts on to get them again."
ALERTS_DISABLED: Final = (
    "Urgent alerts are turned off for everyone in this deployment's configuration "
    "(alerts: enabled: false); your own setting is kept for when they are on again."
)

ASK_LEAD_BUTTON: Final = "Ask my safeguarding lead to contact me"
ASK_LEAD_HEADING: Final = "Ask a safeguarding lead to get in touch?"
ASK_LEAD_WHAT: Final = (
    "If you confirm, {whom} will be sent exactly this: your Telegram name "
    "({name}), your username ({username}) and this decision's transcript (the questions and the "
    "answers you chose, never what you typed). A lead will then message you on Telegram."
)
ASK_LEAD_WITHDRAW: Final = (
    "Until a lead opens your request you can withdraw it, and your name and username are "
    "then deleted. Nothing is sent unless you confirm."
)
NO_USERNAME: Final = "none"
ASK_CONFIRM_BUTTON: Final = "Yes, ask them"
ASK_CANCEL_BUTTON: Final = "No, don't"
ASK_CANCELLED: Final = "Nothing was sent."
ASK_SENT: Final = "Your request is on its way to {whom}. You can withdraw it until a lead opens it."
YOUR_LEADS: Final = "your safeguarding lead{s}{at}"
"""Who a request goes to: `at` names the decision's organisation (" at Acorn Primary")."""
ASK_ALREADY: Final = "You have already asked about this decision; your request stands."
ASK_NO_LEADS: Final = (
    "No safeguarding lead is set up for this bot yet, so nobody can be asked. Speak to your "
    "designated safeguarding lead or manager directly."
)
WITHDRAW_BUTTON: Final = "Withdraw my request"
WITHDRAWN: Final = "Your request is withdrawn: your name and username have been deleted."
WITHDRAW_TOO_LATE: Final = (
    "A lead has already opened your request, so it can no longer be withdrawn. If you no "
    "longer want them to contact you, tell them when they do."
)
WITHDRAW_ALREADY: Final = "This request was already withdrawn."
REQUEST_GONE: Final = "This request no longer exists: its decision has been deleted."
REQUEST_OPENED: Final = (
    "Request {id}: {name} ({username}) asks you to get in touch about /t{number}. "
    "Opened by you {when}; this is in the access log."
)
REQUEST_OPENED_BEFORE: Final = "It was first opened by {who}."
REQUEST_WITHDRAWN: Final = "The practitioner withdrew this request before it was opened."
REQUEST_SEALED: Final = (
    "This request's details cannot be opened with this bot's key (the key has changed since "
    "it was made)."
)
MESSAGE_THEM_BUTTON: Final = "Message them"
TOLD_OPENED: Final = "A safeguarding lead has opened your request and will be in touch."

# ---- feedback after an outcome (bot/telegram/feedback.py) ------------------------------------

HELPED_BUTTONS: Final = {"yes": "👍 This helped", "partly": "Partly", "no": "👎 It didn't"}
FEEDBACK_THANKS: Final = "Thank you."
FEEDBACK_COMMENT: Final = (
    "Thank you. If you want to say more, reply to this message; names and other identifying "
    "details are removed before your comment is kept, and only your leads read it."
)
COMMENT_KEPT: Final = "Thank you, your comment is kept for your leads."
COMMENT_REDACTION_NOTICE: Final = (
    "Before keeping it I removed what looked like {listed}, so that it identifies nobody."
)
FEEDBACK_USAGE: Final = "Send /feedback, or /feedback with a period such as 30d or 2026-11."
FEEDBACK_HEADING: Final = "Did decisions help? ({filters})"
FEEDBACK_NONE: Final = "Nobody has said yet whether a decision helped in this period."
FEEDBACK_LINE: Final = "{outcome}: {yes} helped, {partly} partly, {no} didn't ({total} said)"
FEEDBACK_COMMENTS: Final = "Comments on {outcome}:"

# ---- organisations (bot/telegram/organisations.py) ------------------------------------------

JOINED: Final = (
    "You have joined {name}. Its safeguarding leads can now see your decisions here, anonymised "
    "(a code, never your name), and are told at once of any that need action now."
)
JOINED_MOVED: Final = "Decisions you made before stay with {before}."
ALREADY_JOINED: Final = "You are already in {name}: nothing has changed."
INVITE_UNKNOWN: Final = (
    "That invite link doesn't work. Check you copied all of it, or ask your safeguarding lead "
    "for the current link. You can still use me: send /advice."
)
INVITE_WITHDRAWN: Final = (
    "That invite link has been replaced, so it no longer works. Ask your safeguarding lead for "
    "the current one. You can still use me: send /advice."
)
ORG_IS: Final = "You are in {name}. Its safeguarding leads see your decisions, anonymised."
ORG_NONE: Final = (
    "You are not in an organisation here. Your safeguarding lead can send you an invite link."
)
ORG_REMOVED: Final = (
    "The organisation you joined is no longer on this service. Decisions you made stay with "
    "the partnership's safeguarding leads. Ask your safeguarding lead for an invite link to "
    "join another."
)
ORG_CHOOSE: Final = "Or choose your organisation:"
ORG_CHOSEN: Final = "Joined {name}"
ORGS_NONE: Final = "This service has no organisations: your decisions go to its leads."
INVITE_USAGE: Final = (
    "Send /invite, or /invite new to replace the link (the old one stops working)."
)
INVITE_USAGE_MANY: Final = (
    "You lead more than one organisation: send /invite ID or /invite ID new. IDs: {ids}."
)
INVITE_NO_SUCH: Final = "You don't lead an organisation '{id}'. IDs: {ids}."
INVITE_LINK: Final = (
    "Invite link for {name}: {link}\n\nAnyone who opens it joins {name}, so share it with your "
    "staff only. If it leaks, send /invite{id_arg} new: this link stops working."
)
INVITE_ROTATED: Final = "The old link for {name} no longer works. The new one: {link}"
ORGS_USAGE: Final = "Send /orgs, or /orgs with a period such as 30d or 2026-11."
ORGS_HEADING: Final = "Organisations side by side ({filters})"
ORGS_LINE: Final = (
    "{name}: {members} member(s); {total} decision(s), {finished} finished, "
    "{unsure} with not sure ({unsure_rate}); {urgent} urgent"
)
ORGS_PARTNERSHIP: Final = "the partnership's safeguarding leads"
ORGS_NOT_IN_ONE: Final = "Not in an organisation, or in one since removed"


# ---- the web desk (bot/desk/) ----------------------------------------------------------------

DESK_TITLE: Final = "Safeguarding desk"
DESK_LINK_HEADING: Final = "This sign-in link doesn't work"
DESK_LINK_REFUSED: Final = {
    "unknown": "This link is not one the desk made. Send /desk to the bot in Telegram for a "
    "new one.",
    "expired": "This link is too old: links work for a few minutes only. Send /desk to the bot "
    "in Telegram for a new one.",
    "used": "This link has been used already: each link works once. Send /desk to the bot in "
    "Telegram for a new one.",
}
DESK_SIGN_IN_HEADING: Final = "Sign in to the safeguarding desk"
DESK_SIGN_IN: Final = (
    "This link from /desk signs you in once, in this browser. If you did not ask for it, close "
    "this page."
)
DESK_SIGN_IN_BUTTON: Final = "Sign in"
DESK_SIGNED_OUT_HEADING: Final = "You are signed out"
DESK_SIGNED_OUT: Final = (
    "To sign in, send /desk to the bot in your private chat in Telegram and open the link it "
    "sends you."
)
DESK_BAD_REQUEST: Final = "Something in that address is not right"
DESK_TOO_LONG: Final = "A value in that address is longer than the desk accepts."
DESK_BAD_VALUE: Final = "The desk could not read that request. Go back and try again."
DESK_BAD_PAGE: Final = "Page numbers are whole numbers from 1 to {most:,}."
DESK_BAD_SORT: Final = "Sort by newest, oldest or steps."
DESK_TOO_MANY_TO_SORT: Final = (
    "{total:,} transcripts match: too many to sort by steps. Narrow the filters (a shorter "
    "period, an outcome) to {most:,} or fewer."
)
DESK_NOT_FOUND_HEADING: Final = "Not found"
DESK_NOT_FOUND: Final = "There is nothing here: the transcript or page is not there."
DESK_FORBIDDEN_HEADING: Final = "Not allowed"
DESK_FORBIDDEN: Final = (
    "The desk could not check that this came from its own page. Go back, reload the page and "
    "try again."
)
DESK_UNAVAILABLE_HEADING: Final = "The database is not answering"
DESK_UNAVAILABLE: Final = "The database is not answering; try again in a minute."
DESK_FAILED_HEADING: Final = "Something went wrong"
DESK_FAILED: Final = "Something went wrong on the desk's side. It has been logged; try again."
DESK_NO_MATCH: Final = (
    "Search looks for outcomes, questions, tags and practitioner codes: nothing is called '{word}'."
)
DESK_NOTE_EMPTY: Final = "Write something in the note before adding it."
DESK_NOTE_TOO_LONG: Final = "A note is at most {most:,} characters."
DESK_NO_TAG: Final = "There is no tag '{tag}'."
DESK_REQUESTS_HEADING: Final = "Open requests to get in touch: {count}"
DESK_REQUESTS_NONE: Final = "No practitioner is waiting for a lead to get in touch."
DESK_REQUESTS_ABOUT: Final = (
    "Practitioners who asked a lead to contact them. The desk never shows who they are: open "
    "the request in Telegram to see that. Mark one handled once you have been in touch."
)
DESK_REQUESTS_MOST: Final = "The newest {most} are shown."
DESK_REQUEST_OPENED: Final = "Opened in Telegram by {lead}"
DESK_REQUEST_NOT_OPENED: Final = "Not opened yet"
DESK_REQUEST_HANDLE: Final = "Mark handled"
DESK_REQUEST_WITHDRAWN_HEADING: Final = "This request was withdrawn"
DESK_REQUEST_WITHDRAWN: Final = (
    "The practitioner withdrew this request before it was marked handled: nobody needs to get "
    "in touch."
)


# ---- the web desk's sign-in link (bot/telegram/desk.py) -------------------------------------

DESK_LINK: Final = (
    "Your sign-in link for the web desk: {link}\n\n"
    "It works once, for you alone, within {minutes} minutes. Don't forward it: whoever opens it "
    "first is signed in as you. Send /desk again for a new one."
)
