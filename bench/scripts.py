"""The test personas' screenings (tests/test_screening.py), recorded once through our
dispatcher and replayed for as many citizens as a part needs, in process or over HTTP.

A script is a list of steps, one an update: the update as Telegram would send it (its user
RECORDED_USER, replaced by each citizen's own id), its kind (command, press, typed answer),
what was typed or pressed, which of the chat's sent messages a press is under (by order, so a
stand-in that numbers messages its own way can find it) and the Bot API calls it made.
"""

from __future__ import annotations

import itertools
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, Message, Update

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.console.chat import LocalChat
from bot.console.session import LocalSession
from tests.test_screening import (
    Persona,
    family_of_four_after_fire,
    lonely_veteran,
    low_income_family,
    nothing_to_get,
)

DAY = date(2015, 4, 20)  # decision No. 241 in force: every persona's benefits exist
RECORDED_USER = 987_650_001
Step = dict[str, Any]
Script = list[Step]


async def fire_family(p: Persona) -> str:
    await family_of_four_after_fire(p, "10.04.2015")
    await p.press("➖ None of these")
    return await p.result()


PERSONAS: list[tuple[Callable[[Persona], Awaitable[str]], str]] = [
    (lonely_veteran, "ru"), (fire_family, "kk"), (low_income_family, "ru"), (nothing_to_get, "kk"),
]


class RecordingChat(LocalChat):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.steps: Script = []
        self.sent: list[int] = []  # ids of the messages sent to this chat, in order

    async def _feed(self, update: Update) -> Any:
        step: Step = {"update": update.model_dump(mode="json", exclude_none=True),
                      "lang": self.user.language_code}
        if update.callback_query is not None:
            assert update.callback_query.message is not None
            step.update(kind="press", data=update.callback_query.data,
                        message=self.sent.index(update.callback_query.message.message_id))
        else:
            assert update.message is not None and update.message.text is not None
            text = update.message.text
            step.update(kind="command" if text.startswith("/") else "typed", text=text)
        mark = len(self.session.requests)
        replies = await super()._feed(update)
        made = list(zip(self.session.requests[mark:], self.session.results[mark:], strict=False))
        step["calls"] = [type(method).__name__ for method, _ in made]
        self.sent += [result.message_id for method, result in made
                      if isinstance(method, SendMessage) and isinstance(result, Message)]
        self.steps.append(step)
        return replies


async def record_scripts() -> list[Script]:
    """Each persona's screening once, on a SQLite file of its own."""
    from storage.migrate import upgrade_async

    scripts = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/record.db"
        await upgrade_async(url)
        settings = Settings(_env_file=None, database_url=url, redis_url=None)
        for n, (script, lang) in enumerate(PERSONAS):
            dp = create_dispatcher(settings, today=lambda: DAY)
            bot = create_bot(settings, session=LocalSession())
            user = RECORDED_USER + n + 1
            chat = RecordingChat(dp, bot, user_id=user, language_code=lang)
            await script(Persona(chat, dp["i18n"], lang))
            scripts.append(json.loads(json.dumps(chat.steps).replace(str(user),
                                                                     str(RECORDED_USER))))
            await dp.emit_shutdown()
    return scripts


async def scripts_from(path: str | None) -> list[Script]:
    """Scripts recorded by another process (a JSON file), or recorded here."""
    if path:
        with open(path) as file:
            return list(json.load(file))
    return await record_scripts()


class Citizens:
    """New citizens, each a persona's screening with a user id of their own."""

    def __init__(self, scripts: list[Script], first_user: int = 10_000_000) -> None:
        self.scripts = scripts
        self._raw = [json.dumps(s) for s in scripts]
        # Each update as JSON text, its user still RECORDED_USER (see update()).
        self._updates = [[json.dumps(step["update"]) for step in s] for s in scripts]
        self._users = itertools.count(first_user)
        self._personas = itertools.count()
        # Unique across runs on one database too: OnceMiddleware skips an id seen before.
        self._update_ids = itertools.count(time.time_ns() // 1000)

    def new(self) -> tuple[int, Script]:
        """The next citizen: their id and steps (personas in turn)."""
        user = next(self._users)
        raw = self._raw[next(self._personas) % len(self._raw)]
        return user, json.loads(raw.replace(str(RECORDED_USER), str(user)))

    def new_lean(self) -> tuple[int, int]:
        """The next citizen as their id and persona only: a crowd of them holds no updates."""
        return next(self._users), next(self._personas) % len(self._raw)

    def steps(self, persona: int) -> int:
        return len(self._updates[persona])

    def update(self, persona: int, at: int, user: int, bot: Bot) -> Update:
        """Step ``at`` of ``persona`` for ``user``, from its JSON text (as the poller reads
        getUpdates), numbered and bound to ``bot``."""
        data = json.loads(self._updates[persona][at].replace(str(RECORDED_USER), str(user)))
        data["update_id"] = next(self._update_ids)
        return Update.model_validate(data, context={"bot": bot})

    def bind(self, step: Step, bot: Bot) -> Update:
        """The step's update, numbered and bound to ``bot`` (an unbound update is validated
        again on every feed): what the poller gets from getUpdates."""
        data = dict(step["update"], update_id=next(self._update_ids))
        return Update.model_validate(data, context={"bot": bot})

    def make(self, count: int, bot: Bot) -> list[tuple[int, list[Update]]]:
        """``count`` citizens' updates, built beforehand (for the closed-loop runs)."""
        made = []
        for _ in range(count):
            user, steps = self.new()
            made.append((user, [self.bind(step, bot) for step in steps]))
        return made


def bare_dispatcher() -> Dispatcher:
    """Bare aiogram: one trivial handler per kind of update, MemoryStorage."""
    router = Router()

    @router.message()
    async def answer(message: Message) -> None:
        await message.answer("menu")

    @router.callback_query()
    async def press(query: CallbackQuery) -> None:
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text("screen")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


def store_settings(database_url: str, redis_url: str | None) -> Settings:
    return Settings(_env_file=None, database_url=database_url, redis_url=redis_url)


def ours(settings: Settings, bot_session: LocalSession) -> tuple[Dispatcher, Bot]:
    return create_dispatcher(settings, today=lambda: DAY), create_bot(settings,
                                                                      session=bot_session)
