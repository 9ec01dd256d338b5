"""`python -m bot console`: the bot in a terminal, with the production dispatcher and storage."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiogram.methods import SendMessage

from bot.app import create_bot, create_clock, create_dispatcher
from bot.config import Settings
from bot.console.chat import LocalChat, Reply
from bot.console.session import LocalSession
from bot.services.outbox_sender import OutboxSender
from bot.services.throttle import Throttle
from handlers.formatting import plain

BANNER = """\
Sozak bot — terminal chat. Type as in Telegram (/start, /menu, /lang kk, /lang ru, /help).
A number presses that button of the last screen; =5 sends the number 5 as text.
/contact +77001234567 shares a phone number, /file NAME sends a file (a real one when NAME
is a path), /photo [NAME] a photo, /sticker a sticker.
Ctrl-D or /quit leaves."""

def render(reply: Reply) -> str:
    text = plain(reply.text)
    head = {"send": "", "edit": "(the screen above changes)\n", "alert": "(notice) "}[reply.kind]
    lines = [head + text]
    number = 0
    for row in reply.buttons:
        cells: list[str] = []
        for button in row:
            number += 1
            cells.append(f"[{number}] {button.text}" + (f" <{button.url}>" if button.url else ""))
        lines.append("   ".join(cells))
    for labels in reply.reply_keyboard:
        lines.append("   ".join(f"«{label}»" for label in labels))
    return "\n".join(lines)


async def handle_line(chat: LocalChat, line: str) -> list[Reply]:
    """One typed line as the matching Telegram action."""
    word, _, rest = line.partition(" ")
    if word == "/contact":
        return await chat.share_contact(rest.strip())
    if word in ("/file", "/photo"):
        return await _send_file(chat, word, rest.strip())
    if word == "/sticker":
        return await chat.send_sticker()
    if line.startswith("="):
        return await chat.send(line[1:])
    if line.isdigit() and chat.screen is not None:
        try:
            return await chat.click(int(line))
        except LookupError:
            pass
    return await chat.send(line)


async def _send_file(chat: LocalChat, word: str, name: str) -> list[Reply]:
    """A file from this computer when NAME is one (its real bytes and size), else a made-up
    one of that name."""
    path = Path(name).expanduser() if name else None
    content = path.read_bytes() if path is not None and path.is_file() else None
    if word == "/photo":
        return await chat.send_photo(content) if content else await chat.send_photo()
    file_name = path.name if path is not None else "document.pdf"
    if content is None:
        return await chat.send_document(file_name)
    return await chat.send_document(file_name, content)


async def deliver_outbox(sender: OutboxSender, session: LocalSession) -> list[str]:
    """Send what the outbox holds now (notices to citizens, the digest): in the terminal the
    sender runs between lines instead of in the background."""
    mark = len(session.requests)
    while await sender.run_once():
        pass
    return [m.text for m in session.requests[mark:] if isinstance(m, SendMessage)]


async def run_console(settings: Settings, user_id: int = 100) -> None:
    clock = create_clock(settings)
    bot = create_bot(settings, session=LocalSession(), clock=clock)
    dp = create_dispatcher(settings, clock=clock)
    chat = LocalChat(dp, bot, user_id=user_id, language_code=None)
    sender = OutboxSender(bot, dp["sessions"], dp["clock"],
                          throttle=Throttle(rate=settings.outbox_rate, per_chat_interval=0))
    print(BANNER)
    try:
        first = "/start"
        while True:
            line = first or (await asyncio.to_thread(_read)).strip()
            first = ""
            if line in ("/quit", "/exit", "\x04"):
                break
            if not line:
                continue
            for reply in await handle_line(chat, line):
                print("\n" + render(reply))
            for text in await deliver_outbox(sender, chat.session):
                print("\n(message from the outbox) " + plain(text))
    except EOFError:
        pass
    finally:
        await dp.emit_shutdown()
        await bot.session.close()
    print()


def _read() -> str:
    return input("\n> ")
