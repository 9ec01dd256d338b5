"""Retention on SQLite and PostgreSQL: forget_user erases exactly one user's records;
purge_expired erases conversations idle past the retention period and nothing else."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.applications import ApplicationRepo
from storage.models import Application, Consent, FSMState, Screening, User
from storage.repositories import ScreeningRepo, UserRepo
from storage.retention import erase_traces, forget_user, purge_expired

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def fsm_key(chat: int, user: int, destiny: str = "default", business: str = "") -> str:
    # storage.fsm.build_key: bot:chat:user:thread:business_connection:destiny
    return f"42:{chat}:{user}::{business}:{destiny}"


async def keys(session: AsyncSession) -> set[str]:
    return set(await session.scalars(select(FSMState.key)))


async def test_forget_user_erases_that_user_only(session: AsyncSession) -> None:
    for user_id in (7, 70, 17):
        await UserRepo(session).touch(user_id)
        await ScreeningRepo(session).save(user_id, {"income": user_id})
    mine = {fsm_key(7, 7), fsm_key(7, 7, destiny="application"), fsm_key(-100, 7, business="b:1")}
    theirs = {fsm_key(70, 70), fsm_key(17, 17), fsm_key(7, 70), fsm_key(-7, 17)}
    for key in mine | theirs:
        session.add(FSMState(key=key, state="S:step", data={"answers": {"x": 1}}))
    await session.commit()

    await forget_user(session, 7)
    await session.commit()
    await erase_traces(session)

    assert await keys(session) == theirs
    assert await session.get(User, 7) is None
    assert await ScreeningRepo(session).last(7) is None
    assert {u async for u in await session.stream_scalars(select(User.id))} == {70, 17}
    assert await session.scalar(select(func.count()).select_from(Screening)) == 2


async def _application(repo: ApplicationRepo, user_id: int, *, submit: bool) -> Application:
    app = await repo.create_draft(
        user_id=user_id, chat_id=user_id, language="kk", on_date=date(2026, 3, 1),
        screening={}, members_count=1, now=NOW,
    )
    await repo.record_consent(user_id, "2015.1", NOW, app)
    await repo.save_draft(app, NOW)
    if submit:
        await repo.submit(app, NOW, 2026)
    return app


async def test_forget_user_leaves_no_consent_with_their_id(session: AsyncSession) -> None:
    """A draft's consent goes with it, and so does one left by a draft erased before (its
    application id emptied); a submitted application keeps its consent, no longer whose."""
    repo = ApplicationRepo(session)
    sent = await _application(repo, 7, submit=True)
    await _application(repo, 7, submit=False)
    await repo.record_consent(7, "2015.1", NOW, None)  # a draft cancelled earlier
    theirs = await _application(repo, 70, submit=True)
    await session.commit()

    await forget_user(session, 7)
    await session.commit()

    consents = (await session.scalars(select(Consent).order_by(Consent.id))).all()
    assert [(c.user_id, c.application_id, c.text_version) for c in consents] == [
        (None, sent.id, "2015.1"),
        (70, theirs.id, "2015.1"),
    ]
    assert (await repo.consent_for(sent.id)) is consents[0]  # the application's PDF shows it
    assert [a.id for a in await session.scalars(select(Application).order_by(Application.id))
            ] == [sent.id, theirs.id]


async def test_forget_user_who_never_wrote_is_harmless(session: AsyncSession) -> None:
    await forget_user(session, 12345)
    await session.commit()


async def test_purge_erases_conversations_idle_past_the_period(session: AsyncSession) -> None:
    ages = {"fresh": 0, "29 days": 29, "31 days": 31, "a year": 365}
    for name, days in ages.items():
        session.add(FSMState(
            key=fsm_key(days, days), state=name, data={"answers": name},
            updated_at=NOW - timedelta(days=days),
        ))
    await UserRepo(session).touch(5)
    await ScreeningRepo(session).save(5, {"income": 1})
    await session.commit()

    erased = await purge_expired(session, older_than=timedelta(days=30), now=NOW)
    await session.commit()

    assert erased == 2
    assert await keys(session) == {fsm_key(0, 0), fsm_key(29, 29)}
    # The saved check and the user's language are not a conversation left unfinished.
    assert await ScreeningRepo(session).last(5) == {"income": 1}
    assert await session.get(User, 5) is not None
