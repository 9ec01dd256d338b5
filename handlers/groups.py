"""Groups and channels: the citizen conversation is private (health, income, IIN).

Asked there (a command, a mention of the bot or a reply to it), the bot says once a day per
group "write to me privately", and nothing else; other talk in the group gets no answer.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.clock import Clock
from handlers.filters import Magic

PRIVATE = F.chat.type == ChatType.PRIVATE
PRESSED_IN_PRIVATE = F.message.chat.type == ChatType.PRIVATE


def private_only(router: Router) -> Router:
    """A citizen conversation's router: it sees nothing of groups."""
    router.message.filter(Magic(PRIVATE))
    router.callback_query.filter(Magic(PRESSED_IN_PRIVATE))
    return router


async def in_group(message: Message, bot: Bot, fsm_storage: BaseStorage, clock: Clock) -> None:
    if not await _addressed(message, bot):
        return
    # One record per group (not per member), so a crowd typing /start gets one answer.
    key = StorageKey(bot_id=bot.id, chat_id=message.chat.id, user_id=message.chat.id)
    group = FSMContext(fsm_storage, key)
    today = clock.today().isoformat()
    if (await group.get_data()).get("told_private_on") == today:
        return
    await group.set_data({"told_private_on": today})
    me = await bot.me()
    link = f" @{me.username}" if me.username else ""
    await message.reply(_("I answer questions about assistance only in a private chat, so that "
                          "your answers stay private. Please write to me there:{link}").format(
                              link=link))


async def _addressed(message: Message, bot: Bot) -> bool:
    text = message.text or message.caption or ""
    me = await bot.me()
    if text.startswith("/"):  # a command, unless it names another bot (/start@other_bot)
        mention = text.split(maxsplit=1)[0].partition("@")[2]
        return not mention or mention.casefold() == (me.username or "").casefold()
    if me.username and f"@{me.username}".casefold() in text.casefold():
        return True
    replied = message.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.id == me.id


async def pressed_in_group(query: CallbackQuery) -> None:
    await query.answer()


def build_router() -> Router:
    """Included last: whatever of a group no other router (staff) took."""
    router = Router(name="groups")
    router.message.register(in_group, Magic(~PRIVATE))
    router.callback_query.register(pressed_in_group, Magic(~PRESSED_IN_PRIVATE))
    return router


