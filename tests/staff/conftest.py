"""The staff's side through the real dispatcher: a staff account (STAFF_IDS), the staff chat
(STAFF_CHAT_ID), a citizen, and submitted applications written through the repositories."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Chat
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_dispatcher
from bot.clock import Clock
from bot.config import Settings
from bot.console.chat import LocalChat
from storage.applications import ApplicationRepo
from storage.audit import AuditRepo
from storage.db import create_session_factory

STAFF = 555
CITIZEN = 100
STAFF_CHAT = -1001234567890
OTHER_GROUP = -1009999999999
TODAY = date(2015, 6, 3)
SUBMITTED = datetime(2015, 6, 1, 4, 0, tzinfo=UTC)  # 09:00 in Almaty
IIN = "850101400129"
PHONE = "+77011234567"
NAME = "Әлиева Гүлнұр Қайратқызы"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None, database_url=database_url, default_locale="kk", redis_url=None,
        staff_ids=[STAFF], staff_chat_id=STAFF_CHAT,
    )


@pytest.fixture
async def dp(settings: Settings, engine: AsyncEngine) -> AsyncIterator[Dispatcher]:
    dispatcher = create_dispatcher(settings, engine=engine, clock=Clock.fixed(TODAY))
    yield dispatcher
    await dispatcher.storage.close()


Submit = Callable[..., Any]


@pytest.fixture
def submit(engine: AsyncEngine) -> Submit:
    """Store a submitted application as the citizen's flow does; returns (id, reference)."""
    sessions = create_session_factory(engine)

    async def make(*, user_id: int = CITIZEN, iin: str = IIN, phone: str = PHONE,
                   name: str = NAME, at: datetime = SUBMITTED,
                   benefits: tuple[str, ...] = ("p9.11", "p9.6"),
                   situation: dict[str, Any] | None = None, age: int | None = None,
                   ) -> tuple[int, str]:
        from bot.rules import load_ruleset

        ruleset = load_ruleset()
        async with sessions() as session:
            repo = ApplicationRepo(session)
            app = await repo.create_draft(
                user_id=user_id, chat_id=user_id, language="kk", on_date=at.date(),
                screening={"answers": {"age": age}}, members_count=4, now=at)
            app.full_name, app.iin, app.phone = name, iin, phone
            app.birth_date = date(1985, 1, 1)
            app.settlement, app.address = "sholakkorgan", "Абай көшесі, 12"
            app.monthly_income = Decimal("48000")
            app.situation = situation if situation is not None else {
                "kind": "fire", "occurred_on": "2015-05-05",
                "description": "Үй өртеніп кетті"}
            await repo.save_draft(app, at)
            await repo.set_benefits(app.id, [
                {"benefit_id": b.id, "cite": b.cite, "amount_mci": b.amount_mci,
                 "up_to": b.up_to, "period": b.period, "months": b.months, "persons": 1}
                for b in (ruleset.benefits_by_id[i] for i in benefits)])
            await repo.set_members(app.id, [
                {"full_name": "Әлиев Қанат Серікұлы", "relation": "spouse",
                 "iin": "830202300127", "occupation": "works"},
                {"full_name": "Әлиева Айгүл", "relation": "child",
                 "birth_date": date(2010, 3, 12), "occupation": "pupil"},
                {"full_name": "Әлиев Ұлан", "relation": "child", "on_paper": True},
            ])
            await repo.add_attachment(
                app.id, item="id_document", telegram_file_id="f1", file_unique_id="u1",
                file_name="id.jpg", mime="image/jpeg", size=1000)
            await repo.record_consent(user_id, "1", at, app)
            reference = await repo.submit(app, at, at.year)
            await AuditRepo(session).record(app.id, user_id, "citizen", "submitted",
                                            "draft", "submitted", at=at)
            await session.commit()
            return app.id, reference

    return make


@pytest.fixture
def staff_chat(dp: Dispatcher, bot: Bot) -> Callable[..., LocalChat]:
    """A user writing in a group (the staff chat by default)."""

    def make(user_id: int = STAFF, chat_id: int = STAFF_CHAT,
             language_code: str | None = "ru") -> LocalChat:
        chat = LocalChat(dp, bot, user_id=user_id, language_code=language_code)
        chat.chat = Chat(id=chat_id, type="supergroup", title="Staff")
        return chat

    return make
