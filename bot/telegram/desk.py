"""/desk: a lead's single-use sign-in link to the web desk (`bot.desk`).

The desk has no passwords: being a configured lead in Telegram is what lets a lead in. The link
carries a random token that works once, within `desk.link_minutes`, and only for the lead who
asked; the database keeps only its digest (`bot.desk.links`). It is sent without a link preview:
a preview would be Telegram's servers opening it, and so using it up.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode

from bot import render, words
from bot.desk.links import digest, new_token
from bot.telegram.leads import Acting, LeadDesk, lead_only
from bot.telegram.messaging import Context, chat_id_of


@lead_only("desk link")
async def on_desk(desk: LeadDesk, update: Update, context: Context, lead: Acting) -> None:
    """/desk: a sign-in link to the web desk, bound to this lead. Sent whether or not this
    process serves the desk (`infoshare-bot desk` may run elsewhere on the same database)."""
    services = desk.services
    settings = services.config.desk
    user = update.effective_user
    assert user is not None  # `lead_only` let a lead through
    token = new_token()
    now = services.now()
    await services.store.desk_link(
        digest(token), user.id, now, now + timedelta(minutes=settings.link_minutes)
    )
    await desk.audit(lead.who, "desk link", f"valid {settings.link_minutes} minutes")
    text = words.DESK_LINK.format(
        link=f"{settings.base_url}/signin/{token}", minutes=settings.link_minutes
    )
    (html,) = render.telegram_html([render.Para(text)])
    await context.bot.send_message(
        chat_id_of(update),
        html,
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
