"""The Bot API emulator against real python-telegram-bot: polling, webhooks, Telegram's checks."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageOriginChannel,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.emulator import DEFAULT_TOKEN, Actor, Emulator, EmulatorClient, spawn
from tests.emulator.entities import parse_html

KEYBOARD = InlineKeyboardMarkup(
    [[InlineKeyboardButton(text, callback_data=text.lower()) for text in ("Yes", "No")]]
)


@pytest.fixture
async def server() -> AsyncIterator[EmulatorClient]:
    async with Emulator().run() as running:
        yield running


@pytest.fixture
async def bot(server: EmulatorClient) -> AsyncIterator[Bot]:
    files = server.base_file_url
    async with Bot(DEFAULT_TOKEN, base_url=server.base_url, base_file_url=files) as b:
        yield b


async def started_user(server: EmulatorClient, name: str = "Alice") -> Actor:
    """A user who has written to the bot, so the bot may message them."""
    user = await server.user(name)
    await user.send("/start")
    return user


def keyboard_bot(server: EmulatorClient) -> Application:  # type: ignore[type-arg]
    """Answers /start with an inline keyboard, answers and edits on a press, echoes text."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_html("<b>Hello</b>, choose:", reply_markup=KEYBOARD)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer(f"You chose {query.data}")
        await query.edit_message_text(f"Chosen: <i>{query.data}</i>", parse_mode="HTML")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    app = (
        ApplicationBuilder()
        .token(DEFAULT_TOKEN)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


async def converse(server: EmulatorClient) -> None:
    """The conversation both delivery modes must carry: command, keyboard, press, edit, echo."""
    alice = await server.user("Alice")
    await alice.send("/start")
    [menu] = await alice.wait_for_messages(1)
    assert (menu.text, menu.source, menu.parse_mode) == (
        "Hello, choose:",
        "<b>Hello</b>, choose:",
        "HTML",
    )
    assert menu.entities == [{"type": "bold", "offset": 0, "length": 5}]
    assert menu.buttons == [["Yes", "No"]]

    press = await alice.press(menu, "Yes")
    assert await server.wait_for_answer(press) == {"text": "You chose yes"}
    edited = await alice.wait_for_edit(menu)
    assert (edited.text, edited.version, edited.buttons) == ("Chosen: yes", 1, [])
    assert edited.entities == [{"type": "italic", "offset": 8, "length": 3}]

    await alice.send("hello there")
    [echo] = await alice.wait_for_messages(1)
    assert echo.text == "hello there"
    assert [m.message_id for m in await alice.messages()] == [menu.message_id, echo.message_id]


@asynccontextmanager
async def running(app: Application, **webhook: object) -> AsyncIterator[None]:  # type: ignore[type-arg]
    """Run the application by polling, or by webhook when webhook arguments are given."""
    async with app:
        assert app.updater is not None
        if webhook:
            await app.updater.start_webhook(**webhook)  # type: ignore[arg-type]
        else:
            await app.updater.start_polling(poll_interval=0)
        await app.start()
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- real PTB applications ----------------------------------------------------------------------


async def test_polling_application_converses(server: EmulatorClient) -> None:
    app = keyboard_bot(server)
    async with running(app):
        await converse(server)
    calls = await server.calls()
    assert [c.method for c in calls if c.method != "getUpdates"] == [
        "getMe",
        "deleteWebhook",
        "sendMessage",
        "answerCallbackQuery",
        "editMessageText",
        "sendMessage",
    ]
    assert all(c.ok for c in calls if c.method != "getUpdates")
    polls = [c.params for c in calls if c.method == "getUpdates"]
    assert polls[0]["timeout"] == 10  # PTB's long-poll default, honoured by the emulator
    assert polls[-1]["timeout"] == 0  # PTB's final call confirms what it fetched...
    async with Bot(DEFAULT_TOKEN, base_url=server.base_url) as bot:
        assert (await bot.get_webhook_info()).pending_update_count == 0  # ...so nothing is left


async def test_webhook_application_converses(server: EmulatorClient) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    app = keyboard_bot(server)
    async with running(
        app, listen="127.0.0.1", port=port, url_path="hook", webhook_url=url, secret_token="s3cr3t"
    ):
        await converse(server)  # PTB's webhook server rejects updates without the secret header
        info = await app.bot.get_webhook_info()
        assert (info.url, info.pending_update_count, info.last_error_message) == (url, 0, None)
        with pytest.raises(Conflict, match="webhook is active"):
            await app.bot.get_updates()
    [set_webhook] = await server.calls("setWebhook")
    assert set_webhook.params["secret_token"] == "s3cr3t"


# -- getUpdates ---------------------------------------------------------------------------------


async def test_get_updates_offset_limit_and_long_poll(server: EmulatorClient, bot: Bot) -> None:
    alice = await server.user("Alice")
    assert await bot.get_updates(timeout=0) == ()
    for text in ("one", "two", "three"):
        await alice.send(text)
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message] == ["one", "two", "three"]
    first = updates[0].update_id
    assert [u.update_id for u in updates] == [first, first + 1, first + 2]
    assert len(await bot.get_updates(limit=1)) == 1
    assert [u.message.text for u in await bot.get_updates(offset=-1) if u.message] == ["three"]
    after_last = updates[-1].update_id + 1
    assert await bot.get_updates(offset=after_last, timeout=0) == ()

    polls_so_far = len(await server.calls("getUpdates"))
    poll = asyncio.create_task(bot.get_updates(offset=after_last, timeout=30))
    await server.wait_for_calls("getUpdates", count=polls_so_far + 1)  # it reached the server
    await alice.send("four")
    [update] = await asyncio.wait_for(poll, 5)  # returns on the update, not after 30 s
    assert update.message is not None and update.message.text == "four"


async def test_second_get_updates_terminates_the_first(server: EmulatorClient) -> None:
    async with Bot(DEFAULT_TOKEN, base_url=server.base_url) as first:
        waiting = asyncio.create_task(first.get_updates(timeout=30))
        await server.wait_for_calls("getUpdates", count=1)
        async with Bot(DEFAULT_TOKEN, base_url=server.base_url) as second:
            assert await second.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(waiting, 5)


async def test_allowed_updates_filter_new_updates(server: EmulatorClient, bot: Bot) -> None:
    alice = await started_user(server)
    await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
    assert (await alice.send("ignored")).update_id is None
    menu = await bot.send_message(alice.chat_id, "Pick", reply_markup=KEYBOARD)
    press = await alice.press(menu.message_id, "No")
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates][-1] == press.update_id
    assert updates[-1].callback_query is not None and updates[-1].callback_query.data == "no"


async def test_delete_webhook_can_drop_pending_updates(server: EmulatorClient, bot: Bot) -> None:
    alice = await server.user("Alice")
    await alice.send("stale")
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates(timeout=0) == ()


# -- update kinds -------------------------------------------------------------------------------


async def test_user_message_kinds_parse_in_ptb(server: EmulatorClient, bot: Bot) -> None:
    alice, bob = await server.user("Alice"), await server.user("Bob", username="bob")
    news = await server.channel("News", username="news")
    await alice.send("/start@infoshare_test_bot now")
    await alice.send_photo(caption="look")
    await alice.send_document(b"report body", file_name="report.txt")
    await alice.send_voice(4)
    await alice.send_video()
    await alice.send_sticker("🙂")
    await alice.send_location(51.5, -0.12)
    await alice.send_contact("+441234567890", "Carol")
    await alice.forward("fwd user", bob)
    await alice.forward("fwd hidden", "Someone")
    await alice.forward("fwd channel", news, message_id=42)
    messages = [u.message for u in await bot.get_updates(timeout=0)]
    assert all(m is not None and m.from_user and m.from_user.id == alice.user_id for m in messages)
    command, photo, document, voice, video, sticker, location, contact, *forwards = messages
    assert command is not None and command.text == "/start@infoshare_test_bot now"
    assert [(e.type, e.offset, e.length) for e in command.entities] == [("bot_command", 0, 25)]
    assert photo is not None and photo.photo and photo.caption == "look"
    assert document is not None and document.document
    assert document.document.file_name == "report.txt"
    file = await bot.get_file(document.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"report body"  # via base_file_url
    assert voice is not None and voice.voice and voice.voice.mime_type == "audio/ogg"
    assert video is not None and video.video and sticker is not None and sticker.sticker
    assert sticker.sticker.emoji == "🙂"
    assert location is not None and location.location and location.location.latitude == 51.5
    assert contact is not None and contact.contact and contact.contact.first_name == "Carol"
    user_origin, hidden_origin, channel_origin = (m.forward_origin for m in forwards if m)
    assert isinstance(user_origin, MessageOriginUser) and user_origin.sender_user.id == bob.user_id
    assert isinstance(hidden_origin, MessageOriginHiddenUser)
    assert isinstance(channel_origin, MessageOriginChannel) and channel_origin.message_id == 42


async def test_edits_channel_posts_groups_and_blocking(server: EmulatorClient, bot: Bot) -> None:
    alice = await server.user("Alice")
    group = await server.group("Team", supergroup=True)
    in_group = alice.in_chat(group)
    news = await server.channel("News")
    sent = await alice.send("draft")
    await alice.edit(sent, "final")
    await news.send("breaking")
    assert (await in_group.send("chit-chat")).update_id is None  # privacy mode hides it
    await in_group.send("/help@infoshare_test_bot")
    await alice.block()
    draft, edited, post, command, blocked = await bot.get_updates(timeout=0)
    assert draft.message is not None and draft.message.text == "draft"
    assert edited.edited_message is not None and edited.edited_message.text == "final"
    assert edited.edited_message.edit_date is not None
    assert post.channel_post is not None and post.channel_post.sender_chat is not None
    assert command.message is not None and command.message.chat.type == "supergroup"
    assert blocked.my_chat_member is not None
    assert blocked.my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(alice.chat_id, "still there?")


async def test_forged_callback_data_and_raw_updates(server: EmulatorClient, bot: Bot) -> None:
    alice = await started_user(server)
    menu = await bot.send_message(alice.chat_id, "Pick", reply_markup=KEYBOARD)
    forged = await alice.press_data(menu.message_id, "admin:delete-everything")
    answer = {"poll_id": "1", "option_ids": [0], "option_persistent_ids": ["a"], "user": alice.user}
    raw_id = await server.inject({"poll_answer": answer})
    updates = await bot.get_updates(timeout=0)
    query = updates[-2].callback_query
    assert query is not None and query.data == "admin:delete-everything"
    assert query.id == forged.callback_query_id and query.chat_instance
    assert query.message is not None and query.message.message_id == menu.message_id
    assert updates[-1].update_id == raw_id and updates[-1].poll_answer is not None
    with pytest.raises(AssertionError, match="no callback button 'Maybe'"):
        await alice.press(menu.message_id, "Maybe")


# -- sending, editing and Telegram's refusals ---------------------------------------------------


async def test_telegram_html_rules(server: EmulatorClient, bot: Bot) -> None:
    alice = await started_user(server)
    refused = {
        "<foo>x</foo>": 'Unsupported start tag "foo" at byte offset 0',
        "<b>bold": "Can't find end tag corresponding to start tag b",
        "<b><i>x</b></i>": 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
        "a < b": 'Unsupported start tag "" at byte offset 2',
        '<span class="x">s</span>': 'Tag "span" must have class "tg-spoiler" at byte offset 0',
    }
    for html in refused:
        with pytest.raises(BadRequest, match="Can't parse entities"):
            await bot.send_message(alice.chat_id, html, parse_mode="HTML")
    descriptions = [c.description for c in await server.calls("sendMessage")]
    assert descriptions == [f"Bad Request: can't parse entities: {e}" for e in refused.values()]

    html = '<a href="https://example.org">x</a> &lt;3 &amp; &nbsp; <tg-spoiler>s</tg-spoiler>'
    sent = await bot.send_message(alice.chat_id, html, parse_mode="HTML")
    assert sent.text == "x <3 & &nbsp; s"  # unknown entities stay literal, as on Telegram
    assert [(e.type, e.url) for e in sent.entities] == [
        ("text_link", "https://example.org/"),
        ("spoiler", None),
    ]


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("🏟 🏟&lt;<i>🏟 &lt🏟</i>", "🏟 🏟<🏟 <🏟"),
        ("<a>telegram.org </a>", "telegram.org "),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1"),
        ("<blockquote expandable>q</blockquote>", "q"),
    ],
)
def test_html_parser_matches_tdlib(html: str, text: str) -> None:
    assert parse_html(html)[0] == text


async def test_length_limits_count_parsed_text(server: EmulatorClient, bot: Bot) -> None:
    alice = await started_user(server)
    await bot.send_message(alice.chat_id, "x" * 4096)
    await bot.send_message(alice.chat_id, f"<b>{'&lt;' * 4096}</b>", parse_mode="HTML")
    await bot.send_message(alice.chat_id, "🙂" * 4096)  # code points, not UTF-16 units
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(alice.chat_id, "x" * 4097)
    with pytest.raises(BadRequest, match="Message must be non-empty"):
        await bot.send_message(alice.chat_id, "<b> </b>\n", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_document(alice.chat_id, b"x", filename="a.txt", caption="c" * 1025)


async def test_callback_data_limit_and_answers(server: EmulatorClient, bot: Bot) -> None:
    alice = await started_user(server)
    for data in ("d" * 65, "é" * 33):  # 65 and 66 bytes
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data=data)]])
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(alice.chat_id, "Pick", reply_markup=markup)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="d" * 64)]])
    menu = await bot.send_message(alice.chat_id, "Pick", reply_markup=markup)
    press = await alice.press(menu.message_id, "Go")
    with pytest.raises(BadRequest, match="Message_too_long"):
        await bot.answer_callback_query(press.callback_query_id, "t" * 201)
    assert await bot.answer_callback_query(press.callback_query_id, "ok", show_alert=True)
    assert await server.wait_for_answer(press) == {"text": "ok", "show_alert": True}
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(press.callback_query_id)


async def test_edit_and_delete_rules(server: EmulatorClient, bot: Bot) -> None:
    alice = await started_user(server)
    menu = await bot.send_message(alice.chat_id, "Pick", reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Pick", alice.chat_id, menu.message_id, reply_markup=KEYBOARD)
    edited = await bot.edit_message_text("Pick", alice.chat_id, menu.message_id)
    assert isinstance(edited, type(menu)) and edited.reply_markup is None  # keyboard removed
    relabelled = InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data="again")]])
    await bot.edit_message_reply_markup(alice.chat_id, menu.message_id, reply_markup=relabelled)
    [snapshot] = await alice.messages()
    assert (snapshot.version, snapshot.buttons) == (2, [["Again"]])
    user_message_id = (await alice.send("mine")).message["message_id"]
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("theirs", alice.chat_id, user_message_id)
    assert await bot.delete_message(alice.chat_id, menu.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("gone", alice.chat_id, menu.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(alice.chat_id, menu.message_id)
    assert (await alice.messages())[0].deleted


async def test_uploads_commands_actions_and_access(server: EmulatorClient, bot: Bot) -> None:
    stranger = await server.user("Stranger")
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await bot.send_message(stranger.chat_id, "hi")
    alice = await started_user(server)
    document = await bot.send_document(alice.chat_id, b"abc", filename="report.txt")
    assert document.document is not None and document.document.file_size == 3
    await bot.send_photo(alice.chat_id, (await alice.send_photo()).message["photo"][0]["file_id"])
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(alice.chat_id, b"not an image")
    [sent_document, sent_photo] = await alice.wait_for_messages(2)
    assert (sent_document.kind, sent_document.file_name, sent_document.file_size) == (
        "document",
        "report.txt",
        3,
    )
    assert sent_photo.kind == "photo"
    assert (await server.calls("sendDocument"))[0].params["document"] == {
        "file_name": "report.txt",
        "size": 3,
    }

    assert await bot.set_my_commands([("start", "Begin"), ("help", "How it works")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Start", "Begin")])
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    assert await bot.send_chat_action(alice.chat_id, "typing")
    with pytest.raises(BadRequest, match="Wrong parameter action"):
        await bot.send_chat_action(alice.chat_id, "dancing")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(-42, "nobody")

    me = await bot.get_me()
    assert me.is_bot and me.can_join_groups and me.can_read_all_group_messages is False
    assert await bot.log_out()
    with pytest.raises(InvalidToken):
        await bot.get_me()


async def test_a_slow_call_whose_caller_goes_away_is_not_carried_out(
    server: EmulatorClient,
) -> None:
    """`latency`: a bot killed while its call is on the way has it dropped, as if the network
    lost it; a caller that waits has it carried out."""
    alice = await started_user(server)
    await server.control("latency", method="sendMessage", seconds=0.3)
    send = f"{server.base_url}{DEFAULT_TOKEN}/sendMessage"
    body = {"chat_id": alice.chat_id, "text": "lost on the way"}
    http = aiohttp.ClientSession()
    call = asyncio.create_task(http.post(send, json=body))
    await asyncio.sleep(0.05)
    call.cancel()
    await http.close()  # the caller is gone
    await asyncio.sleep(0.5)
    assert await alice.messages() == []
    async with aiohttp.ClientSession() as waiting, waiting.post(send, json=body) as response:
        assert (await response.json())["ok"]
    assert [m.text for m in await alice.messages()] == ["lost on the way"]


async def test_raw_http_shapes(server: EmulatorClient) -> None:
    alice = await started_user(server)
    async with aiohttp.ClientSession() as http:
        root = f"{server.base_url}{DEFAULT_TOKEN}"
        async with http.get(f"{root}/GETME") as response:  # method names ignore case
            me = await response.json()
        assert me["ok"] and me["result"]["is_bot"] is True
        body = {"chat_id": alice.chat_id, "text": "json body"}
        async with http.post(f"{root}/sendMessage", json=body) as response:
            sent = (await response.json())["result"]
        assert isinstance(sent["date"], int) and sent["date"] < 10**10  # seconds, not ms
        async with http.post(f"{root}/getChatHistory") as response:
            assert (response.status, await response.json()) == (
                404,
                {"ok": False, "error_code": 404, "description": "Not Found"},
            )
        async with http.get(f"{server.base_url}123:wrong/getMe") as response:
            refused = (response.status, (await response.json())["description"])
        assert refused == (401, "Unauthorized")


async def test_runs_as_its_own_process() -> None:
    async with spawn() as server:
        alice = await server.user("Alice")
        await alice.send("/start")
        async with Bot(DEFAULT_TOKEN, base_url=server.base_url) as bot:
            [update] = await bot.get_updates(timeout=0)
            assert update.message is not None
            await update.message.reply_text("hello from another process")
        [reply] = await alice.wait_for_messages(1)
        assert reply.text == "hello from another process"
